"""Relevance: how likely a sentence is to be about each stance target, claim or not.

A phrase match alone misses most of what real writers say ("the forum", "it", "localism",
"community organising"), so the decision is a model's. ``RelevanceModel`` is a scikit-learn
estimator over :class:`SentenceInput` rows with one logistic regression per target, on:

- word 1-2-gram TF-IDF of the sentence (shared by the targets);
- sentence embeddings (:mod:`discourse.claims.embedding`) of the sentence, of the sentence
  before it and of the document title, the latter two scaled down;
- per target: a practice phrase of the target in the sentence, in the sentence before, in the
  title, and a *reference*: a pronoun subject or a definite noun phrase ("the scheme", "the
  Act", "the forum") in a sentence whose previous sentence names the target.

Targets without training labels (a researcher's new target in ``targets.toml``) fall back to
the phrase evidence alone: ``MENTIONED`` for a phrase in the sentence, ``REFERRED`` for a
reference, ``UNRELATED`` otherwise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from spacy.tokens import Span

from discourse.claims.embedding import EMBEDDER, EMBEDDER_NAMES, EmbedderParams, embedder_for

MENTIONED, REFERRED, UNRELATED = 0.9, 0.6, 0.02
FLAGS = ("in_sentence", "in_context", "in_title", "referred")


@dataclasses.dataclass
class SentenceInput:
    """What the relevance model reads of one sentence."""

    text: str
    context: str = ""  # the sentence before it, or ""
    title: str = ""  # the document's title, or ""
    mentions: frozenset[str] = frozenset()  # targets a practice phrase of the sentence signals
    context_mentions: frozenset[str] = frozenset()
    title_mentions: frozenset[str] = frozenset()
    refers: bool = False  # a pronoun subject or a definite reference noun

    def flags(self, target: str) -> list[float]:
        return [
            float(target in self.mentions),
            float(target in self.context_mentions),
            float(target in self.title_mentions),
            float(self.refers and target in self.context_mentions),
        ]


def has_reference(span: Span, pronouns: frozenset[str], nouns: frozenset[str]) -> bool:
    """A subject pronoun ("It is a cloak for cuts") or a definite noun phrase whose head is a
    reference noun ("the scheme", "this initiative", "the Act")."""
    for tok in span:
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.lower_ in pronouns:
            head = tok.head
            # dummy "it": "It is clear that ...", "It is important to ..."
            if (
                tok.lower_ == "it"
                and head.lemma_ == "be"
                and any(c.dep_ in ("ccomp", "xcomp", "csubj") for c in head.children)
            ):
                continue
            return True
        if tok.lemma_.lower() in nouns and tok.pos_ in ("NOUN", "PROPN"):
            if any(
                c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these")
                for c in tok.children
            ):
                return True
    return False


class RelevanceModel(EmbedderParams, ClassifierMixin, BaseEstimator):
    """P(about target) for each target, per sentence (see the module docstring).

    ``fit(X, Y)``: ``X`` a list of :class:`SentenceInput`, ``Y`` a ``(n, len(targets))`` 0/1
    array; ``targets`` names Y's columns. ``predict_proba(X, targets)`` gives a
    ``(n, len(targets))`` array for any targets, trained or not.
    """

    default_embedder = EMBEDDER  # what models saved before the parameter existed used

    def __init__(
        self,
        targets: tuple[str, ...] = (),
        C: float = 4.0,
        context_weight: float = 0.5,
        title_weight: float = 0.5,
        flag_weight: float = 2.0,
        min_df: int = 2,
        embedder: str = EMBEDDER,
        embedding_weight: float = 1.0,
    ):
        self.targets = targets
        self.C = C
        self.context_weight = context_weight
        self.title_weight = title_weight
        self.flag_weight = flag_weight
        self.min_df = min_df
        self.embedder = embedder
        self.embedding_weight = embedding_weight

    def fit(self, X, Y, sample_weight=None):
        X = list(X)
        Y = np.asarray(Y, dtype=int)
        if Y.shape != (len(X), len(self.targets)):
            raise ValueError(f"Y must be (n_rows, {len(self.targets)}); got {Y.shape}.")
        self.targets_ = list(self.targets)
        self.classes_ = np.array([0, 1])
        self.embedder_ = EMBEDDER_NAMES.get(self.embedder, self.embedder)
        embedder_for(self.embedder_)  # an unknown name or a missing extra: said before fitting
        self.vectorizer_ = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=self.min_df, dtype=np.float32
        ).fit([x.text for x in X])
        self.vectorizer_.vocabulary_ = {k: int(v) for k, v in self.vectorizer_.vocabulary_.items()}
        shared = self._shared(X)
        self.models_ = {}
        for k, target in enumerate(self.targets_):
            y = Y[:, k]
            if len(set(y)) < 2:
                continue  # no contrast to learn from: the phrase fallback answers
            self.models_[target] = LogisticRegression(C=self.C, max_iter=3000).fit(
                self._with_flags(shared, X, target), y, sample_weight=sample_weight
            )
        return self

    def predict_proba(self, X, targets=None) -> np.ndarray:
        check_is_fitted(self, "models_")
        X = list(X)
        targets = list(targets if targets is not None else self.targets_)
        out = np.zeros((len(X), len(targets)))
        if not X:
            return out
        shared = self._shared(X) if any(t in self.models_ for t in targets) else None
        for k, target in enumerate(targets):
            model = self.models_.get(target)
            if model is not None:
                out[:, k] = model.predict_proba(self._with_flags(shared, X, target))[:, 1]
            else:
                out[:, k] = [
                    MENTIONED
                    if target in x.mentions
                    else REFERRED
                    if x.refers and target in x.context_mentions
                    else UNRELATED
                    for x in X
                ]
        return out

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)

    # ------------------------------------------------------------------ features

    def load_embedder(self) -> None:
        """Read the embedder's weights now (0.15 s) rather than at the first prediction."""
        self._embedder()

    def _embedder(self):
        """The embedder the model was trained with, loaded once per process."""
        return embedder_for(self.embedder_)

    def _shared(self, X: list[SentenceInput]) -> sp.csr_matrix:
        emb = self._embedder()
        # one embedding call for the three texts of every row, each distinct text once: a
        # sentence's context is the sentence before it and a document's title is every one of
        # its sentences' title
        texts = [x.text for x in X] + [x.context for x in X] + [x.title for x in X]
        distinct = list(dict.fromkeys(texts))
        where = {t: k for k, t in enumerate(distinct)}
        vecs = emb.embed(distinct)[[where[t] for t in texts]]
        n = len(X)
        dense = np.hstack(
            [
                vecs[:n],
                vecs[n : 2 * n] * self.context_weight,
                vecs[2 * n :] * self.title_weight,
            ]
        )
        if self.embedding_weight != 1.0:
            dense *= self.embedding_weight
        return sp.hstack(
            [self.vectorizer_.transform([x.text for x in X]), sp.csr_matrix(dense)], format="csr"
        )

    def _with_flags(self, shared: sp.csr_matrix, X: list[SentenceInput], target: str):
        flags = np.array([x.flags(target) for x in X], dtype=np.float32) * self.flag_weight
        return sp.hstack([shared, sp.csr_matrix(flags)], format="csr")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags


# ---------------------------------------------------------------- persistence

FORMAT_VERSION = 1
ALLOWED_TYPES = frozenset({"discourse.claims.relevance.RelevanceModel"})


def default_model_dir():
    """The bundled relevance model folder."""
    from discourse import pipelines

    return pipelines.path("models", "relevance")


def save_relevance(model: RelevanceModel, folder, metadata: dict):
    """Write ``model.skops`` and ``metadata.json`` to ``folder``."""
    from discourse.modelio import save_model

    check_is_fitted(model, "models_")
    return save_model(
        model,
        folder,
        {"params": model.get_params(), "embedder": model.embedder_, **metadata},
        format_version=FORMAT_VERSION,
    )


def load_relevance(folder=None) -> RelevanceModel:
    """Load a relevance model folder (default: the bundled one); never runs code from it."""
    from discourse.modelio import load_model

    return load_model(
        folder or default_model_dir(),
        cls=RelevanceModel,
        allowed_types=ALLOWED_TYPES,
        format_version=FORMAT_VERSION,
        what="relevance model",
        retrain="Train one with `python -m discourse.claims.train`.",
    )


def inputs_for_records(nlp, records: list[dict], pronouns, nouns) -> list[SentenceInput]:
    """SentenceInput rows for labelled records ({text, context, title}): each parsed as
    ``context + " " + text`` with a pipeline that has the practices matcher and a parser, as
    the relevance component would see the sentence in its document."""
    from discourse.claims.components import targets_in

    texts = []
    for r in records:
        ctx = r.get("context") or ""
        texts.append(((ctx + " " + r["text"]) if ctx else r["text"], len(ctx)))
    docs = list(nlp.pipe((t for t, _ in texts), batch_size=64))
    titles = [r.get("title") or "" for r in records]
    title_docs = list(nlp.pipe(titles, batch_size=64))
    out = []
    for r, doc, (_, n), tdoc in zip(records, docs, texts, title_docs):
        start = n + 1 if n else 0
        span = doc.char_span(start, len(doc.text), alignment_mode="expand")
        ctx = doc.char_span(0, n, alignment_mode="expand") if n else None
        out.append(
            SentenceInput(
                text=r["text"],
                context=r.get("context") or "",
                title=r.get("title") or "",
                mentions=targets_in(span),
                context_mentions=targets_in(ctx),
                title_mentions=targets_in(tdoc[:]),
                refers=has_reference(span, pronouns, nouns),
            )
        )
    return out
