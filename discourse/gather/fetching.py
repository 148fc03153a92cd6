"""Polite, safe HTTP fetching for feeds and pages (aiohttp, asyncio).

One client per crawl with a global concurrency limit; per host one request at a
time and a minimum delay; robots.txt obeyed (protego); redirects followed by
hand so every hop is checked against the private-address guard; retries with
exponential backoff on 429/5xx/connection errors, honouring Retry-After; caps on
the body as sent and after decompression.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import ipaddress
import random
import socket
import time
import zlib
from collections.abc import Callable, Mapping
from urllib.parse import urljoin, urlsplit

import aiohttp
from multidict import CIMultiDictProxy
from protego import Protego
from w3lib.encoding import html_to_unicode

from discourse.errors import FetchError
from discourse.gather.urls import BadURL, check_url, origin, shorten
from discourse.settings import Settings

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
    "text/plain",
    "text/html",
)
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\x7fELF",
    b"MZ",
    b"OggS",
    b"ID3",
    b"RIFF",
    b"\x00\x00\x01\x00",
)


@dataclasses.dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    raw_bytes: int
    elapsed_ms: int
    redirects: list[str]

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The body as text: BOM, then Content-Type charset, then <meta> declaration, then
        sniffing (w3lib, as Scrapy does; ISO-8859-1 is read as windows-1252 per WHATWG)."""
        return html_to_unicode(self.headers.get("content-type"), self.body)[1]


@dataclasses.dataclass
class FetchEvent:
    """What one request did, for the fetch log and progress reporting."""

    url: str
    kind: str
    status: int | None
    final_url: str | None
    content_type: str | None
    nbytes: int | None
    elapsed_ms: int
    error: str | None


# Byte order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def unicode_encoding(body: bytes) -> str | None:
    """The UTF-16 or UTF-32 (or UTF-8) encoding of a text body that has NUL bytes for a
    reason: from its byte order mark, else from how ``<`` and the next character of an XML
    declaration or tag are laid out (XML 1.0, appendix F). None when it is neither."""
    head = body[:1024]
    for bom, name in _BOMS:
        if head.startswith(bom):
            return _decodes_as_text(head[len(bom) :], name)
    if head[:4] == b"\x00\x00\x00<":
        return _decodes_as_text(head, "utf-32-be")
    if head[:4] == b"<\x00\x00\x00":
        return _decodes_as_text(head, "utf-32-le")
    if (
        len(head) >= 4
        and head[0] == 0
        and head[1:2] == b"<"
        and head[2] == 0
        and 32 < head[3] < 127
    ):
        return _decodes_as_text(head, "utf-16-be")
    if len(head) >= 4 and head[:1] == b"<" and head[1] == 0 and 32 < head[2] < 127 and head[3] == 0:
        return _decodes_as_text(head, "utf-16-le")
    return None


def _decodes_as_text(head: bytes, encoding: str) -> str | None:
    # Cut at a whole code unit; a body that decodes to text with NULs is still binary.
    unit = 4 if "32" in encoding else 2 if "16" in encoding else 1
    text = head[: len(head) - len(head) % unit].decode(encoding, errors="ignore")
    return encoding if text and "\x00" not in text else None


def looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC):
        return True
    return b"\x00" in head and unicode_encoding(head) is None


def is_html(result: FetchResult) -> bool:
    ctype = result.content_type
    return (ctype in HTML_TYPES or ctype == "") and not looks_binary(result.body)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def private_refusal(host: str, what: str) -> str:
    """Why a URL was refused, naming both ways to allow internal hosts."""
    return (
        f"refused: {host} resolves to {what}; to crawl internal "
        "hosts pass --allow-private-addresses or set allow_private_addresses = true (or list "
        "the host in allowed_private_hosts) in discourse.toml"
    )


def _public(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
    )


class _Host:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last = 0.0
        self.robots: Protego | None = None
        self.robots_lock = asyncio.Lock()


class Fetcher:
    """An async fetcher for one crawl. Use as ``async with Fetcher(settings) as f``."""

    def __init__(
        self,
        settings: Settings,
        *,
        on_fetch: Callable[[FetchEvent], None] | None = None,
        credentials: Mapping[str, tuple[str, str]] | None = None,
    ):
        """``credentials``: (user, password) per origin (scheme://host:port), sent as HTTP
        Basic auth to that origin only; URLs themselves never carry them (see urls.py)."""
        self.settings = settings
        self.on_fetch = on_fetch
        self._auth = {o: aiohttp.BasicAuth(u, p) for o, (u, p) in (credentials or {}).items()}
        self._hosts: dict[str, _Host] = {}
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._allowed = {
            h.strip().lower() for h in settings.allowed_private_hosts.split(",") if h.strip()
        }
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        # Redirects are followed by hand (every hop is checked) and bodies are decoded by
        # hand (to cap the decompressed size), so aiohttp does neither.
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self.settings.concurrency,
                limit_per_host=0,
                resolver=None if self.settings.allow_private_addresses else _GuardedResolver(self),
            ),
            headers={
                "User-Agent": self.settings.user_agent_string,
                "Accept-Encoding": "gzip, deflate",
            },
            auto_decompress=False,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.settings.timeout),
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.close()

    # -- public ------------------------------------------------------------------------------
    async def fetch(
        self,
        url: str,
        *,
        kind: str = "page",
        headers: dict[str, str] | None = None,
        delay: float | None = None,
        robots: bool = True,
        timeout: float | None = None,
    ) -> FetchResult:
        """GET ``url`` politely; raise FetchError (with ``retryable`` and ``status``) on failure."""
        attempt = 0
        while True:
            try:
                return await self._fetch_following(url, kind, headers or {}, delay, robots, timeout)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.settings.max_retries:
                    raise
                wait = exc.retry_after
                if wait is None:
                    wait = self.settings.retry_backoff * (2**attempt) * (0.5 + random.random())
                if wait > self.settings.max_retry_after:
                    raise
                attempt += 1
                await asyncio.sleep(wait)

    async def robots_allowed(self, url: str) -> bool:
        host = self._host(url)
        async with host.robots_lock:
            if host.robots is None:
                host.robots = await self._load_robots(url)
        return host.robots.can_fetch(url, self.settings.user_agent_string)

    # -- internals ---------------------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.lower()}"
        if key not in self._hosts:
            self._hosts[key] = _Host()
        return self._hosts[key]

    async def _guard(self, url: str) -> None:
        try:
            check_url(url)
        except BadURL as exc:
            raise FetchError(shorten(url), exc.reason) from None
        parts = urlsplit(url)
        if self.settings.allow_private_addresses or self._exempt(parts):
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname,
                parts.port or (443 if parts.scheme == "https" else 80),
                type=socket.SOCK_STREAM,
            )
        except socket.gaierror as exc:
            raise FetchError(
                url, f"host does not resolve ({exc.strerror})", retryable=True
            ) from None
        for info in infos:
            if not _public(info[4][0]):
                raise FetchError(
                    url, private_refusal(parts.hostname, f"a non-public address ({info[4][0]})")
                )

    def _exempt(self, parts) -> bool:
        host = (parts.hostname or "").lower()
        return host in self._allowed or f"{host}:{parts.port}" in self._allowed

    async def _load_robots(self, url: str) -> Protego:
        robots_url = urljoin(url, "/robots.txt")
        try:
            res = await self._fetch_following(
                robots_url, "robots", {}, 0.0, False, self.settings.robots_timeout
            )
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return Protego.parse("")  # no robots.txt: everything allowed
            # RFC 9309: an unreachable robots.txt means complete disallow, for now.
            raise FetchError(
                url, f"robots.txt unreachable ({exc.reason})", retryable=True
            ) from None
        return Protego.parse(res.text())

    async def _fetch_following(
        self,
        url: str,
        kind: str,
        headers: dict,
        delay: float | None,
        robots: bool,
        timeout: float | None,
    ) -> FetchResult:
        redirects: list[str] = []
        current = url
        while True:
            await self._guard(current)
            if robots and not await self.robots_allowed(current):
                raise FetchError(current, "disallowed by robots.txt")
            result = await self._fetch_once(current, kind, headers, delay, timeout)
            if result.status in (301, 302, 303, 307, 308) and "location" in result.headers:
                if len(redirects) >= self.settings.max_redirects:
                    raise FetchError(
                        url, f"more than {self.settings.max_redirects} redirects (last: {current})"
                    )
                redirects.append(current)
                try:
                    nxt = check_url(result.headers["location"], current)
                except BadURL as exc:
                    raise FetchError(
                        url, f"redirect to a bad URL {shorten(exc.url)} ({exc.reason})"
                    ) from None
                if nxt in redirects:
                    raise FetchError(url, f"redirect loop at {nxt}")
                current = nxt
                continue
            result.url, result.redirects = url, redirects
            if result.status == 304 or 200 <= result.status < 300:
                return result
            retryable = result.status == 429 or result.status >= 500
            reason = f"HTTP {result.status}"
            if result.status == 401:
                reason += (
                    " (the site asks for a password: give it as user:password@ in the URL in "
                    "sources.toml; it is used to fetch and never stored)"
                )
            raise FetchError(
                current,
                reason,
                status=result.status,
                retryable=retryable,
                retry_after=_retry_after(result.headers.get("retry-after")),
            )

    async def _fetch_once(
        self, url: str, kind: str, headers: dict, delay: float | None, timeout: float | None
    ) -> FetchResult:
        host = self._host(url)
        delay = self.settings.per_host_delay if delay is None else delay
        if host.robots is not None:
            delay = max(delay, host.robots.crawl_delay(self.settings.user_agent_string) or 0)
        start = time.monotonic()
        status = ctype = None
        nbytes = None
        error = None
        try:
            async with host.lock:
                wait = host.last + delay - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                async with self._slots:
                    start = time.monotonic()
                    try:
                        result = await asyncio.wait_for(
                            self._get(url, headers), timeout or self.settings.timeout
                        )
                    finally:
                        host.last = time.monotonic()
            status, ctype, nbytes = result.status, result.content_type, result.raw_bytes
            result.elapsed_ms = int((time.monotonic() - start) * 1000)
            return result
        except TimeoutError:
            error = f"timed out after {timeout or self.settings.timeout:g}s"
            raise FetchError(url, error, retryable=True) from None
        except (aiohttp.ClientError, OSError) as exc:
            error = f"connection error: {type(exc).__name__} {exc}".strip()
            raise FetchError(url, error, retryable=True) from None
        except FetchError as exc:
            error = exc.reason
            status = exc.status
            raise
        finally:
            if self.on_fetch:
                self.on_fetch(
                    FetchEvent(
                        url=url,
                        kind=kind,
                        status=status,
                        final_url=url,
                        content_type=ctype,
                        nbytes=nbytes,
                        elapsed_ms=int((time.monotonic() - start) * 1000),
                        error=error,
                    )
                )

    async def _get(self, url: str, headers: dict) -> FetchResult:
        max_raw, max_body = self.settings.max_bytes, self.settings.max_decompressed_bytes
        auth = self._auth.get(origin(url))
        async with self._client.get(url, headers=headers, allow_redirects=False, auth=auth) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_raw:
                raise FetchError(
                    url,
                    f"body of {int(declared)} bytes is over the {max_raw}-byte cap",
                    status=resp.status,
                )
            encoding = resp.headers.get("content-encoding", "identity").strip().lower()
            decoder = _Decoder(url, encoding, max_body, resp.status)
            raw = 0
            async for chunk in resp.content.iter_any():
                raw += len(chunk)
                if raw > max_raw:
                    raise FetchError(
                        url, f"body is over the {max_raw}-byte cap", status=resp.status
                    )
                decoder.feed(chunk)
            return FetchResult(
                url=url,
                final_url=url,
                status=resp.status,
                headers=resp.headers,
                body=decoder.finish(),
                raw_bytes=raw,
                elapsed_ms=0,
                redirects=[],
            )


class _GuardedResolver(aiohttp.ThreadedResolver):
    """DNS for the connection itself keeps only public addresses, so a host cannot pass the
    guard with one answer and be connected to with another (DNS rebinding)."""

    def __init__(self, fetcher: Fetcher):
        super().__init__()
        self.fetcher = fetcher

    async def resolve(self, host: str, port: int = 0, family=socket.AF_INET):
        results = await super().resolve(host, port, family)
        if self.fetcher._exempt(urlsplit(f"//{host}:{port}")):
            return results
        public = [r for r in results if _public(r["host"])]
        if not public:
            raise OSError(private_refusal(host, "non-public addresses only"))
        return public


class _Decoder:
    """Content-Encoding decoding with a cap on the decompressed size (gzip bombs)."""

    def __init__(self, url: str, encoding: str, cap: int, status: int):
        self.url, self.cap, self.status = url, cap, status
        self.parts: list[bytes] = []
        self.size = 0
        if encoding in ("", "identity"):
            self.z = None
        elif encoding in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self.z = zlib.decompressobj()
        else:
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}", status=status)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchError(
                self.url, f"body decompresses to over the {self.cap}-byte cap", status=self.status
            )
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self.z is None:
            self._add(chunk)
            return
        try:
            data = self.z.decompress(chunk, self.cap - self.size + 1)
            self._add(data)
            while self.z.unconsumed_tail:
                self._add(self.z.decompress(self.z.unconsumed_tail, self.cap - self.size + 1))
        except zlib.error as exc:
            raise FetchError(
                self.url, f"corrupt compressed body ({exc})", status=self.status
            ) from None

    def finish(self) -> bytes:
        if self.z is not None:
            try:
                self._add(self.z.flush())
            except zlib.error as exc:
                raise FetchError(
                    self.url, f"corrupt compressed body ({exc})", status=self.status
                ) from None
        return b"".join(self.parts)
