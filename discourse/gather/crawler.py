"""Crawling: poll due feeds, sitemaps and page lists; fetch new items; extract; deduplicate;
store. One pass with :meth:`Crawler.run_once`, or keep polling with :meth:`Crawler.run_forever`.

Crash safety: every item a feed names is first written to the frontier (``items``) in
the same transaction as the feed's new state; a document is written in the same
transaction that marks its item done. A crawl killed at any instant is resumed by the
next run: nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import sqlite3
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

from tqdm import tqdm

from discourse.engines import Engine, engine_from_settings
from discourse.errors import (
    CorpusError,
    CrawlFailedError,
    FetchError,
    SourcesFailingError,
)
from discourse.gather import aio, dedup
from discourse.gather.extraction import Extracted, SiteRules, extract_html
from discourse.gather.feeds import clean_text, failure_delay, next_interval, parse_feed
from discourse.gather.fetching import Fetcher, FetchEvent, is_html, looks_binary
from discourse.gather.sitemaps import parse_sitemap
from discourse.gather.sources import split_credentials
from discourse.gather.urls import BadURL, canonical_url, check_url, shorten
from discourse.gather.workers import ExtractionTimeout, WorkerFailed, WorkerPool
from discourse.settings import Settings
from discourse.store import Corpus, NewDocument
from discourse.store.records import Feed, Item, ItemSpec, SourceSpec, StoredDocument, now_iso

log = logging.getLogger("discourse.crawl")
MAX_ITEM_ATTEMPTS = 5
MAX_CHILD_SITEMAPS = 50
# Errors that end a crawl: the corpus itself cannot be written. Anything else raised while
# handling one feed or page is recorded on that feed or page and the pass goes on.
FATAL = (CorpusError, sqlite3.Error, MemoryError)
FOREVER = "9999-12-31T23:59:59Z"
# What each extraction worker extracts once when it starts, so imports are not timed.
WARMUP_PAGE = (
    b"<html><head><title>Warm-up</title></head><body><article><p>"
    + b"Extraction workers read one page like this before their first timed page. " * 5
    + b"</p></article></body></html>",
    "text/html; charset=utf-8",
    "http://localhost/warm-up",
    None,
)


@dataclasses.dataclass
class CrawlReport:
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feed_problems: int = 0
    page_lists: int = 0  # sources of kind "pages": polled without a fetch
    items_new: int = 0
    documents_new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    pages_skipped: int = 0
    pages_retry_later: int = 0
    seconds: float = 0.0
    next_poll: str | None = None  # the next feed due after this pass (any feed polled or not)
    failing_sources: list[str] = dataclasses.field(default_factory=list)
    first_error: str | None = None

    def summary(self) -> str:
        if self.feeds_polled == 0:
            when = self.next_poll or "never (no active feeds)"
            head = f"0 feeds due; next at {when}; use --now to poll every feed now"
        else:
            head = (
                f"{self.feeds_polled} feeds polled ({self.feeds_not_modified} unchanged, "
                f"{self.feeds_failed} failed, {self.feed_problems} malformed)"
            )
        return (
            f"{head}; {self.items_new} new items; {self.documents_new} new documents, "
            f"{self.duplicates} duplicates, {self.near_duplicates} near-duplicates; "
            f"{self.pages_failed} pages failed, {self.pages_skipped} skipped, "
            f"{self.pages_retry_later} to retry; {self.seconds:.1f}s"
        )

    def note_error(self, reason: str) -> None:
        self.first_error = self.first_error or clean_text(reason, 300)

    def check(self) -> None:
        """Raise when cron should notice: :class:`CrawlFailedError` (exit 4) when every fetch
        of the pass failed, :class:`SourcesFailingError` (exit 5) when some feeds failed or
        sources are marked failing. A pass with nothing due is not a failure."""
        fetched_feeds = max(0, self.feeds_polled - self.page_lists - self.feeds_failed)
        attempts = self.feeds_polled - self.page_lists + self.pages_fetched + self.pages_failed
        attempts += self.pages_retry_later
        if attempts and not (fetched_feeds or self.pages_fetched):
            raise CrawlFailedError(
                f"every fetch failed ({self.feeds_failed} feeds, "
                f"{self.pages_failed + self.pages_retry_later} pages); first error: "
                f"{self.first_error}. See `discourse sources list`."
            )
        if self.feeds_failed or self.failing_sources:
            names = ", ".join(self.failing_sources) or "none marked failing yet"
            raise SourcesFailingError(
                f"{self.feeds_failed} feeds failed this pass; failing sources: {names}; "
                f"first error: {self.first_error or 'see sources list'}. "
                "See `discourse sources list`."
            )


def analyse_page(
    body: bytes, content_type: str | None, url: str, rules: SiteRules | None
) -> tuple[Extracted, str, bytes]:
    """Decode, extract, hash and sign one page (in a worker process when there are any)."""
    from w3lib.encoding import html_to_unicode

    extracted = extract_html(html_to_unicode(content_type, body)[1], url, rules)
    signature = dedup.minhash(extracted.text)
    return extracted, dedup.content_hash(extracted.text), dedup.to_bytes(signature)


async def _all(coros) -> None:
    """Run the coroutines together; on the first error (the corpus failing), cancel the
    rest and wait for them, so none is left to fail again during loop shutdown."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _valid(url: str | None) -> str | None:
    """A URL a page names (its canonical link) if it is a fetchable one, else None."""
    try:
        return check_url(url) if url else None
    except BadURL:
        return None


def _later(seconds: float) -> str:
    return now_iso(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


class Crawler:
    """Crawls the sources of one corpus with one settings object."""

    def __init__(
        self,
        corpus: Corpus,
        settings: Settings,
        *,
        progress: bool | None = None,
        log_fetches: bool = True,
        engine: Engine | None = None,
    ):
        """``progress``: a progress bar (default: when stderr is a terminal); otherwise, with
        ``log_fetches``, one JSON line per fetch on stderr. ``engine``: where pages are
        extracted; by default the local engine's `extract_workers` processes, each page with
        its time budget, or with the setting ``engine = "dask"`` a Dask cluster."""
        self.corpus = corpus
        self.settings = settings
        self.engine = engine
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.log_fetches = log_fetches
        self._bar: tqdm | None = None
        self._index: dedup.NearDuplicateIndex | None = None
        self._sources: dict[int, tuple[SiteRules | None, float | None]] = {}
        # (user, password) per origin, from sources.toml only: never stored in the corpus.
        self._credentials: dict[str, tuple[str, str]] = {}
        self._contact_warned = False

    # -- sources -----------------------------------------------------------------------------
    def sync_sources(self, specs: list[SourceSpec]) -> None:
        """Store the sources (URLs without credentials); keep credentials for this crawl."""
        clean, credentials = split_credentials(specs)
        self._credentials.update(credentials)
        for spec in clean:
            self.corpus.sources.upsert(spec, interval_s=self.settings.poll_default)

    def sync_sources_file(self, path: str, *, given: bool = False) -> None:
        """Sync the sources file if it exists (it must when ``given``); without one, the
        corpus must already hold sources."""
        from pathlib import Path

        from discourse.errors import InputError
        from discourse.gather.sources import load_sources

        if Path(path).exists() or given:
            self.sync_sources(load_sources(path))
        elif not self.corpus.sources.all():
            raise InputError(
                f"{path}: no such sources file and the corpus has no sources. "
                "Add one with `discourse sources add URL`."
            )

    # -- running -----------------------------------------------------------------------------
    def run_once(self, *, now: bool = False) -> CrawlReport:
        """One pass over the due feeds and the pending items, under the crawl lock; with
        ``now``, every feed (failing ones too) and every pending item, due or not."""
        self._warn_contact()
        with self.corpus.lock(
            "crawl", hint="Let it finish; a cron line will simply try again later."
        ):
            report = aio.run(self._pass(now))
        # Everything this pass wrote went to the file it opened: make sure that file is
        # still the corpus (deleted or replaced mid-crawl, the documents are gone with it).
        self.corpus.db.check_same_file()
        report.next_poll = self.corpus.sources.next_poll()
        report.failing_sources = [
            h.name for h in self.corpus.sources.health() if h.status == "failing"
        ]
        return report

    def run_forever(self, *, max_sleep: float = 60.0, passes: int | None = None) -> None:
        """Poll each feed when due, until interrupted (or after ``passes`` passes)."""
        done = 0
        while passes is None or done < passes:
            report = self.run_once()
            done += 1
            log.info("crawl pass: %s", report.summary())
            if passes is not None and done >= passes:
                break
            nxt = report.next_poll
            wait = max_sleep
            if nxt:
                wait = min(
                    max_sleep,
                    max(
                        1.0,
                        (
                            dt.datetime.fromisoformat(nxt.replace("Z", "+00:00"))
                            - dt.datetime.now(dt.UTC)
                        ).total_seconds(),
                    ),
                )
            time.sleep(wait)

    def _warn_contact(self) -> None:
        if not self.settings.contact and not self._contact_warned:
            self._contact_warned = True
            log.warning(
                "no contact address set: sites cannot tell who is crawling them. Set "
                "`contact` in discourse.toml (or pass --contact ADDR); polite crawlers "
                "identify themselves."
            )

    async def _pass(self, now: bool) -> CrawlReport:
        report = CrawlReport()
        start = time.monotonic()
        self._index = dedup.NearDuplicateIndex(
            self.corpus.documents, self.settings.near_duplicate_threshold
        )
        self._sources = {
            s.id: (SiteRules.from_config(s.config), s.config.get("per_host_delay"))
            for s in self.corpus.sources.all()
        }
        self._inflight = asyncio.Semaphore(self.settings.concurrency)
        self._fetch_events = []
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="discourse-writer")
        # Extraction is CPU-bound: worker processes run it on other cores (or, on a Dask
        # engine, other machines) while this process fetches and stores. Fetching stays here,
        # in one Fetcher, so per-host politeness holds however many workers extract. Local
        # workers are killed and replaced when a page overruns its time budget; on Dask the
        # crawl stops waiting for the page (the worker finishes it and drops the result).
        self._pool = None
        self._engine = self.engine
        own_engine = False
        if self._engine is None and self.settings.engine != "local":
            own_engine = True
            self._engine = engine_from_settings(
                self.settings, workers=max(1, self.settings.extract_workers)
            )
        elif self._engine is None and self.settings.extract_workers > 0:
            self._pool = WorkerPool(
                analyse_page,
                self.settings.extract_workers,
                self.settings.extract_timeout,
                warmup=WARMUP_PAGE,
            )
        failed = False
        try:
            await self._crawl(report, now)
        except BaseException:
            failed = True
            raise
        finally:
            try:
                await self._flush_fetch_log()
            except FATAL:
                if not failed:
                    raise
            finally:
                self._writer.shutdown(wait=True)
                if self._pool is not None:
                    self._pool.close()
                if own_engine:
                    self._engine.close()
        report.seconds = time.monotonic() - start
        return report

    async def _crawl(self, report: CrawlReport, now: bool) -> None:
        sources = self.corpus.sources
        async with Fetcher(
            self.settings, on_fetch=self._on_fetch, credentials=self._credentials
        ) as fetcher:
            if now:
                feeds = sources.due_feeds(FOREVER, include_failing=True)
            else:
                feeds = sources.due_feeds()
            await _all(self._poll(fetcher, feed, report) for feed in feeds)
            items = sources.pending_items(FOREVER if now else None, limit=1_000_000)
            if self.progress:
                self._bar = tqdm(total=len(items), unit="page", desc="crawl", file=sys.stderr)
            try:
                await _all(self._fetch_item(fetcher, it, report) for it in items)
            finally:
                if self._bar is not None:
                    self._bar.close()
                    self._bar = None

    def _on_fetch(self, ev: FetchEvent) -> None:
        # Fetch-log rows are written in batches (a crash may lose the last few log lines,
        # never a document or frontier state).
        self._fetch_events.append(ev)
        if not self.progress and self.log_fetches:
            print(
                json.dumps({"event": "fetch", **dataclasses.asdict(ev)}),
                file=sys.stderr,
                flush=True,
            )

    async def _flush_fetch_log(self, *, at_least: int = 1) -> None:
        if len(self._fetch_events) >= at_least:
            events, self._fetch_events = self._fetch_events, []
            await self._db(self.corpus.sources.log_fetches, [dataclasses.asdict(e) for e in events])

    async def _db(self, fn, *args, **kwargs):
        """Run a corpus call on the one writer thread: SQLite releases the GIL, so storing
        overlaps with extraction, and writes stay serial on one connection."""
        return await asyncio.get_running_loop().run_in_executor(
            self._writer, functools.partial(fn, *args, **kwargs)
        )

    def _delay(self, source_id: int) -> float | None:
        return self._sources.get(source_id, (None, None))[1]

    # -- feeds -------------------------------------------------------------------------------
    async def _poll(self, fetcher: Fetcher, feed: Feed, report: CrawlReport) -> None:
        """Poll one feed. Whatever goes wrong with it is recorded on its row (and shown by
        `sources list`); only an error of the corpus itself ends the pass."""
        report.feeds_polled += 1
        try:
            await self._poll_feed(fetcher, feed, report)
        except FATAL:
            raise
        except Exception as exc:
            log.debug("feed %s: unexpected error", feed.url, exc_info=True)
            await self._feed_failed(
                feed, report, f"could not be read ({type(exc).__name__}: {exc})", None, None
            )

    async def _feed_failed(
        self,
        feed: Feed,
        report: CrawlReport,
        reason: str,
        status: int | None,
        retry_after: float | None,
    ) -> None:
        report.feeds_failed += 1
        report.note_error(f"{feed.url}: {reason}")
        marked = await self._db(
            self.corpus.sources.feed_failed,
            feed,
            status=status,
            error=clean_text(reason, 500) or "failed",
            next_poll=_later(failure_delay(self.settings, feed.failure_count + 1, retry_after)),
            max_failures=self.settings.max_failures,
        )
        log.warning(
            "feed %s failed: %s%s", feed.url, reason, " (source marked failing)" if marked else ""
        )

    async def _poll_feed(self, fetcher: Fetcher, feed: Feed, report: CrawlReport) -> None:
        if feed.kind == "pages":
            # A page list: the URL itself is the item; look again rarely.
            report.page_lists += 1
            await self._db(
                self.corpus.sources.feed_polled,
                feed,
                items=[ItemSpec(key=canonical_url(feed.url), url=feed.url)],
                status=None,
                etag=None,
                last_modified=None,
                body_hash=None,
                interval_s=self.settings.poll_max,
                next_poll=_later(self.settings.poll_max),
            )
            return
        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            res = await fetcher.fetch(
                feed.url, kind=feed.kind, headers=headers, delay=self._delay(feed.source_id)
            )
            if looks_binary(res.body) and not res.not_modified:
                raise FetchError(
                    feed.url, f"binary body ({res.content_type or 'no type'}), not a feed"
                )
        except FetchError as exc:
            await self._feed_failed(feed, report, exc.reason, exc.status, exc.retry_after)
            return
        body_hash = hashlib.sha256(res.body).hexdigest() if not res.not_modified else feed.body_hash
        if res.not_modified or body_hash == feed.body_hash:
            report.feeds_not_modified += 1
            await self._db(
                self.corpus.sources.feed_polled,
                feed,
                items=[],
                status=res.status,
                etag=res.headers.get("etag", feed.etag),
                last_modified=res.headers.get("last-modified", feed.last_modified),
                body_hash=body_hash,
                interval_s=next_interval(self.settings, feed.interval_s, 0, None),
                next_poll=_later(next_interval(self.settings, feed.interval_s, 0, None)),
            )
            return
        if feed.kind == "sitemap":
            items, problem, ttl, title = await self._sitemap_items(fetcher, feed, res.body)
        else:
            parsed = parse_feed(res.body, res.final_url, res.headers.get("content-type"))
            if not parsed.is_feed:
                parsed.problem = parsed.problem or "no feed found at this URL"
            items, problem, ttl, title = parsed.items, parsed.problem, parsed.ttl, parsed.title
        if problem:
            report.feed_problems += 1
            log.warning("feed %s is malformed: %s", feed.url, problem)
        # Count how many are genuinely new before choosing the next interval.
        interval = next_interval(self.settings, feed.interval_s, 1, ttl)
        new = await self._db(
            self.corpus.sources.feed_polled,
            feed,
            items=items,
            status=res.status,
            etag=clean_text(res.headers.get("etag"), 500),
            last_modified=clean_text(res.headers.get("last-modified"), 100),
            body_hash=body_hash,
            interval_s=interval,
            next_poll=_later(interval),
            title=title,
            parse_problem=problem,
        )
        if not new:
            interval = next_interval(self.settings, feed.interval_s, 0, ttl)
            await self._db(
                self.corpus.sources.reschedule,
                feed,
                interval_s=interval,
                next_poll=_later(interval),
            )
        report.items_new += new

    async def _sitemap_items(self, fetcher: Fetcher, feed: Feed, body: bytes):
        parsed = parse_sitemap(body, feed.url)
        items, problem = list(parsed.items), parsed.problem
        for child in parsed.sitemaps[:MAX_CHILD_SITEMAPS]:
            try:
                res = await fetcher.fetch(child, kind="sitemap", delay=self._delay(feed.source_id))
            except FetchError as exc:
                problem = problem or f"child sitemap {child}: {exc.reason}"
                continue
            sub = parse_sitemap(res.body, child)
            items += sub.items
            problem = problem or sub.problem
        return items, problem, None, None

    # -- pages -------------------------------------------------------------------------------
    async def _fetch_item(self, fetcher: Fetcher, item: Item, report: CrawlReport) -> None:
        try:
            # Backpressure: at most `concurrency` pages between fetch and store, so fetching
            # cannot run ahead of extraction (memory, and work redone after a crash).
            async with self._inflight:
                try:
                    await self._store_item(fetcher, item, report)
                except FATAL:
                    raise
                except Exception as exc:
                    # One hostile page fails alone: recorded on its item, the pass goes on.
                    log.debug("page %s: unexpected error", item.url, exc_info=True)
                    await self._item_failed(
                        item, report, f"could not be stored ({type(exc).__name__}: {exc})"
                    )
            await self._flush_fetch_log(at_least=200)
        finally:
            if self._bar is not None:
                self._bar.update(1)

    async def _item_failed(
        self, item: Item, report: CrawlReport, reason: str, retry_at: str | None = None
    ) -> None:
        reason = clean_text(reason, 500) or "failed"
        await self._db(self.corpus.sources.item_failed, item, reason, retry_at=retry_at)
        report.note_error(f"{item.url}: {reason}")
        if retry_at:
            report.pages_retry_later += 1
        else:
            report.pages_failed += 1

    async def _store_item(self, fetcher: Fetcher, item: Item, report: CrawlReport) -> None:
        sources = self.corpus.sources
        try:
            res = await fetcher.fetch(item.url, kind="page", delay=self._delay(item.source_id))
        except FetchError as exc:
            retry_at = None
            if exc.retryable and item.attempts + 1 < MAX_ITEM_ATTEMPTS:
                wait = max(exc.retry_after or 0, self.settings.poll_min * 2**item.attempts)
                retry_at = _later(wait)
            await self._item_failed(item, report, exc.reason, retry_at)
            return
        report.pages_fetched += 1
        if not is_html(res):
            why = "binary body" if looks_binary(res.body) else f"not HTML ({res.content_type})"
            await self._db(sources.item_skipped, item, f"{why} at {res.final_url}")
            report.pages_skipped += 1
            return
        rules = self._sources.get(item.source_id, (None, None))[0]
        # zlib releases the GIL: compress the raw page on another core while we extract.
        raw_html = asyncio.create_task(asyncio.to_thread(zlib.compress, res.body, 1))
        args = (res.body, res.headers.get("content-type"), res.final_url, rules)
        try:
            if self._engine is not None:
                future = asyncio.wrap_future(self._engine.submit(analyse_page, *args))
                try:
                    page = await asyncio.wait_for(future, self.settings.extract_timeout)
                except TimeoutError:
                    raise ExtractionTimeout(
                        f"extraction took over {self.settings.extract_timeout:g} s"
                    ) from None
            elif self._pool is not None:
                page = await self._pool.run(*args)
            else:
                page = analyse_page(*args)
        except (ExtractionTimeout, WorkerFailed) as exc:
            raw_html.cancel()
            await self._item_failed(item, report, f"{exc} at {res.final_url}")
            return
        except BaseException:
            raw_html.cancel()
            raise
        extracted, content_hash, sig_bytes = page
        if not extracted.text:
            raw_html.cancel()
            await self._db(sources.item_skipped, item, f"no main text found at {res.final_url}")
            report.pages_skipped += 1
            return
        signature = dedup.from_bytes(sig_bytes)
        doc = NewDocument(
            url=res.final_url,
            canonical_url=canonical_url(_valid(extracted.canonical_url) or res.final_url),
            text=extracted.text,
            content_hash=content_hash,
            source_id=item.source_id,
            guid=item.key if item.key.startswith("guid:") else None,
            title=clean_text(extracted.title or item.title),
            author=clean_text(extracted.author or item.author, 300),
            published=extracted.date or (item.published[:10] if item.published else None),
            language=extracted.language,
            raw_html=await raw_html,
            raw_html_compressed=True,
            minhash=sig_bytes,
            extractor=extracted.extractor,
            aliases=[item.url, canonical_url(item.url), canonical_url(res.url), *res.redirects],
        )
        stored = await self._db(self._store, doc, signature, item)
        if stored.status == "new":
            report.documents_new += 1
        elif stored.status == "near-duplicate":
            report.near_duplicates += 1
        else:
            report.duplicates += 1

    def _store(self, doc: NewDocument, signature: dedup.MinHash, item: Item) -> StoredDocument:
        """Match against the stored originals and store, in one transaction on the writer
        thread: the match sees every document stored before it, and none half stored."""
        with self.corpus.db.transaction():
            near = self._index.match(doc.text, signature)
            stored = self.corpus.documents.add(doc, item=item, near_duplicate=near)
            self._index.stored(stored, signature, len(doc.text.split()))
        return stored


async def find_feeds(fetcher: Fetcher, url: str) -> list[str]:
    """Feeds a homepage announces (<link rel="alternate">), else those found at the usual
    paths (/feed, /rss.xml, /atom.xml, ...). A URL that is itself a feed is returned as is."""
    from discourse.gather.feeds import discover_feeds, usual_feed_urls

    res = await fetcher.fetch(url, kind="page")
    if not is_html(res) or res.content_type.endswith("xml"):
        if parse_feed(res.body, res.final_url, res.headers.get("content-type")).is_feed:
            return [url]
    found = discover_feeds(res.text(), res.final_url)
    if found:
        return found
    for candidate in usual_feed_urls(res.final_url):
        try:
            probe = await fetcher.fetch(candidate, kind="feed")
        except FetchError:
            continue
        parsed = parse_feed(probe.body, probe.final_url, probe.headers.get("content-type"))
        if parsed.is_feed and parsed.items:
            return [candidate]
    return []


def add_source(
    corpus: Corpus,
    settings: Settings,
    url: str,
    *,
    name: str | None = None,
    tags: list[str] | None = None,
    sources_file: str | None = None,
) -> SourceSpec:
    """Find the feeds of a homepage, add them as one source to the sources file and corpus.

    Credentials in ``url`` (``user:password@``) are used to fetch, kept in the sources file
    for the feeds on the same site, and never stored in the corpus."""
    from urllib.parse import urlsplit

    from discourse.errors import InputError
    from discourse.gather.sources import append_source, with_credentials

    try:
        plain = check_url(url)
    except BadURL as exc:
        raise InputError(f"{shorten(url)}: not a URL discourse can fetch ({exc.reason}).") from None
    clean, credentials = split_credentials([SourceSpec("new", "feed", [url])])

    async def _find() -> list[str]:
        async with Fetcher(settings, credentials=credentials) as fetcher:
            return await find_feeds(fetcher, plain)

    try:
        feeds = aio.run(_find())
    except FetchError as exc:
        raise InputError(f"{plain}: could not be fetched ({exc.reason}).") from None
    if not feeds:
        raise InputError(
            f"{plain}: no feed announced or at the usual paths. Add it to the sources file "
            'by hand with kind = "sitemap" or "pages".'
        )
    spec = SourceSpec(
        name=name or (urlsplit(plain).hostname or plain),
        kind="feed",
        urls=feeds,
        homepage=plain,
        tags=list(tags or []),
    )
    append_source(sources_file or settings.sources, with_credentials(spec, url))
    corpus.sources.upsert(spec)
    return spec
