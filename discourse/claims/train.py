"""Train the relevance model and the claim detector, and save them as the bundled models.

    python -m discourse.claims.train [--real PATH] [--labels corpora/labels/claims.jsonl]
                                     [--sources real,own] [--embedder minilm|mpnet --out DIR]

The relevance model learns from the train split of the real sentences (engagement-real, read
in place). The detector learns from the train splits of the real sentences and of the
project's own labels (``--sources`` chooses), with relevance features computed out of fold on
the real ones. Cross-validation folds group sentences by page (a quotation and the sentence
that names its speaker never straddle folds). No test split is read for training or tuning.

``--embedder minilm --out DIR`` (the transformer extra) trains both on all-MiniLM-L6-v2 sentence
embeddings instead of WordLlama's (``--embedder mpnet``: all-mpnet-base-v2's, which also need
``requirements-mpnet.txt``), into ``DIR/relevance`` and ``DIR/claims``, and writes
``DIR/config.cfg``: the bundled pipeline with those two models (``discourse annotate --pipeline
DIR/config.cfg``). The bundled models stay on the default embedder.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, cross_val_predict

from discourse import labelsets
from discourse.claims.detector import (
    NONE,
    ClaimDetector,
    default_model_dir,
    load_cues,
    save_detector,
)
from discourse.claims.relevance import (
    RelevanceModel,
    inputs_for_records,
    save_relevance,
)
from discourse.claims.relevance import default_model_dir as default_relevance_dir
from discourse.datafiles import read_jsonl, sha256, shown_path
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


def cross_validate(model: ClaimDetector, rows, labels, groups, folds: int = CV_FOLDS) -> dict:
    """Cross-validated scores of ``model``, folds grouped by page or document."""
    pred = cross_val_predict(model, rows, labels, groups=groups, cv=GroupKFold(n_splits=folds))
    return {"folds": folds, "grouped_by": "page", **claim_scores(labels, list(pred))}


def relevance_matrix(records: list[dict], targets: list[str]) -> np.ndarray:
    """0/1 about-target labels of engagement-real records."""
    return np.array([[int(r["stances"][t] != "none") for t in targets] for r in records])


def fit_relevance(inputs, records: list[dict], targets: list[str], **params) -> RelevanceModel:
    """A relevance model on the records, each seen twice: with its page title and without,
    so the model neither needs a title (plain text, `discourse analyze`) nor ignores one."""
    untitled = [dataclasses.replace(x, title="", title_mentions=frozenset()) for x in inputs]
    Y = relevance_matrix(records, targets)
    return RelevanceModel(targets=tuple(targets), **params).fit(
        list(inputs) + untitled, np.vstack([Y, Y])
    )


def out_of_fold_relevance(inputs, records, targets, folds: int = CV_FOLDS, **params) -> list[dict]:
    """P(about) of each record from a relevance model that never saw its page (folds group
    records by URL), so the detector learns from relevance as it will meet it."""
    out: list[dict] = [{} for _ in records]
    groups = [r.get("url") or r["id"] for r in records]
    for train, held in GroupKFold(n_splits=folds).split(records, groups=groups):
        model = fit_relevance(
            [inputs[i] for i in train], [records[i] for i in train], targets, **params
        )
        probs = model.predict_proba([inputs[i] for i in held], targets)
        for i, p in zip(held, probs):
            out[i] = {t: float(v) for t, v in zip(targets, p)}
    return out


def training_rows(
    real: list[dict],
    own: list[dict],
    nlp,
    refs: tuple,
    *,
    sources=("real", "own"),
    relevance_params: dict | None = None,
) -> dict:
    """Everything the two models train on: relevance inputs and labels from the real
    records, detector rows ``(text, relevance)`` and labels from the chosen sources."""
    targets = labelsets.targets_of(real)
    real_in = inputs_for_records(nlp, real, *refs)
    relevance_params = relevance_params or {}
    relevance = fit_relevance(real_in, real, targets, **relevance_params)
    rows, labels, groups = [], [], []
    if "real" in sources:
        oof = out_of_fold_relevance(real_in, real, targets, **relevance_params)
        for r, rel in zip(real, oof):
            rows.append((r["text"], rel))
            labels.append(label_of(r))
            groups.append(r.get("url") or r["id"])
    if "own" in sources and own:
        own_in = inputs_for_records(nlp, own, *refs)
        for r, p, doc in zip(own, relevance.predict_proba(own_in, targets), document_ids(own)):
            rows.append((r["text"], {t: float(v) for t, v in zip(targets, p)}))
            labels.append(label_of(r))
            groups.append(f"own-{doc}")
    return {
        "targets": targets,
        "relevance": relevance,
        "rows": rows,
        "labels": labels,
        "groups": groups,
    }


def train_models(
    real_path: str | Path | None = None,
    labels_path: str | Path = LABELS_PATH,
    *,
    relevance_out: str | Path | None = None,
    detector_out: str | Path | None = None,
    sources=("real", "own"),
    relevance_params: dict | None = None,
    **params,
) -> dict:
    """Train the relevance model on the real train split and the claim detector on the
    train splits of the chosen ``sources`` (real sentences, the project's own labels);
    cross-validate the detector grouped by page; save both; return the CV scores.
    ``relevance_params`` go to the relevance model, ``params`` to the detector."""
    from discourse.claims.pipeline import load_pipeline

    real_path = Path(real_path) if real_path else labelsets.real_sentences_path(ROOT)
    labels_path = Path(labels_path)
    real = [r for r in labelsets.read_records(real_path) if r.get("split") == "train"]
    own = [r for r in load_labels(labels_path) if r["split"] == "train"]
    if not real:
        raise InputError(f"{real_path}: no records with split 'train'.")
    nlp = load_pipeline(disable_claims=True)
    refs = reference_words()
    data = training_rows(real, own, nlp, refs, sources=sources, relevance_params=relevance_params)
    scores = cross_validate(ClaimDetector(**params), data["rows"], data["labels"], data["groups"])
    detector = ClaimDetector(**params).fit(data["rows"], data["labels"])
    provenance = {
        "real": {
            "path": shown_path(real_path, ROOT),
            "sha256": sha256(real_path),
            "split": "train",
            "records": len(real),
        },
        "own": {
            "path": shown_path(labels_path, ROOT),
            "sha256": hashlib.sha256(labels_path.read_bytes()).hexdigest(),
            "split": "train",
            "records": len(own) if "own" in sources else 0,
        },
        "sources": list(sources),
    }
    save_relevance(
        data["relevance"],
        relevance_out or default_relevance_dir(),
        {"training_data": provenance["real"], "targets": data["targets"]},
    )
    folder = save_detector(
        detector,
        detector_out or default_model_dir(),
        {
            "training_data": {
                **provenance,
                "label_counts": dict(sorted(Counter(data["labels"]).items())),
            },
            "cv_scores": scores,
        },
    )
    size = (folder / "model.skops").stat().st_size
    if size > MAX_MODEL_BYTES:
        raise DiscourseError(
            f"{folder / 'model.skops'} is {size:,} bytes, over the {MAX_MODEL_BYTES:,} limit; "
            "lower max_features."
        )
    return scores


def reference_words() -> tuple[frozenset, frozenset]:
    refs = load_cues().get("references", {})
    return (
        frozenset(w.lower() for w in refs.get("pronouns", [])),
        frozenset(w.lower() for w in refs.get("nouns", [])),
    )


# ``--embedder minilm|mpnet``: the weights chosen by grouped cross-validation on the real train
# split (relevance: the encoder in place of WordLlama at twice the weight, mean AUC 0.928 ->
# 0.948 with MiniLM, 0.952 with MPNet; detector: the embedding beside its other features, claim
# F1 0.805 -> 0.826 with MiniLM, 0.838 with MPNet)
ENCODER_PARAMS = {
    name: ({"embedder": name, "embedding_weight": 2.0}, {"embedder": name})
    for name in ("minilm", "mpnet")
}


def write_config(folder: str | Path) -> Path:
    """``folder/config.cfg``: the bundled pipeline config with the relevance and claim models
    of ``folder``, every other file still the bundled one (``--pipeline folder/config.cfg``)."""
    from discourse import pipelines

    bundled = pipelines.path("config.cfg")
    text = bundled.read_text(encoding="utf-8")
    here, absolute = "${paths.pipelines}/", bundled.resolve().parent.as_posix() + "/"
    text = text.replace(here, absolute)  # every file the bundled one ...
    for model in ("relevance", "claims"):  # ... but the two models, this folder's
        text = text.replace(f"{absolute}models/{model}", here + model)
    header = (
        "# Written by `python -m discourse.claims.train --out`: the bundled config with this\n"
        "# folder's relevance and claim models.\n"
    )
    out = Path(folder) / "config.cfg"
    out.write_text(header + text, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m discourse.claims.train", description=__doc__)
    parser.add_argument("--real", default=None, help="engagement-real sentences.jsonl")
    parser.add_argument("--labels", default=str(LABELS_PATH), help="the project's claims.jsonl")
    parser.add_argument("--sources", default="real,own", help="real, own or real,own")
    parser.add_argument(
        "--embedder",
        choices=("wordllama", *ENCODER_PARAMS),
        default="wordllama",
        help="sentence embeddings: wordllama (bundled models), minilm or mpnet (the transformer "
        "extra, and for mpnet requirements-mpnet.txt; slower, read real text better; mpnet is "
        "the best and the slowest); both need --out",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="write DIR/relevance, DIR/claims and DIR/config.cfg (annotate with "
        "--pipeline DIR/config.cfg) instead of the bundled models",
    )
    args = parser.parse_args(argv)
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    if args.embedder != "wordllama" and not args.out:
        print(
            "error: the bundled models stay on the default embedder; write these with "
            "--out DIR and annotate with --pipeline DIR/config.cfg.",
            file=sys.stderr,
        )
        return 2
    relevance_params, params = ENCODER_PARAMS.get(args.embedder, ({}, {}))
    out = Path(args.out) if args.out else None
    try:
        scores = train_models(
            args.real,
            args.labels,
            sources=sources,
            relevance_out=out / "relevance" if out else None,
            detector_out=out / "claims" if out else None,
            relevance_params=relevance_params,
            **params,
        )
    except DiscourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    if out:
        print(f"wrote {out / 'relevance'}, {out / 'claims'} and {write_config(out)}")
    else:
        print(f"wrote {default_relevance_dir()} and {default_model_dir()}")
    for key, value in scores.items():
        print(f"  cv {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
