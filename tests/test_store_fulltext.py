"""The query language of `discourse query` means the same on SQLite (FTS5) and PostgreSQL
(tsvector + the translator in discourse/store/postgres/tsquery.py): the same queries over
the same sentences find the same claims, or fail the same way."""

from __future__ import annotations

import random
import re

import pytest

from discourse import Corpus
from discourse.errors import InputError
from discourse.store import NewDocument
from discourse.store.analysis import Annotation, SentenceRecord
from discourse.store.postgres.tsquery import EMPTY, Node, Phrase, QuerySyntaxError, parse
from discourse.store.queries import Filters

from .conftest import ROOT

FIXTURE = ROOT / "tests/fixtures/fulltext/sentences.txt"
WORD = re.compile(r"[^\W_]+")


def documents() -> list[list[str]]:
    docs, current = [], []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                docs.append(current)
            current = []
        else:
            current.append(line)
    return docs + ([current] if current else [])


def build(url: str) -> None:
    with Corpus.open(url) as c:
        anns = []
        for n, sentences in enumerate(documents()):
            text = " ".join(sentences)
            d = c.documents.add(
                NewDocument(
                    url=f"http://ft.example/{n}",
                    canonical_url=f"http://ft.example/{n}",
                    text=text,
                    content_hash=f"ft{n}",
                    title=f"Document {n}",
                    published=f"2011-0{n + 1}-01",
                )
            )
            records, pos = [], 0
            for i, s in enumerate(sentences):
                records.append(
                    SentenceRecord(
                        i, pos, pos + len(s), s, statement=True, is_claim=True, claim_type="factual",
                        holder="author", holder_kind="author",
                    )
                )  # fmt: skip
                pos += len(s) + 1
            anns.append(Annotation(d.id, sentences=records))
        c.analysis.store(anns, "ft")


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgres):
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('ft') / 'c.db'}"
    pg = postgres.fresh()
    for url in (sqlite_url, pg):
        build(url)
    with Corpus.open(sqlite_url) as lite, Corpus.open(pg) as server:
        yield lite, server


def matches(corpus: Corpus, query: str):
    """The (document, offset) of every claim the query finds, or the error it raises."""
    try:
        rows = corpus.queries.iter_rows(Filters(text=query))
        return sorted((r["url"], r["start"]) for r in rows)
    except InputError:
        return "error"


HANDWRITTEN = [
    "residents",
    "RESIDENTS",
    "consult*",
    "consultations",  # stems to consult: also consultation, consulting, consultant's
    "consultant",
    "generous",  # Porter (not Porter2) joins general and generous
    "generally",
    "engaging",
    '"co-production"',
    '"community engagement"',
    '"state of the art"',
    '"the council s"',
    '"can t replace"',  # curly apostrophes split words as straight ones do
    "cafe",
    "café",
    "naive",
    "resume",
    '"3 5 hours"',
    "2010",
    "2010s",
    "week_twelve",
    '"week twelve"',
    '"example org engage"',
    "consult AND example",
    "trust NOT councils",
    "residents NOT say housing",
    "residents NOT say AND housing",
    "residents say OR cuts",
    "cuts OR residents say",
    "cuts OR residents AND say",
    "(cuts OR budget*) AND process",
    "(cuts OR budget*) NOT rushed",
    '"participatory budget*"',
    '"particip* budget"',
    "power NOT sharing",
    "powersharing OR tokenism",
    "tokenistic",
    '""',
    'residents ""',
    'residents AND ""',
    'residents OR ""',
    'residents NOT ""',
    '"" NOT residents',
    "and",
    "residents and council",
    "NOTtrust",
    "NEAR",
    # refused by both
    "NOT residents",
    "residents AND",
    "(residents",
    "residents)",
    "residents (council OR cuts)",
    "(residents) council",
    "co-production",
    "residents'",
]


@pytest.mark.parametrize("query", HANDWRITTEN)
def test_a_query_finds_the_same_claims_on_both_backends(both, query):
    lite, server = both
    expected = matches(lite, query)
    assert matches(server, query) == expected
    if query == "residents":
        assert len(expected) == 6  # the sentences that say "residents"


def random_queries(n: int, seed: int = 7) -> list[str]:
    """Queries of the documented language built from the test corpus's own words."""
    rng = random.Random(seed)
    vocab = sorted({w for doc in documents() for s in doc for w in WORD.findall(s)})

    def phrase() -> str:
        words = [rng.choice(vocab) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        if rng.random() < 0.2:
            words[-1] = words[-1][: max(2, len(words[-1]) - 2)] + "*"
        if len(words) > 1 or rng.random() < 0.2:
            return '"' + " ".join(words).replace("*", "") + '"' + ("*" if "*" in words[-1] else "")
        return words[0]

    def expr(depth: int = 0) -> str:
        if depth > 2 or rng.random() < 0.4:
            return " ".join(phrase() for _ in range(rng.choice([1, 1, 2])))
        op = rng.choice(["AND", "OR", "NOT", ""])
        left, right = expr(depth + 1), expr(depth + 1)
        if rng.random() < 0.3:
            right = f"({right})"
            if not op:
                op = "AND"
        return f"{left} {op} {right}".replace("  ", " ")

    return [expr() for _ in range(n)]


def test_random_queries_find_the_same_claims_on_both_backends(both):
    lite, server = both
    queries = random_queries(300)
    differ = [(q, matches(lite, q), matches(server, q)) for q in queries]
    differ = [d for d in differ if d[1] != d[2]]
    found = sum(1 for q in queries if matches(lite, q) not in ("error", []))
    assert found >= 60, "the generated queries should mostly match something"
    assert differ == []


def test_both_backends_index_the_same_words_at_the_same_places(both):
    lite, server = both
    vocab = (
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.sv USING fts5vocab(main, sentences_fts, instance)"
    )
    lite.db.execute(vocab)
    expected: dict[int, set] = {}
    for term, sid, offset in lite.db.execute("SELECT term, doc, offset FROM temp.sv"):
        expected.setdefault(sid, set()).add((term, offset + 1))
    got: dict[int, set] = {}
    for sid, tsv in server.db.execute("SELECT id, tsv::text FROM sentences"):
        for part in tsv.split(" "):
            lex, _, positions = part.rpartition(":")
            got[sid] = got.get(sid, set()) | {
                (lex.strip("'"), int(p)) for p in positions.split(",")
            }
    assert len(expected) == 30 and got == expected


def test_the_parser_follows_fts5_precedence():
    def stem(values):
        return [tuple(WORD.findall(v)) for v in values]

    a, b, c = Phrase(("a",)), Phrase(("b",)), Phrase(("c",))
    assert parse("a NOT b c", stem) == Node("NOT", a, Node("AND", b, c))
    assert parse("a NOT b AND c", stem) == Node("AND", Node("NOT", a, b), c)
    assert parse("a OR b NOT c", stem) == Node("OR", a, Node("NOT", b, c))
    assert parse("a b OR c", stem) == Node("OR", Node("AND", a, b), c)
    assert parse('"a b"* OR ""', stem) == Phrase(("a", "b"), prefix=True)
    assert parse('"" AND a', stem) == EMPTY
    for bad in ("NOT a", "a AND", "(a", "a (b)", "a:b", "a + b", "NEAR(a b)", "a^"):
        with pytest.raises(QuerySyntaxError):
            parse(bad, stem)


@pytest.mark.parametrize(
    "query", ["document", '"document 1"', "residents OR cafe", '"0 residents"', "document NOT cuts"]
)
def test_document_search_matches_titles_and_text_alike(both, query):
    """Documents index title and text; a phrase does not run from one into the other."""
    lite, server = both

    def urls(corpus):
        return sorted(
            r["url"] for r in corpus.queries.iter_rows(Filters(text=query, documents=True))
        )

    assert urls(server) == urls(lite)
    if query == '"0 residents"':  # title "Document 0", text "Residents welcomed ..."
        assert urls(lite) == []
    if query == "document":
        assert len(urls(lite)) == len(documents())


def test_the_fast_path_for_ascii_text_indexes_as_fts5_does():
    """ASCII text is split in Python and only new words go to FTS5: the positions must be
    exactly FTS5's own, for every text of the label files (and titles beside them)."""
    import json

    from discourse.store.postgres.fulltext import Tokenizer

    texts = [
        json.loads(line)["text"]
        for name in ("claims.jsonl", "stance.jsonl")
        for line in (ROOT / "corpora/labels" / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rows = [(t, None) for t in texts if t.isascii()] + [
        ("Title of 64 chars " + "x" * 70, next(t for t in texts if t.isascii())) for _ in range(2)
    ]
    assert len(rows) > 3000
    tok = Tokenizer()
    assert tok.positions(rows) == tok._fts5_positions(rows)


@pytest.mark.parametrize(
    "query,filters",
    [
        ("residents", {}),
        ("the", {"since": "2011-03-01"}),
        ("consult* OR trust", {"claim_type": "factual"}),
        ('"neighbourhood plan"', {}),
        ("the", {"holder": "author", "until": "2011-04-30"}),
    ],
)
def test_walking_documents_by_date_gives_the_same_page_as_sorting_every_match(
    both, query, filters, monkeypatch
):
    """PostgreSQL picks, per query, between walking documents newest first, walking only the
    newest ones and sorting all the matches (by the planner's estimate); each gives SQLite's
    rows in SQLite's order."""
    import discourse.store.postgres.queries as pq

    lite, server = both
    f = Filters(text=query, **filters)

    def page(corpus, offset):
        return [(h["url"], h["start"]) for h in corpus.queries.search(f, limit=3, offset=offset)]

    expected = [page(lite, offset) for offset in (0, 3, 6)]
    assert expected[0], "the query should match"
    # walk every document by date; walk the newest ones, then sort every match; walk a window
    # of documents that holds the page
    for cost, budget in ((0, 0), (10**12, 1), (10**12, 10**12)):
        monkeypatch.setattr(pq, "WALK_COST", cost)
        monkeypatch.setattr(pq, "WALK_BUDGET", budget)
        assert [page(server, offset) for offset in (0, 3, 6)] == expected
