"""Training and evaluating stance models: cross-validated reports, and the default model.

    python -m discourse.stance.train      # rebuilds pipelines/models/stance from the seed labels

The default model is trained on the ``train`` split of ``corpora/labels/stance.jsonl``; the
``test`` split is never read for training or tuning (``benchmarks/stance.py`` scores it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold

from discourse import pipelines
from discourse.engines import Engine, open_engine
from discourse.errors import DiscourseError, InputError
from discourse.modelio import load_model, read_metadata, save_model, sha256
from discourse.stance.labels import Label, data_hash, read_labels
from discourse.stance.model import LABELS, StanceClassifier, parse_views

ROOT = Path(__file__).resolve().parent.parent.parent
LABELS_PATH = ROOT / "corpora" / "labels" / "stance.jsonl"
FORMAT_VERSION = 1
ALLOWED_TYPES = frozenset({"discourse.stance.model.StanceClassifier"})
CV_FOLDS = 5


def default_model_dir() -> Path:
    """The bundled stance model folder."""
    return pipelines.path("models", "stance")


def load_stance_model(folder: str | Path | None = None) -> StanceClassifier:
    return load_model(
        folder or default_model_dir(),
        cls=StanceClassifier,
        allowed_types=ALLOWED_TYPES,
        format_version=FORMAT_VERSION,
        what="stance model",
        retrain="Train one with `discourse train --labels FILE`.",
    )


def model_version(folder: str | Path | None = None) -> str:
    """``stance-`` + the first 12 hex digits of the model file's sha256."""
    meta = read_metadata(folder or default_model_dir())
    return "stance-" + str(meta.get("model_sha256", ""))[:12]


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

    model: StanceClassifier
    rows: list[tuple]
    y: np.ndarray

    def __call__(self, split: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, list, list]:
        train_idx, test_idx = split
        # The folds themselves run in parallel: each fits in one process.
        m = clone(self.model).set_params(n_jobs=None)
        m.fit([self.rows[i] for i in train_idx], self.y[train_idx])
        held = [self.rows[i] for i in test_idx]
        return test_idx, list(m.predict(held)), [lb for lb, _, _ in m.predict_stance(held)]


def cross_validate(
    model: StanceClassifier,
    rows: list[tuple],
    y: np.ndarray,
    *,
    by_target: bool = False,
    engine: Engine | None = None,
) -> tuple[dict, np.ndarray]:
    """Cross-validated predictions and :func:`scores`; ``by_target`` holds out whole targets
    (GroupKFold), which measures stance toward new targets. Each fold is one task of
    ``engine`` (default: in this process); the figures do not depend on where they ran."""
    targets = np.array([r[1] for r in rows], dtype=object)
    pred = np.empty(len(rows), dtype=object)
    tagged = np.empty(len(rows), dtype=object)
    if by_target:
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
    with contextlib.ExitStack() as stack:
        if engine is None:
            engine = stack.enter_context(open_engine("local"))
        for test_idx, fold_pred, fold_tagged in engine.map(FitFold(model, rows, y), splits):
            pred[test_idx] = fold_pred
            tagged[test_idx] = fold_tagged
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
    params: dict | None = None,
    cv: bool = True,
    cv_by_target: bool = False,
    sources: list[str] | None = None,
    engine: Engine | None = None,
) -> dict:
    """Fit a model on ``labels``, cross-validate it, save it to ``out``; return the metadata.
    With an ``engine`` of worker processes, the cross-validation folds run as its tasks and
    the calibration folds of the final fit on its workers; the saved model is the same."""
    if not labels:
        raise InputError("no labels to train on.")
    counts = Counter(lb.label for lb in labels)
    if len(counts) < 2:
        raise InputError(f"all labels are {next(iter(counts))!r}: need at least two stances.")
    start = time.monotonic()
    rows, y = rows_of(labels)
    model = StanceClassifier(**(params or {}))
    report = None
    if cv:
        report, _ = cross_validate(model, rows, y, by_target=cv_by_target, engine=engine)
    if engine is not None and not engine.in_process:
        # joblib (the calibration folds' n_jobs) runs on the engine's workers
        with engine.joblib_backend():
            model.set_params(n_jobs=engine.workers).fit(rows, y)
    else:
        model.fit(rows, y)
    model.set_params(n_jobs=None)  # how it was fitted is not part of the model
    seconds = time.monotonic() - start
    targets = sorted({lb.target for lb in labels})
    per_target: dict = {}
    for lb in labels:
        per_target.setdefault(lb.target, Counter())[lb.label] += 1
    meta = {
        "kind": "stance",
        "params": model.get_params(),
        "targets": targets,
        "label_counts": {t: dict(c) for t, c in sorted(per_target.items())},
        "n_labels": len(labels),
        "training_data_sha256": data_hash(labels),
        "training_sources": sources or [],
        "cross_validation": report,
        "cross_validation_by_target": cv_by_target,
        "train_seconds": round(seconds, 2),
    }
    save_model(model, out, meta, format_version=FORMAT_VERSION)
    meta = read_metadata(out)
    meta["version"] = "stance-" + sha256(Path(out) / "model.skops")[:12]
    return meta


def evaluate(model: StanceClassifier, labels: list[Label]) -> dict:
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
    ap.add_argument("--labels", default=str(LABELS_PATH))
    ap.add_argument("--out", default=str(default_model_dir()))
    args = ap.parse_args(argv)
    try:
        labels = read_labels([args.labels], split="train")
        meta = train(labels, args.out, sources=[f"{Path(args.labels).name} (split=train)"])
    except DiscourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(meta["cross_validation"], f"cross-validated ({CV_FOLDS} folds):"))
    print(json.dumps({k: meta[k] for k in ("version", "n_labels", "train_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
