"""The real-text benchmark's page-bootstrap intervals and holder breakdown (on made-up
records: the benchmark's sentences are never copied into the project)."""

import json

import numpy as np
import pytest

from benchmarks.realtext import (
    credited_to_a_source,
    holder_intervals,
    holder_outcomes,
    pair_scores,
    same_holder,
    second_annotator,
    stance_intervals,
)

TARGETS = ["co-production", "community-engagement"]


def _records(n_pages=12, per_page=4, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for p in range(n_pages):
        for k in range(per_page):
            out.append(
                {
                    "id": f"r{p}-{k}",
                    "url": f"http://example.invalid/{p}",
                    "stances": {t: str(rng.choice(["favor", "against", "none"])) for t in TARGETS},
                }
            )
    return out


def _noisy(records, flip, seed):
    rng = np.random.default_rng(seed)
    return {
        t: [
            str(rng.choice(["favor", "against", "none"]))
            if rng.random() < flip
            else r["stances"][t]
            for r in records
        ]
        for t in TARGETS
    }


def test_intervals_hold_the_point_figure_and_pair_the_margin():
    records = _records()
    gold = {t: [r["stances"][t] for r in records] for t in TARGETS}
    ours, peer = _noisy(records, 0.3, 2), _noisy(records, 0.7, 3)
    iv = stance_intervals(records, TARGETS, ours, peer)
    point = pair_scores(records, TARGETS, ours)["f_avg"]
    margin = point - pair_scores(records, TARGETS, peer)["f_avg"]
    lo, hi = iv["f_avg_95"]
    assert iv["pages"] == 12 and lo < point < hi and hi - lo > 0.02
    assert iv["margin_95"][0] < margin < iv["margin_95"][1]
    # perfect predictions: no spread; the same predictions as the peer: no margin on any draw
    assert stance_intervals(records, TARGETS, gold, peer)["f_avg_95"] == (1.0, 1.0)
    assert stance_intervals(records, TARGETS, ours, ours)["margin_95"] == (0.0, 0.0)


def test_pages_not_sentences_are_drawn():
    # every error sits on one page: drawing pages makes the figure swing with that page
    records = _records(n_pages=10, per_page=6)
    ours = {t: [r["stances"][t] for r in records] for t in TARGETS}
    for k, r in enumerate(records):
        if r["url"].endswith("/0"):
            for t in TARGETS:
                ours[t][k] = {"favor": "against", "against": "favor", "none": "favor"}[
                    r["stances"][t]
                ]
    iv = stance_intervals(records, TARGETS, ours, ours)
    lo, hi = iv["f_avg_95"]
    assert iv["pages"] == 10
    assert hi == 1.0 and lo < 0.85  # draws without page 0 are perfect, with it twice are not
    # the same six wrong sentences spread one per page: the draws vary less
    flip = {"favor": "against", "against": "favor", "none": "favor"}
    spread = {t: [r["stances"][t] for r in records] for t in TARGETS}
    for page in range(6):
        k = page * 6 + page  # the page-th sentence of page `page`
        for t in TARGETS:
            spread[t][k] = flip[records[k]["stances"][t]]
    slo, shi = stance_intervals(records, TARGETS, spread, spread)["f_avg_95"]
    assert shi - slo < hi - lo


def test_holder_misses_are_sorted_and_the_ceiling_counts_names_a_reader_can_see():
    def rec(text, holder, context="", title="", is_claim=True):
        return {
            "text": text,
            "context": context,
            "page_title": title,
            "holder": holder,
            "is_claim": is_claim,
        }

    records = [
        rec("Co-production works, said Dr Ann Lee.", "Ann Lee"),
        rec("It works.", "Ann Lee", context="Ann Lee spoke first."),
        rec("It works.", "Bob Hale", title="Interview: Bob Hale"),
        rec("It works.", "Cy Rowe"),  # named nowhere in the record
        rec("It fails.", "Di Moss", context="Di Moss and Ed Park spoke."),
        rec("It is good.", "author"),  # not quoted: not counted
        rec("Hello.", None, is_claim=False),
    ]
    holders = ["Ann Lee", "she", None, "author", "Ed Park", "author", None]
    res = holder_outcomes(records, holders)
    assert res["claims"] == 5 and res["named_in_record"] == 4
    assert res["outcomes"] == {
        "right": 1,
        "no claim found": 1,
        "given to the author": 1,
        "pronoun left": 1,
        "another source": 1,
    }
    # the same outcomes for the four claims a reader of the record could get right
    assert res["reachable_outcomes"] == {
        "right": 1,
        "no claim found": 1,
        "given to the author": 0,
        "pronoun left": 1,
        "another source": 1,
    }


@pytest.mark.parametrize(
    "pred, gold, same",
    [
        ("Stuart Carroll", "Cllr Stuart Carroll", True),
        ("Mr Higgie", "Charles Higgie", True),  # the same surname
        ("Hughes,", "Elizabeth Hughes", True),
        ("The report", "the report", True),
        ("he", "Stephen Hale", False),  # letters of the name, not a name
        ("it", "Jane Smith", False),
        ("She", "Shelley Crowe", False),  # a pronoun names no one
        ("Ann", "Annabel Smith", False),
        ("author", "Annabel Smith", False),
        (None, "Annabel Smith", False),
    ],
)
def test_holders_match_by_words_not_letters(pred, gold, same):
    assert same_holder(pred, gold) is same


def _quoted_records(n_pages=10, per_page=3):
    """Quoted claims (holder a name), one author claim per page and a non-claim."""
    out = []
    for p in range(n_pages):
        url = f"http://example.invalid/{p}"
        for k in range(per_page):
            out.append(
                {
                    "id": f"q{p}-{k}",
                    "url": url,
                    "split": "test",
                    "is_claim": True,
                    "holder": f"Ann Lee{p}",
                    "text": f"Ann Lee{p} said it works.",
                    "context": "",
                }
            )
        out.append(
            {
                "id": f"a{p}",
                "url": url,
                "split": "test",
                "is_claim": True,
                "holder": "author",
                "text": "It works.",
                "context": "",
            }
        )
        out.append(
            {
                "id": f"n{p}",
                "url": url,
                "split": "test",
                "is_claim": False,
                "holder": None,
                "text": "Share this.",
                "context": "",
            }
        )
    return out


def test_holder_intervals_resample_pages_of_quoted_claims_only():
    records = _quoted_records()
    right = [r["holder"] for r in records]
    # every quoted claim right but those of page 0; the author claims and non-claims are
    # given to someone else, which quoted-holder accuracy does not see
    ours = [
        "Bob Hale" if r["id"].startswith("q0-") else (h if h != "author" else "Bob Hale")
        for r, h in zip(records, right)
    ]
    iv = holder_intervals(records, ours, ["author"] * len(records))
    lo, hi = iv["accuracy_95"]
    assert iv["pages"] == 10  # pages with a quoted claim
    assert hi == 1.0 and lo < 0.9  # draws without page 0 are perfect, with it twice are not
    assert iv["margin_95"] == (lo, hi)  # the peer gets none right: the margin is ours
    assert holder_intervals(records, right, right)["accuracy_95"] == (1.0, 1.0)
    assert holder_intervals(records, right, right)["margin_95"] == (0.0, 0.0)
    no_quotes = [r for r in records if r["holder"] in (None, "author")]
    assert holder_intervals(no_quotes, [None] * len(no_quotes), [None] * len(no_quotes)) == {}


def test_author_claims_credited_to_a_source_count_only_named_sources():
    records = _quoted_records(n_pages=4)
    right = [r["holder"] for r in records]
    assert credited_to_a_source(records, right) == (0.0, 4)
    # crediting every claim to someone wins quoted-holder accuracy and shows here
    everyone = [r["holder"] if r["holder"] != "author" else "Ann Lee0" for r in records]
    assert credited_to_a_source(records, everyone) == (1.0, 4)
    # an author claim the detector misses is not put in anyone's mouth
    missed = [None if r["holder"] == "author" else h for r, h in zip(records, right)]
    assert credited_to_a_source(records, missed) == (0.0, 4)


def test_the_second_annotator_is_scored_on_the_labels_scored(tmp_path):
    records = _quoted_records(n_pages=2, per_page=2)
    second = tmp_path / "second.jsonl"
    rows = []
    for r in records:
        row = {"id": r["id"], "is_claim": r["is_claim"], "holder": r["holder"]}
        if r["id"] == "q0-0":
            row["holder"] = "author"  # one quoted claim given to the author
        if r["id"] == "q1-1":
            row.update(is_claim=False, holder=None)  # one not seen as a claim
        rows.append(json.dumps(row))
    second.write_text("\n".join(rows) + "\n")
    res = second_annotator(records, second)
    assert res["quoted_holder"] == (0.5, 4)
    assert res["named_in_record"] == 4 and res["right_of_named"] == 2
    # off the test split, or without the file: no figure
    assert second_annotator([{**r, "split": "dev"} for r in records], second) is None
    assert second_annotator(records, tmp_path / "absent.jsonl") is None
