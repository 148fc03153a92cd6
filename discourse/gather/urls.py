"""URLs: the one place they are checked, stripped of credentials, and normalised.

Every URL that enters a crawl (from sources.toml, a feed, a sitemap or a redirect) goes
through :func:`check_url`, so a hostile link fails there with a reason instead of raising
deep in the fetcher, and no stored or displayed URL carries ``user:password@``.
Normalisation for deduplication: courlan strips tracking parameters, w3lib canonicalises.
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

from courlan import normalize_url
from w3lib.url import canonicalize_url

SCHEMES = ("http", "https")
MAX_URL_LENGTH = 8192  # longer than any real article URL; bounds what a hostile feed can store


class BadURL(ValueError):
    """A URL that cannot be fetched; ``reason`` says why in a few words."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{shorten(url)}: {reason}")
        self.url = url
        self.reason = reason


def shorten(url: str, limit: int = 200) -> str:
    """A URL fit for a message: credentials removed, cut to ``limit`` characters."""
    try:
        url = strip_userinfo(url)
    except ValueError:
        pass
    return url if len(url) <= limit else url[: limit - 3] + "..."


def _split(url: str) -> SplitResult:
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    return parts


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` (raises ValueError when it does not parse)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) written into ``url``, percent-decoded; None when there are none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.username is None:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def origin(url: str) -> str:
    """scheme://host:port, the scope within which credentials are sent."""
    parts = _split(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def check_url(url: str, base: str | None = None) -> str:
    """Resolve ``url`` against ``base``, check it can be fetched, and return it without
    credentials. Raises :class:`BadURL` naming the reason: not http(s), no host, a port out
    of range, a malformed IPv6 address, spaces or control characters, too long."""
    if not isinstance(url, str):
        raise BadURL(repr(url), "not a URL")
    raw = url.strip()
    if not raw:
        raise BadURL(url, "empty URL")
    if any(ord(c) < 32 or c == "\x7f" for c in raw):
        raise BadURL(raw, "control characters in the URL")
    try:
        full = urljoin(base, raw) if base else raw
        parts = _split(full)
    except ValueError as exc:
        raise BadURL(raw, f"malformed URL: {exc}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise BadURL(full, f"only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise BadURL(full, "URL has no host")
    if " " in parts.netloc:
        raise BadURL(full, "space in the host")
    if len(full) > MAX_URL_LENGTH:
        raise BadURL(full, f"URL longer than {MAX_URL_LENGTH} characters")
    return strip_userinfo(full)


def canonical_url(url: str) -> str:
    """Lower-case host, default port dropped, dot segments resolved, tracking parameters
    (utm_*, fbclid, gclid, ...) removed, query sorted, fragment dropped; never credentials."""
    try:
        return strip_userinfo(canonicalize_url(normalize_url(url)))
    except ValueError:
        try:
            return strip_userinfo(url)
        except ValueError:
            return url


def resolve(base: str, link: str) -> str:
    return urljoin(base, link.strip())


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_http(url: str) -> bool:
    try:
        return urlsplit(url).scheme in SCHEMES
    except ValueError:
        return False
