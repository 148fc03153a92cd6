"""The bundled sample corpus, served on 127.0.0.1 and crawled end to end (what `make demo` does)."""

import json

import pytest

from discourse import Corpus
from discourse.demo import SAMPLE, write_sources
from discourse.gather.crawler import Crawler
from discourse.gather.sources import load_sources
from discourse.sampleserver import SampleServer

from .crawlkit import crawl_settings

EXPECTED = [
    json.loads(line)
    for line in (SAMPLE / "expected.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample")
    with SampleServer(SAMPLE / "site") as server:
        sources = write_sources(SAMPLE / "manifest.json", server.base, tmp / "sources.toml")
        settings = crawl_settings(tmp, sources=str(sources), extract_workers=1)
        with Corpus(settings.db) as corpus:
            crawler = Crawler(corpus, settings, progress=False, log_fetches=False)
            crawler.sync_sources(load_sources(sources))
            report = crawler.run_once()
            docs = {d.canonical_url.replace(server.base, ""): d for d in corpus.documents.all()}
            problems = [r[0] for r in corpus.db.execute("SELECT parse_problem FROM feeds")]
            fetched = [
                r[0].replace(server.base, "")
                for r in corpus.db.execute("SELECT url FROM fetch_log")
            ]
    return report, docs, problems, fetched


def test_sample_has_enough_articles_of_each_outlet():
    by_source = {}
    for e in EXPECTED:
        by_source[e["source"]] = by_source.get(e["source"], 0) + 1
    assert len(EXPECTED) >= 40 and len(by_source) >= 3


def test_every_article_lands_once(crawled):
    report, docs, _, _ = crawled
    assert {e["path"] for e in EXPECTED} <= set(docs)
    assert len(docs) == len(EXPECTED)
    assert report.pages_failed == report.pages_skipped == 0


def test_main_text_has_the_article_and_not_the_comments(crawled):
    _, docs, _, _ = crawled
    misses = []
    for e in EXPECTED:
        text = " ".join(docs[e["path"]].text.split())
        if (
            " ".join(e["first_sentence"].split()) not in text
            or " ".join(e["last_sentence"].split()) not in text
        ):
            misses.append(("missing sentence", e["path"]))
        if e["comment_sentence"] and " ".join(e["comment_sentence"].split()) in text:
            misses.append(("comment leaked", e["path"]))
        if "cookies" in text.lower() and "cookie" not in e["first_sentence"].lower():
            misses.append(("cookie banner", e["path"]))
    assert misses == []


def test_metadata_titles_dates_and_authors(crawled):
    _, docs, _, _ = crawled
    titles = sum(docs[e["path"]].title == e["title"] for e in EXPECTED)
    dates = sum((docs[e["path"]].published or "")[:10] == e["date"] for e in EXPECTED)
    authors = sum(
        e["author"] and docs[e["path"]].author and e["author"] in docs[e["path"]].author
        for e in EXPECTED
    )
    assert titles == len(EXPECTED)
    assert dates >= 0.95 * len(EXPECTED)
    assert authors >= 0.7 * len(EXPECTED)


def test_encodings_of_windows_1252_and_latin_1_pages_are_read(crawled):
    _, docs, _, _ = crawled
    legacy = [d for d in docs.values() if "\ufffd" in d.text or "Ã" in d.text or "â€" in d.text]
    assert legacy == []
    assert any("£" in d.text for d in docs.values())


def test_malformed_rdf_feed_is_recorded_not_fatal(crawled):
    _, docs, problems, _ = crawled
    assert sum(p is not None for p in problems) == 1
    assert sum(1 for e in EXPECTED if e["source"].startswith("Ashford")) == sum(
        1 for p in docs if p.startswith("/ashford-vale-council/")
    )


def test_syndicated_copy_is_linked_to_the_original(crawled):
    _, docs, _, _ = crawled
    for e in EXPECTED:
        doc = docs[e["path"]]
        if e["duplicate_of"]:
            assert doc.duplicate_of == docs[e["duplicate_of"]].id
        else:
            assert doc.duplicate_of is None, e["path"]


def test_robots_disallowed_admin_is_never_fetched(crawled):
    _, _, _, fetched = crawled
    assert "/robots.txt" in fetched
    assert not any(u.startswith("/ashford-vale-council/admin") for u in fetched)


def test_demo_explains_the_feed_that_is_malformed_on_purpose(tmp_path, capsys, caplog):
    from discourse.demo import main

    assert main(str(tmp_path / "demo"), gather_only=True) == 0
    out = capsys.readouterr()
    council = [x for x in out.out.splitlines() if "malformed on purpose" in x]
    assert len(council) == 1 and "undefined entity" in council[0]
    assert "stored its 10 articles" in council[0]
    # no bare parser exception, neither printed nor logged
    assert not [x for x in (out.out + out.err).splitlines() if x.startswith("feed http")]
    assert not [r for r in caplog.records if "is malformed" in r.getMessage()]


def test_stored_bands_flag_what_the_in_memory_index_flags_on_the_sample(crawled, tmp_path):
    """The crawl (stored bands) and an import of its documents in the same order through the
    in-memory index it replaced (benchmarks/dedup.py) flag the same near-duplicates."""
    from benchmarks.dedup import InMemoryIndex
    from discourse.gather.importer import import_files

    from .conftest import write_jsonl
    from .test_dedup import flags

    _, docs, _, _ = crawled
    ordered = sorted(docs.items(), key=lambda kv: kv[1].id)
    by_id = {d.id: path for path, d in ordered}
    crawl = {path: by_id.get(d.duplicate_of) for path, d in ordered}
    assert sum(v is not None for v in crawl.values()) == sum(
        bool(e["duplicate_of"]) for e in EXPECTED
    )
    rows = [
        {"url": f"http://sample.example{path}", "text": d.text, "published": d.published,
         "title": d.title, "source": d.source}
        for path, d in ordered
    ]  # fmt: skip
    path = write_jsonl(tmp_path / "sample.jsonl", rows)
    for name, index in (("stored", None), ("reference", InMemoryIndex)):
        url = f"sqlite:///{tmp_path / name}.db"
        with Corpus.open(url) as c:
            import_files(c, [path], near_duplicates=index)
        got = {
            u.removeprefix("http://sample.example"): (
                o.removeprefix("http://sample.example") if o else None
            )
            for u, (o, _) in flags(url).items()
        }
        assert got == crawl, name
