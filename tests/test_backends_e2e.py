"""End to end on both backends: the bundled sample corpus, served on 127.0.0.1, crawled,
annotated, tagged and summarised into SQLite and into PostgreSQL gives the same corpus,
the same claims, the same tags and the same summary."""

from __future__ import annotations

import pytest

from discourse import Corpus
from discourse.claims.annotate import annotate
from discourse.claims.pipeline import load_pipeline
from discourse.demo import SAMPLE, write_sources
from discourse.gather.crawler import Crawler
from discourse.gather.sources import load_sources
from discourse.sampleserver import SampleServer
from discourse.stance.tag import tag
from discourse.use.summary import summary

from .crawlkit import crawl_settings

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, postgres):
    nlp = load_pipeline(None)
    out = {}
    with SampleServer(SAMPLE / "site") as server:
        for backend in BACKENDS:
            tmp = tmp_path_factory.mktemp(backend)
            url = f"sqlite:///{tmp / 'corpus.db'}" if backend == "sqlite" else postgres.fresh()
            sources = write_sources(SAMPLE / "manifest.json", server.base, tmp / "sources.toml")
            settings = crawl_settings(
                tmp, db=url, sources=str(sources), extract_workers=0, timeout=30.0
            )  # a loaded machine must not fail fetches on one backend only
            with Corpus.open(url) as c:
                crawler = Crawler(c, settings, progress=False, log_fetches=False)
                crawler.sync_sources(load_sources(sources))
                crawled = crawler.run_once()
                annotated = annotate(c, nlp=nlp, progress=False)
                tagged = tag(c, progress=False)
                again = annotate(c, nlp=nlp, progress=False), tag(c, progress=False)
                out[backend] = {
                    "crawled": crawled,
                    "annotated": annotated,
                    "tagged": tagged,
                    "again": again,
                    "stats": c.stats(),
                    "documents": sorted(
                        (d.canonical_url, d.title, d.published, d.source, d.text)
                        for d in c.documents.all()
                    ),
                    "summary": summary(c, by=["source"]).rows,
                    "hits": [(h.url, h.start) for h in c.query("consult*", limit=500)],
                    "health": [(h.name, h.documents, h.failures) for h in c.sources.health()],
                }
    return out


def test_the_crawl_stores_the_same_documents_on_both_backends(runs):
    lite, pg = runs["sqlite"], runs["postgresql"]
    assert lite["crawled"].pages_failed == pg["crawled"].pages_failed == 0
    assert len(lite["documents"]) >= 40
    assert pg["documents"] == lite["documents"]
    assert pg["health"] == lite["health"]
    for table in ("sources", "feeds", "items", "documents", "fetch_log"):
        assert pg["stats"][table] == lite["stats"][table] > 0, table


def test_annotation_and_tagging_find_the_same_claims_and_stances(runs):
    lite, pg = runs["sqlite"], runs["postgresql"]
    assert lite["annotated"].claims > 100 and lite["tagged"].tags > 50
    for field in ("documents", "skipped", "sentences", "claims"):
        assert getattr(pg["annotated"], field) == getattr(lite["annotated"], field), field
    assert pg["tagged"].counts == lite["tagged"].counts
    for table in ("sentences", "claims", "stance_tags", "models"):
        assert pg["stats"][table] == lite["stats"][table], table
    # re-running either stage does nothing new, on either backend
    for run in (lite, pg):
        annotated, tagged = run["again"]
        assert annotated.documents == 0 and tagged.tags == 0


def test_the_summary_and_queries_agree(runs):
    lite, pg = runs["sqlite"], runs["postgresql"]
    assert lite["summary"] and pg["summary"] == lite["summary"]
    assert lite["hits"] and pg["hits"] == lite["hits"]
