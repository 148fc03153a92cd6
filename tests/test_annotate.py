"""`discourse annotate` and `discourse analyze` with the real pipeline."""

import json
import subprocess

import pytest

from discourse import Corpus

from .conftest import DISCOURSE, kill_when, run_cli, write_jsonl

BLOG = (
    "I spent Tuesday evening at the Marlbeck neighbourhood forum in a draughty church hall. "
    "The involvement of local people in the decision-making processes that affect them is long overdue. "
    "There may be a lot of bad practice in community engagement but that does not invalidate the principle. "
    "Simon Jarvis argues in the Guardian that co-production models deliver multiple benefits. "
    "Recent comments\nPosted by Helen at 10:32"
)
FRENCH = (
    "Le conseil municipal a présenté hier soir son nouveau budget participatif aux habitants du quartier. "
    "Les habitants ont voté pour les projets qu'ils jugent prioritaires pour la ville."
)


def _varied_docs(n: int, per_doc: int = 12) -> list[dict]:
    """n distinct documents (not near-duplicates of each other) from the labelled sentences."""
    import random

    from .conftest import ROOT

    pool = [json.loads(line)["text"] for line in (ROOT / "corpora/labels/claims.jsonl").open()]
    rng = random.Random(7)
    return [
        {"url": f"http://b.example/{i}", "text": " ".join(rng.sample(pool, per_doc))}
        for i in range(n)
    ]


def _docs(tmp_path, rows):
    src = write_jsonl(tmp_path / "docs.jsonl", rows)
    db = tmp_path / "corpus.db"
    res = run_cli("--db", str(db), "import", str(src))
    assert res.returncode == 0, res.stderr
    return db


def test_annotate_stores_sentences_and_claims_with_offsets_into_the_text(tmp_path):
    db = _docs(tmp_path, [{"url": "http://b.example/1", "text": BLOG, "source": "Blog"}])
    res = run_cli("--db", str(db), "annotate")
    assert res.returncode == 0, res.stderr
    with Corpus(db) as c:
        doc = c.documents.get(1)
        rows = list(c.analysis.sentences(1))
    assert rows and all(doc.text[r["start"] : r["end"]] == r["text"] for r in rows)
    claims = {r["text"]: r for r in rows if r["claim_id"]}
    overdue = next(r for t, r in claims.items() if "long overdue" in t)
    assert overdue["holder"] == "author" and overdue["claim_type"] == "evaluative"
    invalidate = next(r for t, r in claims.items() if "invalidate" in t)
    assert invalidate["negated"] and invalidate["hedged"] and "may" in invalidate["hedge_cue"]
    jarvis = next(r for t, r in claims.items() if "Jarvis" in t)
    assert jarvis["holder_kind"] == "quoted" and "Jarvis" in jarvis["holder"]
    assert "co-production" in json.loads(jarvis["practices"])
    assert not any("Recent comments" in t or "Posted by" in t for t in claims)


def test_rerun_does_nothing_new_and_bad_documents_are_skipped_with_reasons(tmp_path):
    db = _docs(
        tmp_path,
        [
            {"url": "http://b.example/1", "text": BLOG},
            {"url": "http://b.example/empty", "text": "   \n  "},
            {"url": "http://b.example/fr", "text": FRENCH, "language": "fr"},
            {
                "url": "http://b.example/ctl",
                "text": "Consultation\x00 is a sham\x07 and residents know it. " * 3,
            },
            {
                "url": "http://b.example/huge",
                "text": ("community engagement matters and " * 4000) + ".",
            },
        ],
    )
    first = run_cli("--db", str(db), "annotate")
    assert first.returncode == 0, first.stderr
    assert "3 documents annotated (2 skipped)" in first.stdout
    second = run_cli("--db", str(db), "annotate")
    assert "0 documents annotated (0 skipped)" in second.stdout
    with Corpus(db) as c:
        reasons = dict(c.analysis.skipped())
        counts = c.analysis.counts()
        ctl = list(c.analysis.sentences(4))
    assert reasons[2].startswith("empty") and reasons[3] == "not English (detected fr)"
    assert counts["annotations"] == 5
    assert ctl and all("\x00" not in r["text"] for r in ctl)


def test_annotate_killed_mid_run_loses_only_the_batch_in_flight(tmp_path):
    n = 120  # killed after its second batch of two: the rest is what the rerun annotates
    db = _docs(tmp_path, _varied_docs(n))
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(db), "annotate", "--batch-size", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    done = kill_when(proc, db, "SELECT COUNT(*) FROM annotations", 4)
    assert 4 <= done < n, "annotate finished before it could be killed; give it more work"
    with Corpus(db) as c:
        assert c.analysis.counts()["annotations"] % 2 == 0
        assert c.check() == []
    res = run_cli("--db", str(db), "annotate")
    assert res.returncode == 0, res.stderr
    with Corpus(db) as c:
        per_doc = c.db.execute(
            "SELECT COUNT(DISTINCT document_id), COUNT(*) FROM annotations"
        ).fetchone()
        dup = c.db.execute(
            "SELECT COUNT(*) FROM (SELECT document_id, idx, COUNT(*) n FROM sentences "
            "GROUP BY document_id, idx, pipeline_version HAVING n > 1)"
        ).fetchone()[0]
        assert tuple(per_doc) == (n, n) and dup == 0


def test_new_pipeline_version_reannotates_and_keeps_old_sentences(tmp_path):
    from discourse import pipelines

    default_config = pipelines.path("config.cfg")
    db = _docs(tmp_path, [{"url": "http://b.example/1", "text": BLOG}])
    assert run_cli("--db", str(db), "annotate").returncode == 0
    cfg = default_config.read_text().replace("threshold = 0.5", "threshold = 0.9")
    folder = default_config.parent
    alt = folder / "test-alt-config.cfg"
    alt.write_text(cfg)
    try:
        res = run_cli("--db", str(db), "annotate", "--pipeline", str(alt))
    finally:
        alt.unlink()
    assert "1 documents annotated" in res.stdout
    with Corpus(db) as c:
        versions = c.db.execute(
            "SELECT COUNT(DISTINCT pipeline_version) FROM sentences"
        ).fetchone()[0]
    assert versions == 2


def test_two_processes_give_the_same_annotations(tmp_path):
    rows = _varied_docs(8)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    db1, db2 = _docs(one, rows), _docs(two, rows)
    assert run_cli("--db", str(db1), "annotate").returncode == 0
    res = run_cli("--db", str(db2), "annotate", "--processes", "2", "--batch-size", "2")
    assert res.returncode == 0, res.stderr
    q = (
        "SELECT s.document_id, s.start, s.end, c.claim_type, c.holder, c.hedged, c.negated "
        "FROM sentences s LEFT JOIN claims c ON c.sentence_id = s.id ORDER BY 1, 2"
    )
    with Corpus(db1) as a, Corpus(db2) as b:
        assert [tuple(r) for r in a.db.execute(q)] == [tuple(r) for r in b.db.execute(q)]


@pytest.mark.parametrize("kind", ["text", "html", "stdin"])
def test_analyze_prints_one_object_per_sentence(tmp_path, kind):
    if kind == "html":
        path = tmp_path / "post.html"
        path.write_text(
            "<html><head><title>Panel</title></head><body><nav>Home | News | About</nav>"
            f"<article><h1>Panel</h1>{''.join(f'<p>{s}.</p>' for s in BLOG.split('. ')[:4])}"
            "</article><footer>Copyright 2008</footer></body></html>"
        )
        res = run_cli("analyze", str(path), cwd=tmp_path)
    elif kind == "text":
        (tmp_path / "post.txt").write_text(BLOG)
        res = run_cli("analyze", "post.txt", cwd=tmp_path)
    else:
        res = run_cli("analyze", "-", cwd=tmp_path, input=BLOG)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    keys = {
        "sentence",
        "start",
        "end",
        "is_claim",
        "claim_type",
        "holder",
        "hedged",
        "negated",
        "practices",
        "stances",
    }
    assert rows and all(keys <= set(r) for r in rows)
    overdue = next(r for r in rows if "long overdue" in r["sentence"])
    assert overdue["is_claim"] and overdue["holder"] == "author"
    # one stance per target the claim mentions, none for sentences without targets
    assert all([s["target"] for s in r["stances"]] == r["targets"] for r in rows)
    assert [s["target"] for s in overdue["stances"]] == ["community-engagement"]
    assert any(r["negated"] for r in rows if "invalidate" in r["sentence"])


def test_analyze_missing_or_binary_input_is_a_clear_error(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02binary")
    for arg, msg in (("missing.txt", "cannot be read"), ("x.bin", "looks binary")):
        res = run_cli("analyze", arg, cwd=tmp_path)
        assert res.returncode == 2 and msg in res.stderr and "Traceback" not in res.stderr


def test_pronoun_holder_is_resolved_two_sentences_back():
    from discourse.stance.analyze import analyze_text

    text = (
        "The first column, by Priya Raman in the Northgate Gazette, is an enthusiastic case "
        "for co-production. She describes the time bank in Eastfield in loving detail. "
        "Services, she writes, should stop treating people as bundles of needs."
    )
    rows = analyze_text(text)
    last = next(r for r in rows if r["sentence"].startswith("Services"))
    assert last["is_claim"] and last["holder"] == "Priya Raman"


def test_a_pronoun_subject_takes_the_target_named_in_the_sentence_before():
    from discourse.stance.analyze import analyze_text

    def targets_of(text, start):
        rows = analyze_text(text)
        row = next(r for r in rows if r["sentence"].startswith(start))
        return row["is_claim"], row["targets"], [s["target"] for s in row["stances"]]

    named = "The Big Society was launched by the government in 2010."
    claim = "It is nothing more than a cloak for cuts."
    target = ["communities-agenda"]
    # the same paragraph: the claim is about what the sentence before named, and is tagged
    assert targets_of(f"{named} {claim}", "It is") == (True, target, target)
    # a new paragraph starts a new subject
    assert targets_of(f"{named}\n{claim}", "It is") == (True, [], [])
    # a dummy subject refers to nothing
    dummy = "It is clear that the budget will be cut again next year."
    assert targets_of(f"{named} {dummy}", "It is")[1] == []
    # two targets named before: the reference alone carries neither (the relevance model may
    # still find the sentence about one from its own words: "a cloak for cuts" is said of the
    # communities agenda, never of a citizens' jury)
    both = "The Big Society and every citizens' jury since were launched with fanfare."
    is_claim, targets, _ = targets_of(f"{both} {claim}", "It is")
    assert is_claim and "community-engagement" not in targets


def test_the_demo_lists_statements_that_are_about_a_target_but_make_no_claim(
    tmp_path, capsys, claims_pipeline
):
    """`make demo` prints the claims of the blog post; a sentence about a target that is not
    a claim has no type or holder and is listed as such, not a crash."""
    from discourse.claims.annotate import annotate
    from discourse.demo import _show_claims
    from discourse.stance.tag import tag

    text = (
        "The Localism Act became law in 2011. Involving local people in decisions is long overdue."
    )
    db = _docs(tmp_path, [{"url": "http://b.example/1", "text": text, "source": "Blog"}])
    with Corpus(db) as c:
        annotate(c, progress=False, nlp=claims_pipeline)
        tag(c, progress=False)
        statements = [r for r in c.analysis.sentences(1) if r["claim_id"]]
        assert any(r["claim_type"] is None for r in statements)  # a statement, not a claim
        _show_claims(c)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("   - ")]
    assert len(lines) == len(statements)
    assert any(ln.startswith("   - about") and "Localism Act" in ln for ln in lines)
    assert any(ln.startswith("   - evaluative author") and "overdue" in ln for ln in lines)


def test_batches_shrink_so_every_worker_gets_several():
    from discourse.claims.annotate import BATCHES_PER_WORKER, balanced_batch_size

    # 440 documents in batches of 64 were 7 tasks for 2 workers: one idled for the last
    size = balanced_batch_size(440, 64, 2)
    assert -(-440 // size) >= BATCHES_PER_WORKER * 2
    assert size == 55
    # a large corpus keeps the batch size asked for; a tiny one still gets batches of one
    assert balanced_batch_size(100_000, 64, 2) == 64
    assert balanced_batch_size(3, 64, 4) == 1
    assert balanced_batch_size(0, 64, 2) == 1
