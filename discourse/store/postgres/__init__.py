"""The PostgreSQL backend: a shared corpus on a server (psycopg 3, pooled connections).

Opened through :func:`discourse.store.backends.open_backend` with a
``postgresql://user[:password]@host[:port]/dbname`` URL. The schema mirrors the SQLite one
migration for migration (``discourse/store/migrations/postgresql/``), so a corpus copies
between the two unchanged (`discourse copy`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Iterator

import psycopg
from psycopg.rows import tuple_row

from discourse.errors import CorpusLockedError
from discourse.store.postgres.analysis import PgAnalysisStore
from discourse.store.postgres.browse import PgBrowseStore
from discourse.store.postgres.database import PgDatabase
from discourse.store.postgres.documents import PgDocumentStore, pg_text
from discourse.store.postgres.fulltext import Tokenizer
from discourse.store.postgres.queries import PgQueryStore
from discourse.store.postgres.sources import PgSourceStore
from discourse.store.postgres.stance import PgStanceStore

log = logging.getLogger(__name__)

# Columns that only feed an index, derived from other columns on write (full text).
INDEX_COLUMNS = ("tsv",)


def lock_key(name: str) -> int:
    """The advisory lock id of the corpus-wide lock ``name`` (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"discourse:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgBackend:
    dialect = "postgresql"
    # a server takes many writers at once: engine workers (on any machine) write their own
    # batches, each in its own transaction
    concurrent_writers = True

    def __init__(
        self, url: str, *, readonly: bool, busy_timeout: float, upto: int | None, pool_size: int
    ):
        from discourse.store.backends import redact

        self.url = url
        self.location = redact(url)
        self.tokenizer = Tokenizer()  # FTS5's, so both backends index the same words
        self.db = PgDatabase(
            _libpq_url(url),
            location=self.location,
            readonly=readonly,
            busy_timeout=busy_timeout,
            pool_size=pool_size,
            upto=upto,
            steps={3: self._index_full_text},
        )
        self.sources = PgSourceStore(self.db)
        self.documents = PgDocumentStore(self.db, self.tokenizer)
        self.analysis = PgAnalysisStore(self.db, self.tokenizer)
        self.queries = PgQueryStore(self.db, self.tokenizer)
        self.stance = PgStanceStore(self.db)
        self.browse = PgBrowseStore(self.db)

    def _index_full_text(self, conn, batch: int = 2000) -> None:
        """Migration 3's second half: index the documents and sentences already stored (the
        tokenizer runs here, not in SQL)."""
        for table, cols in (("documents", "title, text"), ("sentences", "text, NULL")):
            cur = conn.cursor(name=f"discourse_index_{table}")
            cur.execute(f"SELECT id, {cols} FROM {table} WHERE tsv IS NULL")
            while rows := cur.fetchmany(batch):
                tsvs = self.tokenizer.tsvectors([(r[1], r[2]) for r in rows])
                conn.cursor().executemany(
                    f"UPDATE {table} SET tsv = %s::tsvector WHERE id = %s",
                    [(t, r[0]) for t, r in zip(tsvs, rows)],
                )
            cur.close()

    @contextlib.contextmanager
    def lock(self, name: str, *, hint: str = "") -> Iterator[None]:
        """A session advisory lock on a connection of its own, held for the block; the server
        releases it when the holder's connection ends (even if the process is killed)."""
        conn = self.db.connect()
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),)).fetchone()[0]
            if not got:
                raise CorpusLockedError(
                    f"{self.location}: another {name} is running on this corpus (PostgreSQL "
                    f"advisory lock discourse:{name}). {hint or 'Let it finish, then run again.'}"
                )
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # a lost connection released it already
                    conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))
        finally:
            conn.close()

    def check(self) -> list[str]:
        """Foreign keys and full-text indexes are kept by the server; what it cannot see is
        a claim whose sentence belongs to another document, and claim rows or facet counts
        that disagree with the claims."""
        problems = []
        if self.db.version() >= 2:
            n = self.db.execute(
                "SELECT COUNT(*) FROM claims c JOIN sentences s ON s.id = c.sentence_id "
                "WHERE s.document_id <> c.document_id"
            ).fetchone()[0]
            if n:
                problems.append(f"claims: {n} claims point at a sentence of another document")
        if self.db.version() >= 8:  # claim rows and facet counts (0008_browse)
            problems += self.browse.problems()
        return problems

    def tables(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for table, column in self.db.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
            "AND c.is_generated = 'NEVER' ORDER BY c.table_name, c.ordinal_position"
        ):
            if column not in INDEX_COLUMNS:
                out.setdefault(table, []).append(column)
        return out

    @contextlib.contextmanager
    def reading(self) -> Iterator:
        """One REPEATABLE READ transaction (a consistent snapshot) for reading whole tables
        in batches through server-side cursors: ``read(table, columns, batch)``."""
        with self.db.pool.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with conn.transaction():
                    yield lambda table, columns, batch: _read(conn, table, columns, batch)
            finally:
                conn.isolation_level = None

    @contextlib.contextmanager
    def loading(self) -> Iterator:
        """One transaction for a bulk load with COPY, foreign keys that can wait checked at
        commit, the full-text index filled as rows arrive and id sequences moved past the
        ids loaded: ``load(table, columns, batches)`` returns the rows written."""
        loaded: list[str] = []  # tables with an id sequence
        tables_loaded: list[str] = []

        def load(table: str, columns: list[str], batches) -> int:
            n = 0
            cols = list(columns)
            index = table in ("documents", "sentences")
            if index:
                cols.append("tsv")
                pick = (
                    (columns.index("title"), columns.index("text"))
                    if table == "documents"
                    else (columns.index("text"), None)
                )
            cur = conn.cursor()
            names = ", ".join(f'"{c}"' for c in cols)
            with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for rows in batches:
                    rows = [tuple(pg_text(v) if isinstance(v, str) else v for v in r) for r in rows]
                    if index:
                        texts = [
                            (r[pick[0]], r[pick[1]] if pick[1] is not None else None) for r in rows
                        ]
                        rows = [(*r, t) for r, t in zip(rows, self.tokenizer.tsvectors(texts))]
                    for r in rows:
                        copy.write_row(r)
                    n += len(rows)
            if "id" in columns:
                loaded.append(table)
            tables_loaded.append(table)
            return n

        with self.db.transaction() as conn:
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
            yield load
            for table in loaded:
                seq = conn.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id')", (f'"{table}"',)
                ).fetchone()[0]
                if seq:
                    conn.execute(
                        f'SELECT setval(%s, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)',
                        (seq,),
                    )
        # statistics and the visibility map for the rows just loaded: without them the
        # first queries plan blind and counts read the whole heap
        for table in tables_loaded:
            self.db.execute(f'VACUUM (ANALYZE) "{table}"')

    def close(self) -> None:
        self.db.close()


def _read(conn, table: str, columns: list[str], batch: int):
    cols = ", ".join(f'"{c}"' for c in columns)
    cur = conn.cursor(name=f"discourse_read_{table}", row_factory=tuple_row)
    try:
        cur.execute(f'SELECT {cols} FROM "{table}"')
        while rows := cur.fetchmany(batch):
            yield rows
    finally:
        cur.close()


def _libpq_url(url: str) -> str:
    """The URL as libpq takes it: postgres:// and driver suffixes (postgresql+psycopg://)
    become postgresql://."""
    return re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "postgresql://", url)


def open_postgres(
    target: str | os.PathLike,
    *,
    readonly: bool = False,
    busy_timeout: float = 5.0,
    upto: int | None = None,
    pool_size: int = 4,
) -> PgBackend:
    return PgBackend(
        str(target), readonly=readonly, busy_timeout=busy_timeout, upto=upto, pool_size=pool_size
    )
