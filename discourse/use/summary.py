"""Stance summaries: counts of favor / against / neutral claims per target and group, shares
with Wilson 95% intervals, shares corrected for classifier error, documents per group.

The correction is adjusted classify-and-count (Forman 2008; Hopkins & King 2010 showed plain
classify-and-count is biased): with M[j, i] = P(tagged j | truly i), estimated from the
model's cross-validated tags on its training labels, the observed tag shares q satisfy
q = M p, so p is solved for by least squares, clipped to [0, 1] and renormalised.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from discourse.errors import InputError
from discourse.store.queries import GROUPS, TIME_GROUPS
from discourse.use.query import make_filters
from discourse.vocabulary import STANCES

MIN_CLAIMS = 30
ATTENTION_COLUMNS = [
    "claims_mentioning",
    "documents_mentioning",
    "documents_in_period",
    "attention",
]
Z95 = 1.959963984540054

NOTES = [
    "share_*: raw share of the group's tagged claims (classify and count), with Wilson 95% "
    "intervals (*_low, *_high).",
    "adjusted_*: shares corrected for the model's errors (adjusted classify-and-count, using "
    "its confusion on the real test sentences of engagement-real when the model was measured "
    "there, else its cross-validated confusion on its training labels); blank when the model "
    "has no rates for the target. adjusted_*_low and *_high: a 95% bootstrap interval that "
    "carries the uncertainty of the error rates (each rests on a few dozen measured "
    "sentences) as well as of the counts; wide intervals mean the correction says little.",
    f"small = true: fewer than {MIN_CLAIMS} tagged claims in the group; read its shares "
    "with care (the intervals say how much). The table and the report show its adjusted "
    "shares as — (too few claims to correct); csv, json and parquet keep them.",
    "holder: 'author' is the writer's own claims, 'quoted' claims attributed to someone else.",
    "By week, month, quarter or year also: claims_mentioning and documents_mentioning (claims "
    "that mention the target, tagged or not, and their documents), documents_in_period (every "
    "annotated document of the period, whatever its holder) and attention (the share of them "
    "that mention the target).",
]


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def correction_rates(metadata: dict) -> dict:
    """{target: confusion} for adjusted shares: measured on real text (the adjudicated
    engagement-real test split, ``real_test.tag_confusion``) where the model was, else
    cross-validated on its own training labels."""
    real = (metadata.get("real_test") or {}).get("tag_confusion") or {}
    cv = (metadata.get("cross_validation") or {}).get("tag_confusion") or {}
    return {**cv, **real}


def _corrected(M: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Adjusted classify-and-count for a batch: true shares ``p`` with ``M[b] @ p[b] = q[b]``
    (``M[b, tagged, true]`` = P(tagged | true)), clipped to [0, 1] and renormalised; a row of
    NaN where ``M[b]`` cannot be inverted or nothing is left after clipping."""
    out = np.full(q.shape, np.nan)
    ok = np.linalg.cond(M) <= 1e6
    if ok.any():
        p = np.clip(np.linalg.solve(M[ok], q[ok][:, :, None])[:, :, 0], 0, 1)
        sums = p.sum(1, keepdims=True)
        out[ok] = np.where(sums > 0, p / np.where(sums > 0, sums, 1), np.nan)
    return out


def _shares(counts: dict[str, int]) -> tuple[int, np.ndarray]:
    n = sum(counts.values())
    return n, np.array([counts.get(lb, 0) / n for lb in STANCES]) if n else np.zeros(3)


def adjusted_shares(counts: dict[str, int], confusion) -> dict[str, float] | None:
    """Adjusted classify-and-count. ``confusion``: rows = true, columns = tagged, in
    STANCES order. None if the rates cannot be inverted."""
    n, q = _shares(counts)
    if not n or confusion is None:
        return None
    c = np.asarray(confusion, dtype=float)
    totals = c.sum(1, keepdims=True)
    if (totals == 0).any():
        return None
    p = _corrected((c / totals).T[None], q[None])[0]
    if np.isnan(p).any():
        return None
    return {lb: float(v) for lb, v in zip(STANCES, p)}


ADJUSTED_DRAWS = 500


def adjusted_intervals(
    counts: dict[str, int], confusion, draws: int = ADJUSTED_DRAWS, seed: int = 0
) -> dict[str, tuple[float, float]] | None:
    """95% intervals of :func:`adjusted_shares` that carry the uncertainty of both the
    group's counts and the error rates, which rest on few measured pairs per true label: a
    parametric bootstrap that redraws each row of ``confusion`` (multinomial, its own total)
    and the group's tagged counts, and corrects each draw. None where the shares cannot be
    adjusted, or where fewer than half the draws can be (the rates are too thin to invert)."""
    if adjusted_shares(counts, confusion) is None:
        return None
    n, q = _shares(counts)
    rng = np.random.default_rng(seed)
    c = np.asarray(confusion, dtype=float)
    totals = c.sum(1)
    rows = np.stack(
        [rng.multinomial(int(t), c[i] / t, size=draws) for i, t in enumerate(totals)], axis=1
    )  # (draws, true, tagged)
    M = np.transpose(rows / totals[None, :, None], (0, 2, 1))  # M[b, tagged, true]
    p = _corrected(M, rng.multinomial(n, q, size=draws) / n)
    p = p[~np.isnan(p).any(1)]
    if len(p) < draws / 2:
        return None
    lo, hi = np.percentile(p, [2.5, 97.5], axis=0)
    return {lb: (float(a), float(b)) for lb, a, b in zip(STANCES, lo, hi)}


def require_tags(corpus) -> dict:
    """The current stance model of a corpus that has documents and stance tags; otherwise
    an InputError saying which is missing and what to run."""
    if corpus.documents.count() == 0:
        raise InputError(f"{corpus.path}: the corpus is empty. Crawl or import documents first.")
    current = corpus.stance.current_model()
    if current is None or not corpus.queries.has_stance_tags():
        raise InputError(
            f"{corpus.path}: has no stance tags yet. Run `discourse annotate` and "
            "`discourse tag` first."
        )
    return current


@dataclasses.dataclass
class Summary:
    rows: list[dict]
    by: list[str]
    model_version: str
    notes: list[str]

    @property
    def over_time(self) -> bool:
        return any(g in TIME_GROUPS for g in self.by)

    def columns(self) -> list[str]:
        cols = ["target", *self.by, "claims", "documents"]
        if self.over_time:
            cols += ATTENTION_COLUMNS
        cols += STANCES
        for lb in STANCES:
            cols += [f"share_{lb}", f"share_{lb}_low", f"share_{lb}_high"]
        for lb in STANCES:
            cols += [f"adjusted_{lb}", f"adjusted_{lb}_low", f"adjusted_{lb}_high"]
        return [*cols, "small", "model_version"]


def summary(
    corpus,
    *,
    target: str | None = None,
    by: list[str] | None = None,
    min_claims: int = MIN_CLAIMS,
    **filters,
) -> Summary:
    """Stance counts and shares per target and group (see the module docstring)."""
    by = list(by or [])
    for name in by:
        if name not in GROUPS:
            raise InputError(f"--by {name!r}: unknown field; use {', '.join(GROUPS)}.")
    if len(set(by)) != len(by):
        raise InputError(f"--by {','.join(by)}: a field is named twice.")
    current = require_tags(corpus)
    f = make_filters(corpus, None, target=target, **filters)
    rows = corpus.queries.stance_counts(f, by)
    rates = correction_rates(current["metadata"])
    groups: dict[tuple, dict] = {}
    for r in rows:
        key = (r["target"], *(r[g] for g in by))
        g = groups.setdefault(key, {"counts": {}, "documents": 0})
        g["counts"][r["label"]] = r["n"]
    for key, docs in corpus.queries.stance_documents(f, by):
        if key in groups:
            groups[key]["documents"] = docs
    out = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        counts, n = groups[key]["counts"], sum(groups[key]["counts"].values())
        row = {"target": key[0], **{g: key[1 + i] for i, g in enumerate(by)}}
        row["claims"] = n
        row["documents"] = groups[key]["documents"]
        for lb in STANCES:
            row[lb] = counts.get(lb, 0)
        for lb in STANCES:
            lo, hi = wilson(row[lb], n)
            row[f"share_{lb}"] = row[lb] / n if n else None
            row[f"share_{lb}_low"], row[f"share_{lb}_high"] = lo, hi
        adj = adjusted_shares(counts, rates.get(key[0]))
        spread = adjusted_intervals(counts, rates.get(key[0])) if adj else None
        for lb in STANCES:
            row[f"adjusted_{lb}"] = adj[lb] if adj else None
            lo, hi = spread[lb] if spread else (None, None)
            row[f"adjusted_{lb}_low"], row[f"adjusted_{lb}_high"] = lo, hi
        row["small"] = n < min_claims
        row["model_version"] = current["version"]
        out.append(row)
    result = Summary(out, by, current["version"], NOTES)
    if result.over_time:
        _add_attention(corpus, f, result, target)
    return result


def _add_attention(corpus, f, result: Summary, target: str | None) -> None:
    """Beside stance, per row: the claims and documents that mention the target (tagged or
    not), the annotated documents of the period and the share that mention it."""
    by = result.by
    found = corpus.queries.mentions(f, by, target=target)
    mentions = {(r["target"], *(r[g] for g in by)): r for r in found}
    doc_by = [g for g in by if g != "holder"]
    totals = {
        tuple(r[g] for g in doc_by): r["documents"]
        for r in corpus.queries.annotated_documents(f, doc_by)
    }
    for row in result.rows:
        m = mentions.get((row["target"], *(row[g] for g in by)), {})
        total = totals.get(tuple(row[g] for g in doc_by), 0)
        row["claims_mentioning"] = m.get("claims", 0)
        row["documents_mentioning"] = m.get("documents", 0)
        row["documents_in_period"] = total
        row["attention"] = row["documents_mentioning"] / total if total else None


def _pct(v) -> str:
    return "  -  " if v is None else f"{100 * v:4.0f}%"


def _share_cell(row: dict | None, key: str) -> str:
    """ "share [low-high]" for a share column and its interval, 19 wide; "—" where the row
    has none (no rates to correct with, or too few claims)."""
    value = None if row is None else row.get(key)
    if value is None:
        return f"{'—':^19}"
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if low is None or high is None:
        return f"{_pct(value)} {'[ n/a ]':>13}"
    return f"{_pct(value)} [{_pct(low)}-{_pct(high)}]"


def format_table(s: Summary) -> str:
    keys = ["target", *s.by, "claims", "documents"]
    head = [*keys[:-1], "docs"]
    if s.over_time:
        keys += ["documents_mentioning", "documents_in_period", "attention"]
        head += ["mentions", "of docs", "attention"]
    cells = [
        [
            _pct(r.get(k)).strip()
            if k == "attention"
            else ("-" if r.get(k) is None or r.get(k) == "" else str(r.get(k)))
            for k in keys
        ]
        for r in s.rows
    ]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(head)]
    lines = []
    header = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    header += "  " + "  ".join(f"{lb:^19}" for lb in STANCES)
    header += "  " + "  ".join(f"{'adjusted ' + lb:^19}" for lb in STANCES)
    lines.append(header)
    for r, row_cells in zip(s.rows, cells):
        line = "  ".join(c.ljust(w) for c, w in zip(row_cells, widths))
        for lb in STANCES:
            line += "  " + _share_cell(r, f"share_{lb}")
        for lb in STANCES:
            line += "  " + _share_cell(None if r["small"] else r, f"adjusted_{lb}")
        if r["small"]:
            line += "  * small"
        lines.append(line)
    lines.append("")
    lines.append(
        f"model {s.model_version}; shares as % with [Wilson 95% interval], adjusted shares "
        "with [bootstrap 95% interval]."
    )
    lines += [f"- {n}" for n in s.notes]
    return "\n".join(lines)
