"""`discourse copy` (SQLite -> PostgreSQL and back, counts and content digests compared) and
`discourse snapshot` (what `discourse serve` shows for a PostgreSQL corpus)."""

from __future__ import annotations

import sqlite3

import pytest

from discourse import Corpus
from discourse.errors import InputError
from discourse.store import NewDocument, SourceSpec
from discourse.store.records import ItemSpec
from discourse.store.transfer import DERIVED, TABLES, copy_corpus, digests, snapshot

from .conftest import run_cli, write_jsonl

DOCS = [
    {
        "url": f"http://paper.example/{i}",
        "source": ("Gazette", "Voices")[i % 2],
        "date": f"201{i % 4}-0{1 + i % 9}-12",
        "title": f"Story {i}",
        "text": (
            "Residents said the consultation was rushed. The council should publish what it "
            "found. Co-production works when people share power. "
        )
        * (1 + i % 3)
        + f"Story {i} ends here.",
    }
    for i in range(12)
]


@pytest.fixture(scope="module")
def source_corpus(tmp_path_factory):
    """An annotated, tagged and labelled SQLite corpus with crawl state, a near-duplicate
    whose original was stored after it, raw HTML and a NUL character."""
    tmp = tmp_path_factory.mktemp("copy")
    db = tmp / "corpus.db"
    write_jsonl(tmp / "docs.jsonl", DOCS)
    for args in (["import", "docs.jsonl"], ["annotate"], ["tag"]):
        res = run_cli("--db", str(db), *args, cwd=tmp)
        assert res.returncode == 0, res.stderr
    with Corpus(db) as c:
        c.sources.upsert(SourceSpec("Feedy", "feed", ["http://f.example/rss"], tags=["blog"]))
        feed = c.sources.due_feeds()[0]
        c.sources.feed_polled(
            feed, items=[ItemSpec("g1", "http://f.example/1")], status=200, etag="x",
            last_modified=None, body_hash="b", interval_s=900.0, next_poll="2030-01-01T00:00:00Z",
        )  # fmt: skip
        c.sources.log_fetches(
            [dict(url="http://f.example/rss", final_url=None, kind="feed", status=200,
                  content_type="application/rss+xml", nbytes=512, elapsed_ms=7, error=None)]
        )  # fmt: skip
        later = c.documents.add(
            NewDocument(url="http://n.example/a", canonical_url="http://n.example/a",
                        text="A copy of a story.", content_hash="n1", published="2015-01-02",
                        raw_html=b"<html>\x00\xff</html>", title="Null\x00title")
        )  # fmt: skip
        c.documents.add(
            NewDocument(url="http://n.example/b", canonical_url="http://n.example/b",
                        text="The story itself.", content_hash="n2", published="2014-01-02"),
            near_duplicate=(later.id, 0.93),
        )  # fmt: skip
        claim = c.stance.candidates("co-production")[0]
        c.stance.add_label(claim[0], claim[1], "co-production", "favor", annotator="t")
    return db


def test_copy_knows_every_table_of_both_schemas(source_corpus, pg_url):
    for url in (source_corpus, pg_url):
        with Corpus.open(url) as c:
            assert set(c.backend.tables()) == set(TABLES) | set(DERIVED)


def test_a_corpus_copies_to_postgresql_and_back_unchanged(source_corpus, pg_url, tmp_path):
    there = copy_corpus(source_corpus, pg_url, batch=7)  # many small batches
    assert all(t.verified for t in there.tables) and there.rows > 100
    back = copy_corpus(pg_url, tmp_path / "back.db", batch=7)
    assert all(t.verified for t in back.tables)
    with Corpus(source_corpus) as a, Corpus.open(pg_url) as b, Corpus(tmp_path / "back.db") as c:
        original, server, returned = digests(a), digests(b), digests(c)
        assert server == original == returned
        assert {t: n for t, (n, _) in original.items()} == {t.table: t.rows for t in there.tables}
        assert original["stance_tags"][0] > 0 and original["labels"][0] == 1
        # near-duplicate bands travel too: every original's 32 (near-duplicates store none;
        # the two documents added by hand have no signature)
        signed_originals = a.db.execute(
            "SELECT COUNT(*) FROM documents WHERE minhash IS NOT NULL AND duplicate_of IS NULL"
        ).fetchone()[0]
        assert 0 < signed_originals < a.documents.count() - 2  # the import flagged some copies
        assert original["document_bands"][0] == 32 * signed_originals
        # the same queries find the same claims in all three, through each one's index
        for corpus in (b, c):
            assert [h.url for h in corpus.query("consult*", limit=500)] == [
                h.url for h in a.query("consult*", limit=500)
            ]
        assert c.check() == [] and b.check() == []
        # PostgreSQL text has no NUL: it arrives as U+FFFD (the digests treat them alike)
        titles = {d.canonical_url: d.title for d in c.documents.all()}
        assert titles["http://n.example/a"] == "Null\ufffdtitle"
        assert (
            b.documents.raw_html(b.documents.find(["http://n.example/a"]))
            == b"<html>\x00\xff</html>"
        )
        # new rows get fresh ids after the copied ones
        new = b.documents.add(
            NewDocument(url="http://z/1", canonical_url="http://z/1", text="t", content_hash="z")
        )
        assert new.id == max(d.id for d in a.documents.all()) + 1


def test_copy_refuses_a_destination_that_holds_data(source_corpus, tmp_path):
    copy_corpus(source_corpus, tmp_path / "once.db")
    before = digests(Corpus(tmp_path / "once.db"))
    with pytest.raises(InputError, match="already holds data"):
        copy_corpus(source_corpus, tmp_path / "once.db")
    assert digests(Corpus(tmp_path / "once.db")) == before


def test_a_copy_that_fails_leaves_the_destination_empty(source_corpus, pg_url):
    def failing(table, columns, rows):
        if table == "claims":
            raise RuntimeError("disk full")
        return rows

    with pytest.raises(RuntimeError, match="disk full"):
        copy_corpus(source_corpus, pg_url, transform=failing)
    with Corpus.open(pg_url) as c:
        assert all(n == 0 for n, _ in digests(c).values())
    assert all(t.verified for t in copy_corpus(source_corpus, pg_url).tables)


def test_copy_from_the_command_line_prints_each_table_verified(source_corpus, pg_url, tmp_path):
    res = run_cli("copy", f"sqlite:///{source_corpus}", pg_url)
    assert res.returncode == 0, res.stderr
    lines = {line.split()[0]: line for line in res.stdout.splitlines()[:-1]}
    assert set(lines) == set(TABLES) and all(line.endswith("verified") for line in lines.values())
    again = run_cli("copy", str(source_corpus), pg_url)
    assert again.returncode == 2 and "already holds data" in again.stderr
    assert again.stderr.count("\n") == 1


def test_a_snapshot_holds_the_web_view_and_is_refreshed_in_place(source_corpus, pg_url, tmp_path):
    copy_corpus(source_corpus, pg_url)
    out = tmp_path / "view.db"
    snapshot(pg_url, out)
    reader = sqlite3.connect(f"file:{out}?mode=ro", uri=True)  # as Datasette holds it
    claims = reader.execute("SELECT COUNT(*) FROM claims_view").fetchone()[0]
    assert claims > 0
    # the web view's claims page and facets read claim rows and precomputed counts
    assert reader.execute("SELECT COUNT(*) FROM claim_rows").fetchone()[0] == claims
    with Corpus.open(pg_url) as c:
        served = reader.execute(
            "SELECT filter_column, filter_value, facet, value, n FROM claim_facet_counts"
        ).fetchall()
        kept = c.db.execute(
            "SELECT filter_column, filter_value, facet, value, n FROM claim_facet_counts"
        ).fetchall()
        assert sorted(served) == sorted(tuple(r) for r in kept) and served
    assert (
        reader.execute(
            "SELECT COUNT(*) FROM sentences_fts WHERE sentences_fts MATCH 'consult*'"
        ).fetchone()[0]
        > 0
    )
    assert (
        reader.execute("SELECT COUNT(*) FROM documents WHERE raw_html IS NOT NULL").fetchone()[0]
        == 0
    )
    with Corpus.open(pg_url) as c:
        c.documents.add(
            NewDocument(url="http://new/1", canonical_url="http://new/1", text="Fresh.",
                        content_hash="fresh", title="Fresh story")
        )  # fmt: skip
    res = run_cli("--db", pg_url, "snapshot", "--out", str(out))
    assert res.returncode == 0, res.stderr
    # the open reader sees the refreshed snapshot
    assert (
        reader.execute(
            "SELECT COUNT(*) FROM documents_view WHERE title = 'Fresh story'"
        ).fetchone()[0]
        == 1
    )
    reader.close()


def test_serve_shows_a_postgresql_corpus_and_refreshes_its_snapshot(
    source_corpus, pg_url, tmp_path
):
    import json
    import socket
    import subprocess
    import time
    import urllib.request

    from .conftest import DISCOURSE

    copy_corpus(source_corpus, pg_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    snap = tmp_path / "view.db"
    proc = subprocess.Popen(
        [DISCOURSE, "--db", pg_url, "serve", "--port", str(port), "--snapshot", str(snap),
         "--refresh", "0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/view"

    def documents() -> int | None:
        try:
            url = base + "/documents_view.json?_shape=array&_size=max"
            return len(json.load(urllib.request.urlopen(url, timeout=2)))
        except OSError:
            return None

    try:
        deadline = time.monotonic() + 60
        while documents() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        with Corpus.open(pg_url) as c:
            originals = c.documents.count(originals_only=True)
            assert documents() == originals
            # the claims page of the snapshot, its facets from the precomputed counts
            page = json.load(urllib.request.urlopen(base + "/claim_rows.json", timeout=10))
            stance = page["facet_results"]["stance"]
            assert stance["precomputed"] is True and stance["cut_short"] is False
            assert stance["results"]
            assert {r["value"]: r["count"] for r in stance["results"]} == dict(
                c.browse.facet_counts("stance")
            )
            assert (
                page["filtered_table_rows_count"]
                == c.db.execute("SELECT COUNT(*) FROM claim_rows").fetchone()[0]
            )
            c.documents.add(
                NewDocument(url="http://late/1", canonical_url="http://late/1", text="Late.",
                            content_hash="late")
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while documents() != originals + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert documents() == originals + 1
    finally:
        proc.terminate()
        proc.wait(10)
