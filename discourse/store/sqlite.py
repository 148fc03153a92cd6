"""The SQLite backend: opening a corpus file safely, pragmas, migrations, transactions.

This is the only place (with the repositories beside it) that speaks SQL. A
PostgreSQL backend would implement the same :class:`Database` surface.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from discourse.errors import CorpusError, CorpusLockedError

# Errors of the storage rather than of the statement: reported as CorpusError with the cause.
_STORAGE = re.compile(
    r"database or disk is full|disk I/O error|locked|busy|readonly|disk image is malformed"
)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = re.match(r"(\d{4})_(\w+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("bundled migrations are not numbered 1..N")
    return found


LATEST_VERSION = len(migrations())


class Database:
    """A connection to one corpus file, with explicit transactions.

    The connection runs in autocommit mode; :meth:`transaction` opens
    ``BEGIN IMMEDIATE`` so a writer takes the write lock up front (no
    deadlocking lock upgrades) and everything inside commits or rolls back whole.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        readonly: bool = False,
        busy_timeout: float = 5.0,
        migrate: bool = True,
        upto: int | None = None,
    ):
        self.path = Path(path)
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self._check_file()
        try:
            if readonly:
                uri = f"file:{self.path.resolve()}?mode=ro"
                self.conn = sqlite3.connect(
                    uri,
                    uri=True,
                    isolation_level=None,
                    timeout=busy_timeout,
                    check_same_thread=False,
                )
            else:
                self.conn = sqlite3.connect(
                    self.path,
                    isolation_level=None,
                    timeout=busy_timeout,
                    check_same_thread=False,
                )
            self.conn.row_factory = sqlite3.Row
            # SQLite reads the header itself: a file that is not a database fails here, before
            # anything is written to it or beside it
            self.conn.execute("PRAGMA schema_version").fetchone()
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise CorpusError(f"{self.path}: could not switch to WAL mode (got {mode}).")
                self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            if getattr(self, "conn", None) is not None:
                self.conn.close()
            if "not a database" in str(exc):
                raise CorpusError(
                    f"{self.path}: is not a discourse corpus (not an SQLite database). "
                    "Point --db (or DISCOURSE_DB) at a corpus file or a new path; "
                    "the file was left untouched."
                ) from None
            raise self._translate(exc) from None
        self._identity = self._file_identity()
        if migrate:
            self.migrate(upto=upto)
        else:
            self._check_version()

    # -- opening -----------------------------------------------------------------------------
    def _check_file(self) -> None:
        p = self.path
        if p.is_dir():
            raise CorpusError(f"{p}: is a folder, not a corpus file. Give a file path with --db.")
        if p.exists():
            # Never open the file here to read its header: SQLite's locks are POSIX locks,
            # which this process loses when it closes any descriptor of the file, and another
            # process would then checkpoint and delete the WAL under a connection already open
            # in this one. SQLite checks the header when it connects (__init__).
            if not self.readonly and not os.access(p, os.W_OK):
                raise CorpusError(
                    f"{p}: is read-only. Make it writable (chmod u+w) or copy it somewhere "
                    "writable; read-only commands such as `discourse query` still work."
                )
        elif self.readonly:
            raise CorpusError(
                f"{p}: no such corpus. Create one with `discourse --db {shlex.quote(str(p))} init`."
            )
        folder = p.resolve().parent
        if not self.readonly and not os.access(folder, os.W_OK):
            raise CorpusError(
                f"{p}: its folder {folder} is not writable (SQLite needs to write its journal "
                "beside the corpus). Move the corpus or make the folder writable."
            )
        if not folder.exists():
            raise CorpusError(f"{p}: folder {folder} does not exist.")

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def check_same_file(self) -> None:
        """Raise CorpusError if the corpus file was deleted or replaced since it was opened:
        SQLite goes on writing to the file it opened, so whatever was written is gone."""
        if self._identity is not None and self._file_identity() != self._identity:
            gone = "deleted" if not self.path.exists() else "replaced by another file"
            raise CorpusError(
                f"{self.path}: the corpus file was {gone} while this run was writing to it; "
                "what the run stored went with it. Find what removed it, then run the "
                "command again."
            )

    def _translate(self, exc: sqlite3.Error) -> Exception:
        msg = str(exc)
        if "full" in msg:  # SQLITE_FULL: "database or disk is full"
            return CorpusError(
                f"{self.path}: the disk is full ({msg}); the transaction in progress was rolled "
                "back and nothing stored before it was lost. Free some space (or move the "
                "corpus to a larger disk), then run the command again."
            )
        if "disk I/O error" in msg:
            return CorpusError(
                f"{self.path}: disk I/O error ({msg}); check the disk, then run the command again."
            )
        if "locked" in msg or "busy" in msg:
            return CorpusLockedError(
                f"{self.path}: is locked by another process writing to it (a crawl or "
                "annotate run?). Wait for it to finish, or raise busy_timeout."
            )
        if "readonly" in msg or "read-only" in msg:
            return CorpusError(f"{self.path}: is read-only ({msg}). Make it writable.")
        if "not a database" in msg or "malformed" in msg:
            return CorpusError(
                f"{self.path}: is not a usable corpus ({msg}). Restore it from a backup or "
                "point --db at another file."
            )
        return CorpusError(f"{self.path}: {msg}")

    # -- schema ------------------------------------------------------------------------------
    def version(self) -> int:
        try:
            row = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
            ).fetchone()
            if row is None:
                return 0
            return self.conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version"
            ).fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise self._translate(exc) from None

    def _check_version(self) -> int:
        current = self.version()
        if current > LATEST_VERSION:
            raise CorpusError(
                f"{self.path}: has schema version {current}, newer than this discourse knows "
                f"({LATEST_VERSION}). Upgrade discourse (pip install -U discourse); the corpus "
                "was not changed."
            )
        return current

    def migrate(self, upto: int | None = None) -> list[int]:
        """Apply every migration newer than the corpus, each in its own transaction."""
        current = self._check_version()
        target = LATEST_VERSION if upto is None else upto
        applied = []
        pending = [(v, n, s) for v, n, s in migrations() if current < v <= target]
        if pending and self.readonly:
            raise CorpusError(
                f"{self.path}: needs schema migration to version {target} but was opened "
                "read-only. Run any writing command (e.g. `discourse init`) once first."
            )
        for version, name, sql in pending:
            # a migration that rebuilds a table says so in its first line: foreign keys are
            # off while it runs (the pragma is a no-op inside a transaction) and checked
            # before it commits
            rebuild = sql.lstrip().startswith("-- discourse: foreign_keys off")
            if rebuild:
                self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                with self.transaction():
                    # Another process may have migrated while we waited for the lock.
                    if self.version() >= version:
                        continue
                    self.conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT "
                        "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
                    )
                    for statement in _split_sql(sql):
                        self.conn.execute(statement)
                    if rebuild and self.conn.execute("PRAGMA foreign_key_check").fetchone():
                        raise CorpusError(
                            f"{self.path}: migration {version} ({name}) would break foreign "
                            "keys; the corpus was not changed."
                        )
                    self.conn.execute(
                        "INSERT INTO schema_version(version, name) VALUES (?, ?)", (version, name)
                    )
            except sqlite3.Error as exc:
                raise self._translate(exc) from None
            finally:
                if rebuild:
                    self.conn.execute("PRAGMA foreign_keys = ON")
            applied.append(version)
        return applied

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

        Errors of the storage itself (disk full, I/O, locks) come out as CorpusError with the
        real cause: SQLite may already have rolled back (it does on SQLITE_FULL), and the
        "no transaction is active" of a second rollback must not hide why."""
        if self.conn.in_transaction:  # nested: join the outer transaction
            yield self.conn
            return
        self.check_same_file()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:
            self._rollback()
            if _STORAGE.search(str(exc)):
                raise self._translate(exc) from None
            raise
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise self._translate(exc) from None

    def _rollback(self) -> None:
        if not self.conn.in_transaction:
            return  # SQLite rolled back by itself (SQLITE_FULL, SQLITE_IOERR, ...)
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the error being raised says more than a failed rollback would

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if _STORAGE.search(str(exc)):
                raise self._translate(exc) from None
            raise

    def close(self) -> None:
        self.conn.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement handles triggers)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
