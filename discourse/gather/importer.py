"""Import documents from JSON Lines (for corpora gathered elsewhere)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from discourse.datafiles import read_jsonl
from discourse.errors import InputError
from discourse.gather import dedup
from discourse.gather.urls import canonical_url
from discourse.store import Corpus, NewDocument, SourceSpec


@dataclasses.dataclass
class ImportReport:
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0


def import_jsonl(
    corpus: Corpus, path: str | Path, *, default_source: str | None = None, batch_size: int = 64
) -> ImportReport:
    """Import every line of ``path``; each batch of ``batch_size`` is one transaction."""
    report = ImportReport()
    index = dedup.NearDuplicateIndex().load(corpus.documents.minhashes())
    source_ids: dict[str, int] = {}
    batch: list[tuple[NewDocument, dedup.MinHash]] = []

    def flush() -> None:
        with corpus.db.transaction():
            for doc, sig in batch:
                near = index.match(doc.text, sig)
                stored = corpus.documents.add(doc, near_duplicate=near)
                if stored.status == "new":
                    index.add(stored.id, sig, len(doc.text.split()))
                    report.new += 1
                elif stored.status == "near-duplicate":
                    report.near_duplicates += 1
                    if stored.duplicate_of is None:
                        index.add(stored.id, sig, len(doc.text.split()))
                else:
                    report.duplicates += 1
        batch.clear()

    for lineno, obj in read_jsonl(path):
        url, text = obj.get("url"), obj.get("text")
        if not isinstance(url, str) or not url.strip():
            raise InputError(f"{path}, line {lineno}: 'url' is missing or empty.")
        if not isinstance(text, str):
            raise InputError(f"{path}, line {lineno}: 'text' is missing or not a string.")
        source_name = obj.get("source") or default_source
        source_id = None
        if source_name:
            if source_name not in source_ids:
                src = corpus.sources.get(source_name) or corpus.sources.upsert(
                    SourceSpec(name=source_name, kind="pages", urls=[])
                )
                source_ids[source_name] = src.id
            source_id = source_ids[source_name]
        sig = dedup.minhash(text)
        batch.append(
            (
                NewDocument(
                    url=url,
                    canonical_url=canonical_url(url),
                    text=text,
                    content_hash=dedup.content_hash(text),
                    source_id=source_id,
                    title=obj.get("title"),
                    author=obj.get("author"),
                    published=obj.get("date") or obj.get("published"),
                    language=obj.get("language"),
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
    return report
