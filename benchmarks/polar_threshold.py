"""How the stance decision's side threshold was chosen: out-of-fold on the real train split.

    python -m benchmarks.polar_threshold [--folds 5]

A sentence takes a side when P(about the target) x P(side | about) reaches
``discourse.stance.decide.POLAR_THRESHOLD``, even where neutral is the likelier label. This
benchmark shows what each threshold scores, beside the most probable label (the rule before),
on predictions for the real train split that no model saw in training:

- P(about) from relevance models fitted without the record's page (folds grouped by URL, as
  the claim detector's relevance features are made: ``discourse.claims.train``);
- P(stance) from the bundled stance model's kind fitted, fold by fold, on its bundled labels
  without the held-out pages' real labels (the project's own labels stay in every fold).

Only the train split is read: the dev and test splits stay unseen. Scores are stance F_avg over
every sentence-target pair (none skipped), as ``benchmarks.realtext`` prints them. The
threshold is chosen here and then measured on dev and test by ``benchmarks.realtext``.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def out_of_fold(folds: int) -> tuple[list[dict], list[str], np.ndarray, np.ndarray, list]:
    """(records, targets, P(about) [n, targets], P(stance) [n, targets, classes], classes)."""
    from sklearn.model_selection import GroupKFold

    from benchmarks.realtext import bundled_kind, load
    from discourse import labelsets
    from discourse.claims import train as claims_train
    from discourse.claims.pipeline import load_pipeline
    from discourse.claims.relevance import inputs_for_records
    from discourse.stance import registry
    from discourse.stance.labels import read_labels
    from discourse.stance.train import LABELS_PATH, OWN_SHARE, ROOT, _bundled_mix

    train, _, targets = load("dev")  # only the train split is used
    nlp = load_pipeline(disable_claims=True)
    inputs = inputs_for_records(nlp, train, *claims_train.reference_words())
    about = claims_train.out_of_fold_relevance(inputs, train, targets, folds)
    p_about = np.array([[a[t] for t in targets] for a in about])

    real = str(labelsets.real_sentences_path(ROOT))
    labels = _bundled_mix(read_labels([real, str(LABELS_PATH)], split="train"), real, OWN_SHARE)
    page_of = {r["text"]: r.get("url") or r["id"] for r in train}
    groups = [r.get("url") or r["id"] for r in train]
    kind = bundled_kind()
    p_stance, classes = None, None
    for _, held_idx in GroupKFold(n_splits=folds).split(train, groups=groups):
        held = {groups[i] for i in held_idx}
        fold_labels = [
            lb for lb in labels if not (lb.origin.startswith(real) and page_of.get(lb.text) in held)
        ]
        model = registry.kind_class(kind)().fit(
            [(lb.text, lb.target) for lb in fold_labels], [lb.label for lb in fold_labels]
        )
        rows = [(train[i]["text"], t) for i in held_idx for t in targets]
        proba = model.predict_proba(rows)
        if p_stance is None:
            classes = [str(c) for c in model.classes_]
            p_stance = np.zeros((len(train), len(targets), len(classes)))
        p_stance[held_idx] = proba.reshape(len(held_idx), len(targets), -1)
    return train, targets, p_about, p_stance, classes


def sweep(records, targets, p_about, p_stance, classes) -> dict:
    """{threshold or "most probable": F_avg}: pairs below the pipeline's ``about`` setting
    are none, as in the pipeline, where only they make a sentence a statement about a target."""
    from benchmarks.realtext import pair_scores
    from discourse.claims.pipeline import about_threshold
    from discourse.stance.decide import POLAR_THRESHOLD, decide_stances

    about = about_threshold()

    out = {}
    for name in ("most probable", *THRESHOLDS):
        pred = {}
        for j, t in enumerate(targets):
            # without P(about) (and no neutral threshold) decide_stances takes the most
            # probable label
            rel = None if name == "most probable" else p_about[:, j]
            polar = POLAR_THRESHOLD if rel is None else name
            decided = decide_stances(p_stance[:, j], classes, 0.0, rel, polar_threshold=polar)
            pred[t] = [
                lb if p_about[k, j] >= about else "none" for k, (lb, _, _) in enumerate(decided)
            ]
        out[name] = pair_scores(records, targets, pred)["f_avg"]
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.realtext import ROOT
    from discourse import labelsets
    from discourse.stance.decide import POLAR_THRESHOLD

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.polar_threshold", description=__doc__
    )
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    path = labelsets.real_sentences_path(ROOT)
    if not path.exists():
        print(f"skipped: {path} is not here (the engagement-real benchmark data).")
        return 0
    records, targets, p_about, p_stance, classes = out_of_fold(args.folds)
    scores = sweep(records, targets, p_about, p_stance, classes)
    print(
        f"stance F_avg, out of fold on the real train split ({len(records)} sentences, "
        f"{len(records) * len(targets)} pairs, {args.folds} folds by page)"
    )
    for name, f in scores.items():
        mark = "  <- POLAR_THRESHOLD" if name == POLAR_THRESHOLD else ""
        label = name if isinstance(name, str) else f"side if P(about) x P(side) >= {name:.2f}"
        print(f"  {label:42} {f:.3f}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
