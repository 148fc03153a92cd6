"""Querying the corpus: full text (FTS5 syntax) with filters, facets, keyword in context."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

from discourse import pipelines
from discourse.datafiles import read_toml
from discourse.errors import InputError
from discourse.store.queries import FACETS, Filters, name_parts
from discourse.vocabulary import CLAIM_TYPES, STANCES


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


_OPERATORS = {"AND", "OR", "NOT", "NEAR"}
_TERM = re.compile(r'"([^"]*)"|(\w+(?:-\w+)*\*?)|([()])')


def query_terms(text: str | None) -> list[list[str]]:
    """The terms of a full-text query that a match contains, each a list of tokens: a "quoted
    phrase" or a hyphenated word is one term of several tokens; operators and what follows
    NOT (a term or a parenthesised group) are left out; a token ending in * is a prefix."""
    terms: list[list[str]] = []
    negated_depth = None  # paren depth at which a NOT began, while skipping its operand
    depth = 0
    for m in _TERM.finditer(text or ""):
        phrase, word, paren = m.groups()
        if paren:
            depth += 1 if paren == "(" else -1
            if negated_depth is not None and depth <= negated_depth:
                negated_depth = None  # the NOT's group has closed
            continue
        if word and word.upper() in _OPERATORS:
            if word.upper() == "NOT":
                negated_depth = depth
            continue
        if negated_depth is not None:
            if depth == negated_depth:
                negated_depth = None  # a single term after NOT: skipped
            continue
        if phrase is not None:
            tokens = re.findall(r"\w+\*?", phrase)
        else:
            tokens = re.findall(r"\w+", word)
            if word.endswith("*"):
                tokens[-1] += "*"
        if tokens:
            terms.append(tokens)
    return terms


def kwic_pattern(texts: list[str], text: str | None) -> re.Pattern | None:
    """A regex finding what the full-text query matched in ``texts``: for each term, the words
    the index's own stemmer matches (not every word that starts with the term); None if the
    query has no words."""
    from discourse.store.queries import matching_words

    terms = query_terms(text)
    if not terms:
        return None
    vocabulary = {w for t in texts for w in re.findall(r"\w+", t)}
    alternatives = []
    for tokens in matching_words(vocabulary, terms):
        if not all(tokens):
            continue  # a token that matches nothing here: the term cannot be in these texts
        parts = [
            "(?:" + "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True)) + ")"
            for ws in tokens
        ]
        alternatives.append(r"[\W_]+".join(parts))
    if not alternatives:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def kwic(hits: list[Hit], text: str | None, *, window: int = 40, sort: str = "date") -> list[str]:
    """Keyword-in-context lines, keyword aligned; ``sort`` by date, left or right context.
    The keyword is what the search matched (same stemming); spacing around it is the text's
    own, so punctuation stays attached."""
    if window < 1:
        raise InputError(f"--window {window}: give the characters of context, at least 1.")
    pattern = kwic_pattern([h.text for h in hits], text)
    if pattern is None:
        raise InputError("--format kwic needs a query with at least one word.")
    rows = []
    for h in hits:
        for m in pattern.finditer(h.text):
            before, after = h.text[: m.start()], h.text[m.end() :]
            left = " ".join(before.split())[-window:]
            right = " ".join(after.split())[:window]
            if left and before[-1:].isspace():
                left += " "
            if right and after[:1].isspace():
                right = " " + right[: window - 1]
            rows.append((left, m.group(0), right, h))
    if sort == "left":
        rows.sort(key=lambda r: r[0].rstrip()[::-1].lower())
    elif sort == "right":
        rows.sort(key=lambda r: r[2].lstrip().lower())
    return [
        f"{left:>{window + 1}}[{kw}]{right:<{window}}  {(h.published or '')[:10]} {h.source or ''}"
        for left, kw, right, h in rows
    ]


def current_tags(corpus, hits: list[Hit]) -> dict[int, list[dict]] | None:
    """The current stance tags of the claims among ``hits``, or None when there is nothing to
    add (documents, hits that already carry their tag, or a corpus without tags)."""
    claims = [h.claim_id for h in hits if h.claim_id is not None and h.target is None]
    if not claims or not corpus.queries.has_stance_tags():
        return None
    return corpus.queries.current_tags(claims)


def format_hits(hits: list[Hit], tags: dict[int, list[dict]] | None = None) -> list[str]:
    """The table `discourse query` prints: date, source, claim type and holder, and with
    ``tags`` (claim id -> current stance tags) each claim's target and stance."""
    if not hits:
        return ["no results"]
    lines = []
    for h in hits:
        head = f"{(h.published or '')[:10]}  {h.source or '-'}"
        if h.claim_id is not None:
            head += f" [{h.claim_type}; {h.holder}]"
            if h.target is not None:
                shown = [{"target": h.target, "stance": h.stance, "score": h.stance_score}]
            else:
                shown = (tags or {}).get(h.claim_id, [])
            if tags is not None or h.target is not None:
                head += "  " + (
                    "; ".join(f"{t['target']}: {t['stance']} ({t['score']:.2f})" for t in shown)
                    or "no target"
                )
        lines += [head, f"    {' '.join(h.text.split())[:200]}", f"    {h.url}"]
    return lines
