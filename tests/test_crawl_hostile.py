"""A hostile feed entry, redirect or page fails alone: recorded on its own row and shown by
`sources list`, while the crawl goes on and stores everything else."""

import time

import pytest

from discourse import Corpus
from discourse.store import SourceSpec

from .conftest import ROOT
from .crawlkit import PARAS, article, crawl, feed_xml
from .httpserver import LocalServer, Response, html

FEEDS = ROOT / "tests" / "fixtures" / "feeds"


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def atom(body: bytes) -> Response:
    return Response(200, body, {"Content-Type": "application/atom+xml"})


def guarded(server) -> dict:
    """Settings with the private-address guard on and only the test server exempt, so every
    URL goes through the guard, as in a real crawl."""
    return {"allow_private_addresses": False, "allowed_private_hosts": f"127.0.0.1:{server.port}"}


def rows(tmp_path, sql):
    with Corpus(tmp_path / "corpus.db") as c:
        return [tuple(r) for r in c.db.execute(sql)]


def test_hostile_entries_fail_alone_and_good_entries_are_stored(tmp_path, server):
    # Ports out of range, a malformed IPv6 host, javascript:, a lone surrogate and a date in
    # year 10000 each used to raise out of the crawl (exit 1, 0 documents, every later crawl).
    server.routes["/hostile/atom.xml"] = atom((FEEDS / "atom-hostile-entries.xml").read_bytes())
    server.routes["/hostile/good.html"] = html(article("Good page", PARAS[:2]))
    server.routes["/hostile/second.html"] = html(article("Second page", PARAS[2:]))
    server.routes["/other/feed.xml"] = Response(
        200,
        feed_xml(server.base, [("o1", server.url("/other/a.html"), "Other")]),
        {"Content-Type": "application/rss+xml"},
    )
    server.routes["/other/a.html"] = html(article("Other source", PARAS))
    sources = [
        SourceSpec("Hostile", "feed", [server.url("/hostile/atom.xml")]),
        SourceSpec("Other", "feed", [server.url("/other/feed.xml")]),
    ]
    report = crawl(tmp_path, sources, **guarded(server))
    assert report.documents_new == 3 and report.feeds_failed == 0
    titles = {t for (t,) in rows(tmp_path, "SELECT title FROM documents")}
    assert titles == {"Good page", "Second page", "Other source"}
    failed = dict(rows(tmp_path, "SELECT key, error FROM items WHERE status = 'failed'"))
    assert set(failed) == {
        "guid:urn:hostile:port",
        "guid:urn:hostile:ipv6",
        "guid:urn:hostile:scheme",
    }
    assert "99999" in failed["guid:urn:hostile:port"]
    assert "port out of range" in failed["guid:urn:hostile:port"].lower()
    assert "javascript" in failed["guid:urn:hostile:scheme"]
    # the impossible date is dropped, not stored and not fatal
    published = dict(rows(tmp_path, "SELECT key, published FROM items WHERE status = 'done'"))
    assert published["guid:urn:hostile:good-with-impossible-date"] is None
    # `sources list` shows the failed items and what was wrong with the feed
    from discourse.gather.health import format_table

    with Corpus(tmp_path / "corpus.db") as c:
        hostile = next(h for h in c.sources.health() if h.name == "Hostile")
        table = format_table(c.sources.health())
    assert hostile.items_failed == 3 and hostile.parse_problem
    assert "parse problem:" in table and "3 unusable entries" in table
    assert "last failed item:" in table and hostile.last_item_error.endswith(
        "only http and https URLs are fetched, not 'javascript')"
    )
    # the next crawl does not trip over them either, nor record them twice
    with Corpus(tmp_path / "corpus.db") as c, c.db.transaction() as conn:
        conn.execute("UPDATE feeds SET next_poll = '1970-01-01T00:00:00Z', body_hash = NULL")
    again = crawl(tmp_path, sources, **guarded(server))
    assert again.feeds_polled == 2 and again.feeds_failed == 0 and again.items_new == 0
    assert rows(tmp_path, "SELECT COUNT(*) FROM items WHERE status = 'failed'") == [(3,)]


def test_redirect_to_a_port_out_of_range_fails_that_page_only(tmp_path, server):
    server.routes["/feed.xml"] = Response(
        200,
        feed_xml(
            server.base,
            [("r", server.url("/moved.html"), "Moved"), ("k", server.url("/kept.html"), "Kept")],
        ),
        {"Content-Type": "application/rss+xml"},
    )
    server.routes["/moved.html"] = Response(301, b"", {"Location": "http://host:70000/"})
    server.routes["/kept.html"] = html(article("Kept", PARAS))
    report = crawl(
        tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])], **guarded(server)
    )
    assert report.documents_new == 1 and report.pages_failed == 1
    ((status, error),) = rows(tmp_path, "SELECT status, error FROM items WHERE key = 'guid:r'")
    assert status == "failed" and "redirect to a bad URL http://host:70000/" in error


def test_feed_whose_entry_crashed_feedparser_is_recorded_not_fatal(tmp_path, server):
    # A character reference past U+10FFFF makes feedparser's loose parser raise on its own.
    body = feed_xml(server.base, [("g", server.url("/a.html"), "Bad &#x110000; ref")])
    server.routes["/feed.xml"] = Response(200, body, {"Content-Type": "application/rss+xml"})
    server.routes["/a.html"] = html(article("A", PARAS))
    report = crawl(tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])])
    assert report.documents_new == 1 and report.feeds_failed == 0


@pytest.mark.parametrize(
    "name",
    [
        "rss-utf16le-bom.xml",
        "rss-utf16be-bom.xml",
        "atom-utf16le-decl.xml",
        "atom-utf16be-decl.xml",
        "rss-utf32le-bom.xml",
        "atom-utf32be-decl.xml",
    ],
)
def test_utf16_and_utf32_feeds_are_read_not_rejected_as_binary(tmp_path, server, name):
    slug = name.rsplit(".", 1)[0]
    server.routes["/enc/feed.xml"] = Response(
        200, (FEEDS / name).read_bytes(), {"Content-Type": "application/xml"}
    )
    server.routes[f"/enc/{slug}.html"] = html(article("The panel’s first year", PARAS))
    report = crawl(tmp_path, [SourceSpec("Enc", "feed", [server.url("/enc/feed.xml")])])
    assert report.feeds_failed == 0 and report.documents_new == 1, report.summary()
    (title,) = rows(tmp_path, "SELECT title FROM feeds")[0]
    assert title.startswith("Café society (UTF-")


def test_binary_feed_body_is_still_refused(tmp_path, server):
    server.routes["/feed.xml"] = Response(
        200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {"Content-Type": "application/rss+xml"}
    )
    report = crawl(tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])])
    assert report.feeds_failed == 1
    ((error,),) = rows(tmp_path, "SELECT last_error FROM feeds")
    assert "binary body" in error


def many_attributes_page(n: int) -> str:
    attrs = " ".join(f'data-a{i}="v"' for i in range(n))
    return article("Slow page", PARAS).replace("<article>", f"<article><div {attrs}>x</div>")


def test_extraction_over_its_time_budget_fails_the_page_and_the_crawl_goes_on(tmp_path, server):
    # One tag with 60,000 attributes: libxml2 is quadratic in them, so this page takes far
    # longer than the 1 s budget (minutes before the budget existed).
    items = [("slow", server.url("/slow.html"), "Slow")]
    items += [(f"g{i}", server.url(f"/ok{i}.html"), f"OK {i}") for i in range(3)]
    server.routes["/feed.xml"] = Response(
        200, feed_xml(server.base, items), {"Content-Type": "application/rss+xml"}
    )
    server.routes["/slow.html"] = html(many_attributes_page(60_000))
    for i in range(3):
        server.routes[f"/ok{i}.html"] = html(article(f"OK {i}", [f"Page {i} of three."] + PARAS))
    start = time.monotonic()
    report = crawl(
        tmp_path,
        [SourceSpec("S", "feed", [server.url("/feed.xml")])],
        extract_workers=1,
        extract_timeout=1.0,
    )
    elapsed = time.monotonic() - start
    assert report.pages_failed == 1
    assert rows(tmp_path, "SELECT COUNT(*) FROM documents") == [(3,)]
    ((status, error),) = rows(tmp_path, "SELECT status, error FROM items WHERE key = 'guid:slow'")
    assert status == "failed" and "longer than 1s (extract_timeout)" in error
    assert elapsed < 30


def test_atom_date_in_year_10000_is_dropped_not_raised():
    from discourse.gather.feeds import parse_feed

    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>e</id>'
        b'<link href="http://example.org/a"/><updated>9999-12-31T23:59:59-23:59</updated>'
        b'</entry><entry><id>f</id><link href="http://example.org/b"/>'
        b"<updated>2010-05-04T10:00:00+01:00</updated></entry></feed>"
    )
    items = parse_feed(body, "http://example.org/atom.xml").items
    assert [(i.url, i.published) for i in items] == [
        ("http://example.org/a", None),
        ("http://example.org/b", "2010-05-04T09:00:00Z"),
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2010-01-02", "2010-01-02T00:00:00Z"),
        ("2010-01", "2010-01-01T00:00:00Z"),
        ("2010-01-02T03:04:05+02:00", "2010-01-02T01:04:05Z"),
        ("9999-12-31T23:59:59-23:59", None),
        ("0000-01-01", None),
        ("3000-01-01", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_sitemap_and_feed_dates_are_parsed_and_range_checked_in_one_place(value, expected):
    from discourse.gather.dates import iso_datetime

    assert iso_datetime(value) == expected
