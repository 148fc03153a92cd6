"""The HTML report: links only to http(s), scores as confidence, claims shown as written,
per-holder counts that add up, and no adjusted shares from too few claims."""

from __future__ import annotations

import sqlite3

import lxml.html
import pytest

from discourse import Corpus
from discourse.use.report import build_report


@pytest.fixture(scope="module")
def report(tagged, tmp_path_factory):
    """The report of a copy of the tagged corpus in which the most confident claim for
    co-production sits in a document with a javascript: URL and no source, and is written
    with its own quote marks, a line break and doubled spaces."""
    db = tmp_path_factory.mktemp("report") / "corpus.db"
    with sqlite3.connect(tagged) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    with Corpus(db) as c:
        top = c.queries.top_claims("co-production", "favor", 1)[0]
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE documents SET canonical_url = 'javascript:alert(document.cookie)', "
            "source_id = NULL WHERE id = ?",
            (top["document_id"],),
        )
        conn.execute(
            "UPDATE sentences SET text = ? WHERE id = (SELECT sentence_id FROM claims WHERE id = ?)",
            ('"Co-production  works,"\n she said.', top["claim_id"]),
        )
    with Corpus(db) as c:
        html = build_report(c)
    return html, lxml.html.fromstring(html), top


def test_only_http_urls_become_links(report):
    html, tree, _ = report
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert hrefs and all(h.startswith(("http://", "https://", "#")) for h in hrefs), hrefs
    assert "javascript:" not in "".join(hrefs)
    assert "javascript:alert(document.cookie): not an http(s) link" in tree.text_content()


def test_scores_read_as_confidence(report):
    html, tree, _ = report
    sources = [p.text_content() for p in tree.find_class("src")]
    assert sources and all(" · confidence 0." in s for s in sources)
    assert "p = " not in tree.text_content()


def test_claims_keep_their_own_quote_marks_and_no_stray_spaces(report):
    html, tree, top = report
    quotes = [bq.findtext("p") for bq in tree.iter("blockquote")]
    assert '"Co-production works," she said.' in quotes
    assert not any(q[0] in "“‘" and q[1] in "\"'“‘" for q in quotes)  # no doubled marks
    assert "\u201c" not in html  # the report adds none
    for p in tree.find_class("src"):
        text = p.text_content()
        assert "  " not in text and "· ·" not in text and not text.endswith(" "), text


def _rows(table):
    return [[td.text_content().strip() for td in tr.findall("td")] for tr in table.iter("tr")][1:]


def test_per_holder_counts_add_up_to_the_claim_total(report):
    _, tree, _ = report
    sections = 0
    for h2 in tree.iter("h2"):
        table = h2.getnext()
        while table is not None and table.tag != "table":
            table = table.getnext()
        if table is None or not h2.get("id") or h2.get("id") in ("overview", "holders", "method"):
            continue
        rows = _rows(table)
        total, parts = rows[0], rows[1:]
        assert total[0] == "all" and parts
        assert sum(int(r[1]) for r in parts) == int(total[1]), h2.get("id")
        sections += 1
    assert sections == 3
    quoted = [
        h3.getnext() for h3 in tree.iter("h3") if h3.text_content().startswith("Quoted about")
    ]
    assert quoted
    for table in quoted:
        for holder, claims, _docs, favor, against, neutral in _rows(table):
            assert int(favor) + int(against) + int(neutral) == int(claims), holder


def test_adjusted_shares_of_small_groups_are_a_dash_with_the_reason(report):
    _, tree, _ = report
    small = big = 0
    for tr in tree.iter("tr"):
        cells = tr.findall("td")
        adjusted = [td for td in cells if "adjusted" in (td.get("class") or "")]
        if not adjusted:
            continue
        if int(cells[1].text_content()) < 30:
            small += 1
            assert all(td.text_content().strip() == "—" for td in adjusted)
            assert all("fewer than 30 claims" in td.find("span").get("title") for td in adjusted)
            assert "adjusted shares not shown" in cells[-1].text_content()
        else:
            big += 1
            assert all(td.text_content().strip().endswith("%") for td in adjusted)
    assert small and big
