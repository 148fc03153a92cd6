"""What every store backend provides: one Protocol per repository, one for the connection.

A backend (SQLite in ``discourse/store/sqlite.py`` and the repositories beside it,
PostgreSQL in ``discourse/store/postgres/``) implements each of these; the stages only
ever see them through :class:`discourse.Corpus`. Backends are opened by URL through
:func:`discourse.store.backends.open_backend`, the one place that names their classes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from discourse.store.analysis import Annotation
from discourse.store.queries import Filters
from discourse.store.records import (
    Document,
    Feed,
    Item,
    ItemSpec,
    NewDocument,
    Source,
    SourceHealth,
    SourceSpec,
    StoredDocument,
)


@runtime_checkable
class Database(Protocol):
    """A connection (or pool) to one corpus, speaking its own SQL dialect."""

    busy_timeout: float
    readonly: bool

    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        """Everything inside commits or rolls back whole; nested blocks join the outer one."""

    def execute(self, sql: str, params: Any = ()) -> Any:
        """Run one statement in the backend's own dialect and placeholder style."""

    def version(self) -> int: ...

    def check_same_file(self) -> None:
        """Raise CorpusError if the corpus went away under the run (an SQLite file deleted or
        replaced); a server corpus has nothing to check."""

    def migrate(self, upto: int | None = None) -> list[int]: ...

    def close(self) -> None: ...


@runtime_checkable
class SourceRepository(Protocol):
    """Sources, feeds, the crawl frontier and the fetch log."""

    def upsert(self, spec: SourceSpec, *, interval_s: float = 3600.0) -> Source: ...
    def get(self, name: str) -> Source | None: ...
    def by_id(self, source_id: int) -> Source: ...
    def all(self) -> list[Source]: ...
    def feed_urls(self) -> set[str]: ...
    def health(self) -> list[SourceHealth]: ...
    def due_feeds(self, now: str | None = None, *, include_failing: bool = False) -> list[Feed]: ...
    def next_poll(self) -> str | None: ...
    def feed_polled(
        self,
        feed: Feed,
        *,
        items: list[ItemSpec],
        status: int | None,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        interval_s: float,
        next_poll: str,
        title: str | None = None,
        parse_problem: str | None = None,
    ) -> int: ...
    def feed_failed(
        self, feed: Feed, *, status: int | None, error: str, next_poll: str, max_failures: int
    ) -> bool: ...
    def reschedule(self, feed: Feed, *, interval_s: float, next_poll: str) -> None: ...
    def set_status(self, name: str, status: str) -> None: ...
    def pending_items(self, now: str | None = None, limit: int = 1000) -> list[Item]: ...
    def count_items(self, status: str = "pending") -> int: ...
    def item_failed(self, item: Item, error: str, *, retry_at: str | None) -> None: ...
    def item_skipped(self, item: Item, reason: str) -> None: ...
    def log_fetches(self, events: list[dict]) -> None: ...


@runtime_checkable
class DocumentRepository(Protocol):
    """Documents, their aliases, and deduplication on write."""

    def find(self, keys: Iterable[str], content_hash: str | None = None) -> int | None: ...
    def add(
        self,
        doc: NewDocument,
        *,
        item: Item | None = None,
        near_duplicate: tuple[int, float] | None = None,
    ) -> StoredDocument: ...
    def add_many(self, docs: Iterable[NewDocument]) -> list[StoredDocument]: ...
    def get(self, doc_id: int) -> Document | None: ...
    def raw_html(self, doc_id: int) -> bytes | None: ...
    def all(self) -> Iterator[Document]: ...
    def minhashes(self) -> Iterator[tuple[int, bytes, int]]: ...
    def near_duplicate_candidates(
        self, bands: Sequence[tuple[int, bytes]], *, also: Collection[int] = ()
    ) -> list[tuple[int, bytes, int]]: ...
    def aliases(self, doc_id: int) -> list[str]: ...
    def count(self, *, originals_only: bool = False) -> int: ...


@runtime_checkable
class AnalysisRepository(Protocol):
    """Sentences, statements (claims, and sentences about a target) and annotation state
    (the claims stage); storing a batch refreshes its documents' claim rows."""

    def pending(
        self, pipeline_version: str, limit: int = 1000, after: int = 0
    ) -> list[tuple[int, str, str | None, str | None]]: ...
    def pending_ids(
        self, pipeline_version: str, limit: int = 1000, after: int = 0
    ) -> list[int]: ...
    def count_pending(self, pipeline_version: str) -> int: ...
    def store(self, annotations: list[Annotation], pipeline_version: str) -> None: ...
    def sentences(
        self, document_id: int, pipeline_version: str | None = None
    ) -> Iterator[dict]: ...
    def skipped(self) -> list[tuple[int, str]]: ...
    def counts(self) -> dict[str, int]: ...


@runtime_checkable
class StanceRepository(Protocol):
    """Stance models, tags and human labels (the stance stage); a new current model and tags
    of the current model refresh the claim rows."""

    def register_model(self, version: str, path: str, metadata: dict) -> None: ...
    def sync_targets(self, registry: dict[str, dict]) -> None: ...
    def current_model(self) -> dict | None: ...
    def untagged(self, model_version: str, after: int = 0, limit: int = 2000) -> list[tuple]: ...
    def untagged_ids(self, model_version: str, after: int = 0, limit: int = 2000) -> list[int]: ...
    def count_untagged(self, model_version: str) -> int: ...
    def store_tags(self, tags: list[tuple], model_version: str) -> None: ...
    def tags_of(self, claim_id: int, model_version: str | None) -> list[dict]: ...
    def tag_counts(self, model_version: str) -> dict[str, dict[str, int]]: ...
    def candidates(self, target: str, limit: int = 5000) -> list[tuple]: ...
    def context(self, claim_id: int) -> dict: ...
    def add_label(
        self,
        claim_id: int | None,
        text: str,
        target: str,
        label: str,
        *,
        annotator: str | None = None,
        origin: str = "corpus",
        session: str | None = None,
    ) -> int: ...
    def delete_label(self, label_id: int) -> None: ...
    def labels(self, target: str | None = None) -> Iterator[dict]: ...


@runtime_checkable
class QueryRepository(Protocol):
    """Full-text search with metadata filters, facets, and the grouped counts summaries use."""

    def iter_rows(self, f: Filters, *, chunk: int = 1000) -> Iterator[dict]: ...
    def search(
        self, f: Filters, *, limit: int = 50, offset: int = 0, order: str = "date"
    ) -> list[dict]: ...
    def count(self, f: Filters) -> int: ...
    def facet(self, f: Filters, name: str, limit: int = 50) -> list[tuple[str | None, int]]: ...
    def stance_counts(self, f: Filters, by: list[str]) -> list[dict]: ...
    def stance_documents(self, f: Filters, by: list[str]) -> list[tuple[tuple, int]]: ...
    def documents_per_source(self, period: str = "year") -> list[tuple[str, str, int]]: ...
    def top_claims(self, target: str, label: str, limit: int = 5) -> list[dict]: ...
    def quoted_holders(self, limit: int = 15, target: str | None = None) -> list[dict]: ...
    def current_tags(self, claim_ids: list[int]) -> dict[int, list[dict]]: ...
    def mentions(self, f: Filters, by: list[str], target: str | None = None) -> list[dict]: ...
    def annotated_documents(self, f: Filters, by: list[str]) -> list[dict]: ...
    def check_text(self, text: str, documents: bool = False) -> None: ...
    def has_stance_tags(self) -> bool: ...
    def known_targets(self) -> set[str]: ...


@runtime_checkable
class BrowseRepository(Protocol):
    """What the web view browses: claim rows (claims_view materialised) and their facet
    counts, kept up to date by the analysis and stance repositories."""

    def refresh_documents(self, document_ids: Iterable[int]) -> None: ...
    def refresh_claims(self, claim_ids: Iterable[int]) -> None: ...
    def rebuild(self) -> int: ...
    def facet_counts(
        self,
        facet: str,
        *,
        filter_column: str = "",
        filter_value: str = "",
        order: str = "count",
        limit: int = 30,
    ) -> list[tuple[str, int]]: ...
    def problems(self) -> list[str]: ...
    def document_claims(self, document_id: int) -> list[dict]: ...


@runtime_checkable
class Backend(Protocol):
    """One opened corpus: its connection, its repositories, its locks and checks."""

    dialect: str  # "sqlite" or "postgresql"
    # processes on several machines may write at once (engine workers write their batches)
    concurrent_writers: bool
    url: str  # reopens the same corpus (may hold a password: never print it)
    location: Any  # what messages name: the file's Path, or the URL without password
    db: Database
    sources: SourceRepository
    documents: DocumentRepository
    analysis: AnalysisRepository
    stance: StanceRepository
    queries: QueryRepository
    browse: BrowseRepository

    def lock(self, name: str, *, hint: str = "") -> contextlib.AbstractContextManager[None]:
        """Hold the corpus-wide lock ``name`` without waiting, or raise CorpusLockedError."""

    def check(self) -> list[str]:
        """Integrity problems found (empty when the corpus is sound)."""

    def tables(self) -> dict[str, list[str]]:
        """Every base table and its stored columns (generated and index-only columns left
        out), for copying a corpus between backends."""

    def reading(self) -> contextlib.AbstractContextManager[Any]:
        """One consistent read of the whole corpus: yields ``read(table, columns, batch)``,
        an iterator of row batches (`discourse copy`, digests, snapshots)."""

    def loading(self) -> contextlib.AbstractContextManager[Any]:
        """One write transaction for a bulk load (foreign keys checked at commit, full-text
        indexes filled): yields ``load(table, columns, batches)`` -> rows written."""

    def close(self) -> None: ...
