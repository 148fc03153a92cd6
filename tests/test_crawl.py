"""End-to-end crawls of feeds and pages served on 127.0.0.1."""

import os
import subprocess
import time

import pytest

from discourse import Corpus
from discourse.store import SourceSpec

from .conftest import DISCOURSE, kill_when
from .crawlkit import PARAS, article, crawl, crawl_settings, feed_xml
from .httpserver import LocalServer, Response, html


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def rss(body: bytes) -> Response:
    return Response(200, body, {"Content-Type": "application/rss+xml"})


def _forkservers() -> set[int]:
    import psutil

    found = set()
    for p in psutil.process_iter(["cmdline"]):
        if "multiprocessing.forkserver" in " ".join(p.info["cmdline"] or []):
            found.add(p.pid)
    return found


def docs(tmp_path):
    with Corpus(tmp_path / "corpus.db") as c:
        return list(c.documents.all())


def test_feed_items_become_documents_with_clean_text(tmp_path, server):
    server.routes["/feed.xml"] = rss(
        feed_xml(
            server.base,
            [
                ("g1", server.url("/2008/06/panel.html"), "A panel at last"),
                ("g2", server.url("/2008/07/budget.html"), "Budget day"),
            ],
        )
    )
    server.routes["/2008/06/panel.html"] = html(article("A panel at last", PARAS[:2]))
    server.routes["/2008/07/budget.html"] = html(article("Budget day", PARAS[2:]))
    report = crawl(tmp_path, [SourceSpec("Blog", "feed", [server.url("/feed.xml")], tags=["blog"])])
    assert (report.items_new, report.documents_new) == (2, 2)
    stored = {d.title: d for d in docs(tmp_path)}
    assert set(stored) == {"A panel at last", "Budget day"}
    panel = stored["A panel at last"]
    assert "long overdue" in panel.text and "does not invalidate the principle" in panel.text
    assert "worst idea" not in panel.text and "cookies" not in panel.text
    assert panel.source == "Blog" and panel.language == "en"


def test_second_poll_sends_validators_and_handles_304(tmp_path, server):
    body = feed_xml(server.base, [("g1", server.url("/a.html"), "A")])

    def feed(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return Response(304, headers={"ETag": '"v1"'})
        return Response(
            200,
            body,
            {
                "Content-Type": "application/rss+xml",
                "ETag": '"v1"',
                "Last-Modified": "Tue, 10 Jun 2008 09:00:00 GMT",
            },
        )

    server.routes["/feed.xml"] = feed
    server.routes["/a.html"] = html(article("A", PARAS))
    src = [SourceSpec("Blog", "feed", [server.url("/feed.xml")])]
    first = crawl(tmp_path, src)
    with Corpus(tmp_path / "corpus.db") as c:  # make the feed due again
        with c.db.transaction() as conn:
            conn.execute("UPDATE feeds SET next_poll = '1970-01-01T00:00:00Z'")
    second = crawl(tmp_path, src)
    assert first.documents_new == 1 and second.feeds_not_modified == 1 and second.items_new == 0
    last = server.hits("/feed.xml")[-1][3]
    assert last["If-None-Match"] == '"v1"' and last["If-Modified-Since"].startswith(
        "Tue, 10 Jun 2008"
    )
    assert len(server.hits("/a.html")) == 1


def test_same_body_with_new_validators_counts_as_unchanged(tmp_path, server):
    body = feed_xml(server.base, [("g1", server.url("/a.html"), "A")])
    etags = iter(['"a"', '"b"'])
    server.routes["/feed.xml"] = lambda _: Response(
        200, body, {"Content-Type": "application/rss+xml", "ETag": next(etags)}
    )
    server.routes["/a.html"] = html(article("A", PARAS))
    src = [SourceSpec("Blog", "feed", [server.url("/feed.xml")])]
    crawl(tmp_path, src)
    with Corpus(tmp_path / "corpus.db") as c:
        with c.db.transaction() as conn:
            conn.execute("UPDATE feeds SET next_poll = '1970-01-01T00:00:00Z'")
    assert crawl(tmp_path, src).feeds_not_modified == 1


def test_malformed_feed_is_parsed_as_far_as_possible_and_recorded(tmp_path, server):
    broken = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Council &amp; news</title>'
        f"<item><title>Budget panel &nbsp; report</title><link>{server.url('/a.html')}</link>"
        "<description>Fish & chips</description></item>"
        f"<item><title>Second</title><link>{server.url('/b.html')}</link></item>"
    ).encode()  # undefined entity, bare ampersand, unclosed channel and rss
    server.routes["/feed.xml"] = rss(broken)
    server.routes["/a.html"] = html(article("A", PARAS[:2]))
    server.routes["/b.html"] = html(article("B", PARAS[2:]))
    report = crawl(tmp_path, [SourceSpec("Council", "feed", [server.url("/feed.xml")])])
    assert report.feed_problems == 1 and report.documents_new == 2
    with Corpus(tmp_path / "corpus.db") as c:
        problem = c.db.execute("SELECT parse_problem FROM feeds").fetchone()[0]
    assert problem and ("entity" in problem or "not well-formed" in problem)


def test_relative_links_in_a_feed_are_resolved(tmp_path, server):
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        b"<item><title>Rel</title><link>news/rel.html</link><guid>rel-1</guid></item>"
        b"<item><title>Root</title><link>/root.html</link><guid>root-1</guid></item>"
        b"</channel></rss>"
    )
    server.routes["/council/feed.xml"] = rss(body)
    server.routes["/council/news/rel.html"] = html(article("Rel", PARAS[:2]))
    server.routes["/root.html"] = html(article("Root", PARAS[2:]))
    report = crawl(tmp_path, [SourceSpec("C", "feed", [server.url("/council/feed.xml")])])
    assert report.documents_new == 2
    urls = {d.url for d in docs(tmp_path)}
    assert urls == {server.url("/council/news/rel.html"), server.url("/root.html")}


def test_same_article_in_two_feeds_and_under_two_urls_is_stored_once(tmp_path, server):
    canonical = server.url("/news/story.html")
    page = article("Story", PARAS, canonical=canonical)
    server.routes["/news/story.html"] = html(page)
    server.routes["/feed-a.xml"] = rss(
        feed_xml(server.base, [("a1", canonical + "?utm_source=rss&utm_medium=feed", "Story")])
    )
    server.routes["/feed-b.xml"] = rss(
        feed_xml(server.base, [("b7", server.url("/print/story"), "Story")])
    )
    server.routes["/print/story"] = html(page)
    report = crawl(
        tmp_path,
        [
            SourceSpec("A", "feed", [server.url("/feed-a.xml")]),
            SourceSpec("B", "feed", [server.url("/feed-b.xml")]),
        ],
    )
    stored = docs(tmp_path)
    assert len(stored) == 1 and stored[0].canonical_url == canonical
    assert report.documents_new == 1 and report.duplicates == 1
    with Corpus(tmp_path / "corpus.db") as c:
        aliases = c.documents.aliases(stored[0].id)
    assert server.url("/print/story") in aliases and "guid:b7" in aliases


def test_syndicated_copy_is_linked_as_near_duplicate(tmp_path, server):
    server.routes["/feed-a.xml"] = rss(
        feed_xml(server.base, [("a1", server.url("/a/original.html"), "O")])
    )
    server.routes["/feed-b.xml"] = rss(
        feed_xml(server.base, [("b1", server.url("/b/copy.html"), "C")])
    )
    server.routes["/a/original.html"] = html(article("Council launches panel", PARAS))
    server.routes["/b/copy.html"] = html(
        article(
            "Panel launched by council",
            PARAS + ["This story was supplied by Ashford Vale District Council."],
        )
    )
    report = crawl(
        tmp_path,
        [
            SourceSpec("A", "feed", [server.url("/feed-a.xml")]),
            SourceSpec("B", "feed", [server.url("/feed-b.xml")]),
        ],
        per_host_delay=0.2,
    )
    by_url = {d.url: d for d in docs(tmp_path)}
    original, copy = by_url[server.url("/a/original.html")], by_url[server.url("/b/copy.html")]
    assert report.near_duplicates == 1
    assert copy.duplicate_of == original.id and original.duplicate_of is None


def test_binary_body_served_as_html_is_skipped_with_reason(tmp_path, server):
    server.routes["/feed.xml"] = rss(feed_xml(server.base, [("g", server.url("/file.html"), "F")]))
    server.routes["/file.html"] = Response(
        200, b"%PDF-1.4\n\x00\x01binary", {"Content-Type": "text/html"}
    )
    report = crawl(tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])])
    assert report.pages_skipped == 1 and report.documents_new == 0
    with Corpus(tmp_path / "corpus.db") as c:
        status, error = c.db.execute("SELECT status, error FROM items").fetchone()
    assert status == "skipped" and "binary" in error


def test_failing_page_is_recorded_and_retried_later_not_forever(tmp_path, server):
    server.routes["/feed.xml"] = rss(feed_xml(server.base, [("g", server.url("/down.html"), "D")]))
    server.routes["/down.html"] = Response(503, b"down")
    report = crawl(tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])], max_retries=0)
    assert report.pages_retry_later == 1
    with Corpus(tmp_path / "corpus.db") as c:
        status, attempts, error, nxt = c.db.execute(
            "SELECT status, attempts, error, next_attempt FROM items"
        ).fetchone()
    assert status == "pending" and attempts == 1 and "503" in error and nxt > "2000"


def test_failing_feed_backs_off_and_is_marked_after_max_failures(tmp_path, server):
    server.routes["/feed.xml"] = Response(500, b"oops")
    src = [SourceSpec("S", "feed", [server.url("/feed.xml")])]
    for _ in range(3):
        crawl(tmp_path, src, max_retries=0, max_failures=3)
        with Corpus(tmp_path / "corpus.db") as c:
            nxt = c.db.execute("SELECT next_poll FROM feeds").fetchone()[0]
            assert nxt > time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            with c.db.transaction() as conn:
                conn.execute("UPDATE feeds SET next_poll = '1970-01-01T00:00:00Z'")
    with Corpus(tmp_path / "corpus.db") as c:
        health = c.sources.health()[0]
    assert health.status == "failing" and health.failures == 3 and "500" in health.last_error
    # a failing source is not polled again by an ordinary crawl
    before = len(server.hits("/feed.xml"))
    crawl(tmp_path, src, max_retries=0, max_failures=3)
    assert len(server.hits("/feed.xml")) == before


def test_adaptive_interval_honours_ttl(tmp_path, server):
    server.routes["/feed.xml"] = rss(
        feed_xml(server.base, [("g", server.url("/a.html"), "A")], ttl=180)
    )
    server.routes["/a.html"] = html(article("A", PARAS))
    crawl(tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])])
    with Corpus(tmp_path / "corpus.db") as c:
        interval = c.db.execute("SELECT interval_s FROM feeds").fetchone()[0]
    assert interval == 180 * 60  # new items would halve 3600 to 1800, but ttl asks for 3 h


def test_sitemap_source(tmp_path, server):
    server.routes["/sitemap.xml"] = Response(
        200,
        (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{server.url('/sitemap-1.xml')}</loc></sitemap></sitemapindex>"
        ).encode(),
        {"Content-Type": "application/xml"},
    )
    server.routes["/sitemap-1.xml"] = Response(
        200,
        (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{server.url('/s1.html')}</loc><lastmod>2010-01-02</lastmod></url></urlset>"
        ).encode(),
        {"Content-Type": "application/xml"},
    )
    server.routes["/s1.html"] = html(article("S1", PARAS))
    report = crawl(tmp_path, [SourceSpec("S", "sitemap", [server.url("/sitemap.xml")])])
    assert report.documents_new == 1


def test_second_crawl_is_refused_while_one_holds_the_lock(tmp_path):
    from filelock import FileLock

    from discourse.errors import CorpusLockedError
    from discourse.gather.crawler import Crawler

    s = crawl_settings(tmp_path)
    with Corpus(s.db) as c:
        with FileLock(f"{s.db}.crawl.lock"):
            with pytest.raises(CorpusLockedError, match="another crawl is running"):
                Crawler(c, s, progress=False).run_once()


def test_crawl_killed_mid_way_then_rerun_loses_and_duplicates_nothing(tmp_path, server):
    n = 60
    items = [(f"g{i}", server.url(f"/p/{i}.html"), f"Post {i}") for i in range(n)]
    server.routes["/feed.xml"] = rss(feed_xml(server.base, items))
    for i in range(n):
        server.routes[f"/p/{i}.html"] = html(
            article(f"Post {i}", [f"Post number {i} on the panel."] + PARAS)
        )
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "S"\nkind = "feed"\nurls = ["{server.url("/feed.xml")}"]\n'
    )
    env = {
        **os.environ,
        "DISCOURSE_ALLOW_PRIVATE_ADDRESSES": "1",
        "DISCOURSE_PER_HOST_DELAY": "0.05",
    }
    before = _forkservers()
    proc = subprocess.Popen(
        [DISCOURSE, "crawl"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = tmp_path / "corpus.db"
    stored = kill_when(proc, db, "SELECT COUNT(*) FROM documents", 5, timeout=60)
    assert 5 <= stored < n
    # the extraction workers of the killed crawl do not outlive it
    deadline = time.monotonic() + 10
    while _forkservers() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _forkservers() - before == set()
    res = subprocess.run(
        [DISCOURSE, "crawl"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    with Corpus(db) as c:
        assert c.documents.count() == n
        assert len({d.canonical_url for d in c.documents.all()}) == n
        assert c.sources.count_items("pending") == 0
        assert c.check() == []
    fetched = [r[2] for r in server.requests if r[2].startswith("/p/")]
    assert len(fetched) <= n + 16  # only pages in flight at the kill are fetched again


def test_loop_mode_polls_again_only_when_due(tmp_path, server):
    from discourse.gather.crawler import Crawler

    server.routes["/feed.xml"] = rss(feed_xml(server.base, [("g", server.url("/a.html"), "A")]))
    server.routes["/a.html"] = html(article("A", PARAS))
    s = crawl_settings(tmp_path)
    with Corpus(s.db) as c:
        crawler = Crawler(c, s, progress=False)
        crawler.sync_sources([SourceSpec("S", "feed", [server.url("/feed.xml")])])
        crawler.run_forever(passes=3, max_sleep=0.05)
        assert c.documents.count() == 1
    assert len(server.hits("/feed.xml")) == 1 and len(server.hits("/a.html")) == 1
