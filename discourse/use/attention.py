"""Attention over time, Media Cloud's core view: per target and week, month, quarter or year,
the documents and claims that mention the target, beside all the documents of the period.

A claim mentions a target when the claims pipeline found one of its practice phrases in it
(or a pronoun referring to one): the ``targets`` stored with each claim, tagged for stance or
not. A document mentions it when one of its claims does. The denominator is every original
document of the period that the claims pipeline read (skipped documents, such as non-English
ones, are left out). Every period from the first dated document to the last is listed: a
period without documents has ``documents_in_period`` 0 and no share (a gap, not a zero)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from discourse.errors import InputError
from discourse.stance.targets import target_registry
from discourse.store.queries import TIME_GROUPS
from discourse.use.query import make_filters

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Attention:
    rows: list[dict]  # target, period, start, documents, claims, documents_in_period, share
    by: str
    targets: dict[str, str]  # id -> name, in the order charted

    def columns(self) -> list[str]:
        return ["target", "period", "documents", "claims", "documents_in_period", "share"]


def period_start(label: str, by: str) -> dt.date:
    """The first day of a period label: 2010-07-05 (week of), 2010-07, 2010-Q3, 2010."""
    if by == "week":
        return dt.date.fromisoformat(label)
    if by == "month":
        return dt.date.fromisoformat(label + "-01")
    if by == "quarter":
        year, q = label.split("-Q")
        return dt.date(int(year), 3 * int(q) - 2, 1)
    if by == "year":
        return dt.date(int(label), 1, 1)
    raise InputError(f"--by {by!r}: use {', '.join(TIME_GROUPS)}.")


def next_period(start: dt.date, by: str) -> dt.date:
    """The first day of the period after the one starting on ``start``."""
    if by == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[by]
    total = start.year * 12 + start.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def period_label(start: dt.date, by: str) -> str:
    if by == "week":
        return start.isoformat()
    if by == "month":
        return start.strftime("%Y-%m")
    if by == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def periods(first: str, last: str, by: str) -> list[tuple[str, dt.date]]:
    """Every period from ``first`` to ``last`` (labels), with its first day."""
    start, end = period_start(first, by), period_start(last, by)
    out = []
    while start <= end:
        out.append((period_label(start, by), start))
        start = next_period(start, by)
    return out


def attention(corpus, *, by: str = "month", target: str | None = None, **filters) -> Attention:
    """Documents and claims mentioning each target (or ``target``) per period."""
    if by not in TIME_GROUPS:
        raise InputError(f"--by {by!r}: attention goes over time; use {', '.join(TIME_GROUPS)}.")
    registry = target_registry()
    if target is not None and target not in registry:
        raise InputError(f"unknown target {target!r}; targets: {', '.join(sorted(registry))}.")
    if corpus.documents.count() == 0:
        raise InputError(f"{corpus.path}: the corpus is empty. Crawl or import documents first.")
    f = make_filters(corpus, None, **filters)
    totals = {r[by]: r["documents"] for r in corpus.queries.annotated_documents(f, [by])}
    totals.pop(None, None)
    if not totals:
        raise InputError(
            f"{corpus.path}: no dated, annotated documents match. Run `discourse annotate` "
            "(or widen the filters)."
        )
    found = corpus.queries.mentions(f, [by], target=target)
    counts = {(r["target"], r[by]): r for r in found if r[by] is not None}
    ids = [target] if target else [t for t in registry if any(k[0] == t for k in counts)]
    ids += sorted({k[0] for k in counts} - set(ids) - set(registry))  # targets no longer defined
    rows = []
    span = periods(min(totals), max(totals), by)
    for tid in ids:
        for label, start in span:
            hit = counts.get((tid, label), {})
            docs = hit.get("documents", 0)
            total = totals.get(label, 0)
            rows.append(
                {
                    "target": tid,
                    "period": label,
                    "start": start,
                    "documents": docs,
                    "claims": hit.get("claims", 0),
                    "documents_in_period": total,
                    "share": docs / total if total else None,
                }
            )
    names = {tid: registry.get(tid, {}).get("name", tid) for tid in ids}
    return Attention(rows, by, names)


def format_table(a: Attention) -> str:
    """Attention as a plain-text table."""
    lines = [f"{'target':<22} {a.by:<10} {'docs':>6} {'claims':>7} {'of docs':>8} {'share':>6}"]
    for r in a.rows:
        share = "-" if r["share"] is None else f"{100 * r['share']:.0f}%"
        lines.append(
            f"{r['target'][:22]:<22} {r['period']:<10} {r['documents']:>6} {r['claims']:>7} "
            f"{r['documents_in_period']:>8} {share:>6}"
        )
    lines.append("")
    lines.append(
        "docs, claims: documents and claims mentioning the target; of docs: annotated documents "
        "of the period; share: docs / of docs (- where the period has no documents)."
    )
    return "\n".join(lines)
