"""The corpus: one object over the store that every stage reads from and writes to."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from discourse.errors import CorpusLockedError
from discourse.store.analysis import AnalysisStore
from discourse.store.browse import BrowseStore
from discourse.store.documents import DocumentStore
from discourse.store.queries import QueryStore
from discourse.store.sources import SourceStore
from discourse.store.sqlite import LATEST_VERSION, Database
from discourse.store.stance import StanceStore


class Corpus:
    """A corpus file (SQLite by default) with one repository per stage.

    >>> corpus = Corpus("corpus.db")
    >>> corpus.documents.count()
    0
    """

    def __init__(
        self,
        path: str | os.PathLike = "corpus.db",
        *,
        readonly: bool = False,
        busy_timeout: float = 5.0,
        upto: int | None = None,
    ):
        self.path = Path(path)
        self.db = Database(path, readonly=readonly, busy_timeout=busy_timeout, upto=upto)
        self.sources = SourceStore(self.db)
        self.documents = DocumentStore(self.db)
        self.analysis = AnalysisStore(self.db)
        self.queries = QueryStore(self.db)
        self.stance = StanceStore(self.db)
        self.browse = BrowseStore(self.db)

    #: Whether processes on several machines may write at once. Engines then let their
    #: workers write their own batches; SQLite has one writer, so workers return their results
    #: and the command's own process writes them.
    concurrent_writers = False

    @classmethod
    def open(cls, url: str, *, readonly: bool = False, busy_timeout: float = 5.0) -> Corpus:
        """The corpus at ``url``: ``sqlite:///path.db`` (or a bare path)."""
        path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
        return cls(path, readonly=readonly, busy_timeout=busy_timeout)

    @property
    def url(self) -> str:
        """The address a worker on this machine opens the corpus with (:meth:`open`)."""
        return f"sqlite:///{self.path.resolve()}"

    @classmethod
    def from_settings(cls, settings, *, readonly: bool = False) -> Corpus:
        return cls(settings.db, readonly=readonly, busy_timeout=settings.busy_timeout)

    @property
    def schema_version(self) -> int:
        return self.db.version()

    def stats(self) -> dict[str, int | str]:
        """Row counts of the main tables, and the schema version."""
        out: dict[str, int | str] = {"path": str(self.path), "schema_version": self.schema_version}
        tables = ["sources", "feeds", "items", "documents", "fetch_log"]
        if self.schema_version >= 2:
            tables += ["sentences", "claims", "stance_tags", "labels", "models"]
        for table in tables:
            out[table] = self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return out

    def query(self, text: str | None = None, *, limit: int = 50, offset: int = 0, **filters):
        """Claims (or documents, with ``documents=True``) matching a full-text query and
        filters, newest first, as :class:`discourse.use.query.Hit` records."""
        from discourse.use.query import query

        return query(self, text, limit=limit, offset=offset, **filters)

    def check(self) -> list[str]:
        """Integrity problems found (empty when the corpus is sound)."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            f"foreign key: {tuple(r)}" for r in self.db.execute("PRAGMA foreign_key_check")
        ]
        if self.schema_version >= 3:
            # Read-only check: the FTS index holds exactly one entry per content row.
            for table, content in (("documents_fts", "documents"), ("sentences_fts", "sentences")):
                indexed = self.db.execute(f"SELECT COUNT(*) FROM {table}_docsize").fetchone()[0]
                rows = self.db.execute(f"SELECT COUNT(*) FROM {content}").fetchone()[0]
                if indexed != rows:
                    problems.append(f"{table}: {indexed} indexed rows for {rows} {content}")
        if self.schema_version >= 6:
            problems += self.browse.problems()
        return problems

    @contextlib.contextmanager
    def lock(self, name: str, *, hint: str = "") -> Iterator[None]:
        """Hold the corpus-wide lock ``name`` ("crawl", "annotate", ...) for the block, so
        that two runs of one stage never overlap on a corpus. Taken without waiting: when
        another process holds it, :class:`CorpusLockedError` (exit code 3). On SQLite the lock
        is a file beside the corpus (``corpus.db.NAME.lock``), released by the OS when its
        holder dies."""
        lock = FileLock(f"{self.path}.{name}.lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise CorpusLockedError(
                f"{self.path}: another {name} is running on this corpus (lock file "
                f"{lock.lock_file}). {hint or 'Let it finish, then run again.'}"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["Corpus", "LATEST_VERSION"]
