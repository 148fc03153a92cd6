"""Stance model kinds, keyed on the ``model_kind`` a model folder's metadata records: one
place that knows which class each kind is and which types its model file may hold. Nothing
else constructs a concrete stance model class from a name."""

from __future__ import annotations

from importlib import import_module

from discourse.errors import InputError

# kind -> (module, class, extra types its skops file holds besides sklearn/numpy/scipy)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "target-aware": ("discourse.stance.model", "StanceClassifier", ()),
    "ngram": ("discourse.stance.candidates", "NgramStanceClassifier", ()),
    "embedding": ("discourse.stance.candidates", "EmbeddingStanceClassifier", ()),
    "stacked": (
        "discourse.stance.candidates",
        "StackedStanceClassifier",
        (
            "discourse.stance.model.StanceClassifier",
            "discourse.stance.candidates.NgramStanceClassifier",
            "discourse.stance.candidates.EmbeddingStanceClassifier",
        ),
    ),
    "transformer": ("discourse.stance.transformer", "TransformerStanceClassifier", ()),
}
# models written before kinds were recorded are target-aware
DEFAULT_KIND = "target-aware"
# what `discourse train` chooses among unless told otherwise
CANDIDATES = ("target-aware", "ngram", "stacked")
# Claims tagged per second, one process (python -m benchmarks.stance, 2026-12-06): the
# target-aware kind ~9,000, n-grams ~5,000, the stacked kind ~600 (it runs the embedding model
# and all three bases), the transformer tens. Model selection breaks near-ties with it.
TAGGING_SPEED = {
    "target-aware": 9000,
    "ngram": 5000,
    "embedding": 2000,
    "stacked": 600,
    "transformer": 20,
}
# Cross-validated F_avg differences below this are noise on a few hundred labels per target
# (the folds' spread is about 0.02): within it the faster kind wins.
NEAR_TIE = 0.01


def choose(scores: dict[str, float]) -> str:
    """The kind to keep from cross-validated ``scores`` {kind: F_avg}: the best, unless a faster
    kind is within ``NEAR_TIE`` of it and no worse than the n-gram kind (tagging a million
    claims with the stacked kind takes 30 minutes, with the target-aware kind 2)."""
    best = max(scores.values())
    # never below the plain n-gram peer, whatever the speed
    floor = max(best - NEAR_TIE, scores.get("ngram", float("-inf")))
    close = [k for k, v in scores.items() if v >= floor]
    return max(close, key=lambda k: (TAGGING_SPEED.get(k, 0), scores[k]))


def kind_class(kind: str) -> type:
    """The estimator class of ``kind``; an unknown kind names the known ones."""
    if kind not in KINDS:
        raise InputError(f"unknown stance model kind {kind!r} (known: {', '.join(KINDS)}).")
    module, name, _ = KINDS[kind]
    try:
        return getattr(import_module(module), name)
    except ImportError as exc:
        raise InputError(
            f"stance model kind {kind!r} needs an optional extra ({exc}); install it with "
            "pip install 'discourse[transformer]'."
        ) from None


def allowed_types(kind: str) -> frozenset[str]:
    module, name, extra = KINDS[kind]
    return frozenset({f"{module}.{name}", *extra})


def kind_of(model) -> str:
    """The kind of a fitted or fresh estimator."""
    for kind, (module, name, _) in KINDS.items():
        cls = type(model)
        if cls.__module__ == module and cls.__name__ == name:
            return kind
    raise InputError(f"{type(model).__name__} is not a registered stance model kind.")
