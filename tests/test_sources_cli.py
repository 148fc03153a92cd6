"""`discourse sources add/list`, the sources file, `discourse extract` and `discourse crawl` CLI."""

import gzip
import json

import pytest

from discourse.errors import InputError
from discourse.gather.sources import load_sources

from .crawlkit import PARAS, article, feed_xml
from .httpserver import LocalServer, Response, html

PRIVATE = {"DISCOURSE_ALLOW_PRIVATE_ADDRESSES": "true", "DISCOURSE_PER_HOST_DELAY": "0"}


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def test_sources_add_finds_announced_feed_and_crawl_uses_it(cli, tmp_path, server):
    server.routes["/"] = html(
        '<html><head><link rel="alternate" type="application/atom+xml" href="/atom.xml">'
        "</head><body>Home</body></html>"
    )
    server.routes["/atom.xml"] = Response(
        200,
        (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Gazette</title><id>urn:g</id><updated>2010-01-01T00:00:00Z</updated>"
            f'<entry><id>urn:e1</id><title>E1</title><link rel="alternate" href="{server.url("/e1.html")}"/>'
            "<updated>2010-01-01T00:00:00Z</updated><author><name>Ann</name></author></entry></feed>"
        ).encode(),
        {"Content-Type": "application/atom+xml"},
    )
    server.routes["/e1.html"] = html(article("E1", PARAS))
    res = cli(
        "sources", "add", server.url("/"), "--name", "Gazette", "--tag", "newspaper", env=PRIVATE
    )
    assert res.returncode == 0, res.stderr
    specs = load_sources(tmp_path / "sources.toml")
    assert [(s.name, s.urls, s.tags) for s in specs] == [
        ("Gazette", [server.url("/atom.xml")], ["newspaper"])
    ]
    res = cli("crawl", env=PRIVATE)
    assert res.returncode == 0, res.stderr
    assert "1 new documents" in res.stdout
    events = [json.loads(line) for line in res.stderr.splitlines() if line.startswith("{")]
    assert {e["url"] for e in events} >= {server.url("/atom.xml"), server.url("/e1.html")}
    listing = cli("sources", "list", "--format", "json")
    row = json.loads(listing.stdout.splitlines()[0])
    assert row["name"] == "Gazette" and row["documents"] == 1 and row["last_success"]


def test_sources_add_falls_back_to_usual_feed_paths(cli, tmp_path, server):
    server.routes["/"] = html("<html><body>No feed link here</body></html>")
    server.routes["/rss.xml"] = Response(
        200,
        feed_xml(server.base, [("g", server.url("/a"), "A")]),
        {"Content-Type": "application/rss+xml"},
    )
    res = cli("sources", "add", server.url("/"), env=PRIVATE)
    assert res.returncode == 0, res.stderr
    assert load_sources(tmp_path / "sources.toml")[0].urls == [server.url("/rss.xml")]


def test_sources_add_without_any_feed_is_a_clear_error(cli, server):
    server.routes["/"] = html("<html><body>Nothing</body></html>")
    res = cli("sources", "add", server.url("/"), env=PRIVATE)
    assert (
        res.returncode == 2 and "no feed announced" in res.stderr and "Traceback" not in res.stderr
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[source]]\nname = "A"\nurls = ["ftp://x"]\n', "only http and https URLs"),
        ('[[source]]\nname = "A"\nurls = ["http://[::1"]\n', r"'http://\[::1'.*malformed"),
        ('[[source]]\nname = "A"\nurls = ["http://h:70000/"]\n', "(?i)port out of range"),
        ('[[source]]\nname = "A"\nkind = "blog"\nurls = ["http://x"]\n', "kind 'blog'"),
        ('[[source]]\nname = "A"\nurls = ["http://x"]\ncolour = 1\n', "unknown key 'colour'"),
        ('[[source]]\nname = "A"\nurls = ["http://x"]\nselect = "div[["\n', "selector"),
        ('[[source]]\nurls = ["http://x"]\n', "'name' is missing"),
    ],
)
def test_sources_file_errors_name_the_file_source_and_key(tmp_path, text, message):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        load_sources(path)
    assert "sources.toml: source #1" in str(err.value)


def test_crawl_without_sources_says_what_to_do(cli):
    res = cli("crawl")
    assert res.returncode == 2 and "sources add" in res.stderr


def test_css_rules_win_over_the_generic_extractor(cli, tmp_path, server):
    page = article("Rules", PARAS).replace(
        "<article>", '<article><div class="standfirst"><p>Standfirst we want kept only.</p></div>'
    )
    server.routes["/feed.xml"] = Response(
        200,
        feed_xml(server.base, [("g", server.url("/r.html"), "R")]),
        {"Content-Type": "application/rss+xml"},
    )
    server.routes["/r.html"] = html(page)
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "R"\nurls = ["{server.url("/feed.xml")}"]\nselect = ["article"]\n'
        'drop = ["p.byline", "div.standfirst"]\n'
    )
    assert cli("crawl", env=PRIVATE).returncode == 0
    from discourse import Corpus

    with Corpus(tmp_path / "corpus.db") as c:
        doc = next(c.documents.all())
    assert doc.text.startswith("Rules") or doc.text.startswith(PARAS[0][:30])
    assert "Standfirst" not in doc.text and "Helen Marsh" not in doc.text
    assert "long overdue" in doc.text and "worst idea" not in doc.text


def test_extract_prints_one_json_object_per_input(cli, tmp_path, server):
    page = article("Participatory budgeting in Eastfield", PARAS)
    (tmp_path / "a.html").write_text(page)
    (tmp_path / "b.html.gz").write_bytes(
        gzip.compress(page.replace("Eastfield", "Westfield").encode())
    )
    server.routes["/c.html"] = html(page)
    res = cli("extract", "a.html", "b.html.gz", server.url("/c.html"), env=PRIVATE)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["input"] for r in rows] == ["a.html", "b.html.gz", server.url("/c.html")]
    for r in rows:
        assert set(r) == {"input", "url", "title", "author", "date", "language", "text"}
        assert (
            "long overdue" in r["text"] and "worst idea" not in r["text"] and r["language"] == "en"
        )
    assert rows[1]["title"] == "Participatory budgeting in Westfield"
    assert rows[2]["url"] == server.url("/c.html")


def test_extract_reports_bad_inputs_and_still_does_the_good_ones(cli, tmp_path):
    (tmp_path / "good.html").write_text(article("Good", PARAS))
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip at all")
    (tmp_path / "bin.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    res = cli("extract", "good.html", "bad.html.gz", "bin.html", "missing.html")
    assert res.returncode == 1
    assert len(res.stdout.splitlines()) == 1
    assert "bad.html.gz: is not valid gzip" in res.stderr
    assert "bin.html: looks binary" in res.stderr and "missing.html: cannot be read" in res.stderr
    assert "Traceback" not in res.stderr


def test_malformed_url_in_sources_file_is_one_line_naming_file_source_and_url(cli, tmp_path):
    (tmp_path / "sources.toml").write_text('[[source]]\nname = "Broken"\nurls = ["http://[::1"]\n')
    res = cli("crawl")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert "sources.toml: source #1 (Broken): URL 'http://[::1'" in line
    assert "Invalid IPv6 URL" in line
