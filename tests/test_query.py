"""`discourse query` and Corpus.query over a small annotated corpus."""

import json

import pytest

from discourse import Corpus
from discourse.errors import InputError
from discourse.store import SourceSpec

from .conftest import run_cli, write_jsonl

DOCS = [
    {
        "url": "http://blog.example/2008/panel",
        "source": "Blog",
        "date": "2008-07-21",
        "title": "Panel",
        "text": "Involving local people in decisions is long overdue. Participatory budgeting in "
        "Millbrook may well deliver better outcomes. Simon Jarvis argues that co-production "
        "models deliver multiple benefits.",
    },
    {
        "url": "http://paper.example/2010/cuts",
        "source": "Gazette",
        "date": "2010-07-05",
        "title": "Cuts",
        "text": "The Big Society is cover for cuts, and residents know it. Another consultation will "
        "not change the outcome. The council should publish what the consultation found.",
    },
    {
        "url": "http://council.example/2012/plan",
        "source": "Council",
        "date": "2012-03-01",
        "title": "Plan",
        "text": "The neighbourhood plan will give residents a real say over new housing. "
        "Councillor Ann Patel said the consultations had shaped the final plan.",
    },
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from discourse.claims.annotate import annotate
    from discourse.gather.importer import import_jsonl

    tmp = tmp_path_factory.mktemp("query")
    path = tmp / "corpus.db"
    with Corpus(path) as c:
        for name, tag in (("Blog", "blog"), ("Gazette", "newspaper"), ("Council", "council")):
            c.sources.upsert(SourceSpec(name, "pages", [], tags=[tag]))
        import_jsonl(c, write_jsonl(tmp / "docs.jsonl", DOCS))
        annotate(c, progress=False)
    return path


def q(db, *args):
    return run_cli("--db", str(db), "query", *args)


def jsonl(res):
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_phrase_or_prefix_and_not(db):
    phrase = jsonl(q(db, '"multiple benefits"', "--format", "jsonl"))
    assert [h["title"] for h in phrase] == ["Panel"] and "multiple benefits" in phrase[0]["text"]
    prefix = jsonl(q(db, "consult*", "--format", "jsonl"))
    assert prefix and all("consult" in h["text"].lower() for h in prefix)
    without = jsonl(q(db, "consult* NOT publish", "--format", "jsonl"))
    assert len(without) == len(prefix) - 1 and not any("publish" in h["text"] for h in without)
    either = jsonl(q(db, "cuts OR housing", "--format", "jsonl"))
    assert {h["source"] for h in either} == {"Gazette", "Council"}


def test_results_carry_provenance(db):
    hit = jsonl(q(db, "overdue", "--format", "jsonl"))[0]
    assert hit["source"] == "Blog" and hit["published"] == "2008-07-21"
    assert hit["url"] == "http://blog.example/2008/panel" and hit["pipeline_version"].startswith(
        "claims-"
    )
    with Corpus(db) as c:
        text = c.documents.get(hit["document_id"]).text
    assert text[hit["start"] : hit["end"]] == hit["text"]


def test_filters(db):
    assert {h["source"] for h in jsonl(q(db, "--tag", "council", "--format", "jsonl"))} == {
        "Council"
    }
    dated = jsonl(q(db, "--since", "2009", "--until", "2010-12", "--format", "jsonl"))
    assert dated and {h["published"][:4] for h in dated} == {"2010"}
    quoted = jsonl(q(db, "--holder", "quoted", "--format", "jsonl"))
    assert quoted and all(h["holder_kind"] == "quoted" for h in quoted)
    assert any("Jarvis" in h["holder"] for h in quoted)
    hedged = jsonl(q(db, "--hedged", "--format", "jsonl"))
    assert hedged and all(h["hedged"] for h in hedged)
    normative = jsonl(q(db, "--claim-type", "normative", "--format", "jsonl"))
    assert all(h["claim_type"] == "normative" for h in normative)


def test_facets_count_the_matching_results(db):
    everything = jsonl(q(db, "--format", "jsonl", "--limit", "1000"))
    res = q(db, "--facet", "source,tag")
    assert res.returncode == 0, res.stderr
    counts = [int(line.split()[0]) for line in res.stdout.splitlines() if line.startswith("  ")]
    assert sum(counts) == 2 * len(everything)


def test_kwic_aligns_the_keyword(db):
    res = q(db, "consult*", "--format", "kwic", "--window", "25")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) >= 3
    assert len({line.index("[") for line in lines}) == 1
    assert all("consult" in line[line.index("[") :].lower() for line in lines)


def test_csv_output_is_readable_back(db):
    import csv
    import io

    res = q(db, "consult*", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows and {"text", "source", "url", "claim_type", "holder"} <= set(rows[0])


@pytest.mark.parametrize(
    "args, message",
    [
        (["AND OR"], "not valid full-text syntax"),
        (["x", "--since", "2008-13"], "is not a date"),
        (["x", "--stance", "favor"], "no stance tags yet"),
        (["--facet", "colour"], "unknown facet"),
        (["x", "--documents", "--claim-type", "causal"], "do not apply with --documents"),
    ],
)
def test_bad_queries_get_one_clear_message(db, args, message):
    res = q(db, *args)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_empty_corpus_says_so(tmp_path):
    Corpus(tmp_path / "e.db").close()
    res = run_cli("--db", str(tmp_path / "e.db"), "query", "anything")
    assert res.returncode == 2 and "the corpus is empty" in res.stderr


def test_python_api_returns_typed_hits(db):
    with Corpus(db, readonly=True) as c:
        hits = c.query("overdue")
        docs = c.query("cuts", documents=True)
        with pytest.raises(InputError):
            c.query("x", since="yesterday")
    assert hits[0].source == "Blog" and hits[0].claim_type
    assert docs[0].title == "Cuts" and docs[0].claim_id is None


def test_hyphenated_words_are_searched_as_phrases(db):
    hits = jsonl(q(db, "co-production", "--format", "jsonl"))
    assert [h["source"] for h in hits] == ["Blog"] and "co-production" in hits[0]["text"]
    assert jsonl(q(db, "co-prod*", "--format", "jsonl")) == hits


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_claims_round_trips_with_provenance(db, tmp_path, fmt):
    out = tmp_path / f"claims.{fmt}"
    res = run_cli("--db", str(db), "export", "claims", "--format", fmt, "--out", str(out))
    assert res.returncode == 0, res.stderr
    if fmt == "csv":
        import csv

        rows = list(csv.DictReader(out.open(encoding="utf-8")))
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    everything = jsonl(q(db, "--format", "jsonl", "--limit", "1000"))
    assert len(rows) == len(everything) and f"{len(rows)} claims written" in res.stdout
    assert {
        "text",
        "source",
        "published",
        "url",
        "start",
        "end",
        "holder",
        "pipeline_version",
    } <= set(rows[0])
    assert {str(r["claim_id"]) for r in rows} == {str(h["claim_id"]) for h in everything}


def test_export_documents_with_a_filter_and_a_bad_path(db, tmp_path):
    out = tmp_path / "docs.jsonl"
    res = run_cli(
        "--db",
        str(db),
        "export",
        "documents",
        "--format",
        "jsonl",
        "--out",
        str(out),
        "--tag",
        "newspaper",
    )
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["title"] for r in rows] == ["Cuts"]
    bad = run_cli(
        "--db",
        str(db),
        "export",
        "claims",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "missing-folder" / "x.csv"),
    )
    assert bad.returncode == 2 and "missing-folder does not exist" in bad.stderr
    assert not (tmp_path / "missing-folder").exists()


@pytest.mark.parametrize(
    "text, filters",
    [
        ("consultation OR residents OR people", {}),
        ("the OR a", {"holder": "author"}),
        ("council* OR local", {"since": "2009", "source": "Gazette"}),
        ("overdue", {}),
    ],
)
def test_common_words_walk_by_date_and_give_the_same_page(db, monkeypatch, text, filters):
    """A first page of a common word is found by walking documents newest first; it must be
    the very page the full-text-first plan gives, in the same order, for every offset."""
    import discourse.store.queries as queries

    with Corpus(db, readonly=True) as c:
        monkeypatch.setattr(queries, "COMMON", 10**9)  # never common: FTS index first
        by_index = [
            [h.claim_id for h in c.query(text, limit=2, offset=k, **filters)] for k in range(4)
        ]
        monkeypatch.setattr(queries, "COMMON", 1)  # always common: walk documents by date
        f = queries.Filters(text=text)
        assert c.queries._common(f) == bool(c.query(text, limit=1))
        by_date = [
            [h.claim_id for h in c.query(text, limit=2, offset=k, **filters)] for k in range(4)
        ]
    assert by_date == by_index and any(by_index)
