"""A small annotated and tagged corpus for the web view and `discourse show`, with the things a
web page must never show planted in it: credentials in URLs, raw HTML, crawl state, hostile
markup in titles, text and URLs; and a helper that runs `discourse serve` on a free port."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from .conftest import DISCOURSE, ROOT, run_cli, write_jsonl

SEED = ROOT / "corpora" / "labels" / "stance.jsonl"
SECRET = "s3cret-pw"
RAW_MARKER = "RAW-HTML-MARKER"
CREDENTIAL_URL = f"http://alice:{SECRET}@intranet.example/report"
HOSTILE_TITLE = '<b onmouseover="alert(1)">Hostile</b> title'
HOSTILE_TEXT = (
    'Residents wrote <script>alert("xss")</script> and <img src=x onerror=alert(2)> '
    "into the comments."
)
SOURCES = ["Riverside Voices", "Northgate Gazette", "Ashford Council"]
# Months chosen so that most documents are not the newest: sorting the month facet by count
# and by date give different orders.
MONTHS = ["2009-03"] * 9 + ["2010-11"] * 5 + ["2011-06"] * 7 + ["2008-01"] * 3


def build_web_corpus(folder: Path) -> Path:
    rows = [json.loads(line) for line in SEED.open(encoding="utf-8")]
    docs = [
        {
            "url": f"http://news.example/{i}",
            "source": SOURCES[i % 3],
            "title": f"Article {i}",
            "published": f"{MONTHS[i]}-{10 + i % 9}",
            "text": " ".join(r["text"] for r in rows[i * 5 : i * 5 + 5]),
        }
        for i in range(len(MONTHS))
    ]
    docs[1]["title"] = HOSTILE_TITLE
    docs[1]["text"] = docs[1]["text"] + " " + HOSTILE_TEXT
    write_jsonl(folder / "docs.jsonl", docs)
    db = folder / "corpus.db"
    res = run_cli("--db", str(db), "import", "docs.jsonl", cwd=folder)
    assert res.returncode == 0, res.stderr
    # What older corpora, or sources.toml entries with credentials, leave in the store.
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE documents SET url = ?, canonical_url = ? WHERE id = 3",
            (CREDENTIAL_URL, CREDENTIAL_URL),
        )
        conn.execute("UPDATE documents SET canonical_url = 'javascript:alert(3)' WHERE id = 2")
        conn.execute("UPDATE documents SET raw_html = ?", (zlib.compress(RAW_MARKER.encode()),))
        conn.execute(
            "UPDATE sources SET homepage = ?, config = ? WHERE id = 1",
            (CREDENTIAL_URL, json.dumps({"token": SECRET})),
        )
        conn.execute(
            "INSERT INTO feeds(source_id, url, last_error) VALUES (1, ?, ?)",
            (CREDENTIAL_URL + "/feed", f"401 for {CREDENTIAL_URL}"),
        )
        conn.execute(
            "INSERT INTO items(feed_id, key, url) VALUES (1, 'k1', ?)", (CREDENTIAL_URL + "/1",)
        )
        conn.execute(
            "INSERT INTO fetch_log(url, kind, status) VALUES (?, 'feed', 401)",
            (CREDENTIAL_URL + "/feed",),
        )
        conn.execute(
            "INSERT INTO document_aliases(alias, document_id) VALUES (?, 3)",
            (CREDENTIAL_URL + "?utm=1",),
        )
    conn.close()
    for args in (["annotate"], ["tag"]):
        res = run_cli("--db", str(db), *args, cwd=folder)
        assert res.returncode == 0, res.stderr
    return db


def copy_corpus(src: Path, dst: Path) -> Path:
    """A consistent copy of a corpus another process may have open (SQLite's backup API)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(db: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`discourse serve` on a free loopback port, once it answers: (process, base URL)."""
    port = free_port()
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(db), "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            return proc, base
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    pytest.fail("discourse serve did not start: " + proc.stdout.read().decode())


def fetch(url: str) -> tuple[int, str]:
    """(status, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url) as res:
            return res.status, res.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def fetch_json(url: str):
    status, body = fetch(url)
    assert status == 200, (url, status, body[:500])
    return json.loads(body)
