"""Crawl benchmark: discourse's crawler against Scrapy, side by side, on a local site.

    python -m benchmarks.crawl [--pages 5000] [--hosts 50] [--repeat 1] [--profile]

``--hosts`` loopback hosts (127.0.0.2, 127.0.0.3, ...), each with an RSS 2.0 feed, a
robots.txt and its share of ``--pages`` ~600-word articles, are written to a temp dir and
served by an asyncio HTTP/1.1 server in its own process. Each crawler runs in a fresh
subprocess (clean peak RSS; the server's CPU is not counted against it):

- discourse: Crawler.run_once() = feed polling + fetching + main-text extraction + dedup
  + SQLite storage;
- scrapy (fetch+extract): the same feeds, discourse.gather.extraction.extract_html on every page:
  the apples-to-apples peer;
- scrapy (fetch only): for information, the cost of fetching alone.

Both: 16 requests in flight, one at a time per host, no delay, robots.txt obeyed.
"CPU s": CPU time of the crawler's process tree over the timed run (less sensitive than
wall time to other load). "peak MB": peak RSS summed over the crawler's process tree.
``--profile`` prints cProfile's top functions of discourse's run_once (its main thread only).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 16
LABELS = {
    "discourse": "discourse",
    "scrapy": "scrapy (fetch+extract)",
    "scrapy-fetch": "scrapy (fetch only)",
}
NOT_FOUND = ("text/plain", b"not found", None)
TYPES = {".xml": "application/rss+xml", ".txt": "text/plain", ".html": "text/html; charset=utf-8"}

# Article text: sentences about community engagement, picked with a seeded random generator.
SENTENCES = """\
Residents of {place} packed the {venue} {day} to talk about the future of {thing}.
{who} promised that every one of the {n} comments about {thing} would be answered in writing.
Several neighbours in {place} told {who} they had never been asked for their opinion before.
{n} volunteers from {group} knocked on doors across {place} so renters heard about {thing}.
{group} presented its own survey {day}, which reached {n} teenagers in {place}.
{who} argued that the debate on {thing} started only after {group} had made the key decisions.
{group} agreed to publish the minutes of every forum in {place} within {n} days.
Older residents of {place} asked {who} for paper copies of the plans for {thing}.
{n} local businesses welcomed the chance to shape {thing} before {group} voted {day}.
At the {venue}, {who} split the {n} people into small tables so quieter voices in {place} were heard.
Translators were on hand in {n} languages, and {who} said attendance from {place} doubled.
Some of the {n} participants felt the questionnaire on {thing} was written to steer {group}.
Parents in {place} pushed {who} for safer crossings and {n} of them offered to count traffic {day}.
{who} said trust in {group} grows when people in {place} see how their input changed {thing}.
{group} described how a grant of {n} thousand turned an empty lot in {place} into {thing}.
Campaigners handed {who} {n} signatures calling for {thing} in {place} to be restored.
{who} admitted that {group} had scheduled {n} workshops at times when most of {place} worked.
{group} now rotates its {n} meetings between the {venue} and {thing} in {place}.
Disability advocates asked {who} that the {venue} in {place} be step-free for all {n} sessions.
Participatory budgeting let {n} residents of {place} vote {day} on how {group} spends its money.
{who} questioned whether {n} loud voices at the {venue} really represented {place}.
{group} posted large maps of {thing} on the high street of {place} and collected {n} notes.
Of the {n} people surveyed in {place}, most told {who} they would take part again {day}.
{who} proposed a monthly walk through {place} so {group} could see {thing} firsthand.
The report by {group} found that {n} online comments on {thing} came mostly from {place}.
{who} served soup at the {venue} {day}, which brought {n} families from {place} to the hearing.
Local radio broadcast the debate on {thing} live from the {venue}, and {n} listeners in {place} phoned in.
{group} trained {n} residents of {place} to run listening sessions about {thing}.
{n} attendees left the {venue} frustrated when {who} passed the microphone only to {group}.
A citizens' assembly of {n} people from {place} spent {day} weighing evidence on {thing}.
Shopkeepers in {place} told {who} that {n} more months of consultation would delay {thing}.
{who} will share the {n} survey results on {thing} at an open evening in the {venue}.
{n} speakers in {place} thanked {group} for months spent building trust street by street.
{group} set up a text line {day} so {n} shift workers in {place} could respond at any hour.
{who} warned that consultation fatigue sets in across {place} when {thing} never changes.
An independent chair, {who}, was appointed {day} to make {group} credible in {place}.
{n} students in {place} mapped broken streetlights and sent the data to {group} {day}.
The final plan for {place} included {thing}, {n} metres of wider pavement and a farmers market.
{who} invited the {n} residents of {place} to review what {group} had delivered {day}.
Everyone at the {venue} in {place} agreed with {who} that acting on {thing} matters most.
""".splitlines()
# Slot fillers: a slot every few words keeps the 5-word shingles of two pages mostly distinct
# (pairwise Jaccard ~0.04, as between real articles), so dedup and its LSH index do realistic
# work: with fixed sentences every page would be a near-duplicate candidate of every other.
SLOTS = """\
place: Millbrook|Eastfield|Harbourside|Oakdale|Riverside|Northgate|Westmoor|Kingsbury|Ashford|Elmwood
venue: library meeting room|church hall|sports centre|community centre|school gym|town hall|youth club
day: on Monday|on Tuesday|on Wednesday|on Thursday|on Friday|on Saturday|last week|in March|in May
who: Maria Lopez|councillor Ahmed Khan|Janet Okafor|the mayor|Tom Reilly|Priya Shah|Ben Carter|Grace Liu
group: the tenants union|the youth panel|the housing association|the council|the neighbourhood forum|\
the planning team|the steering group|the local charity|the parish council
thing: the riverside park|the bus route|the new library|the market roof|the cycle lanes|the playground|\
the community garden|the school crossing|the housing plan|the climate plan|the health centre"""
FILL = {k: v.split("|") for k, v in (line.split(": ") for line in SLOTS.splitlines())}
TOPICS = "Park plans|Bus routes|Housing forum|Budget vote|Street safety|Market repairs".split("|")


def sentence(rng: random.Random) -> str:
    """One of SENTENCES with its {slots} filled in ({n}: a number)."""

    def fill(m: re.Match) -> str:
        return str(rng.randint(2, 900)) if m[1] == "n" else rng.choice(FILL[m[1]])

    s = re.sub(r"\{(\w+)\}", fill, rng.choice(SENTENCES))
    return s[0].upper() + s[1:]


def host_ips(hosts: int) -> list[str]:
    return [f"127.0.0.{i + 2}" for i in range(hosts)]


# -- the site --------------------------------------------------------------------------------
def article_html(n: int, origin: str) -> str:
    """Page n: nav, ~600 words of article in paragraphs, comments, aside, footer. Seeded by n:
    every run builds the same site."""
    rng = random.Random(n)
    title = f"{rng.choice(TOPICS)} in {rng.choice(FILL['place'])}: residents have their say ({n})"
    date = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
    paras, words = [], 0
    while words < 600:
        paras.append(" ".join(sentence(rng) for _ in range(rng.randint(3, 6))))
        words += len(paras[-1].split())
    comments = "".join(
        f'<li class="comment"><b>{rng.choice(FILL["who"])}</b><p>{sentence(rng)}</p></li>'
        for _ in range(rng.randint(2, 5))
    )
    nav = "".join(f'<li><a href="/topics/{t.split()[0].lower()}">{t}</a></li>' for t in TOPICS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Civic Voice</title>
<meta name="description" content="{paras[0][:150]}"><meta property="og:title" content="{title}">
<meta name="author" content="Civic Voice staff"><link rel="canonical" href="{origin}/articles/{n}.html">
</head><body><header><a href="/">Civic Voice</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1>
<p class="byline">By Civic Voice staff, <time datetime="{date}">{date}</time></p>
{"".join(f"<p>{p}</p>" for p in paras)}
</article><section id="comments"><h2>Comments</h2><ul>{comments}</ul></section></main>
<aside><h3>Most read</h3><ul>{nav}</ul></aside>
<footer><p>Civic Voice, community news. <a href="/about">About</a> <a href="/privacy">Privacy</a></p>
</footer></body></html>"""


def build_site(site: Path, pages: int, hosts: int, port: int) -> list[str]:
    """Write site/<ip>/{robots.txt,feed.xml,articles/N.html}; return the feed URLs."""
    feeds = []
    for h, ip in enumerate(host_ips(hosts)):
        origin, d = f"http://{ip}:{port}", site / ip
        (d / "articles").mkdir(parents=True)
        (d / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
        items = []
        for n in range(h, pages, hosts):  # page n lives on host n % hosts
            (d / "articles" / f"{n}.html").write_text(article_html(n, origin), encoding="utf-8")
            url = f"{origin}/articles/{n}.html"
            items.append(
                f"<item><title>Article {n}</title><link>{url}</link><guid>{url}</guid>"
                "<pubDate>Mon, 01 Jan 2024 09:00:00 GMT</pubDate></item>"
            )
        (d / "feed.xml").write_text(
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{ip}</title>'
            f"<link>{origin}/</link>{''.join(items)}</channel></rss>"
        )
        feeds.append(f"{origin}/feed.xml")
    return feeds


# -- the server (its own process) ---------------------------------------------------------------
async def serve(site: Path, hosts: int, port: int) -> None:
    """Minimal keep-alive HTTP/1.1 from memory, gzip (compressed up front) when asked for, as
    real sites do. The host is told apart by the local address a connection came in on."""
    files = {}
    for f in (f for f in site.rglob("*") if f.is_file()):
        ip, *path = f.relative_to(site).parts
        body = f.read_bytes()
        files[ip, "/" + "/".join(path)] = (TYPES[f.suffix], body, gzip.compress(body))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ip = writer.get_extra_info("sockname")[0]
        try:
            while True:
                request = (await reader.readuntil(b"\r\n\r\n")).lower()
                hit = files.get((ip, request.split(b" ", 2)[1].decode()))
                status, (ctype, body, gz) = ("200 OK", hit) if hit else ("404 Not Found", NOT_FOUND)
                extra = ""
                if gz and re.search(rb"\naccept-encoding:[^\r]*gzip", request):
                    body, extra = gz, "Content-Encoding: gzip\r\n"
                head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {len(body)}"
                writer.write(head.encode() + b"\r\n\r\n" + body)
                await writer.drain()
                if b"\nconnection: close" in request:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    # One listening socket per host address, never 0.0.0.0: only loopback is exposed.
    servers = [await asyncio.start_server(handle, ip, port, backlog=1024) for ip in host_ips(hosts)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


# -- the crawlers (each in its own process) -----------------------------------------------------
def tree_cpu() -> float:
    """CPU seconds of this process, its threads and its descendants, live or reaped (a crawler
    may use worker processes, e.g. a pool whose workers a forkserver reaps: children_*)."""
    import psutil

    total, me = 0.0, psutil.Process()
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def crawl_discourse(feeds: list[str], tmp: Path, profile: Path | None) -> dict:
    from discourse import Corpus, Settings
    from discourse.gather.crawler import Crawler
    from discourse.store import SourceSpec

    flags = {"db": str(tmp / "corpus.db"), "allow_private_addresses": True, "per_host_delay": 0.0}
    settings = Settings.resolve({**flags, "concurrency": CONCURRENCY}, cwd=tmp, env={})
    crawler = Crawler(Corpus.from_settings(settings), settings, progress=False)
    crawler.sync_sources(
        [SourceSpec(name=f"host{i}", kind="feed", urls=[u]) for i, u in enumerate(feeds)]
    )
    start, cpu = time.perf_counter(), tree_cpu()
    if profile:
        import cProfile

        with cProfile.Profile() as prof:
            report = crawler.run_once()
        prof.dump_stats(profile)
    else:
        report = crawler.run_once()
    seconds, cpu = time.perf_counter() - start, tree_cpu() - cpu
    note = report.summary()
    return dict(pages=report.documents_new, seconds=seconds, cpu_s=cpu, note=note)


def crawl_scrapy(feeds: list[str], extract: bool) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from discourse.gather.extraction import extract_html

    class Bench(scrapy.Spider):
        name = "bench"
        start_urls = feeds

        def parse(self, response):  # a feed
            for link in response.xpath("//item/link/text()").getall():
                yield scrapy.Request(link.strip(), callback=self.parse_page)

        def parse_page(self, response):  # an article; the items are written nowhere
            if not extract:
                return {"url": response.url, "size": len(response.body)}
            doc = extract_html(response.text, response.url)
            return {"url": response.url, "title": doc.title, "text": doc.text}

    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": CONCURRENCY,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "HTTPCACHE_ENABLED": False,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
            "USER_AGENT": "bench-scrapy/1.0 (+https://example.invalid)",
            # Scrapy's advice for broad crawls: spread the 16 slots over the hosts.
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        }
    )
    crawler = process.create_crawler(Bench)
    process.crawl(crawler)
    start, cpu = time.perf_counter(), tree_cpu()
    process.start()
    seconds, cpu = time.perf_counter() - start, tree_cpu() - cpu
    return dict(pages=crawler.stats.get_value("item_scraped_count", 0), seconds=seconds, cpu_s=cpu)


def worker(args: argparse.Namespace) -> None:
    """Entry point of the subprocesses: serve, or crawl and print one JSON line."""
    tmp = Path(args.tmp)
    if args.worker == "serve":
        return asyncio.run(serve(tmp / "site", args.hosts, args.port))
    feeds = json.loads((tmp / "feeds.json").read_text())
    try:
        if args.worker == "discourse":
            profile = tmp / "profile.out" if args.profile else None
            out = crawl_discourse(feeds, tmp / "discourse", profile)
        else:
            out = crawl_scrapy(feeds, extract=args.worker == "scrapy")
        out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    except Exception as exc:  # report it on stdout: the worker's stderr goes to /dev/null
        import traceback

        out = {"error": f"{exc!r}\n{traceback.format_exc()}"}
    print(json.dumps(out), flush=True)


# -- the driver ---------------------------------------------------------------------------------
def _spawn(kind: str, tmp: Path, hosts: int, port: int, profile: bool = False) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "benchmarks.crawl", "--worker", kind, "--tmp", str(tmp)]
    cmd += ["--hosts", str(hosts), "--port", str(port)] + ["--profile"] * profile
    # stderr to /dev/null: discourse prints a JSON line per fetch there when progress=False.
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def wait_sampling_rss(proc: subprocess.Popen) -> float:
    """Wait for proc; return its peak RSS in MB summed over it and its descendants, sampled
    every 50 ms (discourse may extract in worker processes, which ru_maxrss does not count)."""
    import psutil

    peak, root = 0, psutil.Process(proc.pid)
    while proc.poll() is None:
        rss = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                rss += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
        peak = max(peak, rss)
        time.sleep(0.05)
    return peak / 2**20


def run(pages: int = 5000, hosts: int = 50, profile: bool = False, repeat: int = 1) -> dict:
    """Build the site, serve it, run the three crawls (``repeat`` times, keeping each tool's
    fastest run: the machine may be shared); print and return the results."""
    import psutil

    if not 1 <= hosts <= 253 or pages < hosts:
        raise SystemExit("need 1 <= hosts <= 253 and pages >= hosts")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="crawlbench-") as name:
        tmp = Path(name)
        (tmp / "discourse").mkdir()
        with socket.socket() as s:  # a free port (the server binds it on every host address)
            s.bind(("127.0.0.2", 0))
            port = s.getsockname()[1]
        (tmp / "feeds.json").write_text(json.dumps(build_site(tmp / "site", pages, hosts, port)))
        server = proc = _spawn("serve", tmp, hosts, port)
        server_cpu = lambda: sum(psutil.Process(server.pid).cpu_times()[:2])  # noqa: E731
        try:
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError("the benchmark server did not start")
            for kind in [k for _ in range(repeat) for k in LABELS]:
                cpu0 = server_cpu()
                proc = _spawn(kind, tmp, hosts, port, profile and kind == "discourse")
                peak = wait_sampling_rss(proc)  # the worker prints a single line: no pipe stall
                res = json.loads(proc.stdout.read().strip().splitlines()[-1])
                if "error" in res:
                    raise RuntimeError(f"{kind} crawl failed: {res['error']}")
                res["peak_mb"] = max(peak, res["maxrss_mb"])  # a spike may fall between samples
                res["server_cpu_s"] = server_cpu() - cpu0
                res["pages_per_s"] = res["pages"] / res["seconds"]
                if kind not in results or res["pages_per_s"] > results[kind]["pages_per_s"]:
                    results[kind] = res
        finally:  # also on Ctrl-C: leave no server or crawler behind
            for p in {server, proc}:
                p.terminate()
                p.wait()
        if profile:
            import pstats

            print("discourse run_once, top 40 functions by cumulative time:")
            pstats.Stats(str(tmp / "profile.out")).sort_stats("cumulative").print_stats(40)

    best = f", best of {repeat} runs" if repeat > 1 else ""
    print(f"\n{pages} pages on {hosts} hosts, {CONCURRENCY} requests in flight, 1 per host{best}")
    print(f"{'tool':<24}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'peak MB':>9}{'CPU s':>8}", end="")
    print(f"{'server CPU s':>14}")
    for kind, r in results.items():
        print(
            f"{LABELS[kind]:<24}{r['pages']:>7}{r['seconds']:>9.1f}{r['pages_per_s']:>9.1f}"
            f"{r['peak_mb']:>9.0f}{r['cpu_s']:>8.1f}{r['server_cpu_s']:>14.1f}"
        )
    d, s = results["discourse"], results["scrapy"]
    ratio = d["pages_per_s"] / s["pages_per_s"]
    fast, small = ratio >= 1.0, d["peak_mb"] < 500
    print(f"\ndiscourse pages/s / scrapy (fetch+extract) pages/s = {ratio:.2f}", end="")
    print(f"  (target >= 1.0: {'met' if fast else 'NOT met'})")
    print(
        f"discourse peak memory = {d['peak_mb']:.0f} MB  (target < 500 MB: {'met' if small else 'NOT met'})"
    )
    print(f"discourse: {d['note']}")
    if d["pages"] != pages or s["pages"] != pages:
        print(f"warning: {pages} pages expected from each crawler")
    return dict(
        pages=pages,
        hosts=hosts,
        results=results,
        speed_ratio=ratio,
        speed_target_met=fast,
        discourse_peak_mb=d["peak_mb"],
        memory_target_met=small,
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--pages", type=int, default=5000)
    p.add_argument("--hosts", type=int, default=50)
    p.add_argument("--repeat", type=int, default=1, help="runs per tool; the fastest is kept")
    p.add_argument("--profile", action="store_true", help="cProfile discourse's run_once")
    p.add_argument("--worker", choices=["serve", *LABELS], help=argparse.SUPPRESS)  # internal
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args)
    else:
        run(args.pages, args.hosts, args.profile, args.repeat)


if __name__ == "__main__":
    main()
