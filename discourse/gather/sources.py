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

from pathlib import Path
from typing import Any

import tomli_w

from discourse.datafiles import read_toml
from discourse.errors import InputError
from discourse.gather.urls import is_http
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
        if not is_http(url):
            raise InputError(f"{where}: {url!r} is not an http(s) URL.")
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
        homepage=raw.get("homepage"),
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
