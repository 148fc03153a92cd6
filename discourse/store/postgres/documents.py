"""Documents, their aliases, and deduplication on write, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

from discourse.store.bands import StoresBands, band_keys
from discourse.store.documents import _DOC_COLUMNS, _compressed
from discourse.store.postgres.database import PgDatabase
from discourse.store.postgres.fulltext import Tokenizer
from discourse.store.records import Document, Item, NewDocument, StoredDocument


def pg_text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; U+FFFD takes its place (one character for one, so
    sentence offsets into the text still hold)."""
    return value.replace("\x00", "\ufffd") if value and "\x00" in value else value


class PgDocumentStore(StoresBands):
    def __init__(self, db: PgDatabase, tokenizer: Tokenizer):
        self.db = db
        self.tokenizer = tokenizer

    def find(self, keys: Iterable[str], content_hash: str | None = None) -> int | None:
        """The id of a stored document known under any of ``keys`` or with that content hash."""
        keys = [k for k in dict.fromkeys(keys) if k]
        if keys:
            row = self.db.execute(
                "SELECT id FROM documents WHERE canonical_url = ANY(%s) UNION ALL "
                "SELECT document_id FROM document_aliases WHERE alias = ANY(%s) LIMIT 1",
                (keys, keys),
            ).fetchone()
            if row:
                return row[0]
        if content_hash:
            row = self.db.execute(
                "SELECT id FROM documents WHERE content_hash = %s "
                "ORDER BY duplicate_of IS NOT NULL, id LIMIT 1",
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
                new_id = conn.execute(
                    "INSERT INTO documents(source_id, url, canonical_url, guid, title, author, "
                    "published, language, text, raw_html, content_hash, minhash, duplicate_of, "
                    "similarity, extractor, word_count, tsv) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector) "
                    "RETURNING id",
                    (
                        doc.source_id,
                        doc.url,
                        doc.canonical_url,
                        doc.guid,
                        pg_text(doc.title),
                        pg_text(doc.author),
                        doc.published,
                        doc.language,
                        pg_text(doc.text),
                        _compressed(doc),
                        doc.content_hash,
                        doc.minhash,
                        dup_of,
                        sim,
                        doc.extractor,
                        len(doc.text.split()),
                        self.tokenizer.tsvectors([(doc.title, doc.text)])[0],
                    ),
                ).fetchone()[0]
                self._add_aliases(new_id, keys, canonical=doc.canonical_url)
                replaces = bool(dup_of) and self._published_earlier(doc.published, dup_of)
                # Only originals are ever candidates, and a near-duplicate never becomes one
                # (the SQLite store says more).
                original = not dup_of or replaces
                bands = band_keys(doc.minhash) if self._writes_bands() and original else []
                if bands:
                    conn.execute(
                        "INSERT INTO document_bands(band, key, document_id) "
                        "SELECT unnest(%s::integer[]), unnest(%s::bytea[]), %s",
                        ([b for b, _ in bands], [k for _, k in bands], new_id),
                    )
                result = StoredDocument(new_id, "near-duplicate" if dup_of else "new", dup_of, sim)
                if replaces:
                    # The copy was crawled first: the earlier-published text is the original.
                    conn.execute(
                        "UPDATE documents SET duplicate_of = NULL, similarity = NULL WHERE id = %s",
                        (new_id,),
                    )
                    conn.execute(
                        "UPDATE documents SET duplicate_of = %s, similarity = %s "
                        "WHERE id = %s OR duplicate_of = %s",
                        (new_id, sim, dup_of, dup_of),
                    )
                    result = StoredDocument(new_id, "near-duplicate", None, sim, replaced=dup_of)
            if item is not None:
                conn.execute(
                    "UPDATE items SET status = 'done', attempts = attempts + 1, error = NULL, "
                    "document_id = %s WHERE id = %s",
                    (result.id, item.id),
                )
        return result

    def _published_earlier(self, published: str | None, other_id: int) -> bool:
        other = self.db.execute(
            "SELECT published FROM documents WHERE id = %s", (other_id,)
        ).fetchone()
        return bool(published and other and other[0] and published[:10] < other[0][:10])

    def _add_aliases(self, doc_id: int, keys: Iterable[str], canonical: str | None = None) -> None:
        if canonical is None:
            canonical = self.db.execute(
                "SELECT canonical_url FROM documents WHERE id = %s", (doc_id,)
            ).fetchone()[0]
        aliases = [k for k in dict.fromkeys(keys) if k and k != canonical]
        if aliases:
            self.db.execute(
                "INSERT INTO document_aliases(alias, document_id) "
                "SELECT unnest(%s::text[]), %s ON CONFLICT (alias) DO NOTHING",
                (aliases, doc_id),
            )

    def add_many(self, docs: Iterable[NewDocument]) -> list[StoredDocument]:
        """Store a batch of documents in one transaction: all of them or none."""
        with self.db.transaction():
            return [self.add(d) for d in docs]

    def get(self, doc_id: int) -> Document | None:
        row = self.db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents d LEFT JOIN sources s ON s.id = d.source_id "
            "WHERE d.id = %s",
            (doc_id,),
        ).fetchone()
        return Document.from_row(row) if row else None

    def raw_html(self, doc_id: int) -> bytes | None:
        import zlib

        row = self.db.execute("SELECT raw_html FROM documents WHERE id = %s", (doc_id,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def all(self) -> Iterator[Document]:
        for row in self.db.stream(
            f"SELECT {_DOC_COLUMNS} FROM documents d LEFT JOIN sources s ON s.id = d.source_id "
            "ORDER BY d.id"
        ):
            yield Document.from_row(row)

    def minhashes(self) -> Iterator[tuple[int, bytes, int]]:
        """(id, signature, word count) of every original document: what the in-memory index
        before 0009 loaded on every run (benchmarks/dedup.py keeps it as the reference)."""
        for row in self.db.stream(
            "SELECT id, minhash, word_count FROM documents "
            "WHERE minhash IS NOT NULL AND duplicate_of IS NULL",
            chunk=5000,
            raw=True,
        ):
            yield row[0], bytes(row[1]), row[2]

    def near_duplicate_candidates(
        self, bands: Sequence[tuple[int, bytes]], *, also: Collection[int] = ()
    ) -> list[tuple[int, bytes, int]]:
        """(id, signature, word count) of the originals (and of the documents ``also`` names)
        that share a band with ``bands`` ((band, key) pairs), in id order: indexed lookups,
        whatever the size of the corpus."""
        if not bands:
            return []
        rows = self.db.execute(
            "SELECT d.id, d.minhash, d.word_count FROM documents d WHERE d.id IN ("
            "SELECT b.document_id FROM unnest(%s::integer[], %s::bytea[]) AS w(band, key) "
            "JOIN document_bands b ON b.band = w.band AND b.key = w.key) "
            "AND (d.duplicate_of IS NULL OR d.id = ANY(%s::bigint[])) ORDER BY d.id",
            ([b for b, _ in bands], [k for _, k in bands], sorted(also)),
        )
        return [(r[0], bytes(r[1]), r[2]) for r in rows]

    def aliases(self, doc_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT alias FROM document_aliases WHERE document_id = %s ORDER BY alias",
                (doc_id,),
            )
        ]

    def count(self, *, originals_only: bool = False) -> int:
        where = " WHERE duplicate_of IS NULL" if originals_only else ""
        return self.db.execute(f"SELECT COUNT(*) FROM documents{where}").fetchone()[0]
