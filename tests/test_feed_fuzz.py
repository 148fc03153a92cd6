"""Fuzzing feed fields (links, dates, GUIDs, titles, encodings) through a real crawl.

Each example is an RSS or Atom feed served from the loopback server, in some encoding, with
entries of known kinds: good links (relative, absolute, with credentials), links to missing
pages and hostile links (ports out of range, malformed IPv6, other schemes, no host, too
long), each with a fuzzed GUID, title and date. The crawl must complete, store every good
entry, record every bad one as a failed item with its reason, and store no credentials.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discourse import Corpus
from discourse.store import SourceSpec

from .crawlkit import PARAS, article, crawl
from .httpserver import LocalServer, Response, html

_counter = itertools.count()

xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=80,
)
# Character references to no character at all, which feedparser's loose parser chokes on.
bad_refs = st.sampled_from(["&#xD800;", "&#xDFFF;", "&#x110000;", "&#0;", "&#99999999;"])
titles = st.lists(st.one_of(xml_text.map(escape), bad_refs), max_size=3).map("".join)
guids = st.one_of(st.just(""), xml_text.map(escape), bad_refs)
dates = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00Z",
            "Tue, 10 Jun 2008 09:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 -2359",
            "2008-02-30T00:00:00Z",
            "yesterday",
            "",
        ]
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:00:00{}".format,
        st.integers(0, 99999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.sampled_from(["Z", "+23:59", "-23:59", "+00:00", ""]),
    ),
    xml_text.map(escape),
)
bad_links = st.one_of(
    st.integers(65536, 10**7).map(lambda p: f"http://127.0.0.1:{p}/x"),
    st.integers(65536, 10**7).map(lambda p: f"http://host:{p}/"),
    st.text("0123456789abcdef:", max_size=12).map(lambda h: f"http://[{h}/x"),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "ftp://example.org/file",
            "mailto:someone@example.org",
            "data:text/html,hello",
            "http://:80/nohost",
            "http://example.org/" + "a" * 9000,
        ]
    ),
)
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "iso-8859-1", "windows-1252"]


@st.composite
def feeds(draw):
    kinds = draw(
        st.lists(
            st.sampled_from(["good", "good", "userinfo", "missing", "bad"]), min_size=1, max_size=6
        )
    )
    if "good" not in kinds:
        kinds.append("good")
    entries = [
        {
            "kind": kind,
            "bad_link": draw(bad_links) if kind == "bad" else None,
            "guid": draw(guids),
            "title": draw(titles),
            "date": draw(dates),
        }
        for kind in kinds
    ]
    return draw(st.sampled_from(["rss", "atom"])), draw(st.sampled_from(ENCODINGS)), entries


def render(fmt: str, encoding: str, entries: list[dict], base: str) -> bytes:
    """The feed as bytes in ``encoding``, declared in its XML declaration."""
    parts = []
    for i, e in enumerate(entries):
        title = f"E{i} {e['title']}"
        # GUIDs are fuzzed; the suffix keeps two entries from sharing one.
        guid = f"{e['guid']}#{i}"
        date = escape(e["date"]) if e["date"] is not None else None
        link = e["link"]
        if fmt == "rss":
            parts.append(
                f"<item><title>{title}</title><link>{escape(link)}</link>"
                f'<guid isPermaLink="false">{guid}</guid>'
                + (f"<pubDate>{date}</pubDate>" if date is not None else "")
                + "</item>"
            )
        else:
            parts.append(
                f"<entry><id>{guid}</id><title>{title}</title>"
                f'<link rel="alternate" href={quoteattr(link)}/>'
                + (f"<updated>{date}</updated>" if date is not None else "")
                + "</entry>"
            )
    declared = {"utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}.get(encoding, encoding)
    if fmt == "rss":
        doc = f'<rss version="2.0"><channel><title>Fuzz</title><link>{base}/</link>{"".join(parts)}</channel></rss>'
    else:
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Fuzz</title><id>urn:fuzz</id>{"".join(parts)}</feed>'
    text = f'<?xml version="1.0" encoding="{declared}"?>\n{doc}'
    return text.encode(encoding, errors="xmlcharrefreplace")


@pytest.fixture(scope="module")
def server():
    with LocalServer() as s:
        yield s


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(feed=feeds())
def test_fuzzed_feed_fields_never_stop_a_crawl(server, feed):
    fmt, encoding, entries = feed
    n = next(_counter)
    for i, e in enumerate(entries):
        path = f"/fz/{n}/{i}.html"
        if e["kind"] == "good":
            e["link"] = path if i % 2 else server.url(path)
            server.routes[path] = html(article(f"Page {n}-{i}", [f"Entry {i} of {n}."] + PARAS))
        elif e["kind"] == "userinfo":
            e["link"] = server.url(path).replace("http://", "http://fuzzer:pa55word@")
            server.routes[path] = html(article(f"Page {n}-{i}", [f"Entry {i} of {n}."] + PARAS))
        elif e["kind"] == "missing":
            e["link"] = f"/fz/{n}/missing-{i}.html"
        else:
            e["link"] = e["bad_link"]
    feed_path = f"/fz/{n}/feed.xml"
    ctype = "application/rss+xml" if fmt == "rss" else "application/atom+xml"
    server.routes[feed_path] = Response(
        200, render(fmt, encoding, entries, server.base), {"Content-Type": ctype}
    )
    with tempfile.TemporaryDirectory() as tmp:
        report = crawl(
            Path(tmp),
            [SourceSpec("Fuzz", "feed", [server.url(feed_path)])],
            max_retries=0,
            allow_private_addresses=False,
            allowed_private_hosts=f"127.0.0.1:{server.port}",
        )
        assert report.feeds_failed == 0, report.first_error
        with Corpus(Path(tmp) / "corpus.db") as c:
            items = {
                r["title"].split(" ", 1)[0]: dict(r)
                for r in c.db.execute("SELECT title, url, status, error, published FROM items")
                if r["title"]
            }
            stored = "\n".join(c.db.conn.iterdump())
            documents = c.documents.count()
    for i, e in enumerate(entries):
        item = items.get(f"E{i}")
        assert item is not None, f"entry {i} ({e['kind']}) was not recorded at all"
        if e["kind"] in ("good", "userinfo"):
            assert item["status"] == "done", (e, item)
            assert item["url"].endswith(f"/fz/{n}/{i}.html")
        else:
            assert item["status"] == "failed" and item["error"], (e, item)
            if e["kind"] == "missing":
                assert "404" in item["error"]
        assert item["published"] is None or "0001" <= item["published"][:4] <= "9999"
    assert documents >= 1
    assert "pa55word" not in stored
