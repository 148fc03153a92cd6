"""Feeds: parsing RSS 0.9x/1.0/2.0 and Atom (feedparser), discovery, adaptive polling."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
import re

import feedparser
from bs4 import BeautifulSoup

from discourse.gather.dates import iso_datetime
from discourse.gather.urls import BadURL, canonical_url, check_url, resolve, shorten
from discourse.settings import Settings
from discourse.store.records import ItemSpec

log = logging.getLogger(__name__)

FEED_LINK_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
}
# Where feeds usually live when a homepage does not announce one.
USUAL_FEED_PATHS = [
    "feed",
    "feed/",
    "rss",
    "rss.xml",
    "feed.xml",
    "atom.xml",
    "index.xml",
    "?feed=rss2",
]
_PERIOD_SECONDS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 604800,
    "monthly": 2592000,
    "yearly": 31536000,
}


@dataclasses.dataclass
class ParsedFeed:
    title: str | None
    items: list[ItemSpec]
    ttl: float | None  # seconds the publisher asks us to wait between polls
    problem: str | None  # feedparser's bozo exception, when the feed is malformed
    is_feed: bool  # False when nothing feed-like was found at all


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse as far as feedparser can; a malformed feed gives its entries and a ``problem``.

    An entry that cannot be used (a link that is not a fetchable URL, say) comes back as an
    item carrying its ``error``, so it is recorded on its own row and never stops the feed."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(
            _CHARREF.sub(_safe_charref, _as_utf8(body)),
            response_headers=headers,
            sanitize_html=False,
        )
    except Exception as exc:  # feedparser's loose parser raises on some hostile input
        log.debug("feed %s: feedparser raised", url, exc_info=True)
        return ParsedFeed(None, [], None, f"unreadable feed ({type(exc).__name__}: {exc})", False)
    problem = None
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        problem = clean_text(f"{type(exc).__name__}: {exc}" if exc else "malformed feed", 500)
    items = []
    for entry in parsed.entries:
        try:
            item = _entry_item(entry, url)
        except Exception as exc:  # one hostile entry must fail alone, never the feed
            log.debug("feed %s: entry unusable", url, exc_info=True)
            item = _rejected(entry, f"entry could not be read ({type(exc).__name__}: {exc})")
        if item is not None:
            items.append(item)
    # One feed listing the same entry twice (a glitch some feeds have) yields it once.
    items = list({it.key: it for it in reversed(items)}.values())[::-1]
    bad = [it for it in items if it.error]
    if bad and not problem:
        problem = f"{len(bad)} unusable entr{'y' if len(bad) == 1 else 'ies'}: {bad[0].error}"
    is_feed = (
        bool(parsed.entries) or parsed.version not in ("", None) or bool(parsed.feed.get("title"))
    )
    return ParsedFeed(
        title=clean_text(parsed.feed.get("title")),
        items=items,
        ttl=_ttl(parsed.feed),
        problem=problem,
        is_feed=is_feed,
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]{1,12}|[0-9]{1,12});")


_DECLARED = re.compile(rb"""^(<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""")


def _as_utf8(body: bytes) -> bytes:
    """A UTF-16 or UTF-32 feed re-encoded as UTF-8 (its declaration too), so the character
    references below can be checked in it; other bodies as they are."""
    from discourse.gather.fetching import unicode_encoding

    encoding = unicode_encoding(body)
    if encoding is None or encoding == "utf-8":
        return body
    try:
        text = body.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        return body  # feedparser makes what it can of it
    return _DECLARED.sub(rb'\1"utf-8"', text.encode("utf-8"), count=1)


def _safe_charref(m: re.Match) -> bytes:
    """A character reference to no character (a lone surrogate such as ``&#xD800;``, past
    U+10FFFF, NUL) becomes U+FFFD: feedparser's loose parser raises on them."""
    ref = m.group(1)
    code = int(ref[1:], 16) if ref[:1] in b"xX" else int(ref)
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return b"&#xFFFD;"
    return m.group(0)


def clean_text(value, limit: int = 1000) -> str | None:
    """Text from a feed, safe to store: no lone surrogates (``&#xD800;``), no control
    characters, at most ``limit`` characters."""
    if value is None:
        return None
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub("", text).strip()
    return text[:limit] or None


def _entry_item(entry, url: str) -> ItemSpec | None:
    guid = clean_text(entry.get("id"), 2000)
    link = entry.get("link")
    if not link:
        # feedparser blanks a link it cannot parse (``http://[::1/x``): an entry whose
        # alternate link came out empty is recorded as unusable. Without any link, a GUID
        # that is a URL stands in for it (RSS isPermaLink); else it is not an article.
        alternates = [lk for lk in entry.get("links", []) if lk.get("rel") == "alternate"]
        if alternates and not any(lk.get("href") for lk in alternates):
            return _rejected(entry, "link is empty or malformed")
        link = guid if guid and guid.startswith("http") else None
        if not link:
            return None
    try:
        link = check_url(link, url)
    except BadURL as exc:
        return _rejected(entry, f"bad link {shorten(exc.url)} ({exc.reason})")
    return ItemSpec(
        key=f"guid:{guid}" if guid else canonical_url(link),
        url=link,
        title=clean_text(entry.get("title")),
        author=clean_text(entry.get("author"), 300),
        published=_entry_date(entry),
    )


def _rejected(entry, reason: str) -> ItemSpec:
    """An entry that cannot be crawled, as an item recording why (keyed so that the next poll
    recognises it and does not record it again)."""
    guid = clean_text(entry.get("id"), 2000)
    raw = clean_text(entry.get("link"), 2000) or ""
    title = clean_text(entry.get("title"))
    digest = hashlib.sha256(f"{raw}\n{title}".encode()).hexdigest()[:32]
    return ItemSpec(
        key=f"guid:{guid}" if guid else f"invalid:{digest}",
        url=shorten(raw, 2000) or "(no usable link)",
        title=title,
        error=clean_text(reason, 500),
    )


def _entry_date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = iso_datetime(entry.get(key))
        if stamp:
            return stamp
    return None


def _ttl(feed) -> float | None:
    """RSS <ttl> (minutes) or sy:updatePeriod / sy:updateFrequency, in seconds."""
    ttl = str(feed.get("ttl") or "").strip()
    if ttl.isascii() and ttl.isdigit() and len(ttl) < 9:
        return float(ttl) * 60
    period = str(feed.get("sy_updateperiod", "")).strip().lower()
    if period in _PERIOD_SECONDS:
        try:
            freq = max(1, int(feed.get("sy_updatefrequency", 1)))
        except (TypeError, ValueError):
            freq = 1
        return _PERIOD_SECONDS[period] / freq
    return None


def next_interval(settings: Settings, current: float, new_items: int, ttl: float | None) -> float:
    """Poll sooner while a feed keeps yielding, later while it does not; never more often than
    the publisher's ttl asks; always within poll_min..poll_max."""
    interval = current / 2 if new_items else current * 1.5
    if ttl:
        interval = max(interval, ttl)
    return float(min(settings.poll_max, max(settings.poll_min, interval)))


def failure_delay(settings: Settings, failures: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter after ``failures`` consecutive failures."""
    delay = min(settings.poll_max, settings.poll_min * (2 ** max(0, failures - 1)))
    delay *= 0.8 + 0.4 * random.random()
    if retry_after:
        delay = max(delay, retry_after)
    return float(min(settings.poll_max, delay))


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs a page announces with <link rel="alternate" type="...rss+xml|atom+xml">."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for link in soup.find_all("link", href=True):
        rel = {r.lower() for r in (link.get("rel") or [])}
        if "alternate" in rel and (link.get("type") or "").lower().split(";")[0] in FEED_LINK_TYPES:
            try:
                found.append(check_url(link["href"], base_url))
            except BadURL as exc:
                log.info("page %s announces an unusable feed link: %s", base_url, exc)
    return list(dict.fromkeys(found))


def usual_feed_urls(base_url: str) -> list[str]:
    return [resolve(base_url, p) for p in USUAL_FEED_PATHS]
