"""Helpers for crawl tests: a corpus, settings and a sources file around a LocalServer."""

from __future__ import annotations

from pathlib import Path

from discourse import Corpus, Settings
from discourse.gather.crawler import Crawler
from discourse.store import SourceSpec


def crawl_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(
        db=str(tmp_path / "corpus.db"),
        allow_private_addresses=True,
        per_host_delay=0.0,
        timeout=5.0,
        robots_timeout=2.0,
        max_retries=2,
        retry_backoff=0.05,
        poll_min=600.0,
        extract_workers=0,  # in-process; the sample-corpus and SIGKILL tests use workers
    )
    values.update(overrides)
    return Settings.resolve(values, cwd=tmp_path, env={})


def crawl(tmp_path: Path, sources: list[SourceSpec], **overrides):
    settings = crawl_settings(tmp_path, **overrides)
    with Corpus(settings.db) as corpus:
        crawler = Crawler(corpus, settings, progress=False)
        crawler.sync_sources(sources)
        return crawler.run_once()


def feed_xml(base: str, items: list[tuple[str, str, str]], ttl: int | None = None) -> bytes:
    """An RSS 2.0 feed: items are (guid, link, title)."""
    entries = "".join(
        f'<item><title>{t}</title><link>{link}</link><guid isPermaLink="false">{g}</guid>'
        f"<pubDate>Tue, 10 Jun 2008 09:00:00 GMT</pubDate></item>"
        for g, link, t in items
    )
    ttl_el = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test feed</title>'
        f"<link>{base}/</link>{ttl_el}{entries}</channel></rss>"
    ).encode()


ARTICLE = """<!doctype html><html><head><meta charset="{charset}"><title>{title}</title>
<link rel="canonical" href="{canonical}"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About us</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies.</div>
<article><h1>{title}</h1><p class="byline">By Helen Marsh, 10 June 2008</p>
{paragraphs}
</article>
<section class="comments"><h3>Comments</h3>
<p>Reader42 wrote: This is the worst idea the council has had in years, total waste.</p></section>
<footer>Copyright 2008 Riverside Voices. All rights reserved.</footer></body></html>"""


def article(title: str, paragraphs: list[str], canonical: str = "", charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return ARTICLE.format(title=title, paragraphs=body, canonical=canonical, charset=charset)


PARAS = [
    "The involvement of local people in the decision-making processes that affect them is long "
    "overdue, and the council's new citizens' panel is a welcome if cautious first step.",
    "There may be a lot of bad practice in community engagement, from rushed consultations to "
    "meetings held at times no working parent could attend, but that does not invalidate the principle.",
    "Co-production models, as one columnist put it last week, deliver multiple benefits: better "
    "services, stronger networks between neighbours and a real say for the people who use them.",
    "Critics of the government's communities agenda say it asks volunteers to fill gaps left by "
    "cuts, and that participatory budgeting moves small sums while the big decisions stay closed.",
]
