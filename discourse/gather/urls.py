"""URL normalisation for deduplication: courlan strips tracking parameters, w3lib canonicalises."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from courlan import normalize_url
from w3lib.url import canonicalize_url


def canonical_url(url: str) -> str:
    """Lower-case host, default port dropped, dot segments resolved, tracking parameters
    (utm_*, fbclid, gclid, ...) removed, query sorted, fragment dropped."""
    try:
        return canonicalize_url(normalize_url(url))
    except ValueError:
        return url


def resolve(base: str, link: str) -> str:
    return urljoin(base, link.strip())


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
