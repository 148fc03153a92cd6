"""Which URLs may become links: only absolute http(s) addresses. A document URL from an import
or a feed could be ``javascript:...``; rendered as a link, one click would run it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Browsers drop tabs and newlines inside a URL and spaces around it, so "java\tscript:" runs.
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def is_http_url(url: object) -> bool:
    """An absolute http(s) URL with a host, a valid port and no control characters or spaces."""
    if not isinstance(url, str) or not url or _CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on an out-of-range port)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
