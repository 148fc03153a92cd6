"""``StanceClassifier``: stance of a claim toward a target (favor / against / neutral), a
scikit-learn estimator that also answers for targets it has no labels for.

Input rows are ``(text, target)`` or ``(text, target, view)`` where ``view`` is the stance view
stored at annotation time (:mod:`discourse.claims.stance_view`); without it the text is parsed. The
target is a target id of ``pipelines/targets.toml`` or free text naming the target.

How it decides (Bar-Haim et al., EACL 2017: stance = target polarity x claim sentiment):

- the label is turned into *effective sentiment*: for a target that names something it opposes
  ("... should be banned"), favor and against swap; the model learns effective sentiment and
  swaps back when it predicts;
- target-independent features from the view: lexicon polarity (VADER plus
  ``pipelines/stance_lexicon.tsv``) summed with the signs the parse gives each word (negation,
  "reduces X"), conceded clauses discounted, and the part of it in the clauses that mention
  the target; these carry over to new targets;
- signed word n-grams shared by all targets, and n-grams specific to each target, which help
  only where that target has labels;
- one logistic regression over all of it for targets that had labels in training, and one over
  the target-independent features (and the sentence vector, with an ``embedder``) for targets
  that had none; each calibrated by
  cross-validation (sigmoid), so the probabilities are usable as confidence; ``predict_stance``
  takes the likelier side when P(about) x P(side) reaches ``POLAR_THRESHOLD``
  (:func:`discourse.stance.decide.decide_stances`), and without P(about) returns
  ``neutral`` flagged as uncertain when the top probability is below ``neutral_threshold``.

The model for new targets learns effective sentiment, which a contrastive claim gets wrong: "Religion
comforts the bereaved" is against the motion "atheism is good" while its own sentiment is positive.
Where the training data says what each claim's own sentiment is, toward what the claim itself is
about (IBM claim-stance's ``claimSentiment``), ``fit(..., sentiment=...)`` lets that model learn it
instead; stance toward a new target is then that sentiment times the target's polarity, the
relation between the two targets taken as consistent (80% of IBM's claims). Targets with labels are
learnt from their labels either way.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from discourse import pipelines
from discourse.charngrams import char_wb_counts, count_matrix, sublinear_tfidf
from discourse.claims.embedding import EmbedderParams, embedder_for
from discourse.claims.stance_view import StanceView, load_stance_cues
from discourse.errors import InputError
from discourse.stance import targets as _targets
from discourse.stance.decide import StanceOutput
from discourse.vocabulary import STANCES

# a letter or digit (``str.isalnum`` of some character: ``\w`` is isalnum or "_")
_HAS_ALNUM = re.compile(r"[^\W_]").search

LABELS = STANCES
SWAP = {"favor": "against", "against": "favor", "neutral": "neutral"}
# a claim's own sentiment (``fit(sentiment=...)``) as the effective label it stands for
SENTIMENT_LABEL = {1: "favor", -1: "against", 0: "neutral", None: None}
DENSE_FEATURES = (
    "composed",
    "composed_positive",
    "composed_negative",
    "raw",
    "target_clauses",
    "lexicon_hits",
    "target_found",
    "flipped_words",
    "conceded_share",
)
_nlp_cache: dict = {}


def fit_calibrated(base, folds: int, X, y, n_jobs: int | None = None):
    """``base`` fitted with sigmoid calibration over up to ``folds`` stratified folds (fewer
    when a class is small; plain ``base`` when a class has fewer than two examples). The
    folds are fitted in ``n_jobs`` processes. BLAS runs single-threaded throughout, so the
    numbers are the same whether the folds run here or in worker processes."""
    folds = min(folds, int(min(np.unique(y, return_counts=True)[1])))
    with threadpool_limits(1):
        if folds < 2:
            return base.fit(X, y)
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        return CalibratedClassifierCV(
            base, method="sigmoid", cv=cv, ensemble=False, n_jobs=n_jobs
        ).fit(X, y)


def vader_lexicon() -> dict[str, float]:
    """VADER's word valences (MIT; the file ships in the vaderSentiment wheel)."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                out[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return out


def read_lexicon(path: str | Path) -> dict[str, float]:
    """A word<TAB>polarity file; a bad line names the file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    out = {}
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        try:
            word, value = parts[0].strip().lower(), float(parts[1])
        except (IndexError, ValueError):
            raise InputError(f"{path}, line {n}: expected word<TAB>polarity.") from None
        if not word or not -4 <= value <= 4 or value != value:
            raise InputError(f"{path}, line {n}: polarity must be within -4..4.")
        out[word] = value
    return out


def as_rows(X) -> list[tuple]:
    """(text, target, view-or-None) for each input row: tuples/lists, dicts or a DataFrame
    with ``text`` and ``target`` (and optionally ``view``) columns."""
    if hasattr(X, "columns"):  # a pandas DataFrame
        cols = [c for c in ("text", "target", "view") if c in X.columns]
        X = X[cols].to_dict("records")
    rows = []
    for i, row in enumerate(X):
        if isinstance(row, dict):
            text, target, view = row.get("text"), row.get("target"), row.get("view")
        elif isinstance(row, (tuple, list, np.ndarray)) and len(row) in (2, 3):
            text, target = row[0], row[1]
            view = row[2] if len(row) == 3 else None
        else:
            raise ValueError(f"row {i}: expected (text, target) or (text, target, view).")
        if not isinstance(text, str) or not isinstance(target, str):
            raise ValueError(f"row {i}: text and target must be strings.")
        if isinstance(view, str):
            view = json.loads(view)
        rows.append((text, target, view))
    return rows


def parse_views(texts: list[str], config: str | None = None, batch_size: int = 256) -> list[dict]:
    """Stance views of whole texts, parsed with the claims pipeline's model and practices."""
    from discourse.claims.pipeline import load_pipeline

    key = config or ""
    if key not in _nlp_cache:
        _nlp_cache[key] = load_pipeline(config, stance_view_only=True)
    nlp = _nlp_cache[key]
    viewer = nlp.get_pipe(_stance_view_pipe(nlp)).viewer
    return [viewer.view(doc[:]) for doc in nlp.pipe(texts, batch_size=batch_size)]


def _stance_view_pipe(nlp) -> str:
    for name, pipe in nlp.pipeline:
        if isinstance(pipe, StanceView):
            return name
    raise InputError("the pipeline config has no discourse_stance_view component.")


class StanceClassifier(EmbedderParams, StanceOutput, ClassifierMixin, BaseEstimator):
    """Target-aware stance classifier (see the module docstring).

    Parameters
    ----------
    C : inverse regularisation strength of the logistic regression.
    lexicon_weight, ngram_weight, target_ngram_weight, char_weight : scale of the feature
        blocks (composed lexicon features, shared signed word n-grams, per-target word n-grams,
        shared character 2-5-grams within words).
    calibration_cv : folds for the sigmoid calibration (fewer if a class is smaller).
    neutral_threshold : ``predict_stance`` says neutral (uncertain) below this probability.
    class_weight : passed to the logistic regression.
    lexicon_path, cues_path, targets_path : the domain lexicon, stance cue and target files
        (defaults in ``pipelines/``); read at ``fit`` and kept in the fitted model.
    pipeline_config : spaCy pipeline config used to parse rows that come without a view.
    n_jobs : processes fitting the calibration folds (``None``: one). The fitted model is the
        same for any value.
    embedder, embedding_weight : ``None``, or a sentence embedder of
        :mod:`discourse.claims.embedding` (such as ``"minilm"``) whose vector of the sentence,
        times ``embedding_weight``, is one more feature block.
    """

    def __init__(
        self,
        C: float = 10.0,
        lexicon_weight: float = 1.0,
        ngram_weight: float = 1.0,
        target_ngram_weight: float = 1.0,
        char_weight: float = 1.0,
        calibration_cv: int = 5,
        neutral_threshold: float = 0.45,
        class_weight: str | None = "balanced",
        lexicon_path: str | None = None,
        cues_path: str | None = None,
        targets_path: str | None = None,
        pipeline_config: str | None = None,
        n_jobs: int | None = None,
        embedder: str | None = None,
        embedding_weight: float = 1.0,
    ):
        self.C = C
        self.lexicon_weight = lexicon_weight
        self.ngram_weight = ngram_weight
        self.target_ngram_weight = target_ngram_weight
        self.char_weight = char_weight
        self.calibration_cv = calibration_cv
        self.neutral_threshold = neutral_threshold
        self.class_weight = class_weight
        self.lexicon_path = lexicon_path
        self.cues_path = cues_path
        self.targets_path = targets_path
        self.pipeline_config = pipeline_config
        self.n_jobs = n_jobs
        self.embedder = embedder
        self.embedding_weight = embedding_weight

    # ------------------------------------------------------------------ fitting

    def fit(self, X, y, sentiment=None):
        """Fit on ``X`` rows and their stance labels ``y``. ``sentiment``: ``None``, or per row
        the claim's own sentiment toward what it is about, +1, -1, 0 (neutral) or ``None``
        (unknown); where known, the model for targets without labels learns it in place of the
        row's effective sentiment (see the module docstring)."""
        rows = as_rows(X)
        y = np.asarray([str(v) for v in y], dtype=object)
        if len(rows) != len(y):
            raise ValueError(f"X has {len(rows)} rows but y has {len(y)}.")
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown stance labels {unknown}; expected {list(LABELS)}.")
        if sentiment is not None:
            # a missing value as pandas gives it (NaN) is unknown
            sentiment = [None if isinstance(v, float) and math.isnan(v) else v for v in sentiment]
            if len(sentiment) != len(y):
                raise ValueError(f"sentiment has {len(sentiment)} values but y has {len(y)}.")
            bad = sorted({repr(v) for v in sentiment if v not in SENTIMENT_LABEL})
            if bad:
                raise ValueError(
                    f"unknown sentiment values {', '.join(bad)}; expected +1, -1, 0 or None."
                )
        lexicon = vader_lexicon()
        lexicon.update(read_lexicon(self.lexicon_path or pipelines.path("stance_lexicon.tsv")))
        self.lexicon_ = lexicon
        cues = load_stance_cues(self.cues_path)
        self.flip_words_ = sorted(w.lower() for w in cues["target_flip_words"])
        registry = _targets.target_registry(self.targets_path)
        self.target_polarity_ = {k: int(v["polarity"]) for k, v in registry.items()}
        self.__dict__.pop("_runtime", None)  # caches of an earlier fit
        rows = self._with_views(rows)
        pol = np.array([self._polarity(t) for _, t, _ in rows])
        y_eff = np.array([SWAP[v] if p < 0 else v for v, p in zip(y, pol)], dtype=object)
        # what the model for targets without labels learns: the claims' own sentiment where
        # the data gives it, else their effective sentiment
        y_general = y_eff
        if sentiment is not None:
            y_general = np.array(
                [SENTIMENT_LABEL[v] or e for v, e in zip(sentiment, y_eff)], dtype=object
            )
            if len(set(y_general)) < 2:
                raise ValueError(
                    f"with the sentiment given, every row says {y_general[0]!r}: the model for "
                    "targets without labels needs two kinds of row."
                )
        self.classes_ = np.array(sorted(set(y) | set(y_eff)), dtype=object)
        dense = self._dense(rows)
        self.dense_scale_ = np.where(dense.std(0) > 1e-9, dense.std(0), 1.0)
        grams = self._grams(rows)
        self.ngram_vectorizer_ = TfidfVectorizer(
            token_pattern=r"\S+", lowercase=False, sublinear_tf=True, dtype=np.float32, min_df=2
        ).fit([" ".join(g) for g in grams])
        self.char_counter_ = CountVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=2, dtype=np.float32
        )
        char_counts = self.char_counter_.fit_transform([r[0] for r in rows])
        self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(char_counts)
        self.seen_targets_ = sorted({self._target_info(t)[0] for _, t, _ in rows})
        F = self._stack(rows, dense, grams, fit=True)
        self.classifier_ = fit_calibrated(
            self._base(self.C), self.calibration_cv, F, y_eff, self.n_jobs
        )
        # for targets without labels: the target-independent features and the sentence
        # vector (small: one process is faster than starting more)
        self.general_embeds_ = bool(self.embedder)
        self.general_classifier_ = fit_calibrated(
            self._base(1.0), self.calibration_cv, self._general_block(rows, dense), y_general
        )
        # the general model may know a label the stance labels lack (a neutral sentiment)
        self.classes_ = np.array(
            sorted(set(self.classes_) | set(self.general_classifier_.classes_)), dtype=object
        )
        return self

    def _base(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=3000, tol=1e-3, class_weight=self.class_weight)

    # ------------------------------------------------------------------ prediction

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, ["classifier_", "general_classifier_", "seen_targets_"])
        rows = self._with_views(as_rows(X))
        if not rows:
            return np.zeros((0, len(self.classes_)))
        dense = self._dense(rows)
        seen = set(self.seen_targets_)
        known = np.array([self._target_info(t)[0] in seen for _, t, _ in rows])
        eff = np.zeros((len(rows), len(self.classifier_.classes_)))
        if known.any():
            sub = [r for r, k in zip(rows, known) if k]
            F = self._stack(sub, dense[known], self._grams(sub))
            eff[known] = self.classifier_.predict_proba(F)
        out = np.zeros((len(rows), len(self.classes_)))
        col = {c: i for i, c in enumerate(self.classes_)}
        pol = np.array([self._polarity(t) for _, t, _ in rows])
        parts = [(known, self.classifier_.classes_, eff)]
        if (~known).any():
            sub = [r for r, k in zip(rows, known) if not k]
            general = np.zeros((len(rows), len(self.general_classifier_.classes_)))
            general[~known] = self.general_classifier_.predict_proba(
                self._general_block(sub, dense[~known])
            )
            parts.append((~known, self.general_classifier_.classes_, general))
        for mask, classes, proba in parts:
            for j, c in enumerate(classes):
                out[mask & (pol > 0), col[c]] += proba[mask & (pol > 0), j]
                out[mask & (pol < 0), col[SWAP[c]]] += proba[mask & (pol < 0), j]
        return out

    # ------------------------------------------------------------------ features

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python 3.11 hands back __dict__ itself
        state.pop("_runtime", None)  # per-process caches: not part of the model file
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        # models saved before the general model took the sentence vector
        self.__dict__.setdefault("general_embeds_", False)

    @property
    def _cache(self) -> dict:
        """Per-process caches, built on first use: the flip words as a set, each target's
        key and keywords, each word's char n-gram ids."""
        cache = self.__dict__.get("_runtime")
        if cache is None:
            cache = {"flip": frozenset(self.flip_words_), "targets": {}, "chars": {}}
            self.__dict__["_runtime"] = cache
        return cache

    def _with_views(self, rows: list[tuple]) -> list[tuple]:
        missing = [i for i, r in enumerate(rows) if r[2] is None]
        if missing:
            views = parse_views([rows[i][0] for i in missing], self.pipeline_config)
            rows = list(rows)
            for i, v in zip(missing, views):
                rows[i] = (rows[i][0], rows[i][1], v)
        return rows

    def _polarity(self, target: str) -> int:
        if target in self.target_polarity_:
            return self.target_polarity_[target]
        return _targets.polarity(target, self._cache["flip"])

    def _target_info(self, target: str) -> tuple[str, frozenset]:
        info = self._cache["targets"].get(target)
        if info is None:
            if target in self.target_polarity_:
                info = (target, frozenset())
            else:
                key = hashlib.sha1(_targets.normalise(target).encode()).hexdigest()[:10]
                info = (key, _targets.keywords(target))
            self._cache["targets"][target] = info
        return info

    def _dense(self, rows: list[tuple]) -> np.ndarray:
        lex = self.lexicon_
        out = np.zeros((len(rows), len(DENSE_FEATURES)))
        for r, (_, target, view) in enumerate(rows):
            words, lemmas, signs = view["w"], view["l"], view["s"]
            conceded, heads = view["c"], view["h"]
            mentions = view["m"].get(target)
            if mentions is None:
                _, kw = self._target_info(target)
                mentions = [
                    i
                    for i, w in enumerate(words)
                    if kw and (_targets.stem(w) in kw or (lemmas[i] and lemmas[i] in kw))
                ]
            clauses = {heads[i] for i in mentions}
            # "X is far better than <target>": what is said of X is said against the target
            compared = view.get("x") or [0] * len(words)
            against_side = bool(mentions) and all(compared[i] for i in mentions)
            comp = pos = neg = raw = local = 0.0
            hits = flipped = conc = 0
            for i, w in enumerate(words):
                p = lex.get(w)
                if p is None and lemmas[i]:
                    p = lex.get(lemmas[i])
                if not p:
                    continue
                hits += 1
                raw += p
                v = p * signs[i] * (0.3 if conceded[i] else 1.0)
                if against_side and not compared[i]:
                    v = -v
                flipped += signs[i] < 0
                conc += conceded[i]
                comp += v
                if v > 0:
                    pos += v
                else:
                    neg += v
                if heads[i] in clauses:
                    local += v
            out[r] = (
                comp / 4,
                pos / 4,
                neg / 4,
                raw / 4,
                local / 4,
                math.log1p(hits),
                1.0 if mentions else 0.0,
                flipped,
                conc / hits if hits else 0.0,
            )
        return out

    @staticmethod
    def _grams(rows: list[tuple]) -> list[list[str]]:
        """Signed word 1- and 2-grams of each row ("~" marks a word whose sign is negative)."""
        out = []
        for _, _, view in rows:
            toks = [
                w if s > 0 else "~" + w
                for w, s in zip(view["w"], view["s"])
                if w.isalnum() or _HAS_ALNUM(w)
            ]
            out.append(toks + [a + "_" + b for a, b in zip(toks, toks[1:])])
        return out

    def _ngram_block(self, grams: list[list[str]]) -> sp.csr_matrix:
        """The fitted n-gram TfidfVectorizer's transform of the gram lists, computed from its
        vocabulary and idf directly (the same numbers, without re-tokenising)."""
        vocab = self.ngram_vectorizer_.vocabulary_
        indptr, indices = [0], []
        for g in grams:
            indices.extend(i for i in map(vocab.get, g) if i is not None)
            indptr.append(len(indices))
        return self._tfidf(indices, indptr, len(vocab), self.ngram_vectorizer_.idf_)

    def _char_block(self, texts: list[str]) -> sp.csr_matrix:
        """char_wb 2-5-gram tf-idf of the texts, each distinct word analysed once
        (:mod:`discourse.charngrams`)."""
        counts = char_wb_counts(self.char_counter_, texts, self._cache["chars"], np.float32)
        return sublinear_tfidf(counts, self.char_tfidf_.idf_)

    @staticmethod
    def _tfidf(indices, indptr, width: int, idf) -> sp.csr_matrix:
        """Rows of feature ids (repeats = counts) -> sublinear tf x idf, L2-normalised."""
        return sublinear_tfidf(count_matrix(indices, indptr, width, np.float32), idf)

    def _specific(
        self, block: sp.csr_matrix, rows: list[tuple], fit: bool = False
    ) -> sp.csr_matrix:
        """The n-gram block moved into each row's own target's columns: per-target n-grams.
        Only (target, n-gram) columns seen in training are kept (``specific_columns_``), so
        the width grows with the labels, not with targets x vocabulary."""
        index = {k: i for i, k in enumerate(self.seen_targets_)}
        width = block.shape[1]
        offsets = np.array([index[self._target_info(t)[0]] * width for _, t, _ in rows])
        wide = block.indices.astype(np.int64) + np.repeat(offsets, np.diff(block.indptr))
        if fit:
            self.specific_columns_ = np.unique(wide)
        cols = self.specific_columns_
        pos = np.searchsorted(cols, wide)
        keep = pos < len(cols)
        keep[keep] = cols[pos[keep]] == wide[keep]
        row_of = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(row_of[keep], minlength=block.shape[0]))]
        )
        return sp.csr_matrix(
            (block.data[keep], pos[keep], indptr), shape=(block.shape[0], len(cols))
        )

    def _dense_block(self, dense):
        return sp.csr_matrix(dense / self.dense_scale_ * self.lexicon_weight, dtype=np.float32)

    def _general_block(self, rows, dense):
        """The features of the model for targets without labels."""
        block = self._dense_block(dense)
        if not self.general_embeds_:
            return block
        return sp.hstack([block, self._embedding_block(rows)], format="csr")

    def _embedding_block(self, rows):
        vecs = embedder_for(self.embedder).embed([r[0] for r in rows])
        return sp.csr_matrix(vecs * np.float32(self.embedding_weight))

    def _stack(self, rows, dense, grams, fit: bool = False):
        ngrams = self._ngram_block(grams)
        blocks = [
            self._dense_block(dense),
            ngrams * self.ngram_weight,
            self._specific(ngrams, rows, fit) * self.target_ngram_weight,
        ]
        if self.char_weight:
            blocks.append(self._char_block([r[0] for r in rows]) * self.char_weight)
        if self.embedder:
            blocks.append(self._embedding_block(rows))
        return sp.hstack(blocks, format="csr")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
