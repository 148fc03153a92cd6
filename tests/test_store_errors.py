import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import DISCOURSE, kill_when, run_cli, write_jsonl


def test_not_sqlite_file_gives_one_clear_message_and_is_untouched(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a corpus\n")
    before = bad.read_bytes()
    res = run_cli("--db", str(bad), "init", cwd=tmp_path)
    assert res.returncode != 0
    assert "notes.db" in res.stderr and "not an SQLite database" in res.stderr
    assert "Traceback" not in res.stderr
    assert bad.read_bytes() == before
    assert not (tmp_path / "notes.db-wal").exists()


def test_missing_corpus_for_a_read_command_says_how_to_create_one(tmp_path):
    res = run_cli("--db", str(tmp_path / "none.db"), "status", cwd=tmp_path)
    assert res.returncode != 0
    assert f"`discourse --db {tmp_path / 'none.db'} init`" in res.stderr  # --db before init
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "none.db").exists()


def _as_nobody() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_read_only_corpus_gives_one_clear_message_and_is_untouched():
    # Permission checks do not apply to root, so the command runs as `nobody` when we are root.
    folder = Path(tempfile.mkdtemp(prefix="discourse-ro-"))
    try:
        folder.chmod(0o755)
        db = folder / "corpus.db"
        subprocess.run([DISCOURSE, "--db", str(db), "init"], check=True, capture_output=True)
        db.chmod(0o444)
        for p in folder.glob("corpus.db-*"):
            p.unlink()
        before = db.read_bytes()
        src = write_jsonl(folder / "docs.jsonl", [{"url": "http://e.org/1", "text": "hello"}])
        src.chmod(0o644)
        res = subprocess.run(
            [*_as_nobody(), DISCOURSE, "--db", str(db), "import", str(src)],
            capture_output=True,
            text=True,
            cwd=folder,
        )
        assert res.returncode != 0
        assert "corpus.db" in res.stderr and "read-only" in res.stderr
        assert "Traceback" not in res.stderr
        assert db.read_bytes() == before
    finally:
        for p in folder.iterdir():
            p.chmod(0o644)
            p.unlink()
        folder.rmdir()


def test_corpus_locked_by_another_writer_gives_clear_message(tmp_path):
    db = tmp_path / "corpus.db"
    assert run_cli("--db", str(db), "init").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        src = write_jsonl(tmp_path / "docs.jsonl", [{"url": "http://e.org/1", "text": "hello"}])
        start = time.monotonic()
        res = run_cli("--db", str(db), "import", str(src), env={"DISCOURSE_BUSY_TIMEOUT": "0.5"})
        assert time.monotonic() - start < 20
        assert res.returncode == 3
        assert "locked by another process" in res.stderr and "corpus.db" in res.stderr
        assert "Traceback" not in res.stderr
    finally:
        holder.kill()
        holder.wait()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0


def test_writer_killed_mid_batch_then_rerun_loses_and_duplicates_nothing(tmp_path):
    total, batch = 1500, 250
    words = "council residents consultation panel budget forum people voice plan".split()
    rows = [
        {
            "url": f"http://example.org/post/{i}",
            "title": f"Post {i}",
            "text": " ".join(words[(i * 7 + k) % len(words)] for k in range(150)) + f" marker{i}",
            "source": "Example",
        }
        for i in range(total)
    ]
    src = write_jsonl(tmp_path / "docs.jsonl", rows)
    db = tmp_path / "corpus.db"
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(db), "import", str(src), "--batch-size", str(batch)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    count = kill_when(proc, db, "SELECT COUNT(*) FROM documents", batch)
    assert 0 < count < total, "the writer finished before it could be killed; make the batch bigger"

    from discourse import Corpus

    with Corpus(db) as c:
        stored = c.documents.count()
        assert stored % batch == 0, "a partial batch was committed"
        assert c.check() == []
    res = run_cli("--db", str(db), "import", str(src), "--batch-size", str(batch))
    assert res.returncode == 0, res.stderr
    with Corpus(db) as c:
        assert c.documents.count() == total
        urls = [r[0] for r in c.db.execute("SELECT canonical_url FROM documents")]
        assert len(set(urls)) == total
        assert c.check() == []
        assert (
            c.db.execute(
                "SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH 'marker17'"
            ).fetchone()[0]
            == 1
        )


@pytest.mark.parametrize("line", ['{"url": "http://e.org/1"}', "not json", '{"text": "x"}'])
def test_import_names_file_and_line_of_a_bad_record(tmp_path, line):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"url": "http://e.org/0", "text": "fine"}\n' + line + "\n")
    res = run_cli("--db", str(tmp_path / "c.db"), "import", str(src))
    assert res.returncode == 2
    assert "bad.jsonl, line 2" in res.stderr and "Traceback" not in res.stderr


def _docs(n: int, start: int = 0):
    from discourse.store import NewDocument

    return [
        NewDocument(
            url=f"http://e.org/{i}",
            canonical_url=f"http://e.org/{i}",
            text=" ".join(f"w{i}x{j}" for j in range(1500)),
            content_hash=str(i),
        )
        for i in range(start, start + n)
    ]


@pytest.mark.parametrize("spare_pages", [3, 12, 40])
def test_disk_full_is_reported_as_disk_full_not_as_a_failed_rollback(tmp_path, spare_pages):
    # PRAGMA max_page_count makes SQLite answer SQLITE_FULL as a full disk would: the FTS
    # index flushed at COMMIT no longer fits, SQLite rolls back by itself, and the old
    # second ROLLBACK raised "cannot rollback - no transaction is active" instead.
    from discourse import Corpus
    from discourse.errors import CorpusError

    with Corpus(tmp_path / "corpus.db") as c:
        c.documents.add_many(_docs(1, start=100))
        pages = c.db.execute("PRAGMA page_count").fetchone()[0]
        c.db.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
        with pytest.raises(CorpusError) as err:
            c.documents.add_many(_docs(20))
        message = str(err.value)
        assert "disk is full" in message and "database or disk is full" in message
        assert "cannot rollback" not in message and "corpus.db" in message
        assert c.documents.count() == 1  # the batch is rolled back whole, nothing else lost
        c.db.execute("PRAGMA max_page_count = 1073741823")
        c.documents.add_many(_docs(2))  # and the corpus works once there is room
        assert c.documents.count() == 3 and c.check() == []


def test_crawl_on_a_full_disk_stops_with_the_real_cause(tmp_path):
    from discourse import Corpus
    from discourse.errors import CorpusError
    from discourse.gather.crawler import Crawler
    from discourse.store import SourceSpec

    from .crawlkit import PARAS, article, crawl_settings, feed_xml
    from .httpserver import LocalServer, Response, html

    with LocalServer() as server:
        items = [(f"g{i}", server.url(f"/p{i}.html"), f"P{i}") for i in range(30)]
        server.routes["/feed.xml"] = Response(
            200, feed_xml(server.base, items), {"Content-Type": "application/rss+xml"}
        )
        for i in range(30):
            words = " ".join(f"u{i}v{j}" for j in range(400))
            server.routes[f"/p{i}.html"] = html(article(f"P{i}", [words] + PARAS))
        settings = crawl_settings(tmp_path)
        with Corpus(settings.db) as corpus:
            crawler = Crawler(corpus, settings, progress=False)
            crawler.sync_sources([SourceSpec("S", "feed", [server.url("/feed.xml")])])
            pages = corpus.db.execute("PRAGMA page_count").fetchone()[0]
            corpus.db.execute(f"PRAGMA max_page_count = {pages + 30}")
            with pytest.raises(CorpusError, match="disk is full") as err:
                crawler.run_once()
            assert "cannot rollback" not in str(err.value)


def test_corpus_deleted_during_a_crawl_fails_loudly(tmp_path):
    from .crawlkit import PARAS, article, feed_xml
    from .httpserver import LocalServer, Response, html

    db = tmp_path / "corpus.db"
    with LocalServer() as server:
        items = [(f"g{i}", server.url(f"/p{i}.html"), f"P{i}") for i in range(12)]
        server.routes["/feed.xml"] = Response(
            200, feed_xml(server.base, items), {"Content-Type": "application/rss+xml"}
        )

        def page(i):
            def handler(_request):
                if i == 6:  # half-way through, someone deletes the corpus
                    for p in tmp_path.glob("corpus.db*"):
                        if not p.name.endswith(".lock"):
                            p.unlink()
                return html(article(f"P{i}", [f"Post {i} of twelve."] + PARAS))

            return handler

        for i in range(12):
            server.routes[f"/p{i}.html"] = page(i)
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "S"\nurls = ["{server.url("/feed.xml")}"]\n'
        )
        res = run_cli(
            "crawl",
            "--no-progress",
            cwd=tmp_path,
            env={
                "DISCOURSE_ALLOW_PRIVATE_ADDRESSES": "1",
                "DISCOURSE_PER_HOST_DELAY": "0",
                "DISCOURSE_CONCURRENCY": "1",
                "DISCOURSE_EXTRACT_WORKERS": "0",
            },
        )
    assert res.returncode != 0
    assert "new documents" not in res.stdout
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "corpus.db" in errors[0] and "deleted" in errors[0]
    assert "Traceback" not in res.stderr
    assert not db.exists()


def test_a_crawl_runs_where_an_event_loop_is_already_running(tmp_path):
    """A notebook (or a browser driver's sync API) runs an event loop in the main thread, where
    asyncio.run refuses; the crawl still fetches and stores every page."""
    import asyncio
    import threading

    from discourse import Corpus
    from discourse.store import SourceSpec

    from .crawlkit import PARAS, article, crawl, crawl_settings, feed_xml
    from .httpserver import LocalServer, Response, html

    with LocalServer() as server:
        items = [(f"g{i}", server.url(f"/p{i}.html"), f"P{i}") for i in range(3)]
        server.routes["/feed.xml"] = Response(
            200, feed_xml(server.base, items), {"Content-Type": "application/rss+xml"}
        )
        for i in range(3):
            server.routes[f"/p{i}.html"] = html(article(f"P{i}", [f"Page {i} words."] + PARAS))

        async def in_a_notebook():
            asyncio.get_running_loop()  # a loop runs in this thread, as in Jupyter
            return crawl(tmp_path, [SourceSpec("S", "feed", [server.url("/feed.xml")])])

        # in a thread of its own: this one may already run a loop (the browser tests' driver)
        done: dict = {}
        runner = threading.Thread(target=lambda: done.update(report=asyncio.run(in_a_notebook())))
        runner.start()
        runner.join(120)
        assert done.get("report") is not None
    with Corpus(crawl_settings(tmp_path).db) as c:
        titles = sorted(r[0] for r in c.db.execute("SELECT title FROM documents"))
    assert titles == ["P0", "P1", "P2"]


_WRITE_AND_CLOSE = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "c.execute('CREATE TABLE probe(x)'); c.execute('INSERT INTO probe VALUES (1)'); "
    "c.commit(); c.close()"
)
_COUNT = (
    "import sqlite3, sys; "
    "print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM probe').fetchone()[0])"
)


def test_a_second_open_in_one_process_keeps_the_first_connections_locks(tmp_path):
    """SQLite's locks are POSIX locks, which a process loses when it closes any descriptor of
    the file. Opening the corpus read its header with a descriptor of its own, so a second open
    in a process (a thread, a task, a test's probe) dropped the first connection's locks. A
    process closing its connection then saw no one else, checkpointed and deleted the WAL
    under the first, whose later writes went to the deleted file and were lost."""
    from discourse.store import Corpus

    path = tmp_path / "corpus.db"
    Corpus(path).close()
    with Corpus(path) as first:
        assert first.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
        Corpus(path).close()  # a second connection in this process, opened and closed
        subprocess.run([sys.executable, "-c", _WRITE_AND_CLOSE, str(path)], check=True)
        assert Path(f"{path}-wal").exists()  # it knew this process still had the corpus open
        with first.db.transaction() as conn:
            conn.execute("INSERT INTO probe VALUES (2)")
    out = subprocess.run(
        [sys.executable, "-c", _COUNT, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2"  # both writes stored, in a fresh process's view
