"""The PostgreSQL backend's own promises: its schema mirrors SQLite's migration for migration,
it migrates and refuses like the SQLite one, and a wrong URL is one clear line."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from discourse import Corpus
from discourse.errors import CorpusError
from discourse.store.postgres import database as pgdb
from discourse.store.sqlite import migrations as sqlite_migrations

from .conftest import run_cli


def test_every_sqlite_migration_has_a_postgresql_mirror():
    """A new SQLite migration needs its PostgreSQL twin of the same number and name in
    discourse/store/migrations/postgresql/, so a schema version means one schema."""
    lite = [(v, n) for v, n, _ in sqlite_migrations()]
    pg = [(v, n) for v, n, _ in pgdb.migrations()]
    assert pg == lite
    folder = resources.files("discourse.store").joinpath("migrations", "postgresql")
    assert all(re.match(r"\d{4}_\w+\.sql$", f.name) for f in folder.iterdir() if f.is_file())


def test_both_backends_have_the_same_tables_and_columns(pg_url, tmp_path):
    with Corpus.open(pg_url) as pg, Corpus.open(tmp_path / "c.db") as lite:
        assert pg.backend.tables() == lite.backend.tables()
        assert pg.schema_version == lite.schema_version


def test_an_older_corpus_is_migrated_and_keeps_its_documents(postgres):
    url = postgres.fresh(migrated=False)
    with Corpus.open(url, upto=2) as old:
        assert old.schema_version == 2
        old.db.execute(  # as discourse wrote it before full text existed
            "INSERT INTO documents(url, canonical_url, text, content_hash) "
            "VALUES ('http://x/1', 'http://x/1', 'Residents said so.', 'h1')"
        )
    with Corpus.open(url) as new:
        assert new.schema_version == pgdb.LATEST_VERSION
        assert new.documents.count() == 1
        # stored before full text existed, indexed by the migration that added it
        assert [h.url for h in new.query("resident", documents=True)] == ["http://x/1"]


def test_a_corpus_from_a_newer_discourse_is_refused_untouched(pg_url):
    with Corpus.open(pg_url) as c:
        c.db.execute("INSERT INTO schema_version(version, name) VALUES (999, 'future')")
    with pytest.raises(CorpusError, match="schema version 999, newer than this discourse"):
        Corpus.open(pg_url)


def test_a_wrong_url_is_one_clear_line(postgres):
    port = postgres.url("x").split(":")[2].split("/")[0]
    missing = f"postgresql://postgres@127.0.0.1:{port}/no_such_database"
    res = run_cli("--db", missing, "status")
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert 'database "no_such_database" does not exist' in res.stderr
    closed = "postgresql://me:secret@127.0.0.1:1/db"
    res = run_cli("--db", closed, "status")
    assert res.returncode == 1 and "cannot connect" in res.stderr
    assert "secret" not in res.stderr and "me:***@127.0.0.1:1/db" in res.stderr


def test_config_and_status_never_print_the_password(cli):
    res = cli("config", "--format", "json", env={"DISCOURSE_DB": "postgresql://me:hunter2@h/db"})
    assert res.returncode == 0, res.stderr
    assert "hunter2" not in res.stdout
    assert '"postgresql://me:***@h/db"' in res.stdout


# -- data migrations: the same rows on both backends after 0006-0008 ---------------------------
SECRET = "hunter2-not-a-real-password"


def _old_corpus(url: str, upto: int, statements: list[tuple[str, tuple]]):
    """A corpus at schema ``upto`` holding the rows ``statements`` insert (SQLite's ``?``
    placeholders, rewritten for PostgreSQL)."""
    with Corpus.open(url, upto=upto) as old:
        assert old.schema_version == upto
        with old.db.transaction() as conn:
            for sql, params in statements:
                if old.dialect == "postgresql":
                    sql = sql.replace("?", "%s")
                conn.execute(sql, params)


def _both(tmp_path, postgres, upto, statements):
    """(SQLite URL, PostgreSQL URL) of two corpora built alike at ``upto``, then migrated."""
    urls = (f"sqlite:///{tmp_path / 'old.db'}", postgres.fresh(migrated=False))
    for url in urls:
        _old_corpus(url, upto, statements)
        Corpus.open(url).close()  # migrates to the latest version
    return urls


def _rows(url: str, sql: str) -> list[tuple]:
    with Corpus.open(url) as c:
        assert c.schema_version == pgdb.LATEST_VERSION and c.check() == []
        return sorted(tuple(r) for r in c.db.execute(sql))


def test_the_credentials_migration_strips_the_same_urls_on_both_backends(tmp_path, postgres):
    cred = f"reader:{SECRET}@"
    statements = [
        ("INSERT INTO sources(id, name, kind, homepage) VALUES (1, 'Old', 'feed', ?)",
         (f"HTTPS://{cred}example.org/",)),
        ("INSERT INTO feeds(id, source_id, url) VALUES (1, 1, ?)", (f"http://{cred}example.org/f",)),
        # stripped, it would be feed 3's URL: kept as it is (SQLite's UPDATE OR IGNORE)
        ("INSERT INTO feeds(id, source_id, url) VALUES (2, 1, ?)", (f"http://{cred}example.org/g",)),
        ("INSERT INTO feeds(id, source_id, url) VALUES (3, 1, 'http://example.org/g')", ()),
        ("INSERT INTO documents(id, url, canonical_url, text, content_hash) VALUES (1, ?, ?, 't', 'h')",
         (f"http://{cred}example.org/a?next=b@c", f"http://{cred}example.org/a")),
        ("INSERT INTO document_aliases(alias, document_id) VALUES (?, 1)",
         (f"http://{cred}example.org/a?utm=x",)),
        ("INSERT INTO items(id, feed_id, key, url) VALUES (1, 1, ?, ?)",
         ("http://a@b@example.org/1", f"http://{cred}example.org/1#x@y")),
        ("INSERT INTO fetch_log(id, url, final_url, kind) VALUES (1, ?, ?, 'feed')",
         (f"http://{cred}example.org/f", "http://example.org/?mail=a@b")),
    ]  # fmt: skip
    lite, pg = _both(tmp_path, postgres, 5, statements)
    for sql in (
        "SELECT id, homepage FROM sources",
        "SELECT id, url FROM feeds",
        "SELECT id, url, canonical_url FROM documents",
        "SELECT alias FROM document_aliases",
        "SELECT id, key, url FROM items",
        "SELECT id, url, final_url FROM fetch_log",
    ):
        assert _rows(pg, sql) == _rows(lite, sql), sql
    assert _rows(pg, "SELECT url FROM feeds") == [
        ("http://example.org/f",),
        ("http://example.org/g",),
        (f"http://{cred}example.org/g",),  # its stripped URL was taken
    ]
    assert _rows(pg, "SELECT key, url FROM items") == [
        ("http://b@example.org/1", "http://example.org/1#x@y")
    ]
    assert _rows(pg, "SELECT homepage FROM sources") == [("HTTPS://example.org/",)]


def test_the_statements_and_browse_migrations_keep_claims_and_derive_the_same_rows(
    tmp_path, postgres
):
    """Rebuilding claims (7) keeps every claim with its tags and labels; the browse migration
    (8) derives the same claim rows and facet counts, with URLs shown without userinfo."""
    statements = [
        ("INSERT INTO models(version, kind, path, is_current) VALUES ('m1', 'stance', 'p', 1)", ()),
        ("INSERT INTO sources(id, name, kind) VALUES (1, 'Gazette', 'pages')", ()),
    ]
    for doc in (1, 2):
        statements += [
            ("INSERT INTO documents(id, source_id, url, canonical_url, text, content_hash, "
             "published) VALUES (?, ?, ?, ?, 'Words', ?, ?)",
             (doc, 1 if doc == 1 else None, f"http://x/{doc}",
              "https://u:pw@example.org/1" if doc == 1 else "http://example.org/2",
              f"h{doc}", f"2010-0{doc}-01")),
            ("INSERT INTO annotations(document_id, pipeline_version, status) VALUES (?, 'p1', 'done')",
             (doc,)),
        ]  # fmt: skip
        for k in range(3):
            sid = 10 * doc + k
            statements += [
                ("INSERT INTO sentences(id, document_id, idx, start, \"end\", text, "
                 "pipeline_version) VALUES (?, ?, ?, 0, 5, 'Words', 'p1')", (sid, doc, k)),
                ("INSERT INTO claims(id, sentence_id, document_id, claim_type, holder, holder_kind,"
                 " targets, pipeline_version) VALUES (?, ?, ?, ?, 'author', 'author', "
                 "'[\"co-production\"]', 'p1')", (sid, sid, doc, ("causal", "factual", "causal")[k])),
            ]  # fmt: skip
            if k:
                statements.append(
                    ("INSERT INTO stance_tags(claim_id, target, label, score, model_version) "
                     "VALUES (?, 'co-production', ?, 0.8, 'm1')", (sid, ("favor", "against")[doc - 1]))
                )  # fmt: skip
        statements.append(
            ("INSERT INTO labels(text, target, label, claim_id) VALUES ('Words', "
             "'co-production', 'favor', ?)", (10 * doc + 1,))
        )  # fmt: skip
    lite, pg = _both(tmp_path, postgres, 6, statements)
    claims = "SELECT id, sentence_id, is_claim, claim_type, relevance FROM claims"
    assert _rows(pg, claims) == _rows(lite, claims)
    assert [r[2:] for r in _rows(pg, claims)] == [
        (1, t, None) for t in ("causal", "factual", "causal") * 2
    ]
    for sql in (
        "SELECT claim_id, relevance FROM stance_tags",
        "SELECT claim_id FROM labels",
        "SELECT claim_id, document_id, claim_type, stance, month, url, source FROM claim_rows",
        "SELECT filter_column, filter_value, facet, value, n FROM claim_facet_counts",
        "SELECT document_id, url FROM document_urls",
    ):
        assert _rows(pg, sql) == _rows(lite, sql), sql
    assert _rows(pg, "SELECT url FROM documents_view") == [
        ("http://example.org/2",),
        ("https://example.org/1",),
    ]
    with Corpus.open(pg) as c:
        assert c.browse.facet_counts("claim_type") == [("causal", 4), ("factual", 2)]
        assert c.browse.facet_counts("stance", filter_column="month", filter_value="2010-01") == [
            ("favor", 2)
        ]
        # new claims get ids after the rebuilt table's, and a claim needs its type
        assert c.db.execute("SELECT nextval(pg_get_serial_sequence('claims', 'id'))").fetchone()[
            0
        ] == (23)
        with pytest.raises(Exception, match="check constraint"):  # noqa: B017 - psycopg's own
            c.db.execute(
                "INSERT INTO claims(sentence_id, document_id, is_claim, claim_type, holder, "
                "holder_kind, pipeline_version) VALUES (10, 1, 0, 'factual', 'author', 'author', "
                "'p1')"
            )


def test_the_bands_migration_cuts_the_same_bands_on_both_backends(tmp_path, postgres):
    """0009 fills document_bands from the signatures stored before, alike on both backends,
    and exactly as the store cuts a new document's (discourse/store/bands.py)."""
    from discourse.gather import dedup
    from discourse.store.bands import band_keys

    sigs = [dedup.to_bytes(dedup.minhash(f"text number {i} " * 40)) for i in range(3)]
    statements = [
        ("INSERT INTO documents(id, url, canonical_url, text, content_hash, minhash) "
         "VALUES (?, ?, ?, 't', ?, ?)", (i + 1, f"http://x/{i}", f"http://x/{i}", f"h{i}", sig))
        for i, sig in enumerate([*sigs, b"\x01" * 16, None])
    ]  # fmt: skip
    lite, pg = _both(tmp_path, postgres, 8, statements)
    sql = "SELECT band, key, document_id FROM document_bands"
    want = sorted((b, k, i + 1) for i, sig in enumerate(sigs) for b, k in band_keys(sig))
    assert [(b, bytes(k), d) for b, k, d in _rows(pg, sql)] == want
    assert _rows(lite, sql) == want and len(want) == 3 * 32


def test_the_copy_bands_migration_drops_the_same_rows_on_both_backends(tmp_path, postgres):
    """0010 drops the bands stored before for documents that are near-duplicates (never a
    candidate), alike on both backends, and keeps every original's."""
    from discourse.gather import dedup
    from discourse.store.bands import band_keys

    sigs = [dedup.to_bytes(dedup.minhash(f"text number {i} " * 40)) for i in range(3)]
    statements = [
        ("INSERT INTO documents(id, url, canonical_url, text, content_hash, minhash, duplicate_of) "
         "VALUES (?, ?, ?, 't', ?, ?, ?)", (i + 1, f"http://x/{i}", f"http://x/{i}", f"h{i}", sig, dup))
        for i, (sig, dup) in enumerate(zip(sigs, [None, 1, None]))
    ] + [
        ("INSERT INTO document_bands(band, key, document_id) VALUES (?, ?, ?)", (b, k, i + 1))
        for i, sig in enumerate(sigs) for b, k in band_keys(sig)
    ]  # fmt: skip
    lite, pg = _both(tmp_path, postgres, 9, statements)
    sql = "SELECT band, key, document_id FROM document_bands"
    want = sorted((b, k, i + 1) for i in (0, 2) for b, k in band_keys(sigs[i]))
    assert [(b, bytes(k), d) for b, k, d in _rows(pg, sql)] == want
    assert _rows(lite, sql) == want and len(want) == 2 * 32
