"""Claim detection: is a sentence a claim about engagement, and of which type (CLAIMS.md).

``ClaimDetector`` is a scikit-learn classifier over sentences. Its labels are ``"none"`` or a
claim type. A row is the sentence's text, or ``(text, relevance)`` where ``relevance`` maps
target ids to the probability that the sentence is about that target
(:mod:`discourse.claims.relevance`): a claim is a position on engagement practice, so a
sentence about no target is rarely one. Features are word and character n-gram TF-IDF, one
feature per cue group of ``pipelines/claim_cues.toml`` (normative modals, evaluative
adjectives, boilerplate ...) and the relevance features, fed to one logistic regression.
Models are saved with skops and a ``metadata.json`` beside them, and loaded only if every type
in the file is on an allow-list.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from discourse import pipelines
from discourse.charngrams import char_wb_counts, sublinear_tfidf
from discourse.claims.embedding import (
    EMBEDDER_NAMES,
    EmbedderParams,
    embedder_for,
    embedding_dim,
)
from discourse.datafiles import read_toml
from discourse.errors import InputError
from discourse.modelio import ModelError, load_model, save_model  # noqa: F401  (ModelError re-exported)
from discourse.vocabulary import CLAIM_TYPES, NOT_A_CLAIM  # noqa: F401  (re-exported)

NONE = NOT_A_CLAIM
# Version of the model folder layout (model.skops + metadata.json) and of the cue file.
FORMAT_VERSION = 1
# Types a model file may contain besides sklearn/numpy/scipy ones.
ALLOWED_TYPES = frozenset(
    {
        "discourse.claims.detector.ClaimDetector",
        "discourse.claims.detector.CueFeatures",
        "discourse.claims.detector.EmbeddingFeatures",
        "discourse.claims.detector.RelevanceFeatures",
        "discourse.claims.detector.TextOf",
    }
)


def load_cues(path: str | Path | None = None) -> dict:
    """The parsed cue file (default ``pipelines/claim_cues.toml``), checked for its sections."""
    path = Path(path) if path else pipelines.path("claim_cues.toml")
    data = read_toml(path)
    version = data.get("format_version", 1)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(
            f"{path}: format_version {version!r} is newer than this discourse understands "
            f"({FORMAT_VERSION}); upgrade discourse."
        )
    for section in ("detector", "attribution", "hedging", "negation"):
        if not isinstance(data.get(section), dict):
            raise InputError(f"{path}: the [{section}] table is missing.")
    for name, group in data["detector"].get("cues", {}).items():
        for key in ("phrases", "patterns"):
            if not all(isinstance(p, str) for p in group.get(key, [])):
                raise InputError(f"{path}: [detector.cues.{name}] {key} must be strings.")
        for pattern in group.get("patterns", []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InputError(
                    f"{path}: [detector.cues.{name}] bad pattern {pattern!r} ({exc})."
                ) from None
    return data


def _phrase_trie(phrases: list[str]) -> str:
    """The phrases as one regex that shares their common prefixes ("co(?:mmunity|uncil)").

    At each place in a text it finds what the plain alternation of the phrases, longest first,
    finds: the text picks one path through the tree (no two branches of a node match the same
    character, ASCII being folded the same way by ``str.lower`` and by ``re.IGNORECASE``), and
    longer phrases are tried before the phrase that ends where they branch off. It is several
    times faster: ``re`` tries every alternative at every word start.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase.lower():
            node = node.setdefault(ch, {})
        node[""] = {}  # a phrase ends here

    def regex(node: dict) -> str:
        branches = [re.escape(ch) + regex(child) for ch, child in node.items() if ch]
        if "" in node:
            if not branches:
                return ""
            branches.append("")  # tried last: the longer phrases first
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return regex(trie)


def _compile_group(group: dict) -> list[re.Pattern]:
    """One regex per group for its phrases (word boundaries), plus its own patterns."""
    out = []
    phrases = sorted({p.strip() for p in group.get("phrases", []) if p.strip()}, key=len)
    if phrases:
        if all(p.isascii() for p in phrases):
            alts = _phrase_trie(phrases)
        else:  # folding beyond ASCII may join two branches: the plain alternation
            alts = "|".join(re.escape(p) for p in reversed(phrases))
        out.append(re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE))
    out.extend(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in group.get("patterns", []))
    return out


def text_of(row) -> str:
    return row if isinstance(row, str) else row[0]


def relevance_of(row) -> dict:
    return {} if isinstance(row, str) else (row[1] or {})


class TextOf(TransformerMixin, BaseEstimator):
    """The text of each row (a string, or ``(text, relevance)``)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> list[str]:
        return [text_of(x) for x in X]


class RelevanceFeatures(TransformerMixin, BaseEstimator):
    """Per row: the largest relevance, its log-odds, and the relevance of each target seen in
    training (``targets_``); rows given as bare text count as about nothing."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, X, y=None):
        self.targets_ = sorted({t for x in X for t in relevance_of(x)})
        return self

    def transform(self, X) -> sp.csr_matrix:
        check_is_fitted(self, "targets_")
        rows = []
        for x in X:
            rel = relevance_of(x)
            ps = [float(rel.get(t, 0.0)) for t in self.targets_]
            top = max(rel.values(), default=0.0)
            logit = math.log((top + 1e-3) / (1 - top + 1e-3))
            rows.append([top, logit / 4, *ps])
        return sp.csr_matrix(
            np.asarray(rows, dtype=np.float64).reshape(len(rows), -1) * self.weight
        )

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "targets_")
        names = ["relevance_max", "relevance_logit", *(f"relevance_{t}" for t in self.targets_)]
        return np.asarray(names, dtype=object)


class EmbeddingFeatures(TransformerMixin, BaseEstimator):
    """The sentence embedding of each row's text (:mod:`discourse.claims.embedding`), times
    ``weight``. The embedder is named, not stored: it is loaded once per process."""

    def __init__(self, embedder: str = "minilm", weight: float = 1.0):
        self.embedder = embedder
        self.weight = weight

    def fit(self, X, y=None):
        self.embedder_ = EMBEDDER_NAMES.get(self.embedder, self.embedder)
        embedder_for(self.embedder_)  # an unknown name or a missing extra: said now
        return self

    def transform(self, X) -> sp.csr_matrix:
        check_is_fitted(self, "embedder_")
        vecs = embedder_for(self.embedder_).embed([text_of(x) for x in X])
        return sp.csr_matrix(vecs.astype(np.float64) * self.weight)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "embedder_")
        n = embedding_dim(self.embedder_)
        return np.asarray([f"embedding_{k}" for k in range(n)], dtype=object)


class CueFeatures(TransformerMixin, BaseEstimator):
    """Cue-group counts (log-scaled) and sentence shape, as a sparse matrix.

    ``cues`` is the ``[detector.cues]`` table of the cue file: {group: {phrases, patterns}}.
    """

    SHAPE = ("log_words", "short", "ends_with_stop", "starts_with_number")

    def __init__(self, cues: dict | None = None, weight: float = 1.0):
        self.cues = cues
        self.weight = weight

    def fit(self, X, y=None):
        self.groups_ = sorted(self.cues or {})
        return self

    def transform(self, X) -> sp.csr_matrix:
        check_is_fitted(self, "groups_")
        compiled = [_compile_group(self.cues[g]) for g in self.groups_]
        rows = []
        for text in map(text_of, X):
            counts = [sum(len(p.findall(text)) for p in pats) for pats in compiled]
            n_words = len(text.split())
            shape = [
                math.log1p(n_words) / math.log(40),
                float(n_words <= 6),
                float(text.rstrip().rstrip("\"'”’").endswith((".", "!"))),
                float(bool(re.match(r"\s*\d", text))),
            ]
            rows.append([math.log1p(c) for c in counts] + shape)
        return sp.csr_matrix(np.asarray(rows, dtype=np.float64) * self.weight)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "groups_")
        return np.asarray([f"cue_{g}" for g in self.groups_] + list(self.SHAPE), dtype=object)


class ClaimDetector(EmbedderParams, ClassifierMixin, BaseEstimator):
    """Labels sentences ``"none"`` or a claim type; cue, relevance and n-gram features + LR.

    ``claim_threshold`` applies to P(claim) = 1 - P(none); the type of a claim is the most
    probable claim type. ``cues_path`` is read at ``fit`` and copied into the model (``cues_``).
    ``embedder`` (None, or a name of :mod:`discourse.claims.embedding`, such as ``"minilm"``)
    adds the sentence's embedding, times ``embedding_weight``, to the features.
    """

    def __init__(
        self,
        cues_path: str | None = None,
        C: float = 10.0,
        cue_weight: float = 1.0,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        max_features: int | None = 8000,
        class_weight: str | dict | None = "balanced",
        claim_threshold: float = 0.5,
        relevance_weight: float = 1.0,
        random_state: int = 0,
        embedder: str | None = None,
        embedding_weight: float = 1.0,
    ):
        self.cues_path = cues_path
        self.C = C
        self.cue_weight = cue_weight
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.class_weight = class_weight
        self.claim_threshold = claim_threshold
        self.relevance_weight = relevance_weight
        self.random_state = random_state
        self.embedder = embedder
        self.embedding_weight = embedding_weight

    def fit(self, X, y):
        """Fit on rows ``X`` (texts or ``(text, relevance)``) and labels ``y`` ("none" or a
        claim type)."""
        X, y = list(X), np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} sentences but y has {len(y)} labels.")
        self.cues_ = load_cues(self.cues_path)["detector"].get("cues", {})
        features = FeatureUnion(
            [
                (
                    "words",
                    Pipeline(
                        [("text", TextOf()), ("tfidf", self._tfidf("word", self.word_ngram_range))]
                    ),
                ),
                (
                    "chars",
                    Pipeline(
                        [
                            ("text", TextOf()),
                            ("tfidf", self._tfidf("char_wb", self.char_ngram_range)),
                        ]
                    ),
                ),
                ("cues", CueFeatures(cues=self.cues_, weight=self.cue_weight)),
                ("relevance", RelevanceFeatures(weight=self.relevance_weight)),
            ]
            + (
                [("embedding", EmbeddingFeatures(self.embedder, self.embedding_weight))]
                if self.embedder
                else []
            )
        )
        clf = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=5000,
            random_state=self.random_state,
        )
        self.pipeline_ = Pipeline([("features", features), ("clf", clf)]).fit(X, y)
        for _, step in self.pipeline_.named_steps["features"].transformer_list:
            step = step.named_steps["tfidf"] if isinstance(step, Pipeline) else step
            if hasattr(step, "vocabulary_"):
                # numpy int64 values would each become a separate array in the skops file
                # (10x its size); plain ints index the same columns.
                step.vocabulary_ = {term: int(col) for term, col in step.vocabulary_.items()}
        self.classes_ = self.pipeline_.classes_
        return self

    def _tfidf(self, analyzer: str, ngram_range) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=tuple(ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            lowercase=True,
            dtype=np.float64,
        )

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.named_steps["clf"].predict_proba(self._features(list(X)))

    def _features(self, X: list) -> sp.csr_matrix:
        """The fitted feature union's output, with the char n-grams counted word by word
        (:mod:`discourse.charngrams`): the same matrix, computed in a fraction of the time."""
        union = self.pipeline_.named_steps["features"]
        if union.transformer_weights:
            return union.transform(X)
        blocks = []
        for _, step in union.transformer_list:
            tfidf = step.named_steps.get("tfidf") if isinstance(step, Pipeline) else None
            if (
                tfidf is not None
                and tfidf.analyzer == "char_wb"
                and tfidf.sublinear_tf
                and tfidf.use_idf
                and tfidf.norm == "l2"
            ):
                cache = self.__dict__.setdefault("_char_cache", {})
                counts = char_wb_counts(tfidf, step.named_steps["text"].transform(X), cache)
                blocks.append(sublinear_tfidf(counts, tfidf.idf_))
            else:
                blocks.append(step.transform(X))
        return sp.hstack(blocks, format="csr")

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_char_cache", None)  # a per-process cache, not part of the model file
        return state

    def claim_proba(self, X) -> np.ndarray:
        """P(claim) = 1 - P(none) for each sentence."""
        proba = self.predict_proba(X)
        none = list(self.classes_).index(NONE) if NONE in self.classes_ else None
        return 1.0 - proba[:, none] if none is not None else np.ones(len(proba))

    def predict(self, X) -> np.ndarray:
        return self._decide(self.predict_proba(X))[0]

    def _decide(self, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels, P(claim)) from class probabilities."""
        classes = np.asarray(self.classes_, dtype=object)
        is_type = classes != NONE
        p_claim = proba[:, is_type].sum(axis=1)
        best_type = classes[is_type][proba[:, is_type].argmax(axis=1)]
        labels = np.where(p_claim >= self.claim_threshold, best_type, NONE).astype(object)
        return labels, p_claim

    def predict_claims(self, rows) -> list[tuple[bool, float, str | None]]:
        """(is_claim, P(claim), claim type or None) for each row (text or (text, relevance))."""
        labels, p_claim = self._decide(self.predict_proba(list(rows)))
        return [
            (label != NONE, float(p), None if label == NONE else str(label))
            for label, p in zip(labels, p_claim)
        ]


# ---------------------------------------------------------------- persistence


def save_detector(model: ClaimDetector, folder: str | Path, metadata: dict) -> Path:
    """Write ``model.skops`` and ``metadata.json`` (caller's fields + versions) to ``folder``."""
    check_is_fitted(model, "pipeline_")
    params = {k: v for k, v in model.get_params().items() if k != "cues_path"}
    return save_model(model, folder, {"params": params, **metadata}, format_version=FORMAT_VERSION)


def default_model_dir() -> Path:
    """The bundled claim model folder."""
    return pipelines.path("models", "claims")


def load_detector(folder: str | Path | None = None) -> ClaimDetector:
    """Load a model folder written by ``save_detector``; never runs code from the file."""
    return load_model(
        folder or default_model_dir(),
        cls=ClaimDetector,
        allowed_types=ALLOWED_TYPES,
        format_version=FORMAT_VERSION,
        what="claim model",
        retrain="Train one with `python -m discourse.claims.train`.",
    )
