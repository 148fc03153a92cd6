"""The stance model kinds besides the target-aware classifier (:mod:`discourse.stance.model`):
a per-target n-gram model (the plain, strong baseline), a sentence-embedding model, and a
stacked ensemble of all three. Each is a scikit-learn estimator over rows ``(text, target)`` or
``(text, target, view)`` with the labels favor / against / neutral, and answers
``predict_stance`` as the target-aware model does; ``discourse train`` picks among them by
grouped cross-validation (:mod:`discourse.stance.train`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_union
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from discourse.claims.embedding import EMBEDDER, SentenceEmbedder
from discourse.stance.decide import StanceOutput
from discourse.stance.model import StanceClassifier, as_rows
from discourse.vocabulary import STANCES

POOLED = "*"  # the model of the n-gram kind that answers for targets it has no labels for


def _labels(y) -> np.ndarray:
    y = np.asarray([str(v) for v in y], dtype=object)
    unknown = sorted(set(y) - set(STANCES))
    if unknown:
        raise ValueError(f"unknown stance labels {unknown}; expected {list(STANCES)}.")
    return y


def _aligned(proba: np.ndarray, have, want) -> np.ndarray:
    """``proba``'s columns (classes ``have``) reordered to ``want`` (absent classes: 0)."""
    out = np.zeros((len(proba), len(want)))
    for j, c in enumerate(have):
        out[:, list(want).index(c)] = proba[:, j]
    return out


class NgramStanceClassifier(StanceOutput, ClassifierMixin, BaseEstimator):
    """One word 1-2-gram + character 2-5-gram TF-IDF linear SVM per target, sigmoid-
    calibrated; a pooled one over every row answers for targets without labels."""

    def __init__(self, C: float = 1.0, calibration_cv: int = 3, neutral_threshold: float = 0.45):
        self.C = C
        self.calibration_cv = calibration_cv
        self.neutral_threshold = neutral_threshold

    def fit(self, X, y):
        rows, y = as_rows(X), _labels(y)
        self.classes_ = np.array(sorted(set(y)), dtype=object)
        self.models_ = {}
        groups = {POOLED: np.arange(len(rows))}
        for t in sorted({r[1] for r in rows}):
            groups[t] = np.array([i for i, r in enumerate(rows) if r[1] == t])
        for t, idx in groups.items():
            if len(set(y[idx])) < 2:
                continue
            self.models_[t] = self._one([rows[i][0] for i in idx], y[idx])
        return self

    def _one(self, texts, y):
        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32),
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
            ),
        )
        folds = min(self.calibration_cv, int(min(np.unique(y, return_counts=True)[1])))
        svm = LinearSVC(C=self.C)
        clf = (
            CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)
            if folds >= 2
            else svm
        )
        with threadpool_limits(1):
            model = Pipeline([("features", features), ("clf", clf)]).fit(texts, y)
        for vec in model.named_steps["features"].transformer_list:
            vec[1].vocabulary_ = {k: int(v) for k, v in vec[1].vocabulary_.items()}
        return model

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "models_")
        rows = as_rows(X)
        out = np.zeros((len(rows), len(self.classes_)))
        by_model: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            by_model.setdefault(r[1] if r[1] in self.models_ else POOLED, []).append(i)
        for key, idx in by_model.items():
            model = self.models_[key]
            clf = model.named_steps["clf"]
            if hasattr(clf, "predict_proba"):
                p = model.predict_proba([rows[i][0] for i in idx])
            else:  # an uncalibrated SVM (tiny classes): a one-hot answer
                pred = model.predict([rows[i][0] for i in idx])
                p = (pred[:, None] == clf.classes_[None, :]).astype(float)
            out[idx] = _aligned(p, clf.classes_, self.classes_)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


class EmbeddingStanceClassifier(StanceOutput, ClassifierMixin, BaseEstimator):
    """Logistic regression on the sentence embedding (:mod:`discourse.claims.embedding`),
    shared across targets and specific to each target seen in training."""

    def __init__(
        self, C: float = 0.3, class_weight: str | None = "balanced", neutral_threshold: float = 0.45
    ):
        self.C = C
        self.class_weight = class_weight
        self.neutral_threshold = neutral_threshold

    def fit(self, X, y):
        rows, y = as_rows(X), _labels(y)
        self.classes_ = np.array(sorted(set(y)), dtype=object)
        self.embedder_ = EMBEDDER
        self.targets_ = sorted({r[1] for r in rows})
        with threadpool_limits(1):
            self.model_ = LogisticRegression(
                C=self.C, max_iter=3000, class_weight=self.class_weight
            ).fit(self._features(rows), y)
        return self

    def _features(self, rows) -> sp.csr_matrix:
        emb = self.__dict__.get("_runtime")
        if emb is None:
            emb = self.__dict__["_runtime"] = SentenceEmbedder()
        vecs = emb.embed([r[0] for r in rows])
        k = len(self.targets_)
        index = {t: i for i, t in enumerate(self.targets_)}
        specific = np.zeros((len(rows), k * vecs.shape[1] + k), dtype=np.float32)
        for i, r in enumerate(rows):
            j = index.get(r[1])
            if j is not None:  # unseen targets: the shared block alone
                specific[i, j * vecs.shape[1] : (j + 1) * vecs.shape[1]] = vecs[i]
                specific[i, k * vecs.shape[1] + j] = 1.0
        return sp.csr_matrix(np.hstack([vecs, specific]))

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        rows = as_rows(X)
        if not rows:
            return np.zeros((0, len(self.classes_)))
        with threadpool_limits(1):
            p = self.model_.predict_proba(self._features(rows))
        return _aligned(p, self.model_.classes_, self.classes_)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python 3.11 hands back __dict__ itself
        state.pop("_runtime", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


BASES = {
    "target-aware": StanceClassifier,
    "ngram": NgramStanceClassifier,
    "embedding": EmbeddingStanceClassifier,
}


class StackedStanceClassifier(StanceOutput, ClassifierMixin, BaseEstimator):
    """A logistic regression over the out-of-fold probabilities of the base kinds (target-
    aware, n-gram, embedding) and the target; the bases are then refitted on every row.
    ``fit(X, y, groups=...)`` keeps groups (pages) within one fold."""

    def __init__(
        self,
        bases: tuple[str, ...] = ("target-aware", "ngram", "embedding"),
        C: float = 1.0,
        cv: int = 3,
        neutral_threshold: float = 0.45,
    ):
        self.bases = bases
        self.C = C
        self.cv = cv
        self.neutral_threshold = neutral_threshold

    def fit(self, X, y, groups=None):
        rows, y = as_rows(X), _labels(y)
        unknown = [b for b in self.bases if b not in BASES]
        if unknown:
            raise ValueError(f"unknown base kinds {unknown}; expected some of {list(BASES)}.")
        self.classes_ = np.array(sorted(set(y)), dtype=object)
        self.targets_ = sorted({r[1] for r in rows})
        folds = max(2, min(self.cv, int(min(np.unique(y, return_counts=True)[1]))))
        if groups is not None and len(set(groups)) >= folds:
            splits = list(GroupKFold(n_splits=folds).split(rows, y, groups))
        else:
            splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(rows, y))
        oof = [np.zeros((len(rows), len(self.classes_))) for _ in self.bases]
        for train, held in splits:
            for k, name in enumerate(self.bases):
                base = BASES[name]().fit([rows[i] for i in train], y[train])
                p = base.predict_proba([rows[i] for i in held])
                oof[k][held] = _aligned(p, base.classes_, self.classes_)
        self.bases_ = [BASES[name]().fit(rows, y) for name in self.bases]
        with threadpool_limits(1):
            self.final_ = LogisticRegression(C=self.C, max_iter=3000).fit(self._stack(oof, rows), y)
        return self

    def _stack(self, probas, rows) -> np.ndarray:
        onehot = np.array([[r[1] == t for t in self.targets_] for r in rows], dtype=float)
        return np.hstack([np.log(p + 1e-3) for p in probas] + [onehot.reshape(len(rows), -1)])

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "final_")
        rows = as_rows(X)
        if not rows:
            return np.zeros((0, len(self.classes_)))
        probas = [_aligned(b.predict_proba(rows), b.classes_, self.classes_) for b in self.bases_]
        with threadpool_limits(1):
            p = self.final_.predict_proba(self._stack(probas, rows))
        return _aligned(p, self.final_.classes_, self.classes_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def fresh(kind: str, **params):
    """A new, unfitted estimator of ``kind``."""
    from discourse.stance.registry import kind_class

    return clone(kind_class(kind)(**params))
