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
