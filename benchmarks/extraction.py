"""Main-text extraction benchmark: discourse against trafilatura (fast and default mode) and
readability-lxml, on two kinds of evaluation set, scored and timed side by side.

1. The ScrapingHub article-extraction benchmark (181 pages), read in place from
   ``../shared/benchmarks/article-extraction/`` relative to the project root; never
   copied into the repository. Skipped with a message when it is absent.
   Metric (as in ../shared/benchmarks/README.md and the upstream evaluate.py):
   ``\\w+`` tokens, 4-token shingles counted with repeats, per-page tp/fp/fn
   normalised by their sum, P and R averaged over pages, F1 = 2PR/(P+R) of the means,
   accuracy = share of pages whose token lists are identical.
2. Any directory of HTML pages with a snippet file in the shape of trafilatura's own
   evaluation set (tests/evaldata.json there, about 1,000 pages):
   ``{key: {"file": "name.html", "with": [...], "without": [...]}}``, where the key is
   the page's URL (or any name) and "file" names a page in the directory. Metric (as
   trafilatura's tests/eval_common.py): whitespace-normalised substring matching;
   a "with" snippet found is a true positive, missed a false negative; a "without"
   snippet found is a false positive, absent a true negative; counts are summed over
   pages; precision, recall, accuracy and F1 from the sums.

discourse is timed as the crawler runs it: ``extract_html`` (main text, title, author,
date, language, canonical URL) with the page's URL. trafilatura runs as its own
evaluation runs it: ``extract(html, fast=True|False, include_comments=False,
include_tables=True, include_formatting=False)``, text only. Times are CPU seconds of
this process on one core, page by page with every extractor in turn; one-time
start-up work (imports, loading language models and stop lists) is done before.

    python -m benchmarks.extraction                  # ScrapingHub table and ratios
    python -m benchmarks.extraction --snippets DIR   # and the snippet set in DIR
    python -m benchmarks.extraction --check          # also fail if F1 < pinned floor
    python -m benchmarks.extraction --pin            # write the floor (F1 - 0.005)
"""

from __future__ import annotations

import argparse
import dataclasses
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
SNIPPET_FILE = "evaldata.json"  # trafilatura's name for it, looked for in the directory

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


# ---------------------------------------------------------------- shingle metric (ScrapingHub)


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


# ---------------------------------------------------------------- snippet metric (trafilatura's set)


def _norm(text: str) -> str:
    return " ".join(text.split())


def snippet_counts(item: dict, text: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page: its "with" snippets found in `text` are true
    positives, its "without" snippets found are false positives."""
    flat = _norm(text or "")
    tp = sum(_norm(w) in flat for w in item["with"])
    fp = sum(_norm(w) in flat for w in item["without"])
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def snippet_score(counts: Iterable[tuple[int, int, int, int]]) -> dict[str, float]:
    """Sums of per-page (tp, fp, fn, tn) -> f1, precision, recall, accuracy."""
    tp, fp, fn, tn = (sum(c) for c in zip(*counts)) if counts else (0, 0, 0, 0)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    total = tp + fp + fn + tn
    return {
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "precision": prec,
        "recall": rec,
        "accuracy": (tp + tn) / total if total else 0.0,
    }


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


def trafilatura_text(html: str, fast: bool = True) -> str:
    """trafilatura as its evaluation runs it (tests/eval_common.py: EXTRACT_OPTS)."""
    import trafilatura

    return (
        trafilatura.extract(
            html, fast=fast, include_comments=False, include_tables=True, include_formatting=False
        )
        or ""
    )


def discourse_text(html: str, url: str | None = None) -> str:
    """The whole document extraction the crawler runs; its text is what is scored."""
    from discourse.gather.extraction import extract_html

    return extract_html(html, url).text


EXTRACTORS: dict[str, Callable[[str, str | None], str]] = {
    "discourse": discourse_text,
    "trafilatura-fast": lambda html, url: trafilatura_text(html, fast=True),
    "trafilatura-default": lambda html, url: trafilatura_text(html, fast=False),
    "readability-lxml": lambda html, url: readability_text(html),
}
PEERS = ("trafilatura-fast", "trafilatura-default")  # the ratios are against these

# pages that wake every extractor's lazy parts untimed: py3langid's model, dateparser's
# locale tables (htmldate's extensive date search; a date in words it cannot parse
# itself), jusText's stop lists (trafilatura's default mode on a short page), and the
# imports. Each is a one-time cost of a process (about 2 CPU-s in all), not of a page.
_WARM_UP = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    "<div class='date'>Published on 5 Marzo 2021</div>"
    + "<p>This paragraph is long enough for every extractor to treat it as the text of "
    "an article, and it is only here to load the models before the clock starts.</p>"
    * 3
    + "</article></body></html>",
    "<html><body><div><p>A short page.</p><p>Another line.</p></div></body></html>",
)


# ---------------------------------------------------------------- data sets


@dataclasses.dataclass
class Page:
    id: str
    url: str | None
    html: str
    truth: str | dict  # ScrapingHub: the article text; snippet set: {"with", "without"}


def load(data: Path = DATA) -> list[Page]:
    """ScrapingHub pages, decompressed and decoded up front (outside the timing)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth):
        raw = gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes())
        pages.append(
            Page(
                pid,
                truth[pid].get("url"),
                raw.decode("utf-8", "replace"),
                truth[pid]["articleBody"],
            )
        )
    return pages


class SnippetSetError(ValueError):
    """The snippet directory or file is unusable; the message says which and why."""


def load_snippets(directory: Path, snippet_file: Path | None = None) -> list[Page]:
    """Pages of a snippet set: `directory` holds the HTML files (.html or .html.gz, any
    encoding, decoded as the crawler decodes them), `snippet_file` (default
    DIRECTORY/evaldata.json) maps each key to its "file", "with" and "without"."""
    from discourse.errors import InputError
    from discourse.gather.extraction import read_html_file

    path = snippet_file or directory / SNIPPET_FILE
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnippetSetError(f"{path}: no snippet file (give one with --snippet-file)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnippetSetError(f"{path}: not a readable JSON snippet file ({exc})") from None
    if not isinstance(spec, dict) or not spec:
        raise SnippetSetError(f"{path}: expected a non-empty object of pages")
    pages = []
    for key, item in spec.items():
        ok = isinstance(item, dict) and isinstance(item.get("file"), str)
        ok = ok and all(
            isinstance(item.get(k), list) and all(isinstance(x, str) for x in item[k])
            for k in ("with", "without")
        )
        if not ok:
            raise SnippetSetError(
                f'{path}: {key!r} needs a "file" and "with"/"without" lists of strings'
            )
        try:
            html = read_html_file(directory / item["file"])
        except InputError as exc:
            raise SnippetSetError(str(exc)) from None
        url = key if key.startswith(("http://", "https://")) else None
        pages.append(Page(key, url, html, {"with": item["with"], "without": item["without"]}))
    return pages


# ---------------------------------------------------------------- runner


def _one_core() -> set[int] | None:
    """Pin to one CPU so that the extractors share one core's caches and clock.
    Returns the previous affinity, to restore."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return before


def _timed_runs(pages: list[Page], names: list[str], repeats: int):
    """Per page, every extractor in turn (order rotated), `repeats` times; keep each
    extractor's least CPU time per page and its outputs of the first pass."""
    outputs: dict[str, list[str]] = {n: [""] * len(pages) for n in names}
    best: dict[str, list[float]] = {n: [float("inf")] * len(pages) for n in names}
    for name in names:
        for page in _WARM_UP:
            EXTRACTORS[name](page, None)
    for rep in range(max(1, repeats)):
        for i, page in enumerate(pages):
            k = (i + rep) % len(names)
            for name in names[k:] + names[:k]:
                fn = EXTRACTORS[name]
                t0 = time.process_time()
                out = fn(page.html, page.url)
                best[name][i] = min(best[name][i], time.process_time() - t0)
                if rep == 0:
                    outputs[name][i] = out
    return best, outputs


def _ratios(ex: dict) -> dict:
    """discourse against each peer: F1 ratio, and speed ratio = peer CPU-s / discourse CPU-s."""
    out = {}
    for peer in PEERS:
        if "discourse" in ex and peer in ex:
            out[peer] = {
                "f1": ex["discourse"]["f1"] / ex[peer]["f1"] if ex[peer]["f1"] else 0.0,
                "speed": ex[peer]["cpu_seconds"] / ex["discourse"]["cpu_seconds"],
            }
    return out


def _run(pages: list[Page], scorer, names, repeats: int) -> dict:
    names = list(names or EXTRACTORS)
    affinity = _one_core()
    try:
        best, outputs = _timed_runs(pages, names, repeats)
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
    res: dict = {"pages": len(pages), "extractors": {}}
    for name in names:
        m = scorer(pages, outputs[name])
        m["cpu_seconds"] = sum(best[name])
        m["pages_per_s"] = len(pages) / m["cpu_seconds"] if m["cpu_seconds"] else float("inf")
        res["extractors"][name] = m
    res["ratios"] = _ratios(res["extractors"])
    res["outputs"] = {n: {p.id: o for p, o in zip(pages, outputs[n])} for n in names}
    return res


def run(data: Path = DATA, repeats: int = 1, names: Iterable[str] | None = None) -> dict:
    """The ScrapingHub set: every extractor over the same decoded pages, on one core.

    Returns {"pages", "extractors": {name: metrics + cpu_seconds + pages_per_s},
    "ratios": {peer: {"f1", "speed"}}, "outputs": {name: {id: text}}}, or
    {"skipped": reason} if the data is absent."""
    if not (data / "ground-truth.json").is_file():
        return {"skipped": f"benchmark data not found at {data}"}
    return _run(
        load(data),
        lambda pages, out: score((p.truth, o) for p, o in zip(pages, out)),
        names,
        repeats,
    )


def run_snippets(
    directory: Path,
    snippet_file: Path | None = None,
    repeats: int = 1,
    names: Iterable[str] | None = None,
) -> dict:
    """A snippet set (see load_snippets), as `run` for the ScrapingHub set; also
    "snippets": the number of "with" and "without" snippets."""
    pages = load_snippets(directory, snippet_file)

    def scorer(pages, out):
        return snippet_score([snippet_counts(p.truth, o) for p, o in zip(pages, out)])

    res = _run(pages, scorer, names, repeats)
    res["snippets"] = sum(len(p.truth["with"]) + len(p.truth["without"]) for p in pages)
    return res


def format_table(res: dict) -> str:
    rows = [
        f"{'extractor':<20} {'F1':>6} {'prec':>6} {'recall':>6} {'acc':>6} "
        f"{'pages/s':>8} {'CPU-s':>7}"
    ]
    for name, m in res["extractors"].items():
        rows.append(
            f"{name:<20} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
            f"{m['accuracy']:6.3f} {m['pages_per_s']:8.1f} {m['cpu_seconds']:7.2f}"
        )
    for peer, r in res.get("ratios", {}).items():
        rows.append(f"discourse / {peer}: F1 x{r['f1']:.3f}, speed x{r['speed']:.2f} (CPU time)")
    return "\n".join(rows)


def _read_baselines() -> dict:
    return json.loads(BASELINES.read_text(encoding="utf-8")) if BASELINES.is_file() else {}


def pin(res: dict) -> dict:
    """Write the "extraction" entry of baselines.json, leaving other keys untouched."""
    m = res["extractors"]["discourse"]
    ratios = res.get("ratios", {})
    entry = {
        "f1_floor": round(m["f1"] - FLOOR_MARGIN, 4),
        "f1_measured": round(m["f1"], 4),
        "pages": res["pages"],
        "speed_ratio_vs_trafilatura_fast": round(ratios.get(PEERS[0], {}).get("speed", 0), 3),
        "speed_ratio_vs_trafilatura_default": round(ratios.get(PEERS[1], {}).get("speed", 0), 3),
        "note": "discourse.gather.extraction F1 on the ScrapingHub article-extraction "
        "benchmark; `python -m benchmarks.extraction --check` fails below f1_floor; "
        "speed ratios are peer CPU-s / discourse CPU-s from the same run",
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
        "--repeats", type=int, default=1, help="timing passes; the least CPU time per page is kept"
    )
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON too")
    ap.add_argument("--data", type=Path, default=DATA, help=f"data folder (default {DATA})")
    ap.add_argument(
        "--snippets",
        type=Path,
        metavar="DIR",
        help="also score a directory of HTML pages against a snippet file "
        f"(trafilatura's evaluation format; DIR/{SNIPPET_FILE} unless --snippet-file)",
    )
    ap.add_argument(
        "--snippet-file", type=Path, metavar="FILE", help="the snippet file for --snippets"
    )
    args = ap.parse_args(argv)

    snippets = None
    if args.snippets is not None:
        try:  # a bad snippet set is reported before the long ScrapingHub run
            load_snippets(args.snippets, args.snippet_file)
        except SnippetSetError as exc:
            print(f"extraction benchmark: {exc}", file=sys.stderr)
            return 2
    res = run(args.data, repeats=args.repeats)
    if "skipped" in res:
        print(f"ScrapingHub set skipped: {res['skipped']}")
    else:
        print(
            f"ScrapingHub article-extraction set, {res['pages']} pages, one core, CPU time, "
            f"least of {args.repeats} run(s) per page"
        )
        print(format_table(res))
    if args.snippets is not None:
        snippets = run_snippets(args.snippets, args.snippet_file, repeats=args.repeats)
        print(
            f"\nsnippet set {args.snippets}, {snippets['pages']} pages, "
            f"{snippets['snippets']} snippets, one core, CPU time"
        )
        print(format_table(snippets))
    if args.json:
        out = {"scrapinghub": {k: v for k, v in res.items() if k != "outputs"}}
        if snippets:
            out["snippets"] = {k: v for k, v in snippets.items() if k != "outputs"}
        print(json.dumps(out, indent=2))
    if "skipped" in res:
        return 0
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
