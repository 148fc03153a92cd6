"""Crawling on a schedule: --now, what `sources list` says about waiting feeds, exit codes
cron can see, and the contact address."""

import json
import logging
import os
import pty
import subprocess
from types import SimpleNamespace

import pytest

from discourse import Corpus
from discourse.store import SourceSpec

from .conftest import DISCOURSE
from .crawlkit import PARAS, article, crawl_settings, feed_xml
from .httpserver import LocalServer, Response, html

FAST = {
    "DISCOURSE_PER_HOST_DELAY": "0",
    "DISCOURSE_MAX_RETRIES": "0",
    "DISCOURSE_EXTRACT_WORKERS": "0",
}
PRIVATE = {**FAST, "DISCOURSE_ALLOW_PRIVATE_ADDRESSES": "true"}


@pytest.fixture
def server():
    with LocalServer() as s:
        s.routes["/feed.xml"] = Response(
            200,
            feed_xml(s.base, [("g1", s.url("/a.html"), "A")]),
            {"Content-Type": "application/rss+xml"},
        )
        s.routes["/a.html"] = html(article("A", PARAS))
        yield s


@pytest.fixture
def run(tmp_path, monkeypatch):
    """The CLI in-process (CliRunner), in tmp_path: as `cli` without a process per call."""
    from click.testing import CliRunner

    from discourse.cli import main

    monkeypatch.chdir(tmp_path)
    for var in [v for v in os.environ if v.startswith("DISCOURSE_")]:
        monkeypatch.delenv(var)

    def _run(*args, env=None):
        res = CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)
        return SimpleNamespace(returncode=res.exit_code, stdout=res.stdout, stderr=res.stderr)

    return _run


def sources_file(tmp_path, *feeds: tuple[str, str]) -> None:
    text = "".join(f'[[source]]\nname = "{n}"\nurls = ["{u}"]\n\n' for n, u in feeds)
    (tmp_path / "sources.toml").write_text(text)


def test_first_crawl_refused_for_private_addresses_exits_4_naming_the_flag(cli, tmp_path, server):
    sources_file(tmp_path, ("Local", server.url("/feed.xml")))
    res = cli("crawl", env=FAST)
    assert res.returncode == 4, res.stderr
    assert "every fetch failed" in res.stderr
    assert "--allow-private-addresses" in res.stderr and "allow_private_addresses" in res.stderr
    assert "Traceback" not in res.stderr


def test_crawl_now_polls_feeds_that_are_not_due(run, tmp_path, server):
    sources_file(tmp_path, ("Local", server.url("/feed.xml")))
    assert run("crawl", env=FAST).returncode == 4  # refused: backs off ~10 minutes
    listing = run("sources", "list")
    assert "backing off after 1 failure until 20" in listing.stdout
    assert "--allow-private-addresses" in listing.stdout
    # Allowed now, but the feed is not due: say so, and how to poll anyway.
    res = run("crawl", env=PRIVATE)
    assert res.returncode == 0, res.stderr
    assert "0 feeds due; next at 20" in res.stdout and "use --now" in res.stdout
    assert server.hits("/feed.xml") == []  # refused before any request, then not due
    res = run("crawl", "--now", env=PRIVATE)
    assert res.returncode == 0, res.stderr
    assert "1 feeds polled" in res.stdout and "1 new documents" in res.stdout
    # --force is the same flag
    res = run("crawl", "--force", env=PRIVATE)
    assert res.returncode == 0 and "1 feeds polled" in res.stdout
    assert len(server.hits("/feed.xml")) == 2


def test_crawl_now_retries_a_failing_source_and_success_reactivates_it(tmp_path, server):
    from discourse.gather.crawler import Crawler

    settings = crawl_settings(tmp_path, max_failures=1, max_retries=0)
    with Corpus(settings.db) as corpus:
        crawler = Crawler(corpus, settings, progress=False)
        crawler.sync_sources([SourceSpec("S", "feed", [server.url("/gone.xml")])])
        crawler.run_once()
        assert corpus.sources.health()[0].status == "failing"
        server.routes["/gone.xml"] = server.routes["/feed.xml"]
        assert crawler.run_once().feeds_polled == 0  # a plain crawl leaves failing sources out
        report = crawler.run_once(now=True)
        assert report.feeds_polled == 1 and report.documents_new == 1
        assert corpus.sources.health()[0].status == "active"


def test_sources_list_shows_never_polled_source_as_due_now_not_1970(run, tmp_path, server):
    with Corpus(tmp_path / "corpus.db") as c:
        c.sources.upsert(SourceSpec("Fresh", "feed", [server.url("/feed.xml")]))
    table = run("sources", "list")
    assert table.returncode == 0, table.stderr
    assert "1970" not in table.stdout
    assert "never polled; due now" in table.stdout
    line = next(x for x in table.stdout.splitlines() if x.startswith("Fresh"))
    assert line.split()[-2:] == ["due", "now"] and "never" in line
    row = json.loads(run("sources", "list", "--format", "json").stdout)
    assert row["next_poll"] is None and row["due"] is True
    assert row["waiting"] == "never polled; due now"


def test_crawl_with_some_sources_failing_exits_5_after_storing_the_rest(run, tmp_path, server):
    server.routes["/broken.xml"] = Response(500, b"oops")
    sources_file(tmp_path, ("Good", server.url("/feed.xml")), ("Broken", server.url("/broken.xml")))
    res = run("crawl", env=PRIVATE)
    assert res.returncode == 5, res.stderr
    assert "1 new documents" in res.stdout
    assert "1 feeds failed" in res.stderr and "HTTP 500" in res.stderr
    assert len(res.stderr.strip().splitlines()[-1]) < 400


def test_sources_list_shows_parse_problem_and_last_error(run, tmp_path, server):
    broken = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Council &amp; news</title>'
        f"<item><title>Budget &nbsp; report</title><link>{server.url('/a.html')}</link></item>"
    ).encode()
    server.routes["/council.xml"] = Response(200, broken, {"Content-Type": "application/rss+xml"})
    server.routes["/down.xml"] = Response(503, b"down")
    sources_file(
        tmp_path, ("Council", server.url("/council.xml")), ("Down", server.url("/down.xml"))
    )
    run("crawl", env=PRIVATE)
    table = run("sources", "list").stdout
    council = table.split("Council", 1)[1].split("\nDown", 1)[0]
    assert "parse problem:" in council and "undefined entity" in council
    down = table.split("\nDown", 1)[1]
    assert "backing off after 1 failure" in down and "HTTP 503" in down
    rows = {
        r["name"]: r
        for r in map(json.loads, run("sources", "list", "--format", "json").stdout.splitlines())
    }
    assert "undefined entity" in rows["Council"]["parse_problem"]
    assert rows["Down"]["last_error"] == "HTTP 503" and rows["Down"]["failures"] == 1


def test_crawl_warns_once_per_crawl_until_contact_is_set(tmp_path, server, caplog):
    from discourse.gather.crawler import Crawler

    settings = crawl_settings(tmp_path)
    with Corpus(settings.db) as corpus, caplog.at_level(logging.WARNING):
        crawler = Crawler(corpus, settings, progress=False)
        crawler.sync_sources([SourceSpec("S", "feed", [server.url("/feed.xml")])])
        crawler.run_forever(passes=2, max_sleep=0.01)
    warnings = [r for r in caplog.records if "no contact address" in r.getMessage()]
    assert len(warnings) == 1 and "contact" in warnings[0].getMessage()
    caplog.clear()
    with Corpus(settings.db) as corpus, caplog.at_level(logging.WARNING):
        Crawler(corpus, settings.replace(contact="me@example.org"), progress=False).run_once()
    assert not [r for r in caplog.records if "no contact address" in r.getMessage()]


def test_crawl_without_contact_prints_one_warning_line(cli, tmp_path, server):
    sources_file(tmp_path, ("Local", server.url("/feed.xml")))
    res = cli("crawl", "--no-progress", env=PRIVATE)
    assert res.returncode == 0, res.stderr
    lines = [x for x in res.stderr.splitlines() if "no contact address" in x]
    assert len(lines) == 1 and "discourse.toml" in lines[0]


def test_sources_add_stores_contact_given_as_flag_in_discourse_toml(run, tmp_path, server):
    server.routes["/"] = html(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        "</head><body>Home</body></html>"
    )
    (tmp_path / "discourse.toml").write_text("# my settings\nper_host_delay = 0.5\n")
    res = run("sources", "add", server.url("/"), "--contact", "me@example.org", env=PRIVATE)
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "discourse.toml").read_text()
    assert 'contact = "me@example.org"' in text and "# my settings" in text
    conf = json.loads(run("config", "--format", "json").stdout)
    assert conf["contact"]["value"] == "me@example.org"
    assert conf["per_host_delay"]["value"] == 0.5


def test_sources_add_on_a_terminal_asks_for_the_contact(tmp_path, server):
    server.routes["/"] = html(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        "</head><body>Home</body></html>"
    )
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCOURSE_")}
    proc = subprocess.Popen(
        [DISCOURSE, "sources", "add", server.url("/")],
        cwd=tmp_path,
        env={**env, **PRIVATE},
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    os.write(master, b"research@example.ac.uk\n")
    out, err = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0, err
    assert "Contact address" in out
    assert 'contact = "research@example.ac.uk"' in (tmp_path / "discourse.toml").read_text()


def test_write_setting_keeps_a_discourse_table_and_replaces_an_empty_value(tmp_path):
    from discourse.settings import Settings, write_setting

    (tmp_path / "discourse.toml").write_text('[discourse]\n# who we are\ncontact = ""\n')
    write_setting("contact", "me@example.org", cwd=tmp_path)
    assert Settings.resolve(cwd=tmp_path, env={}).contact == "me@example.org"
    assert "# who we are" in (tmp_path / "discourse.toml").read_text()
