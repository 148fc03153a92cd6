"""How a stance model's probabilities become the label `discourse tag` stores: shared by every
model kind (:class:`StanceOutput`) and by the benchmarks that score them as tagged."""

from __future__ import annotations

import numpy as np

# A sentence takes a side when P(about the target) x P(the side | about) reaches this, even
# where "neutral" is the likelier reading: chosen on out-of-fold predictions of the real train
# split (grouped by page; F_avg 0.474 with the most probable label, 0.491 at 0.25, flat from
# 0.25 to 0.35), where the most probable label under-calls sides.
POLAR_THRESHOLD = 0.25
SIDES = ("favor", "against")


def decide_stances(
    proba: np.ndarray,
    classes,
    neutral_threshold: float,
    relevance=None,
    polar_threshold: float = POLAR_THRESHOLD,
) -> list[tuple[str, float, bool]]:
    """(label, confidence of the label, uncertain) for each row of ``proba``.

    With the row's ``relevance`` (P that the sentence is about the target; None where it is
    not known) the label is the likelier side when relevance x P(side) reaches
    ``polar_threshold``, and ``neutral`` otherwise. Without it the label is the most probable
    one, or ``neutral`` below ``neutral_threshold``. The confidence is the model's probability
    of the label given that the sentence is about the target; ``uncertain`` marks a
    confidence below ``neutral_threshold``."""
    classes = [str(c) for c in classes]
    sides = [k for k, c in enumerate(classes) if c in SIDES]
    neutral = classes.index("neutral") if "neutral" in classes else None
    relevance = [None] * len(proba) if relevance is None else list(relevance)
    out = []
    for p, rel in zip(proba, relevance):
        if rel is not None and sides:
            k = max(sides, key=lambda i: p[i])
            if rel * p[k] < polar_threshold and neutral is not None:
                k = neutral
            out.append((classes[k], float(p[k]), bool(p[k] < neutral_threshold)))
            continue
        k = int(p.argmax())
        if p[k] < neutral_threshold:
            out.append(("neutral", float(p[k]), True))
        else:
            out.append((classes[k], float(p[k]), False))
    return out


class StanceOutput:
    """``predict`` and ``predict_stance`` from ``predict_proba`` and ``classes_``."""

    neutral_threshold: float

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(1)] if len(proba) else np.array([], dtype=object)

    def predict_stance(self, X, relevance=None) -> list[tuple[str, float, bool]]:
        """(label, confidence of the label, uncertain) per row; ``relevance`` (one P(about)
        per row, or None) lets a likely side win over a likelier neutral
        (:func:`decide_stances`)."""
        return decide_stances(
            self.predict_proba(X), self.classes_, self.neutral_threshold, relevance
        )
