"""The sources file (sources.toml): which feeds, sitemaps and page lists to follow.

[[source]]
name = "Riverside Voices"
kind = "feed"                      # feed | sitemap | pages
urls = ["https://example.org/feed.xml"]
homepage = "https://example.org/"
tags = ["blog"]
per_host_delay = 2.0               # politeness override for this source
select = ["article .entry-content"] # CSS rules (beautifulsoup4): keep only these parts
drop = [".share-buttons"]          #   and drop these first
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import tomli_w

from discourse.datafiles import read_toml
from discourse.errors import InputError
from discourse.gather.urls import BadURL, check_url, credentials, origin, shorten, strip_userinfo
from discourse.store.records import SourceSpec

KINDS = ("feed", "sitemap", "pages")
_KEYS = {"name", "kind", "urls", "homepage", "tags", "per_host_delay", "select", "drop"}
_CONFIG_KEYS = ("per_host_delay", "select", "drop")


def load_sources(path: str | Path) -> list[SourceSpec]:
    """Read and validate a sources file; errors name the file, the source and the key."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            f"{path}: no such sources file. Create it, add a source with "
            "`discourse sources add URL`, or give --sources PATH."
        )
    data = read_toml(path)
    unknown = set(data) - {"source"}
    if unknown:
        raise InputError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; use [[source]] tables."
        )
    specs, names = [], set()
    for i, raw in enumerate(data.get("source", []), 1):
        where = f"{path}: source #{i}"
        if not isinstance(raw, dict):
            raise InputError(f"{where}: must be a table.")
        specs.append(_spec(raw, where))
        if specs[-1].name in names:
            raise InputError(f"{where}: name {specs[-1].name!r} is used twice.")
        names.add(specs[-1].name)
    return specs


def _spec(raw: dict[str, Any], where: str) -> SourceSpec:
    for key in raw:
        if key not in _KEYS:
            raise InputError(
                f"{where}: unknown key {key!r}; known keys: {', '.join(sorted(_KEYS))}."
            )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: 'name' is missing or empty.")
    where = f"{where} ({name})"
    kind = raw.get("kind", "feed")
    if kind not in KINDS:
        raise InputError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}.")
    urls = raw.get("urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise InputError(f"{where}: 'urls' must be a non-empty list of URLs.")
    for url in urls:
        try:
            check_url(url)
        except BadURL as exc:
            raise InputError(
                f"{where}: URL {shorten(url)!r} cannot be fetched ({exc.reason}); fix it in "
                "the sources file."
            ) from None
    homepage = raw.get("homepage")
    if homepage is not None:
        if not isinstance(homepage, str):
            raise InputError(f"{where}: 'homepage' must be a URL.")
        try:
            check_url(homepage)
        except BadURL as exc:
            raise InputError(f"{where}: homepage {shorten(homepage)!r}: {exc.reason}.") from None
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError(f"{where}: 'tags' must be a list of strings.")
    delay = raw.get("per_host_delay")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0
    ):
        raise InputError(f"{where}: 'per_host_delay' must be a number of seconds >= 0.")
    for key in ("select", "drop"):
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: {key!r} must be a CSS selector or a list of them.")
        _check_selectors(value, where, key)
    config = {k: raw[k] for k in _CONFIG_KEYS if k in raw}
    return SourceSpec(
        name=name.strip(),
        kind=kind,
        urls=urls,
        homepage=homepage,
        tags=tags,
        config=config,
    )


def _check_selectors(selectors: list[str], where: str, key: str) -> None:
    import soupsieve

    for sel in selectors:
        try:
            soupsieve.compile(sel)
        except soupsieve.SelectorSyntaxError as exc:
            raise InputError(f"{where}: {key} selector {sel!r} is invalid ({exc}).") from None


def split_credentials(
    specs: list[SourceSpec],
) -> tuple[list[SourceSpec], dict[str, tuple[str, str]]]:
    """The specs with every URL stripped of ``user:password@``, and the credentials found,
    per origin. Credentials stay in the sources file and in memory for one crawl: the corpus
    is shared, served and published, so nothing in it may hold a password."""
    found: dict[str, tuple[str, str]] = {}
    clean = []
    for spec in specs:
        urls = []
        for url in spec.urls:
            creds = credentials(url)
            plain = strip_userinfo(url)
            if creds:
                found[origin(plain)] = creds
            urls.append(plain)
        homepage = strip_userinfo(spec.homepage) if spec.homepage else spec.homepage
        clean.append(dataclasses.replace(spec, urls=urls, homepage=homepage))
    return clean, found


def with_credentials(spec: SourceSpec, url_with_credentials: str) -> SourceSpec:
    """``spec`` with the credentials of ``url_with_credentials`` written back into its URLs on
    the same origin (what `sources add` writes to the sources file)."""
    creds = credentials(url_with_credentials)
    if not creds:
        return spec
    site = origin(strip_userinfo(url_with_credentials))
    userinfo = quote(creds[0], safe="") + ":" + quote(creds[1], safe="")

    def add(url: str) -> str:
        if origin(url) != site:
            return url
        parts = urlsplit(url)
        return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))

    return dataclasses.replace(
        spec,
        urls=[add(u) for u in spec.urls],
        homepage=add(spec.homepage) if spec.homepage else spec.homepage,
    )


def append_source(path: str | Path, spec: SourceSpec) -> None:
    """Add a source to the sources file (creating it), refusing a name already there."""
    path = Path(path)
    existing = load_sources(path) if path.exists() else []
    if any(s.name == spec.name for s in existing):
        raise InputError(f"{path}: a source named {spec.name!r} is already there.")
    entry: dict[str, Any] = {"name": spec.name, "kind": spec.kind, "urls": spec.urls}
    if spec.homepage:
        entry["homepage"] = spec.homepage
    if spec.tags:
        entry["tags"] = spec.tags
    entry.update(spec.config)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + tomli_w.dumps({"source": [entry]}))
