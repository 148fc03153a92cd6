"""Querying the corpus: full text (FTS5 syntax) with filters, facets, keyword in context.
The query language and its filters are the store's (:mod:`discourse.store.search`, re-exported
here); this module adds what `discourse query` shows: kwic lines, the table, current tags."""

from __future__ import annotations

import dataclasses
import re

from discourse.errors import InputError
from discourse.store.search import (
    Hit,
    Hits,
    facets,
    fts_query,
    honorifics,
    make_filters,
    parse_date,
    query,
)

__all__ = [
    "HIT_SCHEMA",
    "Hit",
    "Hits",
    "current_tags",
    "facets",
    "format_hits",
    "fts_query",
    "honorifics",
    "kwic",
    "kwic_pattern",
    "make_filters",
    "parse_date",
    "query",
    "query_terms",
]


# `discourse query --format csv|jsonl`: one column per Hit field, in its order (types for Parquet)
_HIT_TYPES = {
    "document_id": "int64",
    "claim_id": "int64",
    "start": "int64",
    "end": "int64",
    "hedged": "bool",
    "negated": "bool",
    "stance_score": "float64",
}
HIT_SCHEMA = [(f.name, _HIT_TYPES.get(f.name, "string")) for f in dataclasses.fields(Hit)]

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
