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
    total, batch = 4000, 250
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
