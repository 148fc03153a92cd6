"""Sentence label sets in the engagement-real format: one JSON object per sentence with every
field of ``corpora/labels/CLAIMS.md`` and ``STANCE.md`` for every target.

``{"id", "split", "url", "page_title", "date", "text", "context", "is_claim", "claim_type",
"holder", "hedged", "negated", "stances": {target: favor|against|neutral|none}, "alt": {...}}``

The real sentences (``../shared/benchmarks/engagement-real/sentences.jsonl``) are read in place
and never copied into the project; the project keeps label files that refer to them by ``id``
(``corpora/labels/engagement-real/``: the second annotation of the test split and its
adjudication), laid over the records with :func:`with_labels`.
"""

from __future__ import annotations

import os
from pathlib import Path

from discourse.datafiles import read_jsonl
from discourse.errors import InputError

STANCE_VALUES = ("favor", "against", "neutral", "none")
REQUIRED = ("id", "text", "is_claim", "stances")
LABEL_FIELDS = ("is_claim", "claim_type", "holder", "hedged", "negated", "stances", "alt")
# Where the checkout expects the shared benchmark data (beside the project folder); the
# environment variable DISCOURSE_REAL_SENTENCES points elsewhere.
_SHARED = Path("..") / "shared" / "benchmarks" / "engagement-real" / "sentences.jsonl"


def real_sentences_path(root: str | Path | None = None) -> Path:
    """The engagement-real sentences file: ``$DISCOURSE_REAL_SENTENCES``, else
    ``../shared/benchmarks/engagement-real/sentences.jsonl`` from ``root`` (default: the
    working directory)."""
    env = os.environ.get("DISCOURSE_REAL_SENTENCES")
    if env:
        return Path(env)
    return (Path(root) if root else Path.cwd()) / _SHARED


def read_records(path: str | Path) -> list[dict]:
    """The records of an engagement-real style file, checked; a bad line names the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path}: no such sentence label file (the engagement-real data is read in place "
            "from ../shared/benchmarks/engagement-real/; set DISCOURSE_REAL_SENTENCES to "
            "point elsewhere)."
        )
    out = []
    for n, row in read_jsonl(path):
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise InputError(f"{path}, line {n}: missing {', '.join(missing)}.")
        stances = row["stances"]
        if not isinstance(stances, dict) or any(v not in STANCE_VALUES for v in stances.values()):
            raise InputError(f"{path}, line {n}: stances must map targets to {STANCE_VALUES}.")
        row.setdefault("context", "")
        row.setdefault("alt", {})
        row["title"] = row.get("page_title") or ""
        out.append(row)
    return out


def with_labels(records: list[dict], path: str | Path) -> list[dict]:
    """The records with the label fields of ``path`` (id + labels, e.g. the adjudicated test
    split) laid over them; ids not in ``path`` are unchanged."""
    over = {}
    for n, row in read_jsonl(path):
        if "id" not in row:
            raise InputError(f"{path}, line {n}: missing id.")
        over[row["id"]] = row
    unknown = sorted(set(over) - {r["id"] for r in records})
    if unknown:
        raise InputError(f"{path}: ids not in the sentence file: {', '.join(unknown[:5])}.")
    out = []
    for r in records:
        o = over.get(r["id"])
        out.append({**r, **{k: o[k] for k in LABEL_FIELDS if k in o}} if o else r)
    return out


def targets_of(records: list[dict]) -> list[str]:
    """The targets labelled in every record, in first-seen order."""
    seen: dict[str, None] = {}
    for r in records:
        for t in r["stances"]:
            seen.setdefault(t, None)
    return [t for t in seen if all(t in r["stances"] for r in records)]


# A context ending without these is a line of its own on the page (a headline, a heading, a
# caption): the data card says ``context`` is "the sentence or line before".
_SENTENCE_END = tuple(".!?:;\"'”’)…")


def record_document(record: dict) -> tuple[str, int]:
    """(document text, offset of ``text`` in it) for a record read as its page would be:
    ``context`` and ``text`` in one paragraph, or on two lines when the context is a line of
    its own, so a headline is not parsed as the start of the sentence after it."""
    ctx = (record.get("context") or "").rstrip()
    if not ctx:
        return record["text"], 0
    sep = " " if ctx.endswith(_SENTENCE_END) else "\n"
    return ctx + sep + record["text"], len(ctx) + 1
