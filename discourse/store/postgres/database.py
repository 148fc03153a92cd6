"""The PostgreSQL connection: a pool, explicit transactions, per-dialect migrations.

Outside a transaction each statement borrows a pooled connection, runs, fetches its rows and
gives the connection back, so many threads (the crawl's writer, a web view) share a few
connections. :meth:`PgDatabase.transaction` binds one pooled connection to the calling thread
until the block ends; nested blocks join it, as on SQLite.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool, PoolTimeout

from discourse.errors import CorpusError, CorpusLockedError

log = logging.getLogger(__name__)

# Any value will do as long as it is fixed: migrations of one database run one at a time.
_MIGRATION_LOCK = 0x646973636F757273  # "discours"


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled PostgreSQL migration, in order. Each mirrors the
    SQLite migration of the same number and name (tests/test_store_postgres_schema.py)."""
    found = []
    folder = resources.files("discourse.store").joinpath("migrations", "postgresql")
    for entry in folder.iterdir():
        m = re.match(r"(\d{4})_(\w+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("bundled PostgreSQL migrations are not numbered 1..N")
    return found


LATEST_VERSION = len(migrations())


class Row(tuple):
    """A result row read by position or by column name, like sqlite3.Row."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def row_factory(cursor: psycopg.Cursor):
    """psycopg row factory making :class:`Row` objects (one small subclass per result)."""
    if cursor.description is None:
        return tuple
    index = {c.name: i for i, c in enumerate(cursor.description)}
    cls = type("Row", (Row,), {"__slots__": (), "_index": index})
    return lambda values: tuple.__new__(cls, values)


class Result:
    """Rows already fetched from a statement run outside a transaction."""

    def __init__(self, rows: list | None, rowcount: int):
        self._rows = rows or []
        self._pos = 0
        self.rowcount = rowcount

    def fetchone(self):
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchmany(self, size: int = 1) -> list:
        out = self._rows[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def fetchall(self) -> list:
        out = self._rows[self._pos :]
        self._pos = len(self._rows)
        return out

    def __iter__(self):
        return iter(self.fetchall())


class PgDatabase:
    """A pool of connections to one PostgreSQL corpus, with explicit transactions."""

    def __init__(
        self,
        url: str,
        *,
        location: str,
        readonly: bool = False,
        busy_timeout: float = 5.0,
        pool_size: int = 4,
        migrate: bool = True,
        upto: int | None = None,
        steps: dict | None = None,
    ):
        self.url = url
        # Python run inside a migration's transaction, after its SQL: version -> f(conn)
        self.steps = steps or {}
        self.location = location
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self.dialect = "postgresql"
        options = f"-c lock_timeout={int(busy_timeout * 1000)}"
        if readonly:
            options += " -c default_transaction_read_only=on"
        self._kwargs = {"autocommit": True, "options": options}
        self._local = threading.local()
        self._probe()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={**self._kwargs, "row_factory": row_factory},
            open=False,
            name="discourse",
        )
        try:
            self.pool.open(wait=True, timeout=max(10.0, busy_timeout))
        except PoolTimeout:
            self.pool.close()
            raise CorpusError(
                f"{location}: could not open a connection pool in time. Is the server "
                "overloaded or out of connections (max_connections)?"
            ) from None
        if migrate:
            self.migrate(upto=upto)
        else:
            self._check_version()

    # -- connecting --------------------------------------------------------------------------
    def _probe(self) -> None:
        """One direct connection first, so a wrong URL, password or database gets the
        server's own message rather than a pool timeout."""
        try:
            psycopg.connect(self.url, connect_timeout=10, **self._kwargs).close()
        except psycopg.OperationalError as exc:
            reason = " ".join(str(exc).split())
            raise CorpusError(
                f"{self.location}: cannot connect ({reason}). Check the URL in --db or "
                "DISCOURSE_DB (postgresql://USER@HOST:PORT/DB), that the server is running "
                "and that the database exists (createdb)."
            ) from None

    def check_same_file(self) -> None:
        """Nothing to check: a server corpus is not a file that can be deleted under a run
        (SQLite's Database checks that its file is still the one it opened)."""

    def connect(self, **kwargs) -> psycopg.Connection:
        """A connection of its own, outside the pool (locks held for a whole stage)."""
        return psycopg.connect(self.url, **{**self._kwargs, **kwargs})

    def translate(self, exc: Exception) -> Exception:
        msg = " ".join(str(exc).split())
        if isinstance(exc, pgerrors.LockNotAvailable | pgerrors.DeadlockDetected):
            return CorpusLockedError(
                f"{self.location}: is locked by another process writing to it (a crawl or "
                "annotate run?). Wait for it to finish, or raise busy_timeout."
            )
        if isinstance(exc, pgerrors.ReadOnlySqlTransaction):
            return CorpusError(f"{self.location}: was opened read-only ({msg}).")
        if isinstance(exc, pgerrors.InsufficientPrivilege):
            return CorpusError(f"{self.location}: permission denied ({msg}).")
        if isinstance(exc, psycopg.OperationalError):
            return CorpusError(f"{self.location}: connection failed ({msg}).")
        return exc

    # -- schema ------------------------------------------------------------------------------
    def version(self) -> int:
        row = self.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        if not row[0]:
            return 0
        return self.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]

    def _check_version(self) -> int:
        current = self.version()
        if current > LATEST_VERSION:
            raise CorpusError(
                f"{self.location}: has schema version {current}, newer than this discourse "
                f"knows ({LATEST_VERSION}). Upgrade discourse; the corpus was not changed."
            )
        return current

    def migrate(self, upto: int | None = None) -> list[int]:
        """Apply every migration newer than the corpus, each in its own transaction, one
        process at a time (an advisory lock)."""
        current = self._check_version()
        target = LATEST_VERSION if upto is None else upto
        pending = [(v, n, s) for v, n, s in migrations() if current < v <= target]
        if pending and self.readonly:
            raise CorpusError(
                f"{self.location}: needs schema migration to version {target} but was opened "
                "read-only. Run any writing command (e.g. `discourse init`) once first."
            )
        applied = []
        for version, name, sql in pending:
            try:
                with self.transaction() as conn:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT "
                        "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"
                    )
                    done = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                    if done.fetchone()[0] >= version:
                        continue  # another process migrated while we waited for the lock
                    conn.execute(sql)  # no parameters: sent as one script
                    if version in self.steps:
                        self.steps[version](conn)
                    conn.execute(
                        "INSERT INTO schema_version(version, name) VALUES (%s, %s)",
                        (version, name),
                    )
            except psycopg.Error as exc:
                if isinstance(exc, psycopg.errors.RaiseException | pgerrors.FeatureNotSupported):
                    reason = exc.diag.message_primary or str(exc)
                    raise CorpusError(
                        f"{self.location}: cannot set up the schema (migration {version}, "
                        f"{name}): {reason}"
                    ) from None
                raise self.translate(exc) from None
            applied.append(version)
            log.info("%s: applied PostgreSQL migration %04d_%s", self.location, version, name)
        return applied

    # -- transactions and statements ---------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """BEGIN ... COMMIT on one pooled connection, or ROLLBACK on any exception."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:  # nested: join the outer transaction
            yield conn
            return
        try:
            with self.pool.connection() as conn:
                self._local.conn = conn
                try:
                    with conn.transaction():
                        yield conn
                finally:
                    self._local.conn = None
        except psycopg.Error as exc:
            raise self.translate(exc) from None

    def execute(self, sql: str, params: Sequence | dict | None = None) -> Any:
        """Run one statement (``%s`` placeholders). In a transaction, on its connection (a
        cursor is returned); otherwise on a pooled connection, rows fetched at once."""
        params = params if params else None  # no parameters: a literal % needs no escaping
        conn = getattr(self._local, "conn", None)
        try:
            if conn is not None:
                return conn.execute(sql, params)
            with self.pool.connection() as conn:
                cur = conn.execute(sql, params)
                rows = cur.fetchall() if cur.description is not None else None
                return Result(rows, cur.rowcount)
        except psycopg.Error as exc:
            raise self.translate(exc) from None

    def stream(self, sql: str, params: Sequence | None = None, *, chunk: int = 1000, raw=False):
        """Rows of a large result ``chunk`` at a time through a server-side cursor (constant
        memory); ``raw`` gives plain tuples."""
        with self.pool.connection() as conn, conn.transaction():
            cur = conn.cursor(
                name=f"discourse_stream_{id(conn)}",
                row_factory=tuple_row if raw else row_factory,
            )
            try:
                cur.execute(sql, params or None)
                while rows := cur.fetchmany(chunk):
                    yield from rows
            except psycopg.Error as exc:
                raise self.translate(exc) from None
            finally:
                cur.close()

    def close(self) -> None:
        self.pool.close()
