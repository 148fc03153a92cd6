"""Character n-grams within words (scikit-learn's ``char_wb`` analyzer), counted word by word.

``char_wb`` n-grams never cross a word boundary, so a text's n-gram counts are the sum of its
words' counts. Sentences repeat words endlessly, so analysing each distinct word once and
caching its n-gram columns gives the counts a fitted vectorizer would give, at a fraction of
the cost: the vectorizer's own ``transform`` re-analyses every word of every text. Used by the
claim detector and the stance model.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import scipy.sparse as sp

# distinct words kept in a cache before it is emptied
CACHE_WORDS = 500_000


def char_wb_counts(vectorizer, texts: list[str], cache: dict, dtype=np.float64) -> sp.csr_matrix:
    """The texts' char_wb n-gram counts under a fitted ``vectorizer`` (a Count- or
    TfidfVectorizer with ``analyzer="char_wb"``): the matrix its ``CountVectorizer.transform``
    gives. ``cache`` maps a word to its n-gram columns and is filled as words are met."""
    if len(cache) > CACHE_WORDS:
        cache.clear()
    lower = vectorizer.lowercase  # the analyser lowercases too: this only shares cache entries
    # each text as columns of its batch's distinct words: texts x words counts, times the
    # words' n-gram rows (a sparse product, in C, instead of a Python loop over every n-gram)
    distinct: dict[str, int] = {}
    column = distinct.setdefault
    word_ids, indptr = [], [0]
    for text in texts:
        word_ids.extend(column(w, len(distinct)) for w in (text.lower() if lower else text).split())
        indptr.append(len(word_ids))
    new = [w for w in distinct if w not in cache]
    if new:
        analyse = vectorizer.build_analyzer()
        vocab = vectorizer.vocabulary_
        for w in new:
            cache[w] = [vocab[g] for g in analyse(w) if g in vocab]
    grams = [cache[w] for w in distinct]
    words = sp.csr_matrix(
        (
            np.ones(sum(map(len, grams)), dtype=dtype),
            np.fromiter(chain.from_iterable(grams), dtype=np.int64),
            np.concatenate([[0], np.cumsum([len(g) for g in grams], dtype=np.int64)]),
        ),
        shape=(len(grams), len(vectorizer.vocabulary_)),
    )
    words.sum_duplicates()  # a word may hold an n-gram twice ("aaaa")
    counts = count_matrix(word_ids, indptr, len(grams), dtype) @ words
    # the product's columns come in the order the batch met its words: sorted, a text's row
    # is the same in any batch, and so are float sums over it (norms, dot products)
    counts.sort_indices()
    return counts


def count_matrix(indices, indptr, width: int, dtype=np.float64) -> sp.csr_matrix:
    """Rows of column ids (a repeated id is a count) as a CSR count matrix ``width`` wide."""
    counts = sp.csr_matrix(
        (np.ones(len(indices), dtype=dtype), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(indptr) - 1, width),
    )
    counts.sum_duplicates()
    return counts


def sublinear_tfidf(counts: sp.csr_matrix, idf) -> sp.csr_matrix:
    """Counts -> (1 + log tf) x idf, rows L2-normalised: a fitted ``TfidfVectorizer``'s
    transform with ``sublinear_tf=True`` and ``norm="l2"`` (``counts`` is changed in place)."""
    counts.data = (np.log(counts.data) + 1) * np.asarray(idf)[counts.indices].astype(counts.dtype)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(1)).ravel())
    norms[norms == 0] = 1
    return sp.csr_matrix(sp.diags((1 / norms).astype(counts.dtype)) @ counts)
