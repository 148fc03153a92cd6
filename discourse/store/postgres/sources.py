"""Sources, feeds, the crawl frontier and the fetch log, on PostgreSQL."""

from __future__ import annotations

import json

from discourse.store.postgres.database import PgDatabase
from discourse.store.records import Feed, Item, ItemSpec, Source, SourceHealth, SourceSpec, now_iso

_FEED_COLUMNS = (
    "f.id, f.source_id, f.url, f.kind, f.etag, f.last_modified, f.body_hash, f.interval_s, "
    "f.next_poll, f.failure_count, f.items_seen"
)


class PgSourceStore:
    def __init__(self, db: PgDatabase):
        self.db = db

    # -- sources and feeds -------------------------------------------------------------------
    def upsert(self, spec: SourceSpec, *, interval_s: float = 3600.0) -> Source:
        """Add a source (or update it in place) with its feed URLs, in one transaction."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "INSERT INTO sources(name, kind, homepage, tags, config) "
                "VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
                "homepage = COALESCE(excluded.homepage, sources.homepage), "
                "tags = excluded.tags, config = excluded.config RETURNING *",
                (
                    spec.name,
                    spec.kind,
                    spec.homepage,
                    json.dumps(spec.tags),
                    json.dumps(spec.config),
                ),
            ).fetchone()
            if spec.urls:
                conn.cursor().executemany(
                    "INSERT INTO feeds(source_id, url, kind, interval_s) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (url) DO UPDATE SET source_id = excluded.source_id, "
                    "kind = excluded.kind",
                    [(row["id"], url, spec.kind, interval_s) for url in spec.urls],
                )
        return Source.from_row(row)

    def get(self, name: str) -> Source | None:
        row = self.db.execute("SELECT * FROM sources WHERE name = %s", (name,)).fetchone()
        return Source.from_row(row) if row else None

    def by_id(self, source_id: int) -> Source:
        return Source.from_row(
            self.db.execute("SELECT * FROM sources WHERE id = %s", (source_id,)).fetchone()
        )

    def all(self) -> list[Source]:
        return [Source.from_row(r) for r in self.db.execute("SELECT * FROM sources ORDER BY name")]

    def feed_urls(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT url FROM feeds")}

    def health(self) -> list[SourceHealth]:
        """Per source: crawl state of its feeds (the latest error and parse problem, the
        earliest next poll, the most consecutive failures) and what it has gathered."""
        rows = self.db.execute(
            """
            SELECT s.name, s.kind, s.status, s.tags,
                   (SELECT COUNT(*) FROM feeds f WHERE f.source_id = s.id) AS feeds,
                   (SELECT COUNT(*) FROM documents d WHERE d.source_id = s.id) AS documents,
                   (SELECT MAX(last_success) FROM feeds f WHERE f.source_id = s.id) AS last_success,
                   (SELECT last_error FROM feeds f WHERE f.source_id = s.id
                        AND last_error IS NOT NULL ORDER BY last_polled DESC NULLS LAST
                        LIMIT 1) AS last_error,
                   (SELECT MIN(next_poll) FROM feeds f WHERE f.source_id = s.id) AS next_poll,
                   (SELECT COALESCE(MAX(failure_count), 0) FROM feeds f
                        WHERE f.source_id = s.id) AS failures,
                   (SELECT MAX(last_polled) FROM feeds f WHERE f.source_id = s.id) AS last_polled,
                   (SELECT COUNT(*) FROM feeds f WHERE f.source_id = s.id
                        AND f.last_polled IS NULL) AS never_polled,
                   (SELECT parse_problem FROM feeds f WHERE f.source_id = s.id
                        AND parse_problem IS NOT NULL ORDER BY last_polled DESC NULLS LAST
                        LIMIT 1) AS parse_problem,
                   (SELECT COUNT(*) FROM items i JOIN feeds f ON f.id = i.feed_id
                        WHERE f.source_id = s.id AND i.status = 'failed') AS items_failed,
                   (SELECT i.url || ': ' || i.error FROM items i JOIN feeds f ON f.id = i.feed_id
                        WHERE f.source_id = s.id AND i.status = 'failed'
                        ORDER BY i.id DESC LIMIT 1) AS last_item_error
            FROM sources s ORDER BY s.name
            """
        )
        return [
            SourceHealth(
                name=r["name"],
                kind=r["kind"],
                status=r["status"],
                tags=json.loads(r["tags"]),
                feeds=r["feeds"],
                documents=r["documents"],
                last_success=r["last_success"],
                last_error=r["last_error"],
                next_poll=r["next_poll"],
                failures=r["failures"],
                last_polled=r["last_polled"],
                never_polled=r["never_polled"],
                parse_problem=r["parse_problem"],
                items_failed=r["items_failed"],
                last_item_error=r["last_item_error"],
            )
            for r in rows
        ]

    def due_feeds(self, now: str | None = None, *, include_failing: bool = False) -> list[Feed]:
        statuses = ["active", "failing"] if include_failing else ["active"]
        rows = self.db.execute(
            f"SELECT {_FEED_COLUMNS} FROM feeds f JOIN sources s ON s.id = f.source_id "
            "WHERE f.next_poll <= %s AND s.status = ANY(%s) ORDER BY f.next_poll, f.id",
            (now or now_iso(), statuses),
        )
        return [Feed.from_row(r) for r in rows]

    def next_poll(self) -> str | None:
        return self.db.execute(
            "SELECT MIN(f.next_poll) FROM feeds f JOIN sources s ON s.id = f.source_id "
            "WHERE s.status = 'active'"
        ).fetchone()[0]

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
    ) -> int:
        """Record a successful poll and its items in one transaction; return new item count."""
        now = now_iso()
        with self.db.transaction() as conn:
            new = 0
            if items:
                keys = sorted({k for it in items for k in (it.key, it.url)})
                urls = sorted({it.url for it in items})
                # as on SQLite: known when the key or URL is an item key or an alias, or the
                # URL a document's canonical URL
                seen = {
                    r[0]
                    for r in conn.execute(
                        "SELECT key FROM items WHERE key = ANY(%s) UNION "
                        "SELECT alias FROM document_aliases WHERE alias = ANY(%s)",
                        (keys, keys),
                    )
                }
                stored = {
                    r[0]
                    for r in conn.execute(
                        "SELECT canonical_url FROM documents WHERE canonical_url = ANY(%s)",
                        (urls,),
                    )
                }
                fresh = []
                for it in items:
                    if it.key in seen or it.url in seen or it.url in stored:
                        continue
                    seen.add(it.key)  # a feed naming one item twice stores it once
                    # an entry that cannot be crawled is kept as a failed item saying why, so
                    # it is seen (and not recorded again on the next poll)
                    fresh.append(
                        (feed.id, it.key, it.url, it.title, it.author, it.published,
                         "failed" if it.error else "pending", it.error)
                    )  # fmt: skip
                if fresh:
                    conn.cursor().executemany(
                        "INSERT INTO items(feed_id, key, url, title, author, published, status, "
                        "error) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        fresh,
                    )
                new = sum(1 for row in fresh if row[-1] is None)
            conn.execute(
                "UPDATE feeds SET etag = %s, last_modified = %s, body_hash = %s, interval_s = %s, "
                "next_poll = %s, last_polled = %s, last_success = %s, last_status = %s, "
                "last_error = NULL, parse_problem = %s, failure_count = 0, "
                "items_seen = items_seen + %s, title = COALESCE(%s, title) WHERE id = %s",
                (
                    etag,
                    last_modified,
                    body_hash,
                    interval_s,
                    next_poll,
                    now,
                    now,
                    status,
                    parse_problem,
                    new,
                    title,
                    feed.id,
                ),
            )
            conn.execute(
                "UPDATE sources SET status = 'active' WHERE id = %s AND status = 'failing'",
                (feed.source_id,),
            )
        return new

    def feed_failed(
        self, feed: Feed, *, status: int | None, error: str, next_poll: str, max_failures: int
    ) -> bool:
        """Record a failed poll; return True when the source is now marked failing."""
        with self.db.transaction() as conn:
            failures = conn.execute(
                "UPDATE feeds SET last_polled = %s, last_status = %s, last_error = %s, "
                "next_poll = %s, failure_count = failure_count + 1 WHERE id = %s "
                "RETURNING failure_count",
                (now_iso(), status, error, next_poll, feed.id),
            ).fetchone()[0]
            if failures >= max_failures:
                conn.execute(
                    "UPDATE sources SET status = 'failing' WHERE id = %s", (feed.source_id,)
                )
                return True
        return False

    def reschedule(self, feed: Feed, *, interval_s: float, next_poll: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE feeds SET interval_s = %s, next_poll = %s WHERE id = %s",
                (interval_s, next_poll, feed.id),
            )

    def set_status(self, name: str, status: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE sources SET status = %s WHERE name = %s", (status, name))
            if status == "active":
                conn.execute(
                    "UPDATE feeds SET failure_count = 0, next_poll = %s WHERE source_id = "
                    "(SELECT id FROM sources WHERE name = %s)",
                    (now_iso(), name),
                )

    # -- the frontier ------------------------------------------------------------------------
    def pending_items(self, now: str | None = None, limit: int = 1000) -> list[Item]:
        rows = self.db.execute(
            "SELECT i.id, i.feed_id, f.source_id, i.key, i.url, i.title, i.author, i.published, "
            "i.attempts FROM items i JOIN feeds f ON f.id = i.feed_id "
            "WHERE i.status = 'pending' AND i.next_attempt <= %s ORDER BY i.id LIMIT %s",
            (now or now_iso(), limit),
        )
        return [Item(**dict(r)) for r in rows]

    def count_items(self, status: str = "pending") -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM items WHERE status = %s", (status,)
        ).fetchone()[0]

    def item_failed(self, item: Item, error: str, *, retry_at: str | None) -> None:
        """A page fetch failed: retry later (pending) or give up (failed)."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE items SET attempts = attempts + 1, error = %s, status = %s, "
                "next_attempt = %s WHERE id = %s",
                (error, "pending" if retry_at else "failed", retry_at or now_iso(), item.id),
            )

    def item_skipped(self, item: Item, reason: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE items SET attempts = attempts + 1, status = 'skipped', error = %s "
                "WHERE id = %s",
                (reason, item.id),
            )

    def log_fetches(self, events: list[dict]) -> None:
        """Write many fetch-log rows (dicts with FetchEvent's fields) in one batch."""
        if not events:
            return
        with self.db.transaction() as conn:
            conn.cursor().executemany(
                "INSERT INTO fetch_log(url, final_url, kind, status, content_type, bytes, "
                "elapsed_ms, error) VALUES (%(url)s, %(final_url)s, %(kind)s, %(status)s, "
                "%(content_type)s, %(nbytes)s, %(elapsed_ms)s, %(error)s)",
                events,
            )
