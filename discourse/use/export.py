"""Exports of claims or documents with every provenance column, streamed in chunks so memory
stays constant: CSV, JSON Lines or Parquet (readable by pandas and DuckDB)."""

from __future__ import annotations

import json
from pathlib import Path

from discourse.errors import InputError
from discourse.use.output import open_output, write_rows
from discourse.use.query import make_filters

FORMATS = ("csv", "jsonl", "parquet")

# Column types for Parquet (and the column order of every format).
CLAIM_SCHEMA = [
    ("claim_id", "int64"),
    ("text", "string"),
    ("start", "int64"),
    ("end", "int64"),
    ("claim_type", "string"),
    ("holder", "string"),
    ("holder_kind", "string"),
    ("hedged", "bool"),
    ("hedge_cue", "string"),
    ("negated", "bool"),
    ("negation_cue", "string"),
    ("practices", "string"),
    ("pipeline_version", "string"),
    ("document_id", "int64"),
    ("title", "string"),
    ("published", "string"),
    ("url", "string"),
    ("source", "string"),
    ("target", "string"),
    ("stance", "string"),
    ("stance_score", "float64"),
    ("stance_uncertain", "bool"),
    ("model_version", "string"),
]
DOCUMENT_SCHEMA = [
    ("document_id", "int64"),
    ("title", "string"),
    ("published", "string"),
    ("url", "string"),
    ("source", "string"),
    ("author", "string"),
    ("language", "string"),
    ("word_count", "int64"),
    ("text", "string"),
]
LABEL_SCHEMA = [
    ("label_id", "int64"),
    ("text", "string"),
    ("target", "string"),
    ("label", "string"),
    ("claim_id", "int64"),
    ("annotator", "string"),
    ("origin", "string"),
    ("created_at", "string"),
]
KINDS = ("claims", "documents", "labels")


def export(
    corpus,
    what: str,
    fmt: str,
    out: str | Path,
    text: str | None = None,
    *,
    force: bool = False,
    **filters,
) -> int:
    """Write every matching claim, document or label to ``out`` (``-``: standard output;
    an existing file only with ``force``); return the number of rows.
    Labels export as JSON Lines that ``discourse train --labels`` reads back."""
    if what not in KINDS:
        raise InputError(f"cannot export {what!r}: use {', '.join(KINDS)}.")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}.")
    if what == "labels":
        schema = LABEL_SCHEMA
        rows = ({"label_id": r["id"], **r} for r in corpus.stance.labels(filters.get("target")))
    else:
        f = make_filters(corpus, text, documents=what == "documents", **filters)
        f.with_stance = what == "claims"  # one row per claim and current stance tag
        schema = DOCUMENT_SCHEMA if what == "documents" else CLAIM_SCHEMA
        rows = corpus.queries.iter_rows(f)
    return write_rows(rows, fmt, out, schema, force=force)


def export_summary(corpus, fmt: str, out: str | Path, *, force: bool = False, **kw) -> int:
    """Compute a stance summary and write it (csv, jsonl or parquet)."""
    from discourse.use.summary import summary

    return write_summary(summary(corpus, **kw), fmt, out, force=force)


SUMMARY_FORMATS = ("table", "csv", "json", "jsonl", "parquet")


def write_summary(result, fmt: str, out: str | Path, *, force: bool = False) -> int:
    """Write a :class:`~discourse.use.summary.Summary` to ``out`` (``-``: standard output):
    ``table`` as `discourse summary` prints it, ``json`` one object with the model version,
    notes and rows, ``csv``/``jsonl``/``parquet`` one record per row. The row count."""
    from discourse.use.summary import format_table

    if fmt not in SUMMARY_FORMATS:
        raise InputError(f"unknown format {fmt!r}: use {', '.join(SUMMARY_FORMATS)}.")
    if fmt in ("table", "json"):
        if fmt == "table":
            body = format_table(result)
        else:
            body = json.dumps(
                {"model_version": result.model_version, "notes": result.notes, "rows": result.rows},
                ensure_ascii=False,
            )
        with open_output(out, force=force) as fh:
            fh.write(body + "\n")
        return len(result.rows)
    names = result.columns()
    ints = {"claims", "documents", "favor", "against", "neutral", "claims_mentioning"}
    ints |= {"documents_mentioning", "documents_in_period"}
    floats = ("share", "adjusted", "attention")
    schema = [
        (
            n,
            "bool"
            if n == "small"
            else "int64"
            if n in ints
            else "float64"
            if n.startswith(floats)
            else "string",
        )
        for n in names
    ]
    return write_rows(iter(result.rows), fmt, out, schema, force=force)
