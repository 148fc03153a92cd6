import sqlite3

import pytest

from discourse import Corpus
from discourse.errors import CorpusError
from discourse.store import LATEST_VERSION, NewDocument
from discourse.store.sqlite import migrations


def _doc(i, text="Residents said the consultation was rushed and the panel ignored."):
    return NewDocument(
        url=f"http://example.org/{i}",
        canonical_url=f"http://example.org/{i}",
        text=f"{text} {i}",
        content_hash=f"h{i}",
        title=f"Title {i}",
    )


def test_new_corpus_is_at_latest_version_with_wal_and_foreign_keys(tmp_path):
    with Corpus(tmp_path / "c.db") as c:
        assert c.schema_version == LATEST_VERSION
        assert c.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert c.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert c.db.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        versions = [r[0] for r in c.db.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, LATEST_VERSION + 1))


@pytest.mark.parametrize("start", range(1, LATEST_VERSION))
def test_migrates_from_each_earlier_version_keeping_data(tmp_path, start):
    path = tmp_path / "c.db"
    with Corpus(path, upto=start) as old:
        assert old.schema_version == start
        old.documents.add(_doc(1))
    with Corpus(path) as new:
        assert new.schema_version == LATEST_VERSION
        assert new.documents.get(1).title == "Title 1"
        # The search index was built over rows that predate it.
        hits = new.db.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'consultation'"
        ).fetchall()
        assert [h[0] for h in hits] == [1]
        assert new.check() == []


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "c.db"
    Corpus(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO schema_version(version, name) VALUES (?, 'future')", (LATEST_VERSION + 1,)
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CorpusError, match="newer than this discourse knows"):
        Corpus(path)
    assert path.read_bytes() == before


def test_migrations_are_numbered_and_each_names_itself():
    found = migrations()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1))
    assert all(name and sql.strip() for _, name, sql in found)


def test_fts_follows_inserts_updates_and_deletes(corpus):
    corpus.documents.add(_doc(1, "Participatory budgeting gave residents a real say."))
    fts = "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?"
    assert corpus.db.execute(fts, ("budgeting",)).fetchall()[0][0] == 1
    with corpus.db.transaction() as conn:
        conn.execute("UPDATE documents SET text = 'Citizens jury convened' WHERE id = 1")
    assert corpus.db.execute(fts, ("budgeting",)).fetchall() == []
    assert corpus.db.execute(fts, ("jury",)).fetchall()[0][0] == 1
    with corpus.db.transaction() as conn:
        conn.execute("DELETE FROM documents WHERE id = 1")
    assert corpus.db.execute(fts, ("jury",)).fetchall() == []
    assert corpus.check() == []


def test_a_failed_transaction_leaves_nothing_behind(corpus):
    with pytest.raises(RuntimeError):
        with corpus.db.transaction():
            corpus.documents.add(_doc(1))
            raise RuntimeError("crash in the middle of a batch")
    assert corpus.documents.count() == 0
    assert corpus.check() == []


def test_exact_duplicates_add_aliases_not_rows(corpus):
    first = corpus.documents.add(_doc(1))
    again = NewDocument(
        url="http://example.org/1?utm_source=rss",
        canonical_url="http://example.org/1",
        text="different",
        content_hash="other",
    )
    second = corpus.documents.add(again)
    same_text = NewDocument(
        url="http://mirror.example/copy",
        canonical_url="http://mirror.example/copy",
        text="x",
        content_hash="h1",
    )
    third = corpus.documents.add(same_text)
    assert (first.status, second.status, third.status) == ("new", "duplicate", "duplicate")
    assert second.id == third.id == first.id
    assert corpus.documents.count() == 1
    assert "http://mirror.example/copy" in corpus.documents.aliases(first.id)


def test_statements_migration_keeps_claims_tags_and_labels(tmp_path):
    """Rebuilding the claims table (migration 7) keeps every claim, and the stance tags and
    labels that point at them are neither cascaded away nor orphaned."""
    path = tmp_path / "c.db"
    with Corpus(path, upto=6) as old:
        old.documents.add(_doc(1))
        with old.db.transaction() as conn:
            conn.execute(
                "INSERT INTO annotations(document_id, pipeline_version, status) VALUES (1, 'v', 'done')"
            )
            sid = conn.execute(
                "INSERT INTO sentences(document_id, idx, start, end, text, pipeline_version) "
                "VALUES (1, 0, 0, 10, 'Residents said', 'v')"
            ).lastrowid
            cid = conn.execute(
                "INSERT INTO claims(sentence_id, document_id, claim_type, holder, holder_kind, "
                "targets, pipeline_version) VALUES (?, 1, 'evaluative', 'author', 'author', "
                "'[\"community-engagement\"]', 'v')",
                (sid,),
            ).lastrowid
            conn.execute(
                "INSERT INTO stance_tags(claim_id, target, label, score, model_version) "
                "VALUES (?, 'community-engagement', 'against', 0.8, 'm')",
                (cid,),
            )
            conn.execute(
                "INSERT INTO labels(text, target, label, claim_id) "
                "VALUES ('Residents said', 'community-engagement', 'against', ?)",
                (cid,),
            )
    with Corpus(path) as new:
        row = new.db.execute("SELECT id, is_claim, claim_type FROM claims").fetchone()
        assert tuple(row) == (cid, 1, "evaluative")
        assert new.db.execute("SELECT claim_id FROM stance_tags").fetchone()[0] == cid
        assert new.db.execute("SELECT claim_id FROM labels").fetchone()[0] == cid
        assert new.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert new.check() == []
        # a statement that is not a claim has no type, and a claim must have one
        with pytest.raises(sqlite3.IntegrityError):
            with new.db.transaction() as conn:
                conn.execute(
                    "INSERT INTO claims(sentence_id, document_id, is_claim, claim_type, holder, "
                    "holder_kind, pipeline_version) VALUES (?, 1, 0, 'factual', 'author', "
                    "'author', 'v')",
                    (sid,),
                )


def test_browse_migration_derives_claim_rows_and_facet_counts_of_an_existing_corpus(tmp_path):
    path = tmp_path / "c.db"
    with Corpus(path, upto=5) as old:
        for i in (1, 2):
            old.documents.add(_doc(i))
        with old.db.transaction() as conn:
            conn.execute("UPDATE documents SET published = '2010-0' || id || '-01'")
            conn.execute(
                "UPDATE documents SET canonical_url = 'https://u:pw@example.org/1' WHERE id = 1"
            )
            conn.execute(
                "INSERT INTO models(version, kind, path, is_current) VALUES ('m1', 'stance', 'p', 1)"
            )
            for doc in (1, 2):
                conn.execute(
                    "INSERT INTO annotations(document_id, pipeline_version, status) "
                    "VALUES (?, 'p1', 'done')",
                    (doc,),
                )
                for k in range(3):
                    sid = conn.execute(
                        "INSERT INTO sentences(document_id, idx, start, end, text, pipeline_version)"
                        " VALUES (?, ?, 0, 5, 'Words', 'p1')",
                        (doc, k),
                    ).lastrowid
                    cid = conn.execute(
                        "INSERT INTO claims(sentence_id, document_id, claim_type, holder, "
                        "holder_kind, pipeline_version) VALUES (?, ?, ?, 'author', 'author', 'p1')",
                        (sid, doc, ("causal", "factual", "causal")[k]),
                    ).lastrowid
                    if k:
                        conn.execute(
                            "INSERT INTO stance_tags(claim_id, target, label, score, model_version)"
                            " VALUES (?, 'co-production', ?, 0.8, 'm1')",
                            (cid, ("favor", "against")[doc - 1]),
                        )
    with Corpus(path) as new:
        rows = new.db.execute(
            "SELECT document_id, claim_type, stance, month, url FROM claim_rows ORDER BY claim_id"
        ).fetchall()
        assert [tuple(r) for r in rows] == [
            (1, "causal", None, "2010-01", "https://example.org/1"),
            (1, "factual", "favor", "2010-01", "https://example.org/1"),
            (1, "causal", "favor", "2010-01", "https://example.org/1"),
            (2, "causal", None, "2010-02", "http://example.org/2"),
            (2, "factual", "against", "2010-02", "http://example.org/2"),
            (2, "causal", "against", "2010-02", "http://example.org/2"),
        ]
        assert new.browse.facet_counts("claim_type") == [("causal", 4), ("factual", 2)]
        assert new.browse.facet_counts("stance", filter_column="month", filter_value="2010-01") == [
            ("favor", 2)
        ]
        assert new.browse.facet_counts("month", order="value_desc") == [
            ("2010-02", 3),
            ("2010-01", 3),
        ]
        assert new.check() == []


def test_bands_migration_indexes_documents_stored_before_and_they_are_found(tmp_path):
    """0009 cuts the signatures already stored into bands, so a corpus from before keeps
    finding near-duplicates of its old documents."""
    from discourse.gather import dedup
    from discourse.gather.importer import import_jsonl
    from discourse.store.bands import band_keys

    from .conftest import write_jsonl

    text = " ".join(f"word{i % 97} part{i % 13}" for i in range(200))
    path = tmp_path / "c.db"
    with Corpus(path, upto=8) as old:
        for i, t in enumerate((text, "An unrelated short note about the weather today.")):
            old.documents.add(
                NewDocument(url=f"http://old.example/{i}", canonical_url=f"http://old.example/{i}",
                            text=t, content_hash=f"old{i}", published="2012-01-01",
                            minhash=dedup.to_bytes(dedup.minhash(t)))
            )  # fmt: skip
        old.documents.add(_doc(3))  # no signature, no bands
    with Corpus(path) as new:
        got = sorted(tuple(r) for r in new.db.execute("SELECT * FROM document_bands"))
        want = sorted(
            (band, key, doc_id)
            for doc_id, sig in new.db.execute("SELECT id, minhash FROM documents")
            for band, key in band_keys(sig)
        )
        assert got == want and len(got) == 2 * 32
        rows = [{"url": "http://new.example/copy", "text": "Syndicated. " + text}]
        report = import_jsonl(new, write_jsonl(tmp_path / "copy.jsonl", rows))
        assert report.near_duplicates == 1
        copy = new.db.execute(
            "SELECT duplicate_of FROM documents WHERE canonical_url = 'http://new.example/copy'"
        ).fetchone()
        assert copy[0] == 1
        assert new.check() == []
