"""Moving a corpus between backends (`discourse copy`) and SQLite snapshots of a corpus
(`discourse snapshot`, what `discourse serve` shows for a PostgreSQL corpus).

A copy reads the source in one consistent snapshot, table by table in batches, and writes the
destination in one transaction: a copy that fails leaves the destination as empty as it was.
It refuses a destination that already holds rows, so nothing is ever merged or duplicated.
Row counts and an order-independent SHA-256 digest of every table are compared afterwards.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from discourse.errors import InputError
from discourse.store.corpus import Corpus

log = logging.getLogger(__name__)

# Every table, parents before children. A new table must be added here (or to DERIVED)
# before a corpus holding it can be copied; tests/test_store_transfer.py checks that.
TABLES = (
    "sources",
    "feeds",
    "documents",
    "document_aliases",
    "document_bands",  # near-duplicate detection's LSH bands (0009_dedup_bands)
    "items",
    "fetch_log",
    "annotations",
    "sentences",
    "claims",
    "targets",
    "models",
    "stance_tags",
    "labels",
    # the web view's claim rows and facet counts (0008_browse): derived from the tables
    # above, but copied as they are (a snapshot serves them as it finds them)
    "claim_rows",
    "claim_facet_counts",
)
# Tables a corpus rebuilds itself (never copied): its schema version and full-text indexes.
DERIVED = ("schema_version",)
_MOD = 2**256


@dataclasses.dataclass
class TableCopy:
    table: str
    rows: int
    digest: str = ""
    verified: bool | None = None


@dataclasses.dataclass
class CopyReport:
    source: str
    destination: str
    tables: list[TableCopy]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _plan(src: Corpus, dst: Corpus) -> list[tuple[str, list[str]]]:
    """(table, columns) to copy, in order; refuses schemas that differ."""
    if src.schema_version != dst.schema_version:
        raise InputError(
            f"{dst.path}: schema version {dst.schema_version}, the source {src.path} has "
            f"{src.schema_version}. Run `discourse init` on the older one first."
        )
    a, b = src.backend.tables(), dst.backend.tables()
    unknown = sorted(set(a) - set(TABLES) - set(DERIVED))
    if unknown:
        raise InputError(
            f"{src.path}: tables {', '.join(unknown)} are unknown to `discourse copy` "
            "(a newer discourse?); nothing was copied."
        )
    plan = []
    for table in TABLES:
        if table not in a:
            continue
        if a[table] != b.get(table):
            raise InputError(
                f"{dst.path}: table {table} has columns {b.get(table)}, the source "
                f"{a[table]}; nothing was copied."
            )
        plan.append((table, a[table]))
    return plan


def _refuse_non_empty(dst: Corpus, plan: list[tuple[str, list[str]]]) -> None:
    held = []
    for table, _ in plan:
        if dst.db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            held.append(table)
    if held:
        raise InputError(
            f"{dst.path}: already holds data (in {', '.join(held)}). `discourse copy` only "
            "writes into an empty corpus: give a new file, or a new database (createdb)."
        )


def _value(v) -> bytes:
    """One value, typed, as both backends return it (PostgreSQL text has no NUL)."""
    if v is None:
        return b"N"
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return b"i%d" % v
    if isinstance(v, float):
        return b"f" + repr(v).encode()
    if isinstance(v, bytes | memoryview):
        return b"b" + bytes(v)
    return b"s" + str(v).replace("\x00", "\ufffd").encode("utf-8", "surrogatepass")


def row_digest(row: tuple) -> int:
    h = hashlib.sha256()
    for v in row:
        part = _value(v)
        h.update(b"%d:" % len(part))
        h.update(part)
    return int.from_bytes(h.digest(), "big")


def digests(corpus: Corpus, tables: list[str] | None = None, batch: int = 5000) -> dict:
    """table -> (rows, digest): the digest is the sum of each row's SHA-256 (mod 2**256), so
    the order rows come back in does not matter."""
    plan = {t: c for t, c in corpus.backend.tables().items() if t in (tables or TABLES)}
    out = {}
    with corpus.backend.reading() as read:
        for table in TABLES:
            if table not in plan:
                continue
            n, total = 0, 0
            for rows in read(table, plan[table], batch):
                n += len(rows)
                for r in rows:
                    total = (total + row_digest(r)) % _MOD
            out[table] = (n, f"{total:064x}")
    return out


def copy_corpus(
    source: str | os.PathLike,
    destination: str | os.PathLike,
    *,
    batch: int = 5000,
    verify: bool = True,
    busy_timeout: float = 5.0,
    transform: Callable[[str, list[str], list[tuple]], list[tuple]] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every row of the corpus at ``source`` into the empty corpus at ``destination``
    (created if need be), streamed ``batch`` rows at a time, then compare counts and digests.
    ``transform(table, columns, rows)`` may change rows on the way (snapshots drop raw HTML)."""
    start = time.monotonic()
    if str(source) == str(destination):
        raise InputError(f"{source}: source and destination are the same corpus.")
    with (
        Corpus.open(source, readonly=True, busy_timeout=busy_timeout) as src,
        Corpus.open(destination, busy_timeout=busy_timeout) as dst,
    ):
        plan = _plan(src, dst)
        _refuse_non_empty(dst, plan)
        counts: list[TableCopy] = []
        with src.backend.reading() as read, dst.backend.loading() as load:
            for table, columns in plan:

                def batches(table=table, columns=columns) -> Iterator[list[tuple]]:
                    for rows in read(table, columns, batch):
                        if transform is not None:
                            rows = transform(table, columns, rows)
                        if progress is not None:
                            progress(table, len(rows))
                        yield rows

                n = load(table, columns, batches())
                counts.append(TableCopy(table, n))
                log.info("copied %s rows of %s", n, table)
        if verify:
            theirs = digests(src, [t for t, _ in plan], batch)
            ours = digests(dst, [t for t, _ in plan], batch)
            for tc in counts:
                tc.digest = ours[tc.table][1]
                tc.verified = ours[tc.table] == theirs[tc.table]
            bad = [tc.table for tc in counts if not tc.verified]
            if bad:
                raise InputError(
                    f"{dst.path}: the copy differs from {src.path} in {', '.join(bad)} "
                    "(row counts or content digests). Drop the destination and copy again."
                )
        return CopyReport(str(src.path), str(dst.path), counts, time.monotonic() - start)


# -- snapshots -----------------------------------------------------------------------------------
def _without_raw_html(table: str, columns: list[str], rows: list[tuple]) -> list[tuple]:
    if table != "documents":
        return rows
    k = columns.index("raw_html")
    return [(*r[:k], None, *r[k + 1 :]) for r in rows]


def snapshot(
    source: str | os.PathLike,
    out: str | os.PathLike,
    *,
    batch: int = 5000,
    busy_timeout: float = 5.0,
) -> CopyReport:
    """Write a read-only SQLite snapshot of a corpus (every table, full-text indexes and views
    the web view uses; raw HTML left out) to ``out``. An existing snapshot is replaced in one
    step that readers never see half done (SQLite's backup API into the open file), so a web
    view serving it keeps answering while it is refreshed."""
    out = Path(out)
    part = out.with_name(out.name + ".part")
    for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        leftover.unlink(missing_ok=True)
    report = copy_corpus(
        source, part, batch=batch, verify=False, busy_timeout=busy_timeout,
        transform=_without_raw_html,
    )  # fmt: skip
    fresh = sqlite3.connect(part)
    try:
        fresh.execute("ANALYZE")  # query plans for the web view's facets
    finally:
        fresh.close()  # checkpoints the WAL into the file before it moves
    if out.exists():
        fresh, served = sqlite3.connect(part), sqlite3.connect(out, timeout=busy_timeout)
        try:
            fresh.backup(served)
        finally:
            fresh.close()
            served.close()
        for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            leftover.unlink(missing_ok=True)
    else:
        os.replace(part, out)
    report.destination = str(out)
    return report


def default_snapshot_path(source: str | os.PathLike) -> Path:
    """``NAME-snapshot.db`` in the working folder, NAME the corpus file's stem or the
    PostgreSQL database's name (no dot in the stem: Datasette names the database by it)."""
    from urllib.parse import urlsplit

    from discourse.store.backends import is_sqlite, sqlite_path

    if is_sqlite(source):
        name = sqlite_path(source).stem
    else:
        name = urlsplit(str(source)).path.strip("/") or "corpus"
    return Path(f"{name}-snapshot.db")


def file_to_serve(
    db: str | os.PathLike, snapshot_path: str | os.PathLike | None = None
) -> tuple[Path, Callable[[], None] | None]:
    """The SQLite file a web view shows for a corpus, and what refreshes it: an SQLite corpus
    itself (migrated first, so its views exist), or a snapshot of a PostgreSQL one."""
    from discourse.store.backends import is_sqlite, sqlite_path

    if is_sqlite(db):
        path = sqlite_path(db)
        if not path.exists():
            raise InputError(f"{path}: no such corpus; crawl or import documents first.")
        Corpus(path).close()  # applies pending migrations (the views) before going read-only
        return path, None
    path = Path(snapshot_path or default_snapshot_path(db))
    snapshot(db, path)

    def refresh() -> None:
        try:
            report = snapshot(db, path)
            log.info("snapshot %s refreshed: %s rows in %.1fs", path, report.rows, report.seconds)
        except Exception as exc:  # the view keeps the last snapshot; the next tick tries again
            log.warning("snapshot %s not refreshed: %s", path, exc)

    return path, refresh
