"""Typed records that flow between the stages and the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any


def now_iso(at: dt.datetime | None = None) -> str:
    at = at or dt.datetime.now(dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclasses.dataclass
class SourceSpec:
    """A source as written in sources.toml."""

    name: str
    kind: str
    urls: list[str]
    homepage: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    # per-source overrides: per_host_delay, concurrency...; and CSS rules: select, drop
    config: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Source:
    id: int
    name: str
    kind: str
    homepage: str | None
    tags: list[str]
    config: dict[str, Any]
    status: str

    @classmethod
    def from_row(cls, row) -> Source:
        return cls(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            homepage=row["homepage"],
            tags=json.loads(row["tags"]),
            config=json.loads(row["config"]),
            status=row["status"],
        )


@dataclasses.dataclass
class SourceHealth:
    name: str
    kind: str
    status: str
    tags: list[str]
    feeds: int
    documents: int
    last_success: str | None
    last_error: str | None
    next_poll: str | None
    failures: int
    last_polled: str | None = None
    never_polled: int = 0  # feeds of the source not polled yet
    parse_problem: str | None = None
    items_failed: int = 0  # items that failed for good (bad links, errors, timeouts)
    last_item_error: str | None = None  # "url: error" of the latest of them


@dataclasses.dataclass
class Feed:
    id: int
    source_id: int
    url: str
    kind: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    interval_s: float
    next_poll: str
    failure_count: int
    items_seen: int

    @classmethod
    def from_row(cls, row) -> Feed:
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


@dataclasses.dataclass
class ItemSpec:
    """An entry a feed (or sitemap, or page list) names."""

    key: str
    url: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    error: str | None = None  # why it cannot be crawled (a bad link): stored as a failed item


@dataclasses.dataclass
class Item:
    id: int
    feed_id: int
    source_id: int
    key: str
    url: str
    title: str | None
    author: str | None
    published: str | None
    attempts: int


@dataclasses.dataclass
class NewDocument:
    """A document ready to store: extracted text and metadata, plus its raw HTML."""

    url: str
    canonical_url: str
    text: str
    content_hash: str
    source_id: int | None = None
    guid: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    raw_html: bytes | None = None
    raw_html_compressed: bool = False  # raw_html is already zlib-compressed
    minhash: bytes | None = None
    extractor: str | None = None
    aliases: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class StoredDocument:
    """What storing a document did: ``status`` is new, duplicate or near-duplicate. A
    near-duplicate published before its match becomes the original: ``duplicate_of`` is then
    None and ``replaced`` names the document now linked to it."""

    id: int
    status: str
    duplicate_of: int | None = None
    similarity: float | None = None
    replaced: int | None = None


@dataclasses.dataclass
class Document:
    id: int
    source: str | None
    url: str
    canonical_url: str
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    text: str
    content_hash: str
    duplicate_of: int | None
    word_count: int

    @classmethod
    def from_row(cls, row) -> Document:
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})
