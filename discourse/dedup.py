"""Duplicate detection: exact content hashes and MinHash near-duplicates (datasketch).

Syndicated copies of one article across outlets differ in headline, credit line
and boilerplate but share most word shingles; MinHash LSH finds them without
comparing every pair.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 5
SCHEME = "affine32"  # stored signatures depend on it: never change without a migration
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    """SHA-256 of the text with case, punctuation and spacing normalised."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def minhash(text: str) -> MinHash:
    words = _WORD.findall(text.lower())
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def to_bytes(m: MinHash) -> bytes:
    return m.hashvalues.astype("<u8").tobytes()


def from_bytes(data: bytes) -> MinHash:
    return MinHash(
        num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype="<u8")
    )


class NearDuplicateIndex:
    """An LSH index over stored originals; ``match`` returns (id, similarity) or None."""

    def __init__(self, threshold: float = 0.8, min_words: int = 50):
        self.threshold = threshold
        self.min_words = min_words
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sigs: dict[int, MinHash] = {}

    def add(self, doc_id: int, m: MinHash) -> None:
        if doc_id not in self._sigs:
            self._lsh.insert(doc_id, m)
            self._sigs[doc_id] = m

    def load(self, rows) -> NearDuplicateIndex:
        for doc_id, data in rows:
            self.add(doc_id, from_bytes(data))
        return self

    def match(self, text: str, m: MinHash) -> tuple[int, float] | None:
        # Very short texts share shingles by chance; never call them near-duplicates.
        if len(_WORD.findall(text)) < self.min_words:
            return None
        best = None
        for doc_id in self._lsh.query(m):
            sim = m.jaccard(self._sigs[doc_id])
            if sim >= self.threshold and (best is None or sim > best[1]):
                best = (doc_id, round(float(sim), 3))
        return best

    def __len__(self) -> int:
        return len(self._sigs)
