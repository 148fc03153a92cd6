"""Sitemaps: <urlset> page lists and <sitemapindex> lists of sitemaps (sitemaps.org 0.9)."""

from __future__ import annotations

import dataclasses

from lxml import etree

from discourse.gather.dates import iso_datetime
from discourse.gather.feeds import clean_text
from discourse.gather.urls import BadURL, canonical_url, check_url, shorten
from discourse.store.records import ItemSpec


@dataclasses.dataclass
class ParsedSitemap:
    items: list[ItemSpec]
    sitemaps: list[str]
    problem: str | None


def parse_sitemap(body: bytes, url: str) -> ParsedSitemap:
    """Parse leniently (lxml recover mode); a broken sitemap yields what it can and a problem."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        return ParsedSitemap([], [], f"not XML: {exc}")
    if root is None:
        return ParsedSitemap([], [], "empty or not XML")
    problem = str(parser.error_log.last_error) if parser.error_log else None
    items, children = [], []
    for node in root.iter("{*}url"):
        loc = node.findtext("{*}loc")
        if loc and loc.strip():
            try:
                link = check_url(loc, url)
            except BadURL as exc:
                # Recorded on its own (failed) row; the rest of the sitemap goes on.
                raw = shorten(clean_text(loc, 2000) or "", 2000)
                items.append(
                    ItemSpec(key=f"invalid:{raw}", url=raw, error=f"bad link ({exc.reason})")
                )
                continue
            lastmod = clean_text(node.findtext("{*}lastmod"), 100)
            items.append(
                ItemSpec(key=canonical_url(link), url=link, published=iso_datetime(lastmod))
            )
    for node in root.iter("{*}sitemap"):
        loc = node.findtext("{*}loc")
        if loc and loc.strip():
            try:
                children.append(check_url(loc, url))
            except BadURL as exc:
                problem = problem or f"child sitemap {shorten(exc.url)}: {exc.reason}"
    if not items and not children and etree.QName(root).localname not in ("urlset", "sitemapindex"):
        problem = problem or f"not a sitemap (root element {etree.QName(root).localname!r})"
    return ParsedSitemap(items, children, problem)
