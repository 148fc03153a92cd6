"""Exports of claims or documents with every provenance column, streamed in chunks so memory
stays constant: CSV, JSON Lines or Parquet (readable by pandas and DuckDB)."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from pathlib import Path

from discourse.errors import InputError
from discourse.use.query import make_filters

FORMATS = ("csv", "jsonl", "parquet")
CHUNK = 10_000

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


def export(corpus, what: str, fmt: str, out: str | Path, text: str | None = None, **filters) -> int:
    """Write every matching claim, document or label to ``out``; return the number of rows.
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
    return _write(rows, fmt, out, schema)


@contextlib.contextmanager
def partial_file(out: str | Path) -> Iterator[Path]:
    """Yield ``FILE.part`` to write; it becomes ``FILE`` only when the block succeeds, so a
    failed write never leaves a half file behind. An OSError names ``FILE``."""
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    try:
        yield tmp
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot be written ({exc.strerror}).") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write(rows, fmt: str, out: str | Path, schema) -> int:
    names = [n for n, _ in schema]
    with partial_file(out) as tmp:
        return {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet}[fmt](rows, tmp, names, schema)


def _csv(rows, path: Path, names, schema) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def _jsonl(rows, path: Path, names, schema) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: row.get(k) for k in names}, ensure_ascii=False) + "\n")
            n += 1
    return n


def _parquet(rows, path: Path, names, schema) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "int64": pa.int64(),
        "string": pa.string(),
        "bool": pa.bool_(),
        "float64": pa.float64(),
    }
    arrow = pa.schema([(name, types[typ]) for name, typ in schema])
    n = 0
    with pq.ParquetWriter(path, arrow) as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(
                {
                    k: (bool(row[k]) if t == "bool" and row.get(k) is not None else row.get(k))
                    for k, t in schema
                }
            )
            if len(batch) >= CHUNK:
                writer.write_table(pa.Table.from_pylist(batch, schema=arrow))
                n += len(batch)
                batch.clear()
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=arrow))
            n += len(batch)
    return n


def export_summary(corpus, fmt: str, out: str | Path, **kw) -> int:
    """Compute a stance summary and write it (csv, jsonl or parquet)."""
    from discourse.use.summary import summary

    return write_summary(summary(corpus, **kw), fmt, out)


def write_summary(result, fmt: str, out: str | Path) -> int:
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}.")
    names = result.columns()
    types = {"claims": "int64", "documents": "int64", "small": "bool"}
    for lb in ("favor", "against", "neutral"):
        types[lb] = "int64"
    schema = [
        (n, types.get(n, "float64" if "share" in n or "adjusted" in n else "string")) for n in names
    ]
    return _write(iter(result.rows), fmt, out, schema)
