"""The real-text benchmark's page-bootstrap intervals and holder breakdown (on made-up
records: the benchmark's sentences are never copied into the project)."""

import numpy as np
import pytest

from benchmarks.realtext import holder_outcomes, pair_scores, same_holder, stance_intervals

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
