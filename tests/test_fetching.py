"""The fetcher against a real HTTP server on 127.0.0.1."""

import asyncio
import gzip
import time

import pytest

from discourse.errors import FetchError
from discourse.gather.fetching import Fetcher

from .crawlkit import crawl_settings
from .httpserver import LocalServer, Response, html


def fetch(settings, url, **kw):
    async def go():
        async with Fetcher(settings) as f:
            return await f.fetch(url, **kw)

    return asyncio.run(go())


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def test_robots_disallow_is_obeyed(tmp_path, server):
    server.routes["/robots.txt"] = Response(
        200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}
    )
    server.routes["/private/page.html"] = html("<p>secret</p>")
    server.routes["/public.html"] = html("<p>open</p>")
    s = crawl_settings(tmp_path)
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        fetch(s, server.url("/private/page.html"))
    assert fetch(s, server.url("/public.html")).status == 200
    assert server.hits("/private/page.html") == []


def test_429_with_retry_after_is_honoured(tmp_path, server):
    calls = []

    def flaky(_):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"})
        return html("<p>ok</p>")

    server.routes["/page"] = flaky
    res = fetch(crawl_settings(tmp_path), server.url("/page"))
    assert res.status == 200 and len(calls) == 2
    assert calls[1] - calls[0] >= 0.95


def test_503_then_success_is_retried_with_backoff(tmp_path, server):
    answers = [Response(503, b"busy"), Response(503, b"busy"), html("<p>ok</p>")]
    server.routes["/page"] = lambda _: answers.pop(0)
    res = fetch(crawl_settings(tmp_path, max_retries=3), server.url("/page"))
    assert res.status == 200 and answers == []


def test_gives_up_after_max_retries(tmp_path, server):
    server.routes["/page"] = Response(500, b"broken")
    with pytest.raises(FetchError) as err:
        fetch(crawl_settings(tmp_path, max_retries=2), server.url("/page"))
    assert err.value.status == 500 and len(server.hits("/page")) == 3


def test_response_slower_than_timeout_fails(tmp_path, server):
    server.routes["/slow"] = Response(200, b"late", {"Content-Type": "text/html"}, delay=3)
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(crawl_settings(tmp_path, timeout=0.5, max_retries=0), server.url("/slow"))
    assert time.monotonic() - start < 2.5


def test_trickling_response_is_cut_at_the_total_timeout(tmp_path, server):
    server.routes["/trickle"] = Response(
        200, headers={"Content-Type": "text/html"}, chunks=[b"x" * 10] * 40, chunk_delay=0.1
    )
    with pytest.raises(FetchError, match="timed out"):
        fetch(crawl_settings(tmp_path, timeout=1.0, max_retries=0), server.url("/trickle"))


def test_redirect_loop_is_detected(tmp_path, server):
    server.routes["/a"] = Response(302, headers={"Location": "/b"})
    server.routes["/b"] = Response(302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(crawl_settings(tmp_path), server.url("/a"))


def test_too_many_redirects(tmp_path, server):
    for i in range(12):
        server.routes[f"/r{i}"] = Response(301, headers={"Location": f"/r{i + 1}"})
    with pytest.raises(FetchError, match="more than 10 redirects"):
        fetch(crawl_settings(tmp_path), server.url("/r0"))


def test_redirects_are_followed_and_recorded(tmp_path, server):
    server.routes["/old"] = Response(301, headers={"Location": "/new"})
    server.routes["/new"] = html("<p>moved</p>")
    res = fetch(crawl_settings(tmp_path), server.url("/old"))
    assert res.final_url == server.url("/new") and res.redirects == [server.url("/old")]


def test_guard_refuses_loopback_by_default(tmp_path, server):
    server.routes["/page"] = html("<p>internal</p>")
    with pytest.raises(FetchError, match="non-public address"):
        fetch(crawl_settings(tmp_path, allow_private_addresses=False), server.url("/page"))
    assert server.requests == []


def test_guard_checks_every_redirect_hop(tmp_path, server):
    # The test server itself is exempted by name; the redirect points at a private address,
    # which the guard must refuse before any connection is made.
    server.routes["/go"] = Response(
        302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    s = crawl_settings(
        tmp_path, allow_private_addresses=False, allowed_private_hosts=f"127.0.0.1:{server.port}"
    )
    with pytest.raises(FetchError, match="169.254.169.254.*non-public"):
        fetch(s, server.url("/go"), robots=False)
    assert [r[2] for r in server.requests] == ["/go"]


def test_only_http_and_https(tmp_path):
    with pytest.raises(FetchError, match="only http and https"):
        fetch(crawl_settings(tmp_path), "file:///etc/passwd")


def test_body_over_the_cap_is_refused(tmp_path, server):
    server.routes["/big"] = Response(200, b"<p>" + b"a" * 300_000, {"Content-Type": "text/html"})
    server.routes["/big-chunked"] = Response(
        200, headers={"Content-Type": "text/html"}, chunks=[b"a" * 50_000] * 8
    )
    s = crawl_settings(tmp_path, max_bytes=100_000)
    with pytest.raises(FetchError, match="over the 100000-byte cap"):
        fetch(s, server.url("/big"))
    with pytest.raises(FetchError, match="over the 100000-byte cap"):
        fetch(s, server.url("/big-chunked"))


def test_gzip_bomb_is_refused(tmp_path, server):
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 300_000
    server.routes["/bomb"] = Response(
        200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    s = crawl_settings(tmp_path, max_decompressed_bytes=5_000_000)
    with pytest.raises(FetchError, match="decompresses to over the 5000000-byte cap"):
        fetch(s, server.url("/bomb"))


def test_gzip_body_is_decoded(tmp_path, server):
    server.routes["/gz"] = Response(
        200,
        gzip.compress(b"<p>hello compressed world</p>"),
        {"Content-Type": "text/html", "Content-Encoding": "gzip"},
    )
    assert b"hello compressed world" in fetch(crawl_settings(tmp_path), server.url("/gz")).body


@pytest.mark.parametrize(
    "charset, declared_in",
    [
        ("windows-1252", "header"),
        ("iso-8859-1", "header"),
        ("windows-1252", "meta"),
        ("iso-8859-1", "meta"),
        ("utf-8-sig", "bom"),
    ],
)
def test_declared_and_sniffed_encodings(tmp_path, server, charset, declared_in):
    text = "Residents\u2019 panel costs \u00a3500 \u2014 caf\u00e9 meeting"
    if charset == "iso-8859-1":
        text = "Residents' panel costs \u00a3500 - caf\u00e9 meeting"
    page = f"<html><head>{{meta}}</head><body><p>{text}</p></body></html>"
    meta = f'<meta charset="{charset}">' if declared_in == "meta" else ""
    ctype = f"text/html; charset={charset}" if declared_in == "header" else "text/html"
    body = page.format(meta=meta).encode(charset)
    server.routes["/p"] = Response(200, body, {"Content-Type": ctype})
    assert text in fetch(crawl_settings(tmp_path), server.url("/p")).text()


def test_per_host_requests_are_serial_and_spaced(tmp_path, server):
    for i in range(4):
        server.routes[f"/p{i}"] = html(f"<p>{i}</p>")

    async def go(s):
        async with Fetcher(s) as f:
            await asyncio.gather(*(f.fetch(server.url(f"/p{i}")) for i in range(4)))

    asyncio.run(go(crawl_settings(tmp_path, per_host_delay=0.3, concurrency=8)))
    times = sorted(t for t, _, path, _ in server.requests if path.startswith("/p"))
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 3 and min(gaps) >= 0.28


def test_user_agent_names_the_contact(tmp_path, server):
    server.routes["/ua"] = html("<p>x</p>")
    fetch(crawl_settings(tmp_path, contact="research@example.ac.uk"), server.url("/ua"))
    ua = server.hits("/ua")[0][3]["User-Agent"]
    assert ua.startswith("discourse/") and "research@example.ac.uk" in ua


def test_connection_dns_keeps_only_public_addresses(tmp_path):
    # The guard checks a host before fetching; the connector's own resolver checks again, so
    # a host that answers differently the second time (DNS rebinding) is still refused.
    from discourse.gather.fetching import _GuardedResolver

    async def go(settings):
        async with Fetcher(settings) as f:
            return await _GuardedResolver(f).resolve("localhost", 80)

    with pytest.raises(OSError, match="localhost resolves to non-public addresses only"):
        asyncio.run(go(crawl_settings(tmp_path, allow_private_addresses=False)))
    exempt = crawl_settings(
        tmp_path, allow_private_addresses=False, allowed_private_hosts="localhost"
    )
    assert {r["host"] for r in asyncio.run(go(exempt))} <= {"127.0.0.1", "::1"}
