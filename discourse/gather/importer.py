"""Import documents from JSON Lines (for corpora gathered elsewhere).

Every file is checked completely before anything is stored, so a bad line stops the import
with nothing written: the message names the file, the line and the field. URLs must be
http(s) addresses, because every claim links back to its article (a ``javascript:`` URL would
become a link in the report)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from discourse.datafiles import read_jsonl
from discourse.errors import InputError
from discourse.gather import dedup
from discourse.gather.dedup import NearDuplicates
from discourse.gather.urls import canonical_url
from discourse.links import is_http_url
from discourse.store import Corpus, NewDocument, SourceSpec
from discourse.store.protocols import DocumentRepository

log = logging.getLogger(__name__)

TEXT_FIELDS = ("url", "text", "title", "author", "date", "published", "source", "language")


@dataclasses.dataclass
class ImportReport:
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0


def check_record(obj: dict, where: str) -> dict:
    """The fields of one JSON object, checked: ``url`` an http(s) address, ``text`` a string,
    the optional fields strings or null, a date in ISO 8601, and no lone surrogates (JSON
    allows "\\ud800"; UTF-8 and SQLite do not). ``where`` ("FILE, line N") starts errors."""
    for key in TEXT_FIELDS:
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError(
                f"{where}: {key!r} must be text or null, not {type(value).__name__} {_short(value)}."
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = value[exc.start : exc.end].encode("unicode_escape").decode("ascii")
            raise InputError(
                f"{where}: {key!r} holds a lone surrogate ({bad}) at character {exc.start}, "
                "which is not valid Unicode; fix the file (the program that wrote it split a "
                "character) and import again."
            ) from None
    url, text = obj.get("url"), obj.get("text")
    if not url or not url.strip():
        raise InputError(f"{where}: 'url' is missing or empty.")
    url = url.strip()
    if not is_http_url(url):
        raise InputError(
            f"{where}: 'url' {_short(url)} is not an http:// or https:// address; every "
            "document must link back to its article."
        )
    if text is None:
        raise InputError(f"{where}: 'text' is missing or not a string.")
    date = obj.get("date") or obj.get("published")
    if date is not None and not _iso_date(date):
        raise InputError(
            f"{where}: 'date' {_short(date)} is not an ISO 8601 date; write YYYY-MM-DD, "
            "optionally with a time (2010-07-05T09:30:00Z)."
        )
    return {
        "url": url,
        "text": text,
        "title": obj.get("title"),
        "author": obj.get("author"),
        "published": date,
        "source": obj.get("source"),
        "language": obj.get("language"),
    }


def _iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value[:10])
        if len(value) > 10:
            dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_jsonl(path: str | Path) -> int:
    """Check every line of ``path`` (nothing is stored); the number of records."""
    n = 0
    for lineno, obj in read_jsonl(path):
        check_record(obj, f"{path}, line {lineno}")
        n += 1
    return n


def import_files(
    corpus: Corpus,
    paths: Iterable[str | Path],
    *,
    default_source: str | None = None,
    batch_size: int = 64,
    near_duplicates: Callable[[DocumentRepository], NearDuplicates] | None = None,
) -> list[tuple[str, ImportReport]]:
    """Check every file completely, then import them in order: a bad line anywhere stops the
    import before anything is stored. ``near_duplicates(corpus.documents)`` makes each file's
    near-duplicate index (default: :class:`dedup.NearDuplicateIndex`, the stored bands)."""
    paths = [str(p) for p in paths]
    index = near_duplicates or dedup.NearDuplicateIndex
    for path in paths:
        try:
            check_jsonl(path)
        except InputError as exc:
            raise InputError(f"{exc} Nothing was imported.") from None
    return [
        (p, _import(corpus, p, default_source=default_source, batch_size=batch_size, index=index))
        for p in paths
    ]


def import_jsonl(
    corpus: Corpus, path: str | Path, *, default_source: str | None = None, batch_size: int = 64
) -> ImportReport:
    """Check ``path`` completely, then import every line; each batch of ``batch_size`` is one
    transaction (re-importing adds nothing twice)."""
    return import_files(corpus, [path], default_source=default_source, batch_size=batch_size)[0][1]


def _import(
    corpus: Corpus,
    path: str | Path,
    *,
    default_source: str | None,
    batch_size: int,
    index: Callable[[DocumentRepository], NearDuplicates],
) -> ImportReport:
    report = ImportReport()
    near_duplicates = index(corpus.documents)
    source_ids: dict[str, int] = {}
    batch: list[tuple[NewDocument, dedup.MinHash]] = []

    def flush() -> None:
        with corpus.db.transaction():
            for doc, sig in batch:
                # matched inside the transaction: a document sees the batch's earlier ones
                near = near_duplicates.match(doc.text, sig)
                stored = corpus.documents.add(doc, near_duplicate=near)
                near_duplicates.stored(stored, sig, len(doc.text.split()))
                if stored.status == "new":
                    report.new += 1
                elif stored.status == "near-duplicate":
                    report.near_duplicates += 1
                else:
                    report.duplicates += 1
        batch.clear()

    for lineno, obj in read_jsonl(path):
        rec = check_record(obj, f"{path}, line {lineno}")
        source_name = rec["source"] or default_source
        source_id = None
        if source_name:
            if source_name not in source_ids:
                src = corpus.sources.get(source_name) or corpus.sources.upsert(
                    SourceSpec(name=source_name, kind="pages", urls=[])
                )
                source_ids[source_name] = src.id
            source_id = source_ids[source_name]
        text = rec["text"]
        sig = dedup.minhash(text)
        batch.append(
            (
                NewDocument(
                    url=rec["url"],
                    canonical_url=canonical_url(rec["url"]),
                    text=text,
                    content_hash=dedup.content_hash(text),
                    source_id=source_id,
                    title=rec["title"],
                    author=rec["author"],
                    published=rec["published"],
                    language=rec["language"],
                    minhash=dedup.to_bytes(sig),
                    extractor="import",
                ),
                sig,
            )
        )
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    log.info("%s: %s", path, report)
    return report
