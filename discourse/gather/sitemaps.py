"""Sitemaps: <urlset> page lists and <sitemapindex> lists of sitemaps (sitemaps.org 0.9)."""

from __future__ import annotations

import dataclasses

from lxml import etree

from discourse.gather.urls import canonical_url, resolve
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
            link = resolve(url, loc)
            items.append(
                ItemSpec(key=canonical_url(link), url=link, published=node.findtext("{*}lastmod"))
            )
    for node in root.iter("{*}sitemap"):
        loc = node.findtext("{*}loc")
        if loc and loc.strip():
            children.append(resolve(url, loc))
    if not items and not children and etree.QName(root).localname not in ("urlset", "sitemapindex"):
        problem = problem or f"not a sitemap (root element {etree.QName(root).localname!r})"
    return ParsedSitemap(items, children, problem)
