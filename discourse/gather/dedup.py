"""Duplicate detection: exact content hashes and MinHash near-duplicates (datasketch).

Syndicated copies of one article across outlets differ in headline, credit line
and boilerplate but share most word shingles; MinHash LSH finds them without
comparing every pair.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from typing import Protocol

import numpy as np
from datasketch import MinHash

from discourse.store.bands import band_keys
from discourse.store.protocols import DocumentRepository
from discourse.store.records import StoredDocument

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


def containment(m: MinHash, size: int, other: MinHash, other_size: int) -> float:
    """|A∩B| / min(|A|, |B|) estimated from the MinHash Jaccard J and the shingle counts:
    |A∩B| = J(|A|+|B|)/(1+J)."""
    j = m.jaccard(other)
    return min(1.0, j * (size + other_size) / ((1 + j) * min(size, other_size)))


class NearDuplicates(Protocol):
    """What a run asks of a near-duplicate index (the stored one; benchmarks/dedup.py keeps
    the in-memory one it replaced, as the reference)."""

    def match(self, text: str, m: MinHash) -> tuple[int, float] | None: ...
    def stored(self, result: StoredDocument, m: MinHash, words: int) -> None: ...


class NearDuplicateIndex:
    """Near-duplicates among the stored originals; ``match`` returns (id, containment) or None.

    Syndicated copies add credit lines and trim paragraphs, so their Jaccard similarity
    to the original can be well under 0.7 while nearly all of the shorter text is in the
    longer one. LSH finds candidates at a lower Jaccard level (``CANDIDATE_JACCARD``; the
    store keeps every original's bands, discourse/store/bands.py); the decision is made on
    containment. A match looks up only the candidates that share a band and loads their
    signatures, so a run costs the same whatever the size of the corpus.

    One index serves one run (an import of one file, a crawl pass): call ``stored`` with
    what the store made of each document, in order.
    """

    CANDIDATE_JACCARD = 0.4

    def __init__(self, documents: DocumentRepository, threshold: float = 0.8, min_words: int = 50):
        self.documents = documents
        self.threshold = threshold
        self.min_words = min_words
        # Originals this run demoted (an earlier-published copy arrived and replaced them)
        # still match for the rest of the run, as they did when the index was loaded into
        # memory at the start of a run: the documents flagged stay the same.
        self._demoted: set[int] = set()

    def match(self, text: str, m: MinHash) -> tuple[int, float] | None:
        words = len(_WORD.findall(text))
        # Very short texts share shingles by chance; never call them near-duplicates.
        if words < self.min_words:
            return None
        size = shingle_count(words)
        best = None
        # In id order, so that of two equally contained candidates the older one wins.
        for doc_id, data, other_words in self.documents.near_duplicate_candidates(
            band_keys(to_bytes(m)), also=self._demoted
        ):
            c = containment(m, size, from_bytes(data), shingle_count(other_words))
            if c >= self.threshold and (best is None or c > best[1]):
                best = (doc_id, round(float(c), 3))
        return best

    def stored(self, result: StoredDocument, m: MinHash, words: int) -> None:
        """Note what the store did with a document (its bands are already stored)."""
        if result.replaced is not None:
            self._demoted.add(result.replaced)
