"""Stance summaries, exports, charts, the HTML report (also in a real headless Chromium) and
the pandas API, over a real annotated and tagged SQLite corpus. The web view is tested in
test_serve.py."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest

from discourse import Corpus
from discourse.use.summary import adjusted_shares, summary, wilson

from .conftest import ROOT, run_cli, write_jsonl

SEED = ROOT / "corpora" / "labels" / "stance.jsonl"


# ------------------------------------------------------------------ the arithmetic


def test_wilson_interval_matches_published_values():
    lo, hi = wilson(8, 10)  # Wilson (1927) / Newcombe (1998) worked example: 0.490-0.943
    assert round(lo, 3) == 0.490 and round(hi, 3) == 0.943
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and round(hi, 3) == 0.161
    assert wilson(0, 0) == (0.0, 1.0)


def test_adjusted_classify_and_count_recovers_the_true_shares():
    # confusion rows = true (favor, against, neutral), columns = tagged
    confusion = [[70, 20, 10], [15, 75, 10], [10, 10, 80]]
    true = np.array([0.5, 0.2, 0.3])
    M = (np.array(confusion) / np.array(confusion).sum(1, keepdims=True)).T
    observed = M @ true  # what a classifier with these error rates would report
    counts = {lb: int(round(v * 10000)) for lb, v in zip(("favor", "against", "neutral"), observed)}
    adj = adjusted_shares(counts, confusion)
    assert adj == pytest.approx(dict(zip(("favor", "against", "neutral"), true)), abs=2e-3)
    raw_favor = counts["favor"] / sum(counts.values())
    assert abs(raw_favor - 0.5) > 0.05  # classify-and-count alone is off
    assert adjusted_shares(counts, None) is None
    assert adjusted_shares(counts, [[1, 0, 0], [1, 0, 0], [0, 0, 1]]) is None  # not invertible


# ------------------------------------------------------------------ summaries


def _sql_counts(db, by_holder=False):
    with Corpus(db) as c:
        rows = c.db.execute(
            "SELECT t.target, c.holder_kind, t.label, COUNT(*), COUNT(DISTINCT c.document_id) "
            "FROM stance_tags t JOIN claims c ON c.id = t.claim_id "
            "JOIN models m ON m.version = t.model_version AND m.is_current = 1 "
            "GROUP BY 1, 2, 3"
        ).fetchall()
    out: dict = {}
    for target, holder, label, n, _ in rows:
        key = (target, holder) if by_holder else (target,)
        out.setdefault(key, {}).setdefault(label, 0)
        out[key][label] += n
    return out


def test_adjusted_share_intervals_cover_the_estimate_and_narrow_with_more_measured_pairs():
    from discourse.use.summary import adjusted_intervals

    counts = {"favor": 50, "against": 30, "neutral": 20}
    rates = [[18, 1, 1], [1, 18, 1], [1, 1, 18]]  # 20 measured pairs per true label
    point = adjusted_shares(counts, rates)
    few = adjusted_intervals(counts, rates)
    many = adjusted_intervals(
        {k: 10 * v for k, v in counts.items()}, [[10 * v for v in row] for row in rates]
    )
    for lb in ("favor", "against", "neutral"):
        assert few[lb][0] <= point[lb] <= few[lb][1]
        assert many[lb][1] - many[lb][0] < few[lb][1] - few[lb][0]
    # rates that barely tell favor from against: the interval says the correction says little
    blurred = adjusted_intervals(counts, [[6, 5, 2], [5, 4, 3], [3, 1, 5]])
    assert blurred is None or blurred["favor"][1] - blurred["favor"][0] > 0.5
    assert adjusted_intervals(counts, None) is None
    # the same seed gives the same interval
    assert adjusted_intervals(counts, rates) == few


def test_summary_counts_shares_and_intervals_agree_with_the_tags(tagged):
    with Corpus(tagged) as c:
        s = summary(c, by=["holder"])
    expected = _sql_counts(tagged, by_holder=True)
    assert {(r["target"], r["holder"]) for r in s.rows} == set(expected)
    for r in s.rows:
        counts = expected[(r["target"], r["holder"])]
        n = sum(counts.values())
        assert r["claims"] == n and all(r[lb] == counts.get(lb, 0) for lb in counts)
        assert r["share_favor"] == pytest.approx(counts.get("favor", 0) / n)
        lo, hi = wilson(counts.get("against", 0), n)
        assert (r["share_against_low"], r["share_against_high"]) == pytest.approx((lo, hi))
        assert r["small"] == (n < 30)
        assert 0 < r["documents"] <= n
        adjusted = [r[f"adjusted_{lb}"] for lb in ("favor", "against", "neutral")]
        assert sum(adjusted) == pytest.approx(1.0)  # the bundled model has rates per target
        for lb in ("favor", "against", "neutral"):
            lo, hi = r[f"adjusted_{lb}_low"], r[f"adjusted_{lb}_high"]
            assert lo is None or lo <= r[f"adjusted_{lb}"] <= hi
    assert any(r["small"] for r in s.rows) and any(not r["small"] for r in s.rows)


def test_summary_table_shows_adjusted_shares_with_their_intervals(tagged):
    from discourse.use.summary import format_table

    with Corpus(tagged) as c:
        s = summary(c, by=["holder"])
    lines = format_table(s).splitlines()
    assert "adjusted favor" in lines[0] and "adjusted neutral" in lines[0]
    for r, line in zip(s.rows, lines[1:]):
        shown = re.findall(r"(\d+)% \[\s*(\d+)%-\s*(\d+)%\]", line)
        if r["small"]:  # raw shares only: too few claims to correct
            assert len(shown) == 3 and "—" in line
            continue
        lo, hi = r["adjusted_favor_low"], r["adjusted_favor_high"]
        if lo is None:
            continue
        assert len(shown) == 6
        assert shown[3] == tuple(str(round(100 * v)) for v in (r["adjusted_favor"], lo, hi))
    assert "[bootstrap 95% interval]" in format_table(s)


def test_summary_cli_formats_and_export_read_back_with_pandas(tagged, tmp_path):
    pd = pytest.importorskip("pandas")
    res = run_cli("--db", str(tagged), "summary", "--by", "source,year", "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["rows"]
    assert {r["source"] for r in rows} == {
        "Riverside Voices",
        "Northgate Gazette",
        "Ashford Council",
    }
    res = run_cli("--db", str(tagged), "summary", "--by", "source,year", "--format", "csv")
    from_csv = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [int(r["claims"]) for r in from_csv] == [r["claims"] for r in rows]
    out = tmp_path / "s.parquet"
    res = run_cli(
        "--db",
        str(tagged),
        "export",
        "summary",
        "--by",
        "source,year",
        "--format",
        "parquet",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out)
    assert list(df["claims"]) == [r["claims"] for r in rows]
    assert df["share_favor"].tolist() == pytest.approx([r["share_favor"] for r in rows])
    table = run_cli("--db", str(tagged), "summary", "--target", "co-production").stdout
    assert "co-production" in table and "community-engagement" not in table.split("\n")[1]
    assert "adjusted" in table and "Wilson" in table


@pytest.mark.parametrize(
    "args, message",
    [
        (["summary", "--by", "colour"], "--by 'colour': unknown field"),
        (["summary", "--target", "localism"], "unknown target 'localism'"),
        (["summary", "--since", "last year"], "--since 'last year' is not a date"),
        (["chart", "--target", "co-production", "--out", "c.jpg"], ".png or .svg"),
    ],
)
def test_bad_summary_requests_get_one_clear_message(tagged, tmp_path, args, message):
    res = run_cli("--db", str(tagged), *args, cwd=tmp_path)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_empty_or_untagged_corpus_says_so(tmp_path):
    db = tmp_path / "c.db"
    res = run_cli("--db", str(db), "init")
    assert res.returncode == 0
    for cmd in (["summary"], ["report", "--out", "r.html"]):
        res = run_cli("--db", str(db), *cmd, cwd=tmp_path)
        assert res.returncode == 2 and "empty" in res.stderr
    write_jsonl(tmp_path / "d.jsonl", [{"url": "http://a.example/1", "text": "Some words here."}])
    run_cli("--db", str(db), "import", str(tmp_path / "d.jsonl"))
    for cmd in (
        ["summary"],
        ["report", "--out", "r.html"],
        ["chart", "--target", "co-production", "--out", "c.png"],
    ):
        res = run_cli("--db", str(db), *cmd, cwd=tmp_path)
        assert res.returncode == 2 and "no stance tags yet" in res.stderr
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "c.png").exists()


# ------------------------------------------------------------------ charts and report


def test_chart_png_and_svg(tagged, tmp_path):
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    for out, by in ((png, "year"), (svg, "quarter")):
        res = run_cli(
            "--db",
            str(tagged),
            "chart",
            "--target",
            "community-engagement",
            "--by",
            by,
            "--out",
            str(out),
        )
        assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    text = svg.read_text()
    assert text.count("<path") > 20 and "2009-Q" in text and "Northgate Gazette" in text


def test_report_is_self_contained_and_complete(tagged, tmp_path):
    out = tmp_path / "report.html"
    res = run_cli("--db", str(tagged), "report", "--out", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text()
    import re

    # nothing to fetch: no scripts, stylesheets or images from anywhere
    assert not re.search(r"<(script|img|iframe)\b", html)
    assert not re.search(r"<link\b[^>]*href=", html) and "@import" not in html
    assert html.count("<svg") >= 4  # overview + one per target
    with Corpus(tagged) as c:
        version = c.stance.current_model()["version"]
        favorite = c.queries.top_claims("co-production", "favor", 1)[0]
    assert version in html and "adjusted" in html and "Wilson" in html
    assert f'href="{favorite["url"]}"' in html
    for name in ("Co-production", "Community engagement", "The communities agenda"):
        assert name in html
    assert "Holders most often quoted" in html


def test_query_results_to_pandas(tagged):
    pytest.importorskip("pandas")
    with Corpus(tagged) as c:
        hits = c.query("co-production", target="co-production", limit=20)
        df = hits.to_pandas()
    assert len(df) == len(hits) > 0
    assert {"text", "source", "published", "url", "stance", "model_version"} <= set(df.columns)
    assert df["stance"].isin(["favor", "against", "neutral"]).all()


# ------------------------------------------------------------------ the report in a browser


def test_browser_screenshot_of_the_report_shows_its_charts(tagged, browser, tmp_path):
    from PIL import Image

    out = tmp_path / "report.html"
    assert run_cli("--db", str(tagged), "report", "--out", str(out)).returncode == 0
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(out.as_uri())
    charts = page.locator(".chart svg")
    assert charts.count() >= 4
    box = charts.nth(1).bounding_box()  # the first target's stance chart
    assert box and box["width"] > 600 and box["height"] > 200
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    img = Image.open(shot).convert("RGB")
    pixels = np.asarray(img).reshape(-1, 3).astype(int)

    def near(rgb):
        return int((np.abs(pixels - np.array(rgb)).sum(1) < 40).sum())

    assert near((0x1B, 0x78, 0x37)) > 2000  # favor green: lines, bands and outlet bars drawn
    assert near((0xB2, 0x18, 0x2B)) > 2000  # against red
    assert img.height > 2000  # the whole report, not a blank first screen


def test_claims_export_carries_the_current_stance_tags(tagged, tmp_path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "claims.parquet"
    res = run_cli("--db", str(tagged), "export", "claims", "--format", "parquet", "--out", str(out))
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out)
    with Corpus(tagged) as c:
        tags = c.db.execute(
            "SELECT COUNT(*) FROM stance_tags t JOIN models m ON m.version = t.model_version "
            "AND m.is_current = 1"
        ).fetchone()[0]
        claims = c.db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        untagged = c.db.execute(
            "SELECT COUNT(*) FROM claims c WHERE NOT EXISTS "
            "(SELECT 1 FROM stance_tags t WHERE t.claim_id = c.id)"
        ).fetchone()[0]
    assert df["stance"].notna().sum() == tags and df["stance"].isna().sum() == untagged
    assert df["claim_id"].nunique() == claims
    assert set(df["stance"].dropna()) <= {"favor", "against", "neutral"}
    assert {"target", "stance_score", "stance_uncertain", "model_version", "url"} <= set(df.columns)
