"""Feeds: parsing RSS 0.9x/1.0/2.0 and Atom (feedparser), discovery, adaptive polling."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import random

import feedparser
from bs4 import BeautifulSoup

from discourse.gather.urls import canonical_url, resolve
from discourse.settings import Settings
from discourse.store.records import ItemSpec

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
    """Parse as far as feedparser can; a malformed feed gives its entries and a ``problem``."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    problem = None
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or (
            entry.get("id") if str(entry.get("id", "")).startswith("http") else None
        )
        if not link:
            continue
        link = resolve(url, link)
        guid = entry.get("id")
        items.append(
            ItemSpec(
                key=f"guid:{guid}" if guid else canonical_url(link),
                url=link,
                title=entry.get("title"),
                author=entry.get("author"),
                published=_entry_date(entry),
            )
        )
    # One feed listing the same entry twice (a glitch some feeds have) yields it once.
    items = list({it.key: it for it in reversed(items)}.values())[::-1]
    is_feed = (
        bool(parsed.entries) or parsed.version not in ("", None) or bool(parsed.feed.get("title"))
    )
    return ParsedFeed(
        title=parsed.feed.get("title"),
        items=items,
        ttl=_ttl(parsed.feed),
        problem=problem,
        is_feed=is_feed,
    )


def _entry_date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            stamp = dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
            return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _ttl(feed) -> float | None:
    """RSS <ttl> (minutes) or sy:updatePeriod / sy:updateFrequency, in seconds."""
    ttl = feed.get("ttl")
    if ttl and str(ttl).strip().isdigit():
        return float(ttl) * 60
    period = str(feed.get("sy_updateperiod", "")).strip().lower()
    if period in _PERIOD_SECONDS:
        try:
            freq = max(1, int(feed.get("sy_updatefrequency", 1)))
        except ValueError:
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
            found.append(resolve(base_url, link["href"]))
    return list(dict.fromkeys(found))


def usual_feed_urls(base_url: str) -> list[str]:
    return [resolve(base_url, p) for p in USUAL_FEED_PATHS]
