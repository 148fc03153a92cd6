"""benchmarks/extraction.py: both metrics, the ScrapingHub runner on a one-page copy of its
layout, and the snippet-set mode on tests/fixtures/extraction-eval/ (trafilatura's
evaluation format). None of these need the shared benchmark data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks import extraction as bench

EVAL = Path(__file__).parent / "fixtures" / "extraction-eval"
SPEC = json.loads((EVAL / "evaldata.json").read_text(encoding="utf-8"))

P1 = (
    "The city council voted on Tuesday to expand the community garden programme to four "
    "more neighbourhoods, after a year in which volunteers grew more than two tonnes of "
    "vegetables on formerly vacant lots."
)
P2 = (
    "Residents who spoke at the meeting said the gardens had become places where neighbours "
    "who had never met now work side by side every weekend, and several asked for longer "
    "opening hours in the summer."
)
P3 = (
    "The expansion will be funded from the parks budget, and the first new plots are expected "
    "to open next spring once the soil has been tested and raised beds have been built."
)
PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Council expands community gardens | Riverside Gazette</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<main><article><h1>Council expands community gardens</h1>
<div class="entry-content"><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></article></main>
<footer><p>Copyright 2024 Riverside Gazette. All rights reserved.</p></footer></body></html>"""


@pytest.fixture
def scrapinghub_copy(tmp_path):
    """A one-page data folder laid out as the ScrapingHub set."""
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "p1.html.gz").write_bytes(gzip.compress(PAGE.encode("utf-8")))
    truth = {"p1": {"articleBody": "\n\n".join([P1, P2, P3]), "url": "https://example.org/a"}}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return tmp_path


# ---------------------------------------------------------------- the shingle metric


def test_metric_identical_texts():
    t = "The quick brown fox jumps over the lazy dog."
    m = bench.score([(t, t), ("One two three four five", "One, two; three four five!")])
    assert m == {"f1": 1.0, "precision": 1.0, "recall": 1.0, "accuracy": 1.0}


def test_metric_disjoint_texts():
    m = bench.score([("alpha beta gamma delta epsilon", "one two three four five six")])
    assert m["precision"] == 0.0 and m["recall"] == 0.0 and m["f1"] == 0.0
    assert m["accuracy"] == 0.0


def test_metric_hand_computed():
    # truth shingles: (a b c d), (b c d e); predicted: (a b c d), (b c d x)
    # -> tp = fp = fn = 1, normalised 1/3 each -> P = R = 1/2 on this page
    assert bench.shingle_match("a b c d e", "a b c d x") == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    # shingles are counted with repeats: truth has (a b c d) twice + 3 others, pred once
    # -> tp = 1, fp = 0, fn = 4 -> P = 1, R = 1/5
    assert bench.shingle_match("a b c d a b c d", "a b c d") == pytest.approx((0.2, 0.0, 0.8))
    pages = [
        ("a b c d e", "a b c d x"),  # P 0.5, R 0.5
        ("a b c d a b c d", "a b c d"),  # P 1.0, R 0.2
        ("w x y z", "w x y z"),  # P 1.0, R 1.0, identical tokens
        ("some truth text here", ""),  # no prediction: out of P, R = 0
    ]
    m = bench.score(pages)
    p, r = (0.5 + 1.0 + 1.0) / 3, (0.5 + 0.2 + 1.0 + 0.0) / 4
    assert m["precision"] == pytest.approx(p)
    assert m["recall"] == pytest.approx(r)
    assert m["f1"] == pytest.approx(2 * p * r / (p + r))
    assert m["accuracy"] == pytest.approx(1 / 4)


def test_metric_tokenises_unicode_and_ignores_punctuation():
    assert bench.tokenize("Größe: 10 €, naïve café!") == ["Größe", "10", "naïve", "café"]
    assert (
        bench.score([("Äpfel und Birnen sind Obst", "Äpfel, und Birnen sind Obst.")])["f1"] == 1.0
    )


# ---------------------------------------------------------------- the snippet metric


def test_snippet_counts_match_whitespace_normalised_substrings():
    item = {"with": ["two  tonnes\nof vegetables", "not in the text"], "without": ["Home"]}
    text = "Volunteers grew two tonnes of\tvegetables.\nHome | News"
    assert bench.snippet_counts(item, text) == (1, 1, 1, 0)  # tp, fp, fn, tn
    assert bench.snippet_counts(item, "") == (0, 0, 2, 1)
    assert bench.snippet_counts(item, None) == (0, 0, 2, 1)


def test_snippet_score_sums_pages_before_dividing():
    # page 1: tp 3, fp 1, fn 1, tn 2; page 2: tp 1, fp 0, fn 3, tn 4
    m = bench.snippet_score([(3, 1, 1, 2), (1, 0, 3, 4)])
    assert m["precision"] == pytest.approx(4 / 5)
    assert m["recall"] == pytest.approx(4 / 8)
    assert m["f1"] == pytest.approx(2 * 4 / (2 * 4 + 1 + 4))
    assert m["accuracy"] == pytest.approx((4 + 6) / 15)
    assert bench.snippet_score([]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0, "accuracy": 0.0}


# ---------------------------------------------------------------- the snippet-set mode


def test_snippet_set_is_read_in_trafilaturas_format():
    pages = bench.load_snippets(EVAL)
    assert [p.id for p in pages] == list(SPEC)
    by_id = {p.id: p for p in pages}
    # a URL key is the page's URL; another key is only a name
    assert by_id["https://eastfield.example.org/transport/bus-timetable"].url == (
        "https://eastfield.example.org/transport/bus-timetable"
    )
    assert by_id["quartier-libre-marche"].url is None
    # the windows-1252 page is decoded by its <meta> charset
    assert "place de l’Église" in by_id["quartier-libre-marche"].html
    assert by_id["quartier-libre-marche"].truth == {
        "with": SPEC["quartier-libre-marche"]["with"],
        "without": SPEC["quartier-libre-marche"]["without"],
    }


def test_snippet_set_scores_discourse_and_both_trafilatura_modes_side_by_side():
    res = bench.run_snippets(EVAL, repeats=1)
    assert res["pages"] == len(SPEC)
    assert res["snippets"] == sum(len(v["with"]) + len(v["without"]) for v in SPEC.values())
    ex = res["extractors"]
    assert {"discourse", "trafilatura-fast", "trafilatura-default"} <= set(ex)
    # every score comes from that extractor's own output
    for name, m in ex.items():
        counts = [bench.snippet_counts(SPEC[key], res["outputs"][name][key]) for key in SPEC]
        assert m["f1"] == pytest.approx(bench.snippet_score(counts)["f1"])
        assert m["cpu_seconds"] > 0
    # the bus page keeps its body below an intro block: the fast mode stops at the intro,
    # discourse falls back to trafilatura's full mode as the default mode does
    bus = "https://eastfield.example.org/transport/bus-timetable"
    assert "every twelve minutes" not in res["outputs"]["trafilatura-fast"][bus]
    assert "every twelve minutes" in res["outputs"]["discourse"][bus]
    assert ex["discourse"]["recall"] == 1.0 and ex["discourse"]["precision"] == 1.0
    assert ex["trafilatura-fast"]["recall"] < 1.0
    for peer in ("trafilatura-fast", "trafilatura-default"):
        r = res["ratios"][peer]
        assert r["f1"] == pytest.approx(ex["discourse"]["f1"] / ex[peer]["f1"])
        assert r["speed"] == pytest.approx(ex[peer]["cpu_seconds"] / ex["discourse"]["cpu_seconds"])


def test_benchmark_prints_both_sets_with_cpu_time_ratios(scrapinghub_copy, capsys):
    assert bench.main(["--data", str(scrapinghub_copy), "--snippets", str(EVAL)]) == 0
    out = capsys.readouterr().out
    assert "ScrapingHub article-extraction set, 1 pages" in out
    assert f"snippet set {EVAL}, {len(SPEC)} pages" in out
    for peer in ("trafilatura-fast", "trafilatura-default"):
        assert out.count(f"discourse / {peer}: F1 x") == 2  # once per set
    assert out.count("(CPU time)") == 4


def test_snippet_file_can_live_elsewhere(tmp_path):
    spec = {"only": SPEC["quartier-libre-marche"]}
    (tmp_path / "snippets.json").write_text(json.dumps(spec), encoding="utf-8")
    pages = bench.load_snippets(EVAL, tmp_path / "snippets.json")
    assert [p.id for p in pages] == ["only"]


@pytest.mark.parametrize(
    "spec, says",
    [
        (None, "no snippet file"),
        ("{not json", "not a readable JSON snippet file"),
        (json.dumps({"a": {"file": "a.html", "with": "one"}}), 'needs a "file"'),
        (json.dumps({"a": {"file": "absent.html", "with": [], "without": []}}), "absent.html"),
    ],
)
def test_a_bad_snippet_set_is_one_clear_line(tmp_path, capsys, spec, says):
    if spec is not None:
        (tmp_path / "evaldata.json").write_text(spec, encoding="utf-8")
    code = bench.main(["--data", str(tmp_path / "none"), "--snippets", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert says in err and err.count("\n") == 1


# ---------------------------------------------------------------- the ScrapingHub runner


def test_benchmark_skips_without_data(tmp_path, capsys):
    assert bench.run(tmp_path / "absent") == {
        "skipped": f"benchmark data not found at {tmp_path / 'absent'}"
    }
    assert bench.main(["--data", str(tmp_path / "absent"), "--check"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_benchmark_runs_and_checks_on_a_tiny_dataset(scrapinghub_copy, tmp_path, monkeypatch):
    res = bench.run(scrapinghub_copy, repeats=1)
    assert res["pages"] == 1
    assert res["extractors"]["discourse"]["f1"] == 1.0
    assert set(res["extractors"]) == set(bench.EXTRACTORS)
    assert set(res["ratios"]) == {"trafilatura-fast", "trafilatura-default"}

    baselines = tmp_path / "baselines.json"
    baselines.write_text(json.dumps({"other": {"x": 1}, "extraction": {"f1_floor": 0.5}}))
    monkeypatch.setattr(bench, "BASELINES", baselines)
    args = ["--data", str(scrapinghub_copy), "--repeats", "1"]
    assert bench.main([*args, "--check"]) == 0
    baselines.write_text(json.dumps({"extraction": {"f1_floor": 1.01}}))
    assert bench.main([*args, "--check"]) == 1
    # --pin rewrites only the "extraction" entry
    baselines.write_text(json.dumps({"other": {"x": 1}}))
    assert bench.main([*args, "--pin"]) == 0
    pinned = json.loads(baselines.read_text())
    assert pinned["other"] == {"x": 1}
    assert pinned["extraction"]["f1_floor"] == pytest.approx(1.0 - bench.FLOOR_MARGIN)
    assert pinned["extraction"]["speed_ratio_vs_trafilatura_fast"] > 0
    assert pinned["extraction"]["speed_ratio_vs_trafilatura_default"] > 0
