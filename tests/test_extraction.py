"""discourse.gather.extraction.extract_html on the fixture pages in tests/fixtures/pages/,
each checked against its entry in expected.json, and its handling of broken input."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from trafilatura.metadata import extract_author

from discourse.gather import extraction
from discourse.gather.extraction import extract_html, read_html_file

PAGES = Path(__file__).parent / "fixtures" / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))


def test_every_fixture_page_has_an_expectation():
    assert sorted(p.name for p in PAGES.glob("*.html")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_page_is_extracted_as_expected(name):
    """Intro-only, newsletter-box and paywall-box pages get their whole body (trafilatura's
    full mode, where the fast pass kept a paragraph or two); one-paragraph posts keep
    their paragraph and nothing else; a page of chrome gives no text; a page that starts
    with an XML declaration keeps its title, author and date."""
    want = EXPECTED[name]
    doc = extract_html(read_html_file(PAGES / name), f"https://example.org/{name}")
    assert doc.extractor == want["method"]
    if "text" in want:
        assert doc.text == want["text"]
    for snippet in want.get("with", []):
        assert snippet in " ".join(doc.text.split()), snippet
    for snippet in want.get("without", []):
        assert snippet not in doc.text, snippet
    for field in ("title", "author", "date", "canonical_url"):
        if field in want:
            assert getattr(doc, field) == want[field]


def test_xml_declaration_naming_another_encoding_is_read_as_the_decoded_text():
    # the page arrives decoded; the declaration's encoding no longer applies
    html = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head>'
        "<title>Café de la Gare rouvre ses portes</title>"
        '<meta name="author" content="Zoé Martin"></head><body><article>'
        + "<p>Le café de la gare rouvre après deux ans de travaux, avec une terrasse "
        "agrandie et une carte préparée avec les producteurs de la vallée.</p>"
        * 3
        + "</article></body></html>"
    )
    doc = extract_html(html, "https://example.org/cafe")
    assert doc.title == "Café de la Gare rouvre ses portes"
    assert doc.author == "Zoé Martin"
    assert "producteurs de la vallée" in doc.text
    assert doc.language == "fr"


def test_a_page_that_cannot_be_parsed_is_logged_with_its_url(caplog):
    with caplog.at_level(logging.WARNING, logger="discourse"):
        doc = extract_html("<!-- nothing but a comment -->", "https://example.org/empty")
    assert doc.text == "" and doc.extractor == "none" and doc.title is None
    assert sum("https://example.org/empty" in r.getMessage() for r in caplog.records) == 1


def test_a_failing_metadata_step_is_logged_and_the_rest_still_comes_out(caplog, monkeypatch):
    def broken(tree, url):
        raise RuntimeError("htmldate fell over")

    monkeypatch.setattr(extraction, "_date", broken)
    html = read_html_file(PAGES / "xml-declaration.html")
    with caplog.at_level(logging.WARNING, logger="discourse"):
        doc = extract_html(html, "https://example.org/skate-park")
    assert "opened a six-week consultation" in doc.text
    assert doc.date is None
    assert doc.title == "Skate park consultation opens" and doc.author == "Priya Raman"
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "https://example.org/skate-park" in m and "date" in m and "htmldate fell over" in m
        for m in messages
    )


BODY = (
    "<p>The allotment society opened its gates to visitors, who toured the plots, tasted "
    "the jam and left with cuttings from the herb garden.</p>"
)


@pytest.mark.parametrize(
    "byline",
    [
        '<div class="byline">By Tomasz Nowak, transport reporter</div>',
        '<div class="post-footer"><span class="post-author vcard">Posted by '
        '<span class="fn">Ruth Adeyemi</span></span> at <time>10:04</time></div>',
        '<p class="meta"><a rel="author" href="/u/sam">Sam Okafor</a></p>',
    ],
)
def test_byline_search_finds_what_trafilatura_finds(byline):
    """The byline search runs trafilatura's own expressions, rewritten to be cheaper."""
    from discourse.gather.maintext import parse_html

    html = f"<html><body><article><h1>Open day</h1>{byline}{BODY * 3}</article></body></html>"
    tree = parse_html(html)
    found = extraction._byline(tree)
    assert found is not None
    assert found == extract_author(tree)
    assert [x.path for x in extraction._AUTHOR] != [x.path for x in extraction.AUTHOR_XPATHS]


def test_date_in_running_text_is_found_when_the_markup_has_none():
    """htmldate's extensive search: the date is in the running text, not in the markup."""
    html = (
        "<html><head><title>Allotment open day</title></head><body><article>"
        "<h1>Allotment open day</h1><p>Sunday 14 July 2024 — a report by the committee</p>"
        + "<p>The allotment society opened its gates to visitors, who toured the plots, "
        "tasted the jam and left with cuttings from the herb garden.</p>"
        * 3
        + "</article></body></html>"
    )
    assert extract_html(html, "https://example.org/open-day").date == "2024-07-14"
