"""The corpus: one object over the store that every stage reads from and writes to."""

from __future__ import annotations

import contextlib
import os

from discourse.store.backends import open_backend
from discourse.store.sqlite import LATEST_VERSION


class Corpus:
    """A corpus (SQLite file by default, or a PostgreSQL database) with one repository per
    stage. Open it by path or URL: ``Corpus.open("sqlite:///corpus.db")``,
    ``Corpus.open("postgresql://me@db.example:5432/discourse")``; a bare path is SQLite.

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
        pool_size: int = 4,
    ):
        self.backend = open_backend(
            path, readonly=readonly, busy_timeout=busy_timeout, upto=upto, pool_size=pool_size
        )
        self.dialect: str = self.backend.dialect
        # what messages name: the file (a Path) or the URL without its password
        self.path = self.backend.location
        self.url: str = self.backend.url  # reopens the same corpus; may hold a password
        self.db = self.backend.db
        self.sources = self.backend.sources
        self.documents = self.backend.documents
        self.analysis = self.backend.analysis
        self.queries = self.backend.queries
        self.stance = self.backend.stance
        self.browse = self.backend.browse
        #: Whether processes on several machines may write at once (PostgreSQL). Engines
        #: then let their workers write their own batches; SQLite has one writer, so
        #: workers return their results and the command's own process writes them.
        self.concurrent_writers: bool = self.backend.concurrent_writers

    @classmethod
    def open(cls, url: str | os.PathLike = "sqlite:///corpus.db", **options) -> Corpus:
        """Open the corpus a URL (or bare path) names; options as for :class:`Corpus`."""
        return cls(url, **options)

    @classmethod
    def from_settings(cls, settings, *, readonly: bool = False) -> Corpus:
        return cls(
            settings.db,
            readonly=readonly,
            busy_timeout=settings.busy_timeout,
            pool_size=settings.pool_size,
        )

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
        filters, newest first, as :class:`discourse.store.search.Hit` records."""
        from discourse.store.search import query

        return query(self, text, limit=limit, offset=offset, **filters)

    def check(self) -> list[str]:
        """Integrity problems found (empty when the corpus is sound)."""
        return self.backend.check()

    def lock(self, name: str, *, hint: str = "") -> contextlib.AbstractContextManager[None]:
        """Hold the corpus-wide lock ``name`` ("crawl", "annotate", ...) for the block, so
        that two runs of one stage never overlap on a corpus. Taken without waiting: when
        another process holds it, :class:`CorpusLockedError` (exit code 3). On SQLite the lock
        is a file beside the corpus (``corpus.db.NAME.lock``), on PostgreSQL a session
        advisory lock; either is released when its holder dies."""
        return self.backend.lock(name, hint=hint)

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["Corpus", "LATEST_VERSION"]
