"""The store contract: every repository behaves the same on SQLite and on PostgreSQL.

Each test runs once per backend (the ``corpus_url`` fixture), on a fresh corpus.
"""

from __future__ import annotations

import multiprocessing
import time
import zlib

import pytest

from discourse import Corpus
from discourse.errors import CorpusError, CorpusLockedError, SettingsError
from discourse.store import NewDocument, SourceSpec, bands
from discourse.store.analysis import Annotation, SentenceRecord
from discourse.store.protocols import (
    AnalysisRepository,
    Backend,
    BrowseRepository,
    Database,
    DocumentRepository,
    QueryRepository,
    SourceRepository,
    StanceRepository,
)
from discourse.store.queries import Filters
from discourse.store.records import ItemSpec


@pytest.fixture
def c(corpus_url):
    with Corpus.open(corpus_url) as corpus:
        yield corpus


def doc(n: int, **kw) -> NewDocument:
    values = dict(
        url=f"http://example.org/{n}",
        canonical_url=f"http://example.org/{n}",
        text=f"Document {n} text about residents.",
        content_hash=f"hash{n}",
        title=f"Title {n}",
        published=f"2010-0{1 + n % 9}-1{n % 10}",
    )
    values.update(kw)
    return NewDocument(**values)


def claim(idx: int, text: str, start: int, **kw) -> SentenceRecord:
    values = dict(
        idx=idx,
        start=start,
        end=start + len(text),
        text=text,
        statement=True,
        is_claim=True,
        claim_type="evaluative",
        score=0.9,
        holder="author",
        holder_kind="author",
        targets=["co-production"],
        practices=["co-production"],
        stance_view={"w": [1, 2]},
    )
    values.update(kw)
    return SentenceRecord(**values)


def test_every_repository_implements_its_protocol(c):
    assert isinstance(c.backend, Backend) and isinstance(c.db, Database)
    assert isinstance(c.sources, SourceRepository)
    assert isinstance(c.documents, DocumentRepository)
    assert isinstance(c.analysis, AnalysisRepository)
    assert isinstance(c.stance, StanceRepository)
    assert isinstance(c.queries, QueryRepository)
    assert isinstance(c.browse, BrowseRepository)
    assert c.schema_version >= 8 and c.check() == []
    # workers on other machines may write their own batches only to a server
    assert c.concurrent_writers is (c.dialect == "postgresql")


# -- sources, feeds, the frontier ---------------------------------------------------------------
def test_upsert_adds_a_source_with_feeds_then_updates_it_in_place(c):
    first = c.sources.upsert(
        SourceSpec("Zeta", "feed", ["http://z/feed"], homepage="http://z/", tags=["blog"])
    )
    c.sources.upsert(SourceSpec("alpha", "pages", []))
    again = c.sources.upsert(SourceSpec("Zeta", "feed", ["http://z/atom"], tags=["news"]))
    assert again.id == first.id and again.tags == ["news"]
    assert again.homepage == "http://z/"  # kept when the update names none
    # names sort bytewise, as SQLite does: upper case first
    assert [s.name for s in c.sources.all()] == ["Zeta", "alpha"]
    assert c.sources.feed_urls() == {"http://z/feed", "http://z/atom"}
    assert c.sources.get("alpha").kind == "pages" and c.sources.get("nope") is None
    assert c.sources.by_id(first.id).name == "Zeta"


def test_a_poll_stores_new_items_once_and_a_failure_streak_marks_the_source_failing(c):
    c.sources.upsert(SourceSpec("Blog", "feed", ["http://b/feed"]))
    feed = c.sources.due_feeds()[0]
    c.documents.add(doc(1, canonical_url="http://b/known"))
    items = [
        ItemSpec("g1", "http://b/1", title="One"),
        ItemSpec("g1", "http://b/1b"),  # same GUID twice in one feed
        ItemSpec("g2", "http://b/known"),  # already a document
        ItemSpec("http://b/3", "http://b/3", published="2010-01-01"),
    ]
    common = dict(status=200, etag="e1", last_modified=None, body_hash="h")
    new = c.sources.feed_polled(
        feed, items=items, interval_s=1800.0, next_poll="2030-01-01T00:00:00Z", **common
    )
    assert new == 2
    again = c.sources.feed_polled(
        feed, items=items, interval_s=1800.0, next_poll="2030-01-01T00:00:00Z", **common
    )
    assert again == 0
    pending = c.sources.pending_items()
    assert [(i.key, i.url, i.title) for i in pending] == [
        ("g1", "http://b/1", "One"),
        ("http://b/3", "http://b/3", None),
    ]
    assert c.sources.count_items() == 2 and c.sources.due_feeds() == []
    assert c.sources.next_poll() == "2030-01-01T00:00:00Z"
    c.sources.item_failed(pending[0], "timeout", retry_at="2031-01-01T00:00:00Z")
    c.sources.item_skipped(pending[1], "binary body")
    assert c.sources.count_items("pending") == 1 and c.sources.count_items("skipped") == 1
    assert c.sources.pending_items() == []  # the retry is not due yet

    for k in range(3):
        failing = c.sources.feed_failed(
            feed, status=503, error="503", next_poll="2000-01-01T00:00:00Z", max_failures=3
        )
        assert failing == (k == 2)
    assert c.sources.get("Blog").status == "failing"
    assert c.sources.due_feeds() == [] and len(c.sources.due_feeds(include_failing=True)) == 1
    health = c.sources.health()[0]
    assert (health.failures, health.last_error, health.feeds) == (3, "503", 1)
    c.sources.set_status("Blog", "active")
    assert c.sources.get("Blog").status == "active" and c.sources.due_feeds()[0].failure_count == 0


def test_fetches_are_logged_in_one_batch(c):
    events = [
        dict(url=f"http://x/{i}", final_url=None, kind="page", status=200,
             content_type="text/html", nbytes=100 + i, elapsed_ms=5, error=None)
        for i in range(5)
    ]  # fmt: skip
    c.sources.log_fetches(events)
    assert c.stats()["fetch_log"] == 5


def test_source_health_says_what_each_feed_did_and_which_items_failed(c):
    c.sources.upsert(SourceSpec("Blog", "feed", ["http://b/feed", "http://b/atom"]))
    (fresh,) = c.sources.health()
    assert (fresh.never_polled, fresh.last_polled, fresh.items_failed) == (2, None, 0)
    feed = c.sources.due_feeds()[0]
    items = [
        ItemSpec("g1", "http://b/1"),
        ItemSpec("g2", "javascript:alert(1)", error="not an http(s) link"),
        ItemSpec("g3", "ftp://b/3", error="not an http(s) link"),
    ]
    poll = dict(
        status=200, etag=None, last_modified=None, body_hash=None, interval_s=60.0,
        next_poll="2030-01-01T00:00:00Z", parse_problem="2 entries without a date",
    )  # fmt: skip
    # an entry that cannot be crawled is stored as a failed item, not counted as new ...
    assert c.sources.feed_polled(feed, items=items, **poll) == 1
    # ... and is known on the next poll
    assert c.sources.feed_polled(feed, items=items, **poll) == 0
    (h,) = c.sources.health()
    assert (h.never_polled, h.feeds) == (1, 2) and h.last_polled is not None
    assert h.parse_problem == "2 entries without a date"
    assert (h.items_failed, h.last_item_error) == (2, "ftp://b/3: not an http(s) link")
    assert c.sources.count_items("failed") == 2
    assert [i.key for i in c.sources.pending_items()] == ["g1"]


# -- documents ---------------------------------------------------------------------------------
def test_a_document_is_stored_once_and_its_other_names_become_aliases(c):
    src = c.sources.upsert(SourceSpec("Blog", "pages", []))
    first = c.documents.add(doc(1, source_id=src.id, guid="guid-1", raw_html=b"<p>hi</p>"))
    assert first.status == "new"
    same_url = c.documents.add(doc(1, url="http://example.org/1?utm=x", content_hash="other"))
    same_text = c.documents.add(doc(2, content_hash="hash1"))
    assert (same_url.status, same_url.id) == ("duplicate", first.id)
    assert (same_text.status, same_text.id) == ("duplicate", first.id)
    assert c.documents.aliases(first.id) == [
        "guid-1",
        "http://example.org/1?utm=x",
        "http://example.org/2",
    ]
    assert c.documents.find(["guid-1"]) == first.id and c.documents.find(["nope"]) is None
    got = c.documents.get(first.id)
    assert (got.source, got.title, got.word_count) == ("Blog", "Title 1", 5)
    assert c.documents.raw_html(first.id) == b"<p>hi</p>"
    assert c.documents.count() == 1


def test_an_earlier_published_near_duplicate_becomes_the_original(c):
    later = c.documents.add(doc(1, published="2012-05-01", minhash=b"\x01" * 16))
    copy = c.documents.add(doc(2, published="2012-06-01"), near_duplicate=(later.id, 0.9))
    assert (copy.status, copy.duplicate_of) == ("near-duplicate", later.id)
    earlier = c.documents.add(doc(3, published="2011-01-01"), near_duplicate=(later.id, 0.85))
    assert (earlier.duplicate_of, earlier.replaced) == (None, later.id)
    dups = {d.id: d.duplicate_of for d in c.documents.all()}
    assert dups == {later.id: earlier.id, copy.id: earlier.id, earlier.id: None}
    assert c.documents.count(originals_only=True) == 1
    assert list(c.documents.minhashes()) == []  # the only signature is on a duplicate now


def test_a_crawled_document_marks_its_frontier_item_done(c):
    c.sources.upsert(SourceSpec("Blog", "feed", ["http://b/feed"]))
    feed = c.sources.due_feeds()[0]
    c.sources.feed_polled(
        feed, items=[ItemSpec("k", "http://b/1")], status=200, etag=None, last_modified=None,
        body_hash=None, interval_s=60.0, next_poll="2030-01-01T00:00:00Z",
    )  # fmt: skip
    item = c.sources.pending_items()[0]
    stored = c.documents.add(
        doc(1, raw_html=zlib.compress(b"x"), raw_html_compressed=True), item=item
    )
    assert c.sources.count_items("done") == 1 and c.sources.pending_items() == []
    assert c.documents.raw_html(stored.id) == b"x"


def test_a_batch_of_documents_is_stored_whole_or_not_at_all(c):
    c.documents.add(doc(0))
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own driver error
        c.documents.add_many([doc(1), doc(2, source_id=999)])  # no source 999
    assert c.documents.count() == 1
    assert [s.status for s in c.documents.add_many([doc(1), doc(2)])] == ["new", "new"]
    assert [d.id for d in c.documents.all()] == sorted(d.id for d in c.documents.all())


def _signature(*bands: int) -> bytes:
    """A 128-value signature whose band i (4 values) is filled with ``bands[i]``."""
    values = [v for b in bands for v in (b, b + 1, b + 2, b + 3)]
    return b"".join(v.to_bytes(8, "little") for v in values + [0] * (128 - len(values)))


def test_near_duplicate_candidates_are_the_originals_sharing_a_band(c):
    """Bands are stored with each original (in its transaction) and looked up by key: an
    original sharing any band is a candidate; an original demoted by an earlier-published copy
    only when named in ``also``; a near-duplicate never (it stores no bands: it can never be a
    candidate, and 4,000 copies of one page made every lookup of that page 4,000 rows long)."""
    base = list(range(100, 132 * 100, 100))[:32]
    a = c.documents.add(doc(1, minhash=_signature(*base))).id
    b = c.documents.add(doc(2, minhash=_signature(*[7000 + i for i in range(31)], base[31]))).id
    c.documents.add(doc(3, minhash=_signature(*[9000 + i for i in range(32)])))  # shares none
    copy = c.documents.add(
        doc(4, minhash=_signature(base[0], *range(5, 36))), near_duplicate=(a, 0.9)
    )
    assert copy.status == "near-duplicate" and copy.duplicate_of == a
    old_sig = _signature(5000, base[1], *[6000 + i for i in range(30)])
    old = c.documents.add(doc(8, minhash=old_sig)).id  # published 2010-09-18
    earlier = c.documents.add(  # published 2010-01-19: the original now, sharing no band
        doc(9, minhash=_signature(*[8000 + i for i in range(32)])), near_duplicate=(old, 0.95)
    )
    assert earlier.replaced == old
    c.documents.add(doc(5, minhash=b"\x01" * 16))  # too short for one band: no bands
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own driver error
        c.documents.add_many([doc(6, minhash=_signature(*base)), doc(7, source_id=999)])
    query = bands.band_keys(_signature(*base))
    assert [r[0] for r in c.documents.near_duplicate_candidates(query)] == [a, b]
    got = c.documents.near_duplicate_candidates(query, also={copy.id, old, 12345})
    assert [(r[0], bytes(r[1]), r[2]) for r in got] == [
        (a, _signature(*base), 5),
        (b, _signature(*[7000 + i for i in range(31)], base[31]), 5),
        (old, old_sig, 5),
    ]
    assert c.documents.near_duplicate_candidates(bands.band_keys(_signature(*range(1, 33)))) == []
    assert c.documents.near_duplicate_candidates([]) == []
    stored = c.db.execute("SELECT COUNT(*) FROM document_bands").fetchone()[0]
    # five originals' whole signatures (1, 2, 3, the demoted 8 and 9); none from the
    # near-duplicate, the short signature or the failed batch
    assert stored == 5 * 32


# -- analysis ----------------------------------------------------------------------------------
def _annotate(c, version="v1", n=3, doc_kw: dict | None = None):
    """n documents, all but the last annotated (``doc_kw``: document number -> its fields)."""
    ids = [c.documents.add(doc(i, **(doc_kw or {}).get(i, {}))).id for i in range(n)]
    anns = [
        Annotation(
            d,
            sentences=[
                claim(0, "Co-production works well.", 0),
                SentenceRecord(idx=1, start=27, end=40, text="It is Monday."),
                claim(
                    1 + 1,
                    "Panels may help.",
                    41,
                    holder="Ann Patel",
                    holder_kind="quoted",
                    hedge_cue="may",
                    claim_type="predictive",
                    targets=[],
                    practices=[],
                ),
                # about a target without being a claim: a statement, tagged like a claim
                claim(
                    3,
                    "Co-production was on the agenda.",
                    58,
                    is_claim=False,
                    claim_type=None,
                    score=0.2,
                    relevance={"co-production": 0.7},
                ),
            ],
        )  # fmt: skip
        for d in ids[:-1]
    ]
    anns.append(Annotation(ids[-1], skipped="not English (detected fr)"))
    c.analysis.store(anns, version)
    return ids


def test_annotations_store_sentences_and_claims_and_rerunning_replaces_only_that_version(c):
    ids = _annotate(c)
    assert c.analysis.count_pending("v1") == 0 and c.analysis.count_pending("v2") == 3
    # the claims table keeps statements: claims and sentences about a target
    assert c.analysis.counts() == {"annotations": 3, "sentences": 8, "claims": 6}
    rows = list(c.analysis.sentences(ids[0]))
    assert [(r["idx"], r["is_claim"], r["claim_type"], r["hedged"]) for r in rows] == [
        (0, 1, "evaluative", 0),
        (1, None, None, None),
        (2, 1, "predictive", 1),
        (3, 0, None, 0),
    ]
    assert (rows[2]["holder"], rows[2]["hedge_cue"], rows[2]["end"]) == ("Ann Patel", "may", 57)
    assert c.analysis.skipped() == [(ids[2], "not English (detected fr)")]
    # a new pipeline version keeps the old sentences; re-storing a version replaces it
    c.analysis.store([Annotation(ids[0], sentences=[claim(0, "New text.", 0)])], "v2")
    c.analysis.store([Annotation(ids[0], sentences=[claim(0, "Newer text.", 0)])], "v2")
    assert [r["text"] for r in c.analysis.sentences(ids[0])] == ["Newer text."]
    assert len(list(c.analysis.sentences(ids[0], "v1"))) == 4
    assert c.analysis.counts()["sentences"] == 9


def test_pending_walks_originals_in_id_order_with_their_titles(c):
    ids = [c.documents.add(doc(i)).id for i in range(6)]
    c.documents.add(doc(9), near_duplicate=(ids[0], 0.9))
    got = c.analysis.pending("v", limit=3)
    assert [g[0] for g in got] == ids[:3] and got[0][1].startswith("Document 0")
    assert got[0][3] == "Title 0"  # the title tells the relevance model what the page is about
    assert [g[0] for g in c.analysis.pending("v", after=ids[2])] == ids[3:]
    c.analysis.store([Annotation(ids[2], sentences=[claim(0, "Done.", 0)])], "v")
    # the ids alone (engines hand out id ranges), without what was annotated
    assert c.analysis.pending_ids("v", limit=3, after=ids[0]) == [ids[1], ids[3], ids[4]]
    assert c.analysis.pending_ids("v", after=ids[-1]) == []


def test_a_batch_of_annotations_is_stored_whole_or_not_at_all(c):
    ids = [c.documents.add(doc(i)).id for i in range(2)]
    bad = [
        Annotation(ids[0], sentences=[claim(0, "Fine.", 0)]),
        Annotation(ids[1], sentences=[claim(0, "Bad type.", 0, claim_type="rumour")]),
    ]
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own driver error
        c.analysis.store(bad, "v1")
    assert c.analysis.counts() == {"annotations": 0, "sentences": 0, "claims": 0}


# -- stance ------------------------------------------------------------------------------------
def test_tags_are_stored_once_per_claim_target_and_model(c):
    _annotate(c)
    assert c.stance.current_model() is None
    c.stance.register_model("m1", "/models/m1", {"scores": {"f": 0.5}})
    c.stance.register_model("m2", "/models/m2", {"n": 2})
    current = c.stance.current_model()
    assert (current["version"], current["metadata"]) == ("m2", {"n": 2})
    c.stance.sync_targets({"co-production": {"name": "Co-production", "description": "d"}})
    assert c.queries.known_targets() == {"co-production"}
    todo = c.stance.untagged("m2")
    # claims and statements about a target (the claim without one is not tagged)
    assert len(todo) == 4 and c.stance.count_untagged("m2") == 4
    assert c.stance.untagged_ids("m2") == [t[0] for t in todo]
    assert c.stance.untagged_ids("m2", after=todo[0][0], limit=2) == [todo[1][0], todo[2][0]]
    cid, text, targets, view, relevance = todo[0]
    assert (text, targets, view, relevance) == (
        "Co-production works well.",
        '["co-production"]',
        '{"w":[1,2]}',
        "{}",
    )
    assert todo[1][1:] == (
        "Co-production was on the agenda.",
        '["co-production"]',
        '{"w":[1,2]}',
        '{"co-production":0.7}',
    )
    tags = [(t[0], "co-production", "favor", 0.8, False, 0.7) for t in todo]
    c.stance.store_tags(tags, "m2")
    c.stance.store_tags(tags, "m2")  # a re-run adds nothing
    assert c.stance.count_untagged("m2") == 0 and c.stance.count_untagged("m1") == 4
    assert c.stance.untagged_ids("m2") == []
    assert c.stance.tags_of(cid, "m2") == [
        {"target": "co-production", "label": "favor", "score": 0.8, "uncertain": 0}
    ]
    relevance = c.db.execute("SELECT DISTINCT relevance FROM stance_tags").fetchall()
    assert [r[0] for r in relevance] == [0.7]
    assert c.stance.tag_counts("m2") == {"co-production": {"favor": 4}}
    assert c.queries.has_stance_tags()


def test_labels_are_saved_at_once_and_a_relabel_keeps_the_newest(c):
    _annotate(c)
    cid = c.stance.candidates("co-production")[0][0]
    assert len(c.stance.candidates("co-production")) == 4
    ctx = c.stance.context(cid)
    assert (ctx["before"], ctx["after"], ctx["text"]) == (
        None,
        "It is Monday.",
        "Co-production works well.",
    )
    c.stance.add_label(cid, "text", "co-production", "favor", annotator="me", session="s1")
    c.stance.add_label(cid, "text", "co-production", "against", session="s1")
    assert [(r["claim_id"], r["label"]) for r in c.stance.labels()] == [(cid, "against")]
    assert len(c.stance.candidates("co-production")) == 3
    free = c.stance.add_label(None, "A free-text label.", "other", "neutral", origin="file.csv")
    assert [r["origin"] for r in c.stance.labels("other")] == ["file.csv"]
    c.stance.delete_label(free)
    assert list(c.stance.labels("other")) == []


# -- queries -----------------------------------------------------------------------------------
def test_search_filters_facets_and_summaries_agree(c):
    blog = c.sources.upsert(SourceSpec("Blog", "pages", [], tags=["blog"]))
    paper = c.sources.upsert(SourceSpec("Paper", "pages", [], tags=["newspaper", "local"]))
    docs = [
        c.documents.add(doc(1, source_id=blog.id, published="2009-03-02")).id,
        c.documents.add(doc(2, source_id=paper.id, published="2010-11-20")).id,
        c.documents.add(doc(3, source_id=paper.id, published="2010")).id,
    ]
    texts = [
        "Residents welcomed the consultation on co-production.",
        "The council's consultations were a sham, residents said.",
        "Participatory budgeting gave residents a say.",
    ]
    c.analysis.store(
        [
            Annotation(d, sentences=[claim(0, t, 0, holder="Ann" if i == 1 else "author",
                                           holder_kind="quoted" if i == 1 else "author")])
            for i, (d, t) in enumerate(zip(docs, texts))
        ],
        "v1",
    )  # fmt: skip
    c.stance.register_model("m", "/m", {})
    ids = [r[0] for r in c.stance.untagged("m")]
    c.stance.store_tags(
        [(ids[0], "co-production", "favor", 0.9, False, 0.9),
         (ids[1], "co-production", "against", 0.7, False, None),
         (ids[2], "co-production", "neutral", 0.4, True, 0.5)],
        "m",
    )  # fmt: skip
    hits = c.queries.search(Filters(text="consult*"))
    assert [h["document_id"] for h in hits] == [docs[1], docs[0]]  # newest first
    assert c.queries.count(Filters(text="residents")) == 3
    assert c.queries.count(Filters(text="residents", tag="newspaper")) == 2
    # a bare year sorts before any date in it, as text does on both backends
    assert c.queries.count(Filters(text="residents", since="2010-01-01", until="2010-12-31")) == 1
    assert c.queries.count(Filters(holder="ann")) == 1  # a holder's name, any case
    assert c.queries.count(Filters(text='"participatory budgeting" NOT sham')) == 1
    assert c.queries.count(Filters(text="consultation", documents=True)) == 0  # not in a document
    assert c.queries.count(Filters(text="document", documents=True)) == 3
    with_stance = c.queries.search(Filters(stance="against"))
    assert [(h["stance"], h["stance_score"]) for h in with_stance] == [("against", 0.7)]
    assert dict(c.queries.facet(Filters(), "source")) == {"Paper": 2, "Blog": 1}
    assert dict(c.queries.facet(Filters(), "tag")) == {"newspaper": 2, "local": 2, "blog": 1}
    assert dict(c.queries.facet(Filters(), "stance")) == {"favor": 1, "against": 1, "neutral": 1}
    counts = c.queries.stance_counts(Filters(), ["quarter", "tag"])
    assert sorted((r["quarter"], r["tag"], r["label"], r["n"]) for r in counts) == [
        ("2009-Q1", "blog", "favor", 1),
        ("2010-Q0", "local", "neutral", 1),
        ("2010-Q0", "newspaper", "neutral", 1),
        ("2010-Q4", "local", "against", 1),
        ("2010-Q4", "newspaper", "against", 1),
    ]
    assert sorted(c.queries.stance_documents(Filters(), ["holder"])) == [
        (("co-production", "author"), 2),
        (("co-production", "quoted"), 1),
    ]
    assert c.queries.documents_per_source("year") == [
        ("2009", "Blog", 1),
        ("2010", "Paper", 2),
    ]
    top = c.queries.top_claims("co-production", "favor")
    assert [(t["document_id"], t["stance_score"]) for t in top] == [(docs[0], 0.9)]
    assert c.queries.quoted_holders() == [{"holder": "Ann", "claims": 1, "documents": 1}]
    assert c.queries.quoted_holders(target="co-production") == [
        {"holder": "Ann", "claims": 1, "documents": 1, "favor": 0, "against": 1, "neutral": 0}
    ]
    assert c.queries.quoted_holders(target="participatory-budgeting") == []
    assert c.queries.current_tags([ids[2], ids[0], 999]) == {
        ids[0]: [{"target": "co-production", "stance": "favor", "score": 0.9}],
        ids[2]: [{"target": "co-production", "stance": "neutral", "score": 0.4}],
    }
    rows = list(c.queries.iter_rows(Filters(with_stance=True), chunk=2))
    assert [r["claim_id"] for r in rows] == sorted(ids) and rows[0]["stance"] == "favor"


def test_a_query_outside_the_language_is_a_clear_input_error(c):
    from discourse.errors import InputError

    for bad in ("consult AND", "(consult", "NOT consult"):
        with pytest.raises(InputError, match="not valid full-text syntax"):
            c.queries.count(Filters(text=bad))
        # checked before any output (exports stream lazily)
        with pytest.raises(InputError, match="not valid full-text syntax"):
            c.queries.check_text(bad, documents=True)
    c.queries.check_text('"co-production" OR consult*')  # valid: nothing raised, nothing run


def test_holders_match_by_name_parts_and_claim_text_loses_its_paragraph_breaks(c):
    d = c.documents.add(doc(1)).id
    holders = ["Councillor Janet Okafor", "Cllr Okafor", "Okaforson", "Janet O'Neil-Okafor"]
    c.analysis.store(
        [Annotation(d, sentences=[
            claim(k, f"\n\nClaim {k} said so.", 40 * k, holder=h, holder_kind="quoted")
            for k, h in enumerate(holders)
        ])],
        "v1",
    )  # fmt: skip

    def holders_of(name):
        return sorted(r["holder"] for r in c.queries.search(Filters(holder=name)))

    # whole words only: not "Okaforson"; a hyphen or an apostrophe separates words too
    assert holders_of("Okafor") == ["Cllr Okafor", "Councillor Janet Okafor", "Janet O'Neil-Okafor"]
    assert holders_of("janet OKAFOR") == ["Councillor Janet Okafor", "Janet O'Neil-Okafor"]
    assert holders_of("O'Neil-Okafor") == ["Janet O'Neil-Okafor"]
    assert c.queries.count(Filters(holder="Okafor", holder_parts=("cllr", "okafor"))) == 1
    # the text without the breaks the sentence splitter left, offsets moved to match
    hit = c.queries.search(Filters(holder="Okaforson"))[0]
    assert (hit["text"], hit["start"], hit["end"]) == ("Claim 2 said so.", 82, 98)
    row = next(r for r in c.queries.iter_rows(Filters(holder="Okaforson")))
    assert (row["text"], row["start"]) == ("Claim 2 said so.", 82)


def test_attention_counts_mentions_per_period_beside_the_documents_read(c):
    ids = _annotate(c, n=4)  # three annotated, the fourth skipped
    for i, published in ((7, "2010"), (8, "2010-04-31")):  # a bare year; a day past April
        d = c.documents.add(doc(i, published=published)).id
        c.analysis.store([Annotation(d, sentences=[claim(0, "Co-production again.", 0)])], "v1")
    found = c.queries.mentions(Filters(), ["month"])
    assert sorted((r["target"], r["month"], r["claims"], r["documents"]) for r in found) == [
        ("co-production", "2010", 1, 1),
        ("co-production", "2010-01", 2, 1),
        ("co-production", "2010-02", 2, 1),
        ("co-production", "2010-03", 2, 1),
        ("co-production", "2010-04", 1, 1),
    ]
    weeks = c.queries.annotated_documents(Filters(), ["week"])
    # the Monday of each week; a bare year has no week (SQLite would read it as a Julian day)
    assert sorted((r["week"] or "", r["documents"]) for r in weeks) == [
        ("", 1),
        ("2010-01-04", 1),
        ("2010-02-08", 1),
        ("2010-03-08", 1),
        ("2010-04-26", 1),
    ]
    assert c.queries.annotated_documents(Filters(), []) == [{"documents": 5}]  # not skipped ones
    one = c.queries.mentions(Filters(since="2010-02-01"), ["year"], target="co-production")
    assert [(r["year"], r["claims"], r["documents"]) for r in one] == [("2010", 5, 3)]
    assert c.queries.mentions(Filters(), ["year"], target="participatory-budgeting") == []
    assert len(ids) == 4


def _claim_rows(c, table="claim_rows"):
    return sorted(
        tuple(r)
        for r in c.db.execute(
            f"SELECT claim_id, text, is_claim, claim_type, target, stance, month, url, source "
            f"FROM {table}"
        )
    )


def _facet_truth(c, facet):
    return {
        v: n
        for v, n in c.db.execute(
            f"SELECT {facet}, COUNT(*) FROM claims_view WHERE {facet} IS NOT NULL GROUP BY {facet}"
        )
    }


def test_claim_rows_and_facet_counts_follow_annotate_tag_and_a_new_current_model(c):
    from discourse.store.browse import FACETS as BROWSE_FACETS

    blog = c.sources.upsert(SourceSpec("Blog", "pages", [], homepage="http://u:pw@blog/"))
    ids = _annotate(
        c,
        doc_kw={
            0: {"source_id": blog.id},
            1: {"canonical_url": "https://me:secret@example.org/1?a=b@c"},
        },
    )
    rows = _claim_rows(c)
    assert rows == _claim_rows(c, "claims_view") and len(rows) == 6
    # URLs are shown without their user:password@
    assert {r[7] for r in rows} == {"http://example.org/0", "https://example.org/1?a=b@c"}
    homepage = c.db.execute("SELECT homepage FROM sources_view").fetchone()[0]
    assert homepage == "http://blog/"
    assert c.browse.facet_counts("claim_type") == [("evaluative", 2), ("predictive", 2)]
    assert c.browse.facet_counts("month", order="value_desc") == [("2010-02", 3), ("2010-01", 3)]
    assert c.browse.facet_counts("source") == [("Blog", 3)]
    # tags of the current model show at once: one row per claim and target
    c.stance.register_model("m1", "/m1", {})
    todo = c.stance.untagged("m1")
    c.stance.store_tags(
        [(t[0], "co-production", ("favor", "against")[k % 2], 0.8, False, 0.9)
         for k, t in enumerate(todo)]
        + [(todo[0][0], "community-engagement", "neutral", 0.5, True, 0.3)],
        "m1",
    )  # fmt: skip
    rows = _claim_rows(c)
    assert rows == _claim_rows(c, "claims_view") and len(rows) == 7
    assert c.browse.facet_counts("stance") == [("against", 2), ("favor", 2), ("neutral", 1)]
    assert c.browse.facet_counts(
        "stance", filter_column="target", filter_value="co-production"
    ) == [("against", 2), ("favor", 2)]
    assert c.browse.facet_counts("target", filter_column="month", filter_value="2010-01") == [
        ("co-production", 2),
        ("community-engagement", 1),
    ]
    claims = c.browse.document_claims(ids[0])
    assert [(d["text"], [t[2] for t in d["tags"]]) for d in claims] == [
        ("Co-production works well.", ["favor", "neutral"]),
        ("Panels may help.", []),
        ("Co-production was on the agenda.", ["against"]),
    ]
    # tags of a model that is not current change nothing shown
    c.stance.store_tags([(todo[1][0], "co-production", "favor", 0.6, False, 0.9)], "m0")
    assert _claim_rows(c) == rows
    # a new current model: no row shows the old model's tags
    c.stance.register_model("m2", "/m2", {})
    assert all(r[5] is None for r in _claim_rows(c)) and c.browse.facet_counts("stance") == []
    c.stance.register_model("m1", "/m1", {})
    assert _claim_rows(c) == rows
    # re-annotation by a new pipeline version: the document's rows are its new statements
    c.analysis.store(
        [Annotation(ids[0], sentences=[claim(0, "A new claim.", 0, claim_type="normative")])],
        "v2",
    )
    rows = _claim_rows(c)
    assert rows == _claim_rows(c, "claims_view")
    assert [r[1] for r in rows if r[8] == "Blog"] == ["A new claim."]
    for facet in BROWSE_FACETS:
        assert dict(c.browse.facet_counts(facet, limit=-1)) == _facet_truth(c, facet), facet
    assert c.check() == []
    # a claim row lost (or a count moved) by hand is found
    c.db.execute(f"DELETE FROM claim_rows WHERE claim_id = {rows[0][0]}")
    assert any(p.startswith("claim_rows:") for p in c.check())
    assert c.browse.rebuild() == len(rows) and c.check() == []


# -- the corpus --------------------------------------------------------------------------------
def _hold_lock(url: str, name: str, ready) -> None:
    with Corpus.open(url) as corpus, corpus.lock(name):
        ready.set()
        time.sleep(120)  # until killed


def test_a_stage_lock_is_held_by_one_process_and_freed_when_it_dies(corpus_url):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(corpus_url, "crawl", ready))
    holder.start()
    try:
        assert ready.wait(60)
        with Corpus.open(corpus_url) as c:
            with pytest.raises(CorpusLockedError, match="another crawl is running"):
                with c.lock("crawl"):
                    pass
            with c.lock("annotate"):  # another stage's lock is free
                pass
            holder.kill()  # SIGKILL: the lock goes with the process
            holder.join(30)
            deadline = time.monotonic() + 10  # the server may take a moment to see it die
            while True:
                try:
                    with c.lock("crawl"):
                        break
                except CorpusLockedError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
    finally:
        if holder.is_alive():
            holder.kill()
        holder.join(30)


def test_a_read_only_corpus_refuses_writes(corpus_url):
    Corpus.open(corpus_url).close()
    with Corpus.open(corpus_url, readonly=True) as c:
        assert c.documents.count() == 0
        with pytest.raises(CorpusError, match="read-only|readonly"):
            c.sources.upsert(SourceSpec("Blog", "pages", []))


def test_an_unknown_url_scheme_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="unknown corpus URL scheme 'mysql'"):
        Corpus.open("mysql://me@host/db")
    with pytest.raises(SettingsError, match="names a file"):
        Corpus.open("sqlite://host/x.db")


def test_a_speaker_left_as_a_pronoun_is_not_listed_among_the_most_quoted(c):
    docs = [c.documents.add(doc(n)).id for n in (1, 2, 3, 4)]
    c.analysis.store(
        [
            Annotation(d, sentences=[claim(0, "Consultation was a sham.", 0, holder=h,
                                           holder_kind="quoted")])
            # "Its authors claim ...", its "Its" unresolved
            for d, h in zip(docs, ["Ann", "she", "She", "Its"])
        ],
        "v1",
    )  # fmt: skip
    assert c.queries.quoted_holders() == [{"holder": "Ann", "claims": 1, "documents": 1}]
    # still quoted claims: only the list of sources leaves them out
    assert c.queries.count(Filters(holder="she")) == 2
