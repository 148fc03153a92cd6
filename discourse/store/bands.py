"""The layout of near-duplicate detection's LSH bands, as stored in ``document_bands``.

A MinHash signature (``documents.minhash``: 128 little-endian 64-bit values) is cut into
``BANDS`` bands of ``ROWS`` values each; two documents are candidate near-duplicates when any
band is equal byte for byte. These are the (b, r) datasketch's ``MinHashLSH`` chooses for
threshold 0.4 and 128 permutations (gather/dedup.py checks that at import), so the stored
index proposes the same candidates as the in-memory one it replaced. Migration 0009 cuts the
stored signatures with the same numbers: never change them without a migration.
"""

from __future__ import annotations

BANDS = 32
ROWS = 4
KEY_BYTES = ROWS * 8


def band_keys(signature: bytes | None) -> list[tuple[int, bytes]]:
    """(band, key) of every whole band of a stored signature (none for a short or missing one)."""
    if not signature:
        return []
    keys = []
    for band in range(BANDS):
        key = signature[band * KEY_BYTES : (band + 1) * KEY_BYTES]
        if len(key) < KEY_BYTES:
            break
        keys.append((band, bytes(key)))
    return keys


BANDS_SCHEMA_VERSION = 9  # migration 0009_dedup_bands


class StoresBands:
    """For a document store: whether its schema has near-duplicate bands. A corpus opened at
    an older version (tests build those) stores its documents without. Needs ``self.db``
    with ``version()``; asked once per store."""

    _has_bands: bool | None = None

    def _writes_bands(self) -> bool:
        if self._has_bands is None:
            self._has_bands = self.db.version() >= BANDS_SCHEMA_VERSION
        return self._has_bands
