"""Dates from feeds and sitemaps: the one place they are parsed and range-checked.

A feed can say anything in ``<updated>``: ``9999-12-31T23:59:59-23:59`` is year 10000 in
UTC, which Python's datetime cannot hold. Such a date is rejected here (the item keeps no
date) instead of raising deep in the crawl.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

log = logging.getLogger(__name__)

MIN_YEAR = 1000
# Publication dates in the future are wrong data (a clock or time-zone slip of a few hours
# is allowed for); storing them would put articles in periods that have not happened.
FUTURE_SLACK = dt.timedelta(days=2)
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def iso_datetime(value: time.struct_time | str | None) -> str | None:
    """``value`` (feedparser's struct_time in UTC, or W3C/ISO 8601 text as in a sitemap's
    ``<lastmod>``) as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC; None when missing, unparseable, out of
    range or more than two days in the future."""
    if value is None or value == "":
        return None
    try:
        stamp = _parse(value)
    except (ValueError, OverflowError, TypeError) as exc:
        log.debug("date %r rejected: %s", value, exc)
        return None
    if stamp is None:
        return None
    if stamp.year < MIN_YEAR or stamp > dt.datetime.now(dt.UTC) + FUTURE_SLACK:
        log.debug("date %r rejected: out of range", value)
        return None
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: time.struct_time | str) -> dt.datetime | None:
    if isinstance(value, time.struct_time | tuple):
        return dt.datetime(*value[:6], tzinfo=dt.UTC)
    text = str(value).strip()
    m = _YEAR_MONTH.match(text)
    if m:
        return dt.datetime(int(m.group(1)), int(m.group(2) or 1), 1, tzinfo=dt.UTC)
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)
