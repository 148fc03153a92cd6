"""Main-text extraction benchmark: discourse.gather.maintext vs trafilatura vs readability-lxml.

Data: the ScrapingHub article-extraction benchmark (181 pages), read in place from
``../shared/benchmarks/article-extraction/`` relative to the project root; never
copied into the repository. Skips with a message (exit 0) when it is absent.

Metric (as in ../shared/benchmarks/README.md and the upstream evaluate.py):
``\\w+`` tokens, 4-token shingles counted with repeats, per-page tp/fp/fn
normalised by their sum, P and R averaged over pages, F1 = 2PR/(P+R) of the means,
accuracy = share of pages whose token lists are identical.

    python -m benchmarks.extraction            # table
    python -m benchmarks.extraction --check    # also fail if F1 < pinned floor
    python -m benchmarks.extraction --pin      # write the floor (F1 - 0.005)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "article-extraction"
BASELINES = ROOT / "benchmarks" / "baselines.json"
FLOOR_MARGIN = 0.005

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


# ---------------------------------------------------------------- metric


def tokenize(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    """n-token shingles with repeats; a text shorter than n gives one short shingle
    (as upstream), an empty text none."""
    toks = tokenize(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks)


def shingle_match(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Per-page (tp, fp, fn) over shingles, divided by their sum so every page weighs the same."""
    t, p = shingles(true, n), shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def score(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """pairs of (truth, prediction) -> f1, precision, recall, accuracy.

    Pages with no predicted shingles are left out of the precision mean and count
    0 recall (their tp = 0 and fn > 0)."""
    pairs = list(pairs)
    m = [shingle_match(t, p) for t, p in pairs]
    precs = [_precision(*x) for x in m if x[0] + x[1] > 0]
    recs = [_recall(*x) for x in m if x[0] + x[2] > 0]
    prec = statistics.mean(precs) if precs else 0.0
    rec = statistics.mean(recs) if recs else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    acc = statistics.mean(tokenize(t) == tokenize(p) for t, p in pairs) if pairs else 0.0
    return {"f1": f1, "precision": prec, "recall": rec, "accuracy": float(acc)}


# ---------------------------------------------------------------- extractors

_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "table",
    "section",
    "article",
    "figure",
    "figcaption",
    "header",
    "footer",
    "dd",
    "dt",
    "dl",
    "hr",
    "td",
    "th",
}


def readability_text(html: str) -> str:
    """readability-lxml 0.9 as its users run it: Document(html).summary(), then the
    text of that HTML via lxml text_content(), with a line break after each block."""
    import lxml.html
    from readability import Document

    summary = Document(html).summary()
    if not summary:
        return ""
    root = lxml.html.fromstring(summary)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
    lines = (" ".join(ln.split()) for ln in root.text_content().split("\n"))
    return "\n".join(ln for ln in lines if ln)


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, fast=True) or ""


def discourse_text(html: str, url: str | None = None) -> str:
    from discourse.gather.maintext import main_text

    return main_text(html, url)[0]


EXTRACTORS: dict[str, Callable[[str, str | None], str]] = {
    "discourse": discourse_text,
    "trafilatura": lambda html, url: trafilatura_text(html),
    "readability-lxml": lambda html, url: readability_text(html),
}


# ---------------------------------------------------------------- runner


def load(data: Path = DATA) -> list[tuple[str, str, str, str]]:
    """[(id, url, html, truth)], decompressed and decoded up front (outside the timing)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth):
        raw = gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes())
        pages.append(
            (
                pid,
                truth[pid].get("url"),
                raw.decode("utf-8", errors="replace"),
                truth[pid]["articleBody"],
            )
        )
    return pages


def _one_core() -> set[int] | None:
    """Pin to one CPU so pages/s are comparable and not helped by idle cores.
    Returns the previous affinity, to restore."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return before


def _timed_runs(pages: list, names: list[str], repeats: int):
    """Per page, every extractor in turn (order rotated), `repeats` times; keep each
    extractor's best time per page and its outputs of the first pass."""
    outputs: dict[str, list[str]] = {n: [""] * len(pages) for n in names}
    best: dict[str, list[float]] = {n: [float("inf")] * len(pages) for n in names}
    for rep in range(max(1, repeats)):
        for i, (_, url, html, _) in enumerate(pages):
            k = (i + rep) % len(names)
            for name in names[k:] + names[:k]:
                fn = EXTRACTORS[name]
                t0 = time.perf_counter()
                out = fn(html, url)
                best[name][i] = min(best[name][i], time.perf_counter() - t0)
                if rep == 0:
                    outputs[name][i] = out
    return best, outputs


def run(data: Path = DATA, repeats: int = 2, names: Iterable[str] | None = None) -> dict:
    """Run every extractor over the same decoded pages, on one core.

    Timing: each page is run by every extractor in turn (order rotated), `repeats`
    times; an extractor's time on a page is its best of those runs, its pages/s is
    pages / sum of those times. Interleaving page by page makes background load hit
    all extractors alike. Outputs (scored) are those of the first pass.

    Returns {"pages", "extractors": {name: metrics + pages_per_s}, "ratios",
    "outputs": {name: {id: text}}} or {"skipped": reason} if the data is absent."""
    if not (data / "ground-truth.json").is_file():
        return {"skipped": f"benchmark data not found at {data}"}
    pages = load(data)
    names = list(names or EXTRACTORS)
    affinity = _one_core()
    try:
        best, outputs = _timed_runs(pages, names, repeats)
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
    res: dict = {"pages": len(pages), "extractors": {}}
    for name in names:
        m = score((truth, pred) for (_, _, _, truth), pred in zip(pages, outputs[name]))
        m["seconds"] = sum(best[name])
        m["pages_per_s"] = len(pages) / m["seconds"]
        res["extractors"][name] = m
    ex = res["extractors"]
    if "discourse" in ex and "trafilatura" in ex:
        res["ratios"] = {
            "f1": ex["discourse"]["f1"] / ex["trafilatura"]["f1"],
            "pages_per_s": ex["discourse"]["pages_per_s"] / ex["trafilatura"]["pages_per_s"],
        }
    res["outputs"] = {n: dict(zip((p[0] for p in pages), outputs[n])) for n in names}
    return res


def format_table(res: dict) -> str:
    rows = [f"{'extractor':<18} {'F1':>6} {'prec':>6} {'recall':>6} {'acc':>6} {'pages/s':>8}"]
    for name, m in res["extractors"].items():
        rows.append(
            f"{name:<18} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
            f"{m['accuracy']:6.3f} {m['pages_per_s']:8.1f}"
        )
    if "ratios" in res:
        r = res["ratios"]
        rows.append(f"discourse / trafilatura: F1 x{r['f1']:.3f}, pages/s x{r['pages_per_s']:.2f}")
    return "\n".join(rows)


def _read_baselines() -> dict:
    return json.loads(BASELINES.read_text(encoding="utf-8")) if BASELINES.is_file() else {}


def pin(res: dict) -> dict:
    """Write the "extraction" entry of baselines.json, leaving other keys untouched."""
    m = res["extractors"]["discourse"]
    entry = {
        "f1_floor": round(m["f1"] - FLOOR_MARGIN, 4),
        "f1_measured": round(m["f1"], 4),
        "pages": res["pages"],
        "speed_ratio_vs_trafilatura": round(res.get("ratios", {}).get("pages_per_s", 0), 3),
        "note": "discourse.gather.maintext F1 on the article-extraction benchmark; "
        "`python -m benchmarks.extraction --check` fails below f1_floor",
    }
    data = _read_baselines()
    data["extraction"] = entry
    BASELINES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return entry


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.extraction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if discourse F1 is below the floor in benchmarks/baselines.json",
    )
    ap.add_argument(
        "--pin",
        action="store_true",
        help="write f1_floor = measured F1 - 0.005 to benchmarks/baselines.json",
    )
    ap.add_argument(
        "--repeats", type=int, default=2, help="timing passes; the best time per page is kept"
    )
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON too")
    ap.add_argument("--data", type=Path, default=DATA, help=f"data folder (default {DATA})")
    args = ap.parse_args(argv)

    res = run(args.data, repeats=args.repeats)
    if "skipped" in res:
        print(f"extraction benchmark skipped: {res['skipped']}")
        return 0
    print(
        f"article-extraction benchmark, {res['pages']} pages, one core, "
        f"best of {args.repeats} run(s) per page"
    )
    print(format_table(res))
    if args.json:
        print(json.dumps({k: v for k, v in res.items() if k != "outputs"}, indent=2))
    if args.pin:
        print(f"pinned: {pin(res)}")
    if args.check:
        floor = _read_baselines().get("extraction", {}).get("f1_floor")
        f1 = res["extractors"]["discourse"]["f1"]
        if floor is None:
            print("check: no extraction f1_floor in benchmarks/baselines.json", file=sys.stderr)
            return 2
        if f1 < floor:
            print(f"check FAILED: discourse F1 {f1:.4f} < floor {floor:.4f}", file=sys.stderr)
            return 1
        print(f"check ok: discourse F1 {f1:.4f} >= floor {floor:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
