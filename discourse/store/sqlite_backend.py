"""The embedded SQLite backend assembled: one corpus file, its repositories, file locks and
integrity checks. Opened through :func:`discourse.store.backends.open_backend`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from discourse.errors import CorpusLockedError
from discourse.store.analysis import AnalysisStore
from discourse.store.browse import BrowseStore
from discourse.store.documents import DocumentStore
from discourse.store.queries import QueryStore
from discourse.store.sources import SourceStore
from discourse.store.sqlite import Database
from discourse.store.stance import StanceStore


class SQLiteBackend:
    dialect = "sqlite"
    # one writer at a time: engine workers return results and the command's process writes
    concurrent_writers = False

    def __init__(self, path: Path, *, readonly: bool, busy_timeout: float, upto: int | None):
        self.location = path
        # absolute (the four-slash form), so a worker in another folder opens the same file
        self.url = f"sqlite:///{path.resolve()}"
        self.db = Database(path, readonly=readonly, busy_timeout=busy_timeout, upto=upto)
        self.sources = SourceStore(self.db)
        self.documents = DocumentStore(self.db)
        self.analysis = AnalysisStore(self.db)
        self.queries = QueryStore(self.db)
        self.stance = StanceStore(self.db)
        self.browse = BrowseStore(self.db)

    @contextlib.contextmanager
    def lock(self, name: str, *, hint: str = "") -> Iterator[None]:
        """A file beside the corpus (``corpus.db.NAME.lock``), released by the OS when its
        holder dies."""
        lock = FileLock(f"{self.location}.{name}.lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise CorpusLockedError(
                f"{self.location}: another {name} is running on this corpus (lock file "
                f"{lock.lock_file}). {hint or 'Let it finish, then run again.'}"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def check(self) -> list[str]:
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            f"foreign key: {tuple(r)}" for r in self.db.execute("PRAGMA foreign_key_check")
        ]
        if self.db.version() >= 3:
            # Read-only check: the FTS index holds exactly one entry per content row.
            for table, content in (("documents_fts", "documents"), ("sentences_fts", "sentences")):
                indexed = self.db.execute(f"SELECT COUNT(*) FROM {table}_docsize").fetchone()[0]
                rows = self.db.execute(f"SELECT COUNT(*) FROM {content}").fetchone()[0]
                if indexed != rows:
                    problems.append(f"{table}: {indexed} indexed rows for {rows} {content}")
        if self.db.version() >= 8:  # claim rows and facet counts (0008_browse)
            problems += self.browse.problems()
        return problems

    def tables(self) -> dict[str, list[str]]:
        out = {}
        for (name,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
            "'CREATE VIRTUAL TABLE%' AND name NOT LIKE 'sqlite%' ORDER BY name"
        ).fetchall():
            if any(name.startswith(f"{v}_") for v in self._virtual()):
                continue  # an FTS index's shadow tables
            # hidden (2, 3) are generated columns: derived, never copied
            cols = self.db.execute(f"PRAGMA table_xinfo({name})").fetchall()
            out[name] = [c[1] for c in cols if c[6] == 0]
        return out

    def _virtual(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
            ).fetchall()
        ]

    @contextlib.contextmanager
    def reading(self) -> Iterator[Callable[[str, list[str], int], Iterator[list[tuple]]]]:
        """One read transaction (a consistent snapshot in WAL mode) for reading whole tables
        in batches: ``read(table, columns, batch)``."""

        def read(table: str, columns: list[str], batch: int) -> Iterator[list[tuple]]:
            cols = ", ".join(f'"{c}"' for c in columns)
            # a WITHOUT ROWID table (document_bands) has no rowid: it is read in key order
            sql = self.db.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()[0]
            order = "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid"
            cur = self.db.conn.execute(f'SELECT {cols} FROM "{table}"{order}')
            while rows := cur.fetchmany(batch):
                yield [tuple(r) for r in rows]

        self.db.conn.execute("BEGIN")
        try:
            yield read
        finally:
            self.db.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def loading(self) -> Iterator[Callable[[str, list[str], Iterable[list[tuple]]], int]]:
        """One write transaction for a bulk load, foreign keys checked at commit:
        ``load(table, columns, batches)`` returns the rows written."""

        def load(table: str, columns: list[str], batches: Iterable[list[tuple]]) -> int:
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
            n = 0
            for rows in batches:
                conn.executemany(sql, rows)  # full-text triggers index as rows arrive
                n += len(rows)
            return n

        with self.db.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            yield load
        self.db.execute("ANALYZE")  # query plans for the rows just loaded

    def close(self) -> None:
        self.db.close()


def open_sqlite(
    target: str | os.PathLike,
    *,
    readonly: bool = False,
    busy_timeout: float = 5.0,
    upto: int | None = None,
    pool_size: int = 4,  # one connection per corpus object: nothing to pool
) -> SQLiteBackend:
    from discourse.store.backends import sqlite_path

    return SQLiteBackend(
        sqlite_path(target), readonly=readonly, busy_timeout=busy_timeout, upto=upto
    )
