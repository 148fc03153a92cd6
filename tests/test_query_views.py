"""What `discourse query` and `export` show: target and stance beside each claim, --holder by
name parts, claim text without the paragraph breaks around it, and keyword-in-context lines
that mark what the search matched."""

from __future__ import annotations

import json

import pytest

from discourse import Corpus
from discourse.use.query import Hit, kwic

from .conftest import invoke, write_jsonl

DOCS = [
    {
        "url": "http://gazette.example/2010/consultation",
        "source": "Gazette",
        "date": "2010-07-05",
        "title": "Consultation row",
        "text": "The council opened a consultation on the library in June.\n\n"
        "Councillor Janet Okafor said that community engagement had been a sham.\n\n"
        "Residents say the consultation was rushed.\n",
    },
    {
        "url": "http://blog.example/2011/panel",
        "source": "Blog",
        "date": "2011-03-01",
        "title": "Panel",
        "text": "Involving local people in decisions is long overdue.\n\n"
        "Cllr Okafor said the consultation was a sham and a waste of money.\n\n"
        "Mr Pike said that co-production models deliver real benefits.\n",
    },
]


@pytest.fixture(scope="module")
def db(tmp_path_factory, claims_pipeline):
    from discourse.claims.annotate import annotate
    from discourse.gather.importer import import_jsonl
    from discourse.stance.tag import tag

    tmp = tmp_path_factory.mktemp("views")
    path = tmp / "corpus.db"
    with Corpus(path) as c:
        import_jsonl(c, write_jsonl(tmp / "docs.jsonl", DOCS))
        annotate(c, nlp=claims_pipeline, progress=False)
        tag(c, progress=False)
    return path


def _jsonl(res):
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()]


def _holders(db, *args):
    return {r["holder"] for r in _jsonl(invoke("--db", str(db), *args))}


def test_holder_matches_by_name_parts_in_query_summary_and_export(db):
    both = {"Councillor Janet Okafor", "Cllr Okafor"}
    assert _holders(db, "query", "--holder", "Okafor", "--format", "jsonl") == both
    assert _holders(db, "query", "--holder", "okafor", "--format", "jsonl") == both
    assert _holders(db, "query", "--holder", "Cllr Okafor", "--format", "jsonl") == both
    assert _holders(db, "query", "--holder", "Janet Okafor", "--format", "jsonl") == {
        "Councillor Janet Okafor"
    }
    assert _holders(db, "query", "--holder", "Okaf", "--format", "jsonl") == set()  # whole words
    assert _holders(db, "query", "--holder", "Pike", "--format", "jsonl") == {"Mr Pike"}
    exported = _holders(
        db, "export", "claims", "--holder", "Okafor", "--format", "jsonl", "--out", "-"
    )
    assert exported == both
    res = invoke("--db", str(db), "summary", "--holder", "Okafor", "--format", "json")
    rows = json.loads(res.stdout)["rows"]
    with Corpus(db) as c:
        tags = c.db.execute(
            "SELECT COUNT(*) FROM stance_tags t JOIN claims c ON c.id = t.claim_id "
            "WHERE c.holder IN ('Councillor Janet Okafor', 'Cllr Okafor')"
        ).fetchone()[0]
    assert tags > 0 and sum(r["claims"] for r in rows) == tags


def test_table_shows_target_and_stance_when_tags_exist(db):
    res = invoke("--db", str(db), "query", "consultation OR panel OR engagement")
    assert res.exit_code == 0
    heads = [line for line in res.stdout.splitlines() if line[:4].isdigit()]
    assert heads
    with Corpus(db) as c:
        tagged = {
            r[0]: r[1:]
            for r in c.db.execute(
                "SELECT s.text, t.target, t.label FROM stance_tags t "
                "JOIN claims c ON c.id = t.claim_id JOIN sentences s ON s.id = c.sentence_id"
            )
        }
    lines = res.stdout.splitlines()
    shown = 0
    for i, line in enumerate(lines):
        if line[:4].isdigit():
            text = lines[i + 1].strip()
            key = next((k for k in tagged if k.strip() == text), None)
            if key:
                target, label = tagged[key]
                assert f"{target}: {label} (" in line, line
                shown += 1
            else:
                assert line.endswith("no target"), line
    assert shown
    res = invoke("--db", str(db), "query", "--stance", "against")
    heads = [line for line in res.stdout.splitlines() if line[:4].isdigit()]
    assert heads and all(": against (" in h for h in heads)


def test_claim_text_has_no_paragraph_breaks_and_offsets_still_point_at_it(db):
    rows = _jsonl(invoke("--db", str(db), "export", "claims", "--format", "jsonl", "--out", "-"))
    hits = _jsonl(invoke("--db", str(db), "query", "--format", "jsonl", "--limit", "100"))
    with Corpus(db) as c:
        texts = {d.id: d.text for d in c.documents.all()}
    assert rows and hits
    for r in [*rows, *hits]:
        assert r["text"] == r["text"].strip() and "\n" not in r["text"], r["text"]
        assert texts[r["document_id"]][r["start"] : r["end"]] == r["text"]


def _hit(text):
    return Hit(text=text, document_id=1, title="t", source="Blog", published="2010-01-01", url="u")


KWIC_TEXT = (
    "Councillor Patel told the council that plans for the planet were consultations, "
    "not a consultation (consultation) at all."
)


@pytest.mark.parametrize(
    "query, keywords",
    [
        ("council", ["council"]),  # not "Councillor": another stem
        ("council*", ["Councillor", "council"]),
        ("plan", ["plans"]),  # not "planet"
        ("plan*", ["plans", "planet"]),
        ("consultation", ["consultations", "consultation", "consultation"]),
        ('"not a consultation"', ["not a consultation"]),
        ("council AND NOT planet", ["council"]),
    ],
)
def test_kwic_marks_what_the_search_matched(query, keywords):
    lines = kwic([_hit(KWIC_TEXT)], query, window=30)
    assert [line[line.index("[") + 1 : line.index("]")] for line in lines] == keywords


def test_kwic_keeps_punctuation_attached_and_the_keyword_aligned():
    lines = kwic([_hit(KWIC_TEXT)], "consultation", window=30)
    assert "planet were [consultations], not a" in lines[0]
    assert "not a [consultation] (consultation)" in lines[1]
    assert "consultation ([consultation]) at all." in lines[2]
    assert len({line.index("[") for line in lines}) == 1
