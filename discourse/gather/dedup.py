"""Duplicate detection: exact content hashes and MinHash near-duplicates (datasketch).

Syndicated copies of one article across outlets differ in headline, credit line
and boilerplate but share most word shingles; MinHash LSH finds them without
comparing every pair.
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 5
# Stored signatures depend on these: never change them without a migration.
SCHEME = "affine32"
# Shingles are hashed with CRC-32 (C speed; the permutations spread the values).
# Computed once: MinHash() would otherwise draw its 128 permutations for every signature.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    """SHA-256 of the text with case, punctuation and spacing normalised."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def minhash(text: str) -> MinHash:
    words = _WORD.findall(text.lower())
    m = MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashfunc=zlib.crc32, permutations=_PERMUTATIONS)
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def to_bytes(m: MinHash) -> bytes:
    return m.hashvalues.astype("<u8").tobytes()


def from_bytes(data: bytes) -> MinHash:
    return MinHash(
        num_perm=NUM_PERM,
        scheme=SCHEME,
        permutations=_PERMUTATIONS,
        hashvalues=np.frombuffer(data, dtype="<u8"),
    )


def shingle_count(words: int) -> int:
    """Distinct shingles in a text of ``words`` words (an upper bound, exact without repeats)."""
    return max(1, words - SHINGLE + 1)


class NearDuplicateIndex:
    """An LSH index over stored originals; ``match`` returns (id, containment) or None.

    Syndicated copies add credit lines and trim paragraphs, so their Jaccard similarity
    to the original can be well under 0.7 while nearly all of the shorter text is in the
    longer one. LSH finds candidates at a lower Jaccard level; the decision is made on
    containment |A∩B| / min(|A|, |B|), estimated from the MinHash Jaccard and the sizes:
    |A∩B| = J(|A|+|B|)/(1+J).
    """

    CANDIDATE_JACCARD = 0.4

    def __init__(self, threshold: float = 0.8, min_words: int = 50):
        self.threshold = threshold
        self.min_words = min_words
        self._lsh = MinHashLSH(threshold=self.CANDIDATE_JACCARD, num_perm=NUM_PERM)
        self._sigs: dict[int, tuple[MinHash, int]] = {}

    def add(self, doc_id: int, m: MinHash, words: int) -> None:
        if doc_id not in self._sigs:
            self._lsh.insert(doc_id, m)
            self._sigs[doc_id] = (m, shingle_count(words))

    def load(self, rows) -> NearDuplicateIndex:
        """Rows of (id, signature bytes, word count)."""
        for doc_id, data, words in rows:
            self.add(doc_id, from_bytes(data), words)
        return self

    def match(self, text: str, m: MinHash) -> tuple[int, float] | None:
        words = len(_WORD.findall(text))
        # Very short texts share shingles by chance; never call them near-duplicates.
        if words < self.min_words:
            return None
        size = shingle_count(words)
        best = None
        for doc_id in self._lsh.query(m):
            other, other_size = self._sigs[doc_id]
            j = m.jaccard(other)
            containment = min(1.0, j * (size + other_size) / ((1 + j) * min(size, other_size)))
            if containment >= self.threshold and (best is None or containment > best[1]):
                best = (doc_id, round(float(containment), 3))
        return best

    def __len__(self) -> int:
        return len(self._sigs)
