"""Searching the corpus: the query language of `discourse query` (FTS5 syntax: phrases,
AND/OR/NOT, prefix*) with its filters, checked against the corpus, and the hits with their
provenance. The store owns it because every backend must read a query the same way
(``Corpus.query``); :mod:`discourse.use.query` adds the views (kwic, the table)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from typing import Any

from discourse import pipelines
from discourse.datafiles import read_toml
from discourse.errors import InputError
from discourse.store.queries import FACETS, Filters, name_parts
from discourse.vocabulary import CLAIM_TYPES, STANCES

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Hit:
    """One result with its provenance."""

    text: str
    document_id: int
    title: str | None
    source: str | None
    published: str | None
    url: str
    claim_id: int | None = None
    start: int | None = None
    end: int | None = None
    claim_type: str | None = None
    holder: str | None = None
    holder_kind: str | None = None
    hedged: bool | None = None
    negated: bool | None = None
    practices: list[str] = dataclasses.field(default_factory=list)
    pipeline_version: str | None = None
    target: str | None = None
    stance: str | None = None
    stance_score: float | None = None
    model_version: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> Hit:
        fields = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in row.items() if k in fields}
        if isinstance(data.get("practices"), str):
            data["practices"] = json.loads(data["practices"])
        for flag in ("hedged", "negated"):
            if data.get(flag) is not None:
                data[flag] = bool(data[flag])
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Hits(list):
    """A list of :class:`Hit` records, with ``to_pandas()`` for those who use pandas."""

    def to_pandas(self):
        """A pandas DataFrame, one row per hit (pandas is optional: not a dependency)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_pandas() needs pandas, which discourse does not install: pip install pandas"
            ) from None
        columns = [f.name for f in dataclasses.fields(Hit)]
        return pd.DataFrame([h.as_dict() for h in self], columns=columns)


def parse_date(value: str | None, *, end: bool = False, what: str = "--since") -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD as an inclusive ISO date bound; a clear error otherwise."""
    if value is None:
        return None
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            return f"{value}-12-31" if end else f"{value}-01-01"
        if re.fullmatch(r"\d{4}-\d{2}", value):
            first = dt.date.fromisoformat(value + "-01")
            if not end:
                return first.isoformat()
            nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return (nxt - dt.timedelta(days=1)).isoformat()
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise InputError(f"{what} {value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD.")


_HYPHENATED = re.compile(r"(?<![\w\"])(\w+(?:-\w+)+)(\*?)")


def fts_query(text: str) -> str:
    """FTS5 reads "co-production" as a column filter; quote hyphenated words (outside
    phrases) so they match as the phrase they are."""
    parts = text.split('"')
    for i in range(0, len(parts), 2):  # even parts are outside quotation marks
        parts[i] = _HYPHENATED.sub(r'"\1"\2', parts[i])
    return '"'.join(parts)


def honorifics() -> frozenset[str]:
    """Titles that --holder ignores in a name ("Cllr Okafor" finds "Councillor Janet Okafor"),
    lower case: the claims pipeline's own list in pipelines/claim_cues.toml."""
    cues = read_toml(pipelines.path("claim_cues.toml"))
    return frozenset(
        t.lower().rstrip(".") for t in cues.get("attribution", {}).get("honorifics", [])
    )


def make_filters(corpus, text: str | None = None, **kw) -> Filters:
    """Validate filters against the corpus (targets, stances, claim types, dates)."""
    text = fts_query(text) if text and text.strip() else None
    f = Filters(text=text, **{k: v for k, v in kw.items() if k not in ("since", "until")})
    if text:
        corpus.queries.check_text(text, documents=bool(kw.get("documents")))
    f.since = parse_date(kw.get("since"), what="--since")
    f.until = parse_date(kw.get("until"), end=True, what="--until")
    if f.since and f.until and f.since > f.until:
        raise InputError(f"--since {f.since} is after --until {f.until}.")
    if f.claim_type and f.claim_type not in CLAIM_TYPES:
        raise InputError(
            f"unknown claim type {f.claim_type!r}; use one of {', '.join(CLAIM_TYPES)}."
        )
    if f.holder and f.holder not in ("author", "quoted"):
        f.holder_parts = name_parts(f.holder, honorifics())
        if not f.holder_parts:
            raise InputError(f"--holder {f.holder!r}: give author, quoted, or a name.")
    if f.stance and f.stance not in STANCES:
        raise InputError(f"unknown stance {f.stance!r}; use one of {', '.join(STANCES)}.")
    if f.documents and any(
        v is not None for v in (f.claim_type, f.holder, f.hedged, f.target, f.stance, f.min_score)
    ):
        raise InputError(
            "claim filters (--claim-type, --holder, --hedged, --target, --stance, "
            "--min-score) do not apply with --documents."
        )
    if f.target or f.stance or f.min_score is not None:
        if not corpus.queries.has_stance_tags():
            raise InputError(
                f"{corpus.path}: has no stance tags yet, so --target/--stance/--min-score "
                "cannot match anything. Run `discourse tag` first."
            )
        known = corpus.queries.known_targets()
        if f.target and known and f.target not in known:
            raise InputError(f"unknown target {f.target!r}; targets: {', '.join(sorted(known))}.")
    return f


def query(
    corpus,
    text: str | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
    order: str = "date",
    **filters,
) -> Hits:
    f = make_filters(corpus, text, **filters)
    if corpus.documents.count() == 0:
        raise InputError(f"{corpus.path}: the corpus is empty. Crawl or import documents first.")
    return Hits(
        Hit.from_row(r) for r in corpus.queries.search(f, limit=limit, offset=offset, order=order)
    )


def facets(
    corpus, names: list[str], text: str | None = None, **filters
) -> dict[str, list[tuple[Any, int]]]:
    f = make_filters(corpus, text, **filters)
    for name in names:
        if name not in FACETS:
            raise InputError(f"unknown facet {name!r}; facets: {', '.join(FACETS)}.")
    return {name: corpus.queries.facet(f, name) for name in names}
