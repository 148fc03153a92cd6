"""Train the claim detector on the train split of the claim labels and save it.

    python -m discourse.claims.train [--labels corpora/labels/claims.jsonl] [--out DIR]

Cross-validation folds group sentences by document (a quotation and the sentence that names
its speaker never straddle folds), so the scores are not flattered by near-neighbours. The
test split is never read for training or tuning.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, cross_val_predict

from discourse.claims.detector import NONE, ClaimDetector, default_model_dir, save_detector
from discourse.datafiles import read_jsonl
from discourse.errors import DiscourseError, InputError

ROOT = Path(__file__).resolve().parent.parent.parent
LABELS_PATH = ROOT / "corpora" / "labels" / "claims.jsonl"
MAX_MODEL_BYTES = 2_000_000
CV_FOLDS = 5


def load_labels(path: str | Path = LABELS_PATH) -> list[dict]:
    """The records of a claims.jsonl file; a malformed line names the file and line."""
    rows = []
    for n, row in read_jsonl(path):
        try:
            row["text"], row["split"], row["is_claim"]  # noqa: B018  (required keys)
        except KeyError:
            raise InputError(f"{path}, line {n}: not a claim record (see CLAIMS.md).") from None
        rows.append(row)
    return rows


def label_of(row: dict) -> str:
    """The detector's label for a record: "none" or the claim type."""
    return row["claim_type"] if row["is_claim"] else NONE


def document_ids(rows: list[dict]) -> list[int]:
    """Document number of each record (records are in document order, CLAIMS.md)."""
    ids, doc, prev = [], -1, None
    for row in rows:
        if not row.get("context") or row["context"] != prev:
            doc += 1
        ids.append(doc)
        prev = row["text"]
    return ids


def claim_scores(gold: list[str], pred: list[str]) -> dict:
    """Claim precision/recall/F1, type accuracy on true claims, 6-label macro F1."""
    g = np.asarray(gold, dtype=object)
    p = np.asarray(pred, dtype=object)
    prec, rec, f1, _ = precision_recall_fscore_support(
        g != NONE, p != NONE, average="binary", zero_division=0
    )
    claims = g != NONE
    return {
        "claim_precision": round(float(prec), 4),
        "claim_recall": round(float(rec), 4),
        "claim_f1": round(float(f1), 4),
        "type_accuracy_on_claims": round(float(accuracy_score(g[claims], p[claims])), 4),
        "label_macro_f1": round(float(f1_score(g, p, average="macro", zero_division=0)), 4),
        "label_accuracy": round(float(accuracy_score(g, p)), 4),
    }


def cross_validate(model: ClaimDetector, rows: list[dict], folds: int = CV_FOLDS) -> dict:
    """Document-grouped cross-validated scores of ``model`` on ``rows``."""
    texts = [r["text"] for r in rows]
    labels = [label_of(r) for r in rows]
    pred = cross_val_predict(
        model, texts, labels, groups=document_ids(rows), cv=GroupKFold(n_splits=folds)
    )
    return {"folds": folds, "grouped_by": "document", **claim_scores(labels, list(pred))}


def train_detector(
    labels_path: str | Path = LABELS_PATH, out_folder: str | Path | None = None, **params
) -> dict:
    """Cross-validate, fit on the train split only, save to ``out_folder``; return CV scores."""
    labels_path = Path(labels_path)
    rows = [r for r in load_labels(labels_path) if r["split"] == "train"]
    if not rows:
        raise InputError(f"{labels_path}: no records with split 'train'.")
    scores = cross_validate(ClaimDetector(**params), rows)
    model = ClaimDetector(**params).fit([r["text"] for r in rows], [label_of(r) for r in rows])
    metadata = {
        "training_data": {
            "path": _display(labels_path),
            "sha256": hashlib.sha256(labels_path.read_bytes()).hexdigest(),
            "split": "train",
            "records": len(rows),
            "label_counts": dict(sorted(Counter(label_of(r) for r in rows).items())),
        },
        "cv_scores": scores,
    }
    folder = save_detector(model, out_folder or default_model_dir(), metadata)
    size = (folder / "model.skops").stat().st_size
    if size > MAX_MODEL_BYTES:
        raise DiscourseError(
            f"{folder / 'model.skops'} is {size:,} bytes, over the {MAX_MODEL_BYTES:,} limit; "
            "lower max_features."
        )
    return scores


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m discourse.claims.train", description=__doc__)
    parser.add_argument("--labels", default=str(LABELS_PATH), help="claims.jsonl to train on")
    parser.add_argument("--out", default=str(default_model_dir()), help="model folder to write")
    args = parser.parse_args(argv)
    try:
        scores = train_detector(args.labels, args.out)
    except DiscourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"wrote {args.out}")
    for key, value in scores.items():
        print(f"  cv {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
