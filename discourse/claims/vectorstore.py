"""Sentence vectors kept on disk between runs (one SQLite file per encoder)."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
PAGE_SIZE = 16384
SETUP_WAIT = 30.0  # seconds


class VectorStore:
    """Sentence vectors kept on disk between runs, one SQLite file per encoder: ``discourse
    tag`` reads the vectors ``discourse annotate`` computed for the same sentences instead of
    running the encoder again (with MPNet that is most of tagging's time). Keys are a 16-byte
    BLAKE2b digest of the text; values the float32 vector as computed, so a stored vector is
    the one a fresh run of that batch gives. Several processes may read and write at once (WAL).
    A cache that cannot be opened or written is logged once and skipped: it never stops a run.
    With ``max_bytes``, the vectors written longest ago are deleted whenever the live data
    outgrows it (down to 90% of it; SQLite reuses the freed pages, so the file stops growing,
    but does not shrink: a lower cap frees no disk until the file is deleted).
    Deleting the file empties it (about 3.4 KB a sentence with MPNet, 1.7 KB with MiniLM;
    stores written before 2026-12-07 take 4.7 KB with either)."""

    def __init__(self, path: Path, dim: int, max_bytes: int | None = None):
        self.path, self.dim, self.max_bytes = Path(path), dim, max_bytes
        self._con, self._pid, self._broken = None, None, False
        self._inherited: list = []

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def _connection(self):
        if self._broken:
            return None
        if self._con is None or self._pid != os.getpid():  # a forked worker opens its own
            if self._con is not None:
                # the parent's connection: never used nor closed in a forked child (SQLite's rule)
                self._inherited.append(self._con)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                self._set_up(con)
            except (OSError, sqlite3.Error) as exc:
                return self._give_up(exc)
            self._con, self._pid = con, os.getpid()
        return self._con

    def _set_up(self, con) -> None:
        """Make or upgrade the table. Processes opening one store at once (annotate's workers)
        can find it locked where SQLite does not wait (switching a file to WAL): they try
        again for up to ``SETUP_WAIT`` seconds."""
        deadline = time.monotonic() + SETUP_WAIT
        while True:
            try:
                # a new file: 16 KB pages hold five MPNet rows, 4 KB ones one (and a WITHOUT
                # ROWID table spills every vector to an overflow page: 4.7 KB a row)
                con.execute(f"PRAGMA page_size={PAGE_SIZE}")
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL,"
                    " added INTEGER NOT NULL DEFAULT 0)"
                )
                if "added" not in self._columns(con):
                    # a store written before the cap (its rows go first): upgraded under the
                    # write lock, as another process may be upgrading it at the same moment
                    with con:
                        con.execute("BEGIN IMMEDIATE")
                        if "added" not in self._columns(con):
                            con.execute(
                                "ALTER TABLE vectors ADD COLUMN added INTEGER NOT NULL DEFAULT 0"
                            )
                con.execute("CREATE INDEX IF NOT EXISTS vectors_by_age ON vectors (added)")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @staticmethod
    def _columns(con) -> set[str]:
        return {row[1] for row in con.execute("PRAGMA table_info(vectors)")}

    def _give_up(self, exc):
        log.warning("sentence vector cache %s skipped: %s", self.path, exc)
        self._broken, self._con = True, None
        return None

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        con = self._connection()
        if con is None or not texts:
            return {}
        by_key = {self.key(t): t for t in texts}
        keys, found = list(by_key), {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in con.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
                ):
                    if len(blob) == 4 * self.dim:  # anything else is not this encoder's vector
                        found[by_key[bytes(key)]] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.Error as exc:
            self._give_up(exc)
            return {}
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        con = self._connection()
        if con is None or not items:
            return
        now = time.time_ns()
        rows = [
            (self.key(t), np.asarray(v, dtype=np.float32).tobytes(), now) for t, v in items.items()
        ]
        try:
            with con:
                con.execute("BEGIN IMMEDIATE")
                con.executemany(
                    "INSERT OR IGNORE INTO vectors (key, vec, added) VALUES (?, ?, ?)", rows
                )
                if self.max_bytes is not None:
                    self._shrink(con)
        except sqlite3.Error as exc:
            self._give_up(exc)

    def live_bytes(self, con=None) -> int:
        """Bytes of the store's pages in use (the file less its free pages)."""
        con = con or self._connection()
        if con is None:
            return 0
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        return (pages - free) * con.execute("PRAGMA page_size").fetchone()[0]

    def _shrink(self, con) -> None:
        """Delete the oldest vectors while the live data is over ``max_bytes``: down to 90%
        of it, so a full store is not trimmed at every write."""
        live = self.live_bytes(con)
        if live <= self.max_bytes:
            return
        count = con.execute("SELECT count(*) FROM vectors").fetchone()[0]
        if not count:
            return
        keep = int(count * 0.9 * self.max_bytes / live)
        con.execute(
            "DELETE FROM vectors WHERE key IN (SELECT key FROM vectors ORDER BY added LIMIT ?)",
            (count - keep,),
        )
