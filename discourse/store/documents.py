"""Documents, their aliases, and deduplication on write."""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence

from discourse.store.bands import StoresBands, band_keys
from discourse.store.records import Document, Item, NewDocument, StoredDocument
from discourse.store.sqlite import Database

_DOC_COLUMNS = (
    "d.id, s.name AS source, d.url, d.canonical_url, d.title, d.author, d.published, "
    "d.language, d.text, d.content_hash, d.duplicate_of, d.word_count"
)


def _compressed(doc: NewDocument) -> bytes | None:
    if doc.raw_html is None or doc.raw_html_compressed:
        return doc.raw_html
    return zlib.compress(doc.raw_html, 1)


class DocumentStore(StoresBands):
    def __init__(self, db: Database):
        self.db = db

    def find(self, keys: Iterable[str], content_hash: str | None = None) -> int | None:
        """The id of a stored document known under any of ``keys`` or with that content hash."""
        keys = [k for k in dict.fromkeys(keys) if k]
        if keys:
            marks = ",".join("?" * len(keys))
            row = self.db.execute(
                f"SELECT id FROM documents WHERE canonical_url IN ({marks}) UNION ALL "
                f"SELECT document_id FROM document_aliases WHERE alias IN ({marks}) LIMIT 1",
                (*keys, *keys),
            ).fetchone()
            if row:
                return row[0]
        if content_hash:
            row = self.db.execute(
                "SELECT id FROM documents WHERE content_hash = ? ORDER BY duplicate_of IS NOT NULL,"
                " id LIMIT 1",
                (content_hash,),
            ).fetchone()
            if row:
                return row[0]
        return None

    def add(
        self,
        doc: NewDocument,
        *,
        item: Item | None = None,
        near_duplicate: tuple[int, float] | None = None,
    ) -> StoredDocument:
        """Store a document once: an exact duplicate (URL, alias, GUID or content hash) only
        adds aliases; a near-duplicate is stored linked to its original. The frontier item, if
        given, is marked done in the same transaction."""
        keys = [doc.canonical_url, doc.url, doc.guid, *doc.aliases]
        with self.db.transaction() as conn:
            existing = self.find(keys, doc.content_hash)
            if existing is not None:
                self._add_aliases(existing, keys)
                result = StoredDocument(existing, "duplicate", duplicate_of=existing)
            else:
                dup_of, sim = near_duplicate or (None, None)
                cur = conn.execute(
                    "INSERT INTO documents(source_id, url, canonical_url, guid, title, author, "
                    "published, language, text, raw_html, content_hash, minhash, duplicate_of, "
                    "similarity, extractor, word_count) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc.source_id,
                        doc.url,
                        doc.canonical_url,
                        doc.guid,
                        doc.title,
                        doc.author,
                        doc.published,
                        doc.language,
                        doc.text,
                        _compressed(doc),
                        doc.content_hash,
                        doc.minhash,
                        dup_of,
                        sim,
                        doc.extractor,
                        len(doc.text.split()),
                    ),
                )
                new_id = cur.lastrowid
                self._add_aliases(new_id, keys)
                replaces = bool(dup_of) and self._published_earlier(doc.published, dup_of)
                # Only originals are ever candidates (near_duplicate_candidates), and a
                # near-duplicate never becomes one: its bands would only lengthen every later
                # lookup of the same text (benchmarks/copies.py).
                if self._writes_bands() and (not dup_of or replaces):
                    conn.executemany(
                        "INSERT INTO document_bands(band, key, document_id) VALUES (?, ?, ?)",
                        [(band, key, new_id) for band, key in band_keys(doc.minhash)],
                    )
                result = StoredDocument(new_id, "near-duplicate" if dup_of else "new", dup_of, sim)
                if replaces:
                    # The copy was crawled first: the earlier-published text is the original.
                    conn.execute(
                        "UPDATE documents SET duplicate_of = NULL, similarity = NULL WHERE id = ?",
                        (new_id,),
                    )
                    conn.execute(
                        "UPDATE documents SET duplicate_of = ?, similarity = ? "
                        "WHERE id = ? OR duplicate_of = ?",
                        (new_id, sim, dup_of, dup_of),
                    )
                    result = StoredDocument(new_id, "near-duplicate", None, sim, replaced=dup_of)
            if item is not None:
                conn.execute(
                    "UPDATE items SET status='done', attempts=attempts+1, error=NULL, "
                    "document_id=? WHERE id=?",
                    (result.id, item.id),
                )
        return result

    def _published_earlier(self, published: str | None, other_id: int) -> bool:
        other = self.db.execute(
            "SELECT published FROM documents WHERE id=?", (other_id,)
        ).fetchone()
        return bool(published and other and other[0] and published[:10] < other[0][:10])

    def _add_aliases(self, doc_id: int, keys: Iterable[str]) -> None:
        canonical = self.db.execute(
            "SELECT canonical_url FROM documents WHERE id=?", (doc_id,)
        ).fetchone()[0]
        for key in dict.fromkeys(keys):
            if key and key != canonical:
                self.db.execute(
                    "INSERT OR IGNORE INTO document_aliases(alias, document_id) VALUES (?, ?)",
                    (key, doc_id),
                )

    def add_many(self, docs: Iterable[NewDocument]) -> list[StoredDocument]:
        """Store a batch of documents in one transaction: all of them or none."""
        with self.db.transaction():
            return [self.add(d) for d in docs]

    def get(self, doc_id: int) -> Document | None:
        row = self.db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents d LEFT JOIN sources s ON s.id = d.source_id "
            "WHERE d.id = ?",
            (doc_id,),
        ).fetchone()
        return Document.from_row(row) if row else None

    def raw_html(self, doc_id: int) -> bytes | None:
        row = self.db.execute("SELECT raw_html FROM documents WHERE id=?", (doc_id,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def all(self) -> Iterator[Document]:
        rows = self.db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents d LEFT JOIN sources s ON s.id = d.source_id "
            "ORDER BY d.id"
        )
        for row in rows:
            yield Document.from_row(row)

    def minhashes(self) -> Iterator[tuple[int, bytes, int]]:
        """(id, signature, word count) of every original document: what the in-memory index
        before 0009 loaded on every run (benchmarks/dedup.py keeps it as the reference)."""
        yield from self.db.execute(
            "SELECT id, minhash, word_count FROM documents "
            "WHERE minhash IS NOT NULL AND duplicate_of IS NULL"
        )

    def near_duplicate_candidates(
        self, bands: Sequence[tuple[int, bytes]], *, also: Collection[int] = ()
    ) -> list[tuple[int, bytes, int]]:
        """(id, signature, word count) of the originals (and of the documents ``also`` names)
        that share a band with ``bands`` ((band, key) pairs), in id order: indexed lookups,
        whatever the size of the corpus."""
        if not bands:
            return []
        pairs = ",".join("(?, ?)" for _ in bands)
        return [
            (r[0], r[1], r[2])
            for r in self.db.execute(
                f"WITH wanted(band, key) AS (VALUES {pairs}) "
                "SELECT d.id, d.minhash, d.word_count FROM documents d WHERE d.id IN ("
                "SELECT b.document_id FROM wanted w JOIN document_bands b "
                "ON b.band = w.band AND b.key = w.key) "
                "AND (d.duplicate_of IS NULL OR d.id IN (SELECT value FROM json_each(?))) "
                "ORDER BY d.id",
                (*(v for pair in bands for v in pair), json.dumps(sorted(also))),
            )
        ]

    def aliases(self, doc_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT alias FROM document_aliases WHERE document_id=? ORDER BY alias", (doc_id,)
            )
        ]

    def count(self, *, originals_only: bool = False) -> int:
        where = " WHERE duplicate_of IS NULL" if originals_only else ""
        return self.db.execute(f"SELECT COUNT(*) FROM documents{where}").fetchone()[0]
