"""discourse.charngrams: word-by-word char_wb counts are the fitted vectorizer's own counts."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from discourse.charngrams import char_wb_counts

FIT = [
    "Co-production delivers multiple benefits for residents.",
    "The consultation was a tick-box exercise, aaaa aaaa.",
    "Residents are tired of being consulted on plans they cannot change.",
]


@pytest.mark.parametrize("lowercase", [True, False])
def test_counts_equal_the_vectorizers_transform_across_batches(lowercase):
    vec = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=lowercase).fit(FIT)
    cache: dict = {}
    batches = [
        FIT,
        # a word holding one n-gram several times, repeated words, unseen words, blanks
        ["aaaa aaaa aaaa", "", "   ", "Ünïcödé wörds in the Council's café", "tick-box tick-box"],
        ["Residents RESIDENTS residents", "aaaa"],  # served from the cache filled above
        [],
    ]
    for texts in batches:
        ours = char_wb_counts(vec, texts, cache)
        theirs = vec.transform(texts)
        assert ours.shape == theirs.shape == (len(texts), len(vec.vocabulary_))
        assert (ours != theirs).nnz == 0
    assert "aaaa" in cache
    # "aaaa" holds " aa", "aa", "aaa" ... more than once: counts, not presence
    row = char_wb_counts(vec, ["aaaa"], cache)
    assert row[0, vec.vocabulary_["aa"]] == 3


def test_counts_keep_the_requested_dtype():
    vec = CountVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(FIT)
    assert char_wb_counts(vec, FIT, {}, np.float32).dtype == np.float32
    assert char_wb_counts(vec, FIT, {}).dtype == np.float64


def test_a_texts_row_is_the_same_whatever_batch_it_comes_in():
    # the order of a row's columns must not depend on which words the batch met first:
    # float32 sums over a row (its norm, the model's dot product) would differ in the last
    # digit between one process and a cluster that batches the same texts differently
    vec = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(FIT)
    text = "Residents are tired of being consulted on plans they cannot change."
    alone = char_wb_counts(vec, [text], {}, np.float32)
    batched = char_wb_counts(vec, [FIT[1], "tired plans", text], {}, np.float32)[2]
    assert np.array_equal(alone.indices, batched.indices)
    assert np.array_equal(alone.data, batched.data)
