"""Credentials in a sources.toml URL (user:password@) are used to fetch and never stored in
the corpus nor shown: not in feeds.url, fetch_log, items, documents, logs or `sources list`."""

import base64
import sqlite3

import pytest

from discourse import Corpus
from discourse.store import NewDocument, SourceSpec

from .crawlkit import PARAS, article
from .httpserver import LocalServer, Response, html

SECRET = "s3cret-pw"
ENV = {
    "DISCOURSE_ALLOW_PRIVATE_ADDRESSES": "true",
    "DISCOURSE_PER_HOST_DELAY": "0",
    "DISCOURSE_EXTRACT_WORKERS": "0",
    "DISCOURSE_CONTACT": "tests@example.org",
}


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def everything_stored(db) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_credentials_in_a_feed_url_are_used_but_never_stored_or_shown(cli, tmp_path, server):
    expected = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()

    def private(response):
        def handler(request):
            if request.headers.get("Authorization") != expected:
                return Response(401, b"who are you?", {"WWW-Authenticate": 'Basic realm="x"'})
            return response

        return handler

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Members</title>'
        b"<item><title>Panel</title><link>panel.html</link><guid>m1</guid></item>"
        b"<item><title>Away</title><link>away.html</link><guid>m2</guid></item>"
        b"</channel></rss>"
    )
    server.routes["/private/feed.xml"] = private(
        Response(200, feed, {"Content-Type": "application/rss+xml"})
    )
    server.routes["/private/panel.html"] = private(html(article("Members' panel", PARAS)))
    # A redirect to another origin must not carry the credentials there.
    other = f"http://localhost:{server.port}/open.html"
    server.routes["/private/away.html"] = private(Response(302, b"", {"Location": other}))
    server.routes["/open.html"] = html(article("Open page", PARAS[:2]))
    feed_url = server.url("/private/feed.xml").replace("http://", f"http://reader:{SECRET}@")
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "Members"\nurls = ["{feed_url}"]\nhomepage = "{feed_url}"\n'
    )
    res = cli("crawl", "--no-progress", env=ENV)
    assert res.returncode == 0, res.stderr
    assert "2 new documents" in res.stdout
    assert SECRET not in res.stdout + res.stderr and "reader:" not in res.stderr
    # the credentials reached the site, and only its own origin
    assert server.hits("/private/panel.html")[-1][3]["Authorization"] == expected
    assert "Authorization" not in server.hits("/open.html")[0][3]
    # nothing in the corpus holds them, in any table or column
    dump = everything_stored(tmp_path / "corpus.db")
    assert SECRET not in dump and "reader:" not in dump and "reader%3A" not in dump
    with Corpus(tmp_path / "corpus.db") as c:
        (stored,) = [r[0] for r in c.db.execute("SELECT url FROM feeds")]
    assert stored == server.url("/private/feed.xml")
    for fmt in ("table", "json"):
        listing = cli("sources", "list", "--format", fmt)
        assert listing.returncode == 0 and SECRET not in listing.stdout
    # and a second crawl still authenticates from sources.toml
    res = cli("crawl", "--now", "--no-progress", env=ENV)
    assert res.returncode == 0, res.stderr
    assert server.hits("/private/feed.xml")[-1][3]["Authorization"] == expected


def test_sources_add_keeps_credentials_in_the_sources_file_only(cli, tmp_path, server):
    expected = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()

    def home(request):
        if request.headers.get("Authorization") != expected:
            return Response(401, b"no")
        return html(
            '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            "</head><body>Members</body></html>"
        )

    server.routes["/"] = home
    url = server.url("/").replace("http://", f"http://reader:{SECRET}@")
    res = cli("sources", "add", url, "--name", "Members", env=ENV)
    assert res.returncode == 0, res.stderr
    assert SECRET not in res.stdout + res.stderr
    assert f"reader:{SECRET}@" in (tmp_path / "sources.toml").read_text()
    assert SECRET not in everything_stored(tmp_path / "corpus.db")


def test_migration_strips_credentials_from_an_older_corpus(tmp_path):
    db = tmp_path / "old.db"
    with Corpus(db, upto=5) as c:
        c.sources.upsert(
            SourceSpec(
                "Old",
                "feed",
                [f"http://reader:{SECRET}@example.org/feed.xml"],
                homepage=f"https://reader:{SECRET}@example.org/",
            )
        )
        c.documents.add(
            NewDocument(
                url=f"http://reader:{SECRET}@example.org/a?next=b@c",
                canonical_url=f"http://reader:{SECRET}@example.org/a",
                text="A page.",
                content_hash="h1",
                aliases=[f"http://reader:{SECRET}@example.org/a?utm_source=x"],
            )
        )
        with c.db.transaction() as conn:
            conn.execute(
                "INSERT INTO fetch_log(url, final_url, kind) VALUES (?, ?, 'feed')",
                (f"http://reader:{SECRET}@example.org/feed.xml", "http://example.org/?mail=a@b"),
            )
    with Corpus(db) as c:
        assert c.schema_version >= 6
        assert c.db.execute("SELECT url FROM feeds").fetchone()[0] == "http://example.org/feed.xml"
        assert c.db.execute("SELECT homepage FROM sources").fetchone()[0] == "https://example.org/"
        doc = c.db.execute("SELECT url, canonical_url FROM documents").fetchone()
        assert tuple(doc) == ("http://example.org/a?next=b@c", "http://example.org/a")
        log = c.db.execute("SELECT url, final_url FROM fetch_log").fetchone()
        assert tuple(log) == ("http://example.org/feed.xml", "http://example.org/?mail=a@b")
    assert SECRET not in everything_stored(db)


def test_feed_that_asks_for_a_password_says_where_to_give_it(tmp_path, server):
    from .crawlkit import crawl

    server.routes["/feed.xml"] = Response(401, b"no", {"WWW-Authenticate": 'Basic realm="x"'})
    report = crawl(tmp_path, [SourceSpec("Members", "feed", [server.url("/feed.xml")])])
    assert report.feeds_failed == 1
    with Corpus(tmp_path / "corpus.db") as c:
        (health,) = c.sources.health()
    assert health.last_error.startswith("HTTP 401 (the site asks for a password")
    assert "user:password@" in health.last_error and "sources.toml" in health.last_error
