"""Stance: the estimator, its persistence, label files, `train`, `evaluate`, `tag`, `label`,
`analyze`, with the real spaCy pipeline and a real SQLite corpus."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from discourse import Corpus
from discourse.engines import open_engine
from discourse.errors import InputError
from discourse.modelio import ModelError
from discourse.stance import StanceClassifier
from discourse.stance.labels import read_labels
from discourse.stance.model import as_rows, parse_views
from discourse.stance.train import (
    default_model_dir,
    load_stance_model,
    model_version,
    scores,
    train,
)

from .conftest import ROOT, run_cli, write_jsonl

SEED = ROOT / "corpora" / "labels" / "stance.jsonl"


def _seed(split: str, n: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in SEED.open(encoding="utf-8")]
    rows = [r for r in rows if r["split"] == split]
    return rows[:n] if n else rows


SMALL_N = 150  # seed labels the small model learns from


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A target-aware model trained in-process on SMALL_N seed labels (the train split), saved
    with skops (one kind, so no cross-validated choice: the tests that choose train their own)."""
    out = tmp_path_factory.mktemp("model") / "stance"
    labels = read_labels([SEED], split="train")[:SMALL_N]
    meta = train(labels, out, kinds=("target-aware",), cv=False)
    return out, meta


# ------------------------------------------------------------------ the estimator


def test_estimator_contract_clone_pipeline_and_grid_search():
    rows = _seed("train", 120)
    X = [(r["text"], r["target"]) for r in rows]
    y = [r["label"] for r in rows]
    model = StanceClassifier(C=3.0, neutral_threshold=0.4)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    assert not hasattr(twin, "classifier_")  # clone copies parameters, not fitted state
    search = GridSearchCV(
        Pipeline([("stance", StanceClassifier())]), {"stance__C": [1.0, 10.0]}, cv=2
    )
    search.fit(X, y)
    assert search.best_params_["stance__C"] in (1.0, 10.0)
    pred = search.predict(X[:10])
    assert set(pred) <= {"favor", "against", "neutral"} and len(pred) == 10
    proba = search.predict_proba(X[:10])
    assert proba.shape == (10, 3) and np.allclose(proba.sum(1), 1.0)


def test_view_signs_follow_the_parse():
    v = parse_views(
        [
            "Co-production does not work well for disabled residents, and the staff are happy.",
            "The time bank reduces isolation among older residents.",
            "There may be a lot of bad practice in community engagement but that does not "
            "invalidate the principle.",
        ]
    )
    signs = [dict(zip(x["w"], x["s"])) for x in v]
    assert signs[0]["well"] == -1 and signs[0]["disabled"] == -1  # under "not work"
    assert signs[0]["happy"] == 1  # a conjoined clause is outside the negation
    assert signs[1]["isolation"] == -1  # governed by "reduces"
    assert signs[2]["invalidate"] == -1 and signs[2]["bad"] == 1
    conceded = dict(zip(v[2]["w"], v[2]["c"]))
    assert conceded["bad"] == 1 and conceded["principle"] == 0  # before "but" counts less
    assert v[2]["m"] == {"community-engagement": [9, 10]}


def test_free_text_target_that_opposes_swaps_favor_and_against(small_model):
    model = load_stance_model(small_model[0])
    claim = "This scheme has transformed how people in the town feel about their libraries."
    pro = model.predict_proba([(claim, "This house would subsidise public libraries")])
    con = model.predict_proba([(claim, "This house would ban public libraries")])
    col = {c: i for i, c in enumerate(model.classes_)}
    # the same claim, toward a motion with the opposite polarity: the probabilities swap
    assert pro[0, col["favor"]] == pytest.approx(con[0, col["against"]], abs=1e-9)
    assert pro[0, col["against"]] == pytest.approx(con[0, col["favor"]], abs=1e-9)
    assert pro[0, col["favor"]] != pytest.approx(pro[0, col["against"]], abs=1e-3)


@pytest.mark.parametrize(
    "target, sign",
    [
        ("This house would subsidise public libraries", 1),
        ("This house would ban public libraries", -1),
        ("This house would not ban public libraries", 1),
        # "against" opposes after "be" or a verb of opposing, not after a noun
        ("This house is against fracking", -1),
        ("This house would vote against the treaty", -1),
        ("against fracking", -1),
        ("This house believes that the military operations against the rebels were justified", 1),
    ],
)
def test_a_free_text_targets_polarity_reads_its_flip_words(target, sign):
    from discourse.claims.stance_view import load_stance_cues
    from discourse.stance.targets import polarity

    flip = frozenset(w.lower() for w in load_stance_cues()["target_flip_words"])
    assert polarity(target, flip) == sign


def test_uncertain_claims_become_neutral_with_a_flag(small_model):
    model = load_stance_model(small_model[0])
    rows = [(r["text"], r["target"]) for r in _seed("test", 40)]
    proba = model.predict_proba(rows)
    model.set_params(neutral_threshold=float(np.median(proba.max(1))))
    out = model.predict_stance(rows)
    flagged = [o for o in out if o[2]]
    assert flagged and all(lb == "neutral" for lb, _, _ in flagged)
    assert all(p < model.neutral_threshold for _, p, u in out if u)
    assert all(p >= model.neutral_threshold for _, p, u in out if not u)


def test_a_likely_side_wins_over_a_likelier_neutral_when_the_sentence_is_about_the_target():
    from discourse.stance.decide import POLAR_THRESHOLD, decide_stances

    classes = np.array(["against", "favor", "neutral"], dtype=object)
    proba = np.array([[0.10, 0.40, 0.50], [0.10, 0.40, 0.50], [0.45, 0.05, 0.50]])
    # 0.9 x 0.40 reaches the threshold, 0.5 x 0.40 does not; with no P(about) the most
    # probable label stands
    relevance = [0.9, 0.5, None]
    assert 0.9 * 0.40 >= POLAR_THRESHOLD > 0.5 * 0.40
    out = decide_stances(proba, classes, 0.45, relevance)
    assert [label for label, _, _ in out] == ["favor", "neutral", "neutral"]
    # the confidence is the model's P(label | about); a side below the neutral threshold
    # is flagged uncertain
    assert out[0] == ("favor", pytest.approx(0.40), True)
    assert out[1] == ("neutral", pytest.approx(0.50), False)


def test_predict_stance_reads_relevance_as_tag_does(small_model):
    from discourse.stance.decide import decide_stances

    model = load_stance_model(small_model[0])
    rows = [(r["text"], r["target"]) for r in _seed("test", 40)]
    relevance = [0.5 + 0.5 * (k % 2) for k in range(len(rows))]
    expected = decide_stances(
        model.predict_proba(rows), model.classes_, model.neutral_threshold, relevance
    )
    assert model.predict_stance(rows, relevance) == expected
    # some rows change label once P(about) is known (the model under-calls sides)
    assert model.predict_stance(rows) != expected


def test_saved_model_round_trips_and_metadata_describes_it(small_model, tmp_path):
    folder, meta = small_model
    model = load_stance_model(folder)
    rows = [(r["text"], r["target"]) for r in _seed("test", 30)]
    again = load_stance_model(folder)
    assert np.array_equal(model.predict_proba(rows), again.predict_proba(rows))
    saved = json.loads((folder / "metadata.json").read_text())
    assert saved["targets"] == ["co-production", "communities-agenda", "community-engagement"]
    assert sum(sum(c.values()) for c in saved["label_counts"].values()) == SMALL_N
    assert len(saved["training_data_sha256"]) == 64 and saved["versions"]["sklearn"]
    assert model_version(folder) == "stance-" + saved["model_sha256"][:12]


def test_training_in_two_processes_writes_the_same_model(small_model, tmp_path):
    folder, meta = small_model
    labels = read_labels([SEED], split="train")[:SMALL_N]
    out = tmp_path / "two"
    with open_engine("local", workers=2) as engine:
        again = train(labels, out, kinds=("target-aware",), cv=False, engine=engine)
    assert again["params"] == meta["params"] and again["params"]["n_jobs"] is None
    rows = [(r["text"], r["target"]) for r in _seed("test", 60)]
    assert np.array_equal(
        load_stance_model(folder).predict_proba(rows), load_stance_model(out).predict_proba(rows)
    )


@pytest.mark.parametrize("damage", ["format", "bytes", "sklearn"])
def test_damaged_or_newer_model_is_a_clear_error(small_model, tmp_path, damage):
    folder = tmp_path / "m"
    shutil.copytree(small_model[0], folder)
    meta_path = folder / "metadata.json"
    meta = json.loads(meta_path.read_text())
    if damage == "format":
        meta["format_version"] = 99
    elif damage == "sklearn":
        meta["versions"]["sklearn"] = "0.24.2"
    else:
        data = bytearray((folder / "model.skops").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (folder / "model.skops").write_bytes(bytes(data))
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(
        ModelError, match={"format": "newer", "bytes": "sha256", "sklearn": "0.24"}[damage]
    ):
        load_stance_model(folder)
    res = run_cli("--db", str(tmp_path / "c.db"), "tag", "--model", str(folder))
    assert res.returncode != 0 and "Traceback" not in res.stderr and str(folder) in res.stderr


def test_model_with_a_foreign_type_is_refused_without_running_it(tmp_path):
    import skops.io as sio

    from discourse.modelio import save_model

    class Evil:
        classes_ = ["favor"]

    folder = tmp_path / "evil"
    save_model(Evil(), folder, {}, format_version=1)
    with pytest.raises(ModelError, match="allow-list"):
        load_stance_model(folder)
    assert sio.get_untrusted_types(file=folder / "model.skops")  # it really held a foreign type


def test_bundled_model_loads_and_is_versioned():
    model = load_stance_model(default_model_dir())
    meta = json.loads((default_model_dir() / "metadata.json").read_text())
    assert meta["n_labels"] >= 800 and meta["cross_validation"]["overall"]["f_avg"] > 0.5
    assert list(model.classes_) == ["against", "favor", "neutral"]


# ------------------------------------------------------------------ label files


def test_label_files_csv_with_label_and_column_maps(tmp_path):
    path = tmp_path / "public.csv"
    path.write_text(
        "topicText,claim,stance\n"
        '"This house would ban boxing","Boxing teaches discipline.",PRO\n'
        '"This house would ban boxing","Boxing causes brain injuries.",CON\n',
        encoding="utf-8",
    )
    labels = read_labels(
        [path],
        label_map={"PRO": "favor", "CON": "against"},
        columns={"text": "claim", "target": "topicText", "label": "stance"},
    )
    assert [(lb.target, lb.label) for lb in labels] == [
        ("This house would ban boxing", "favor"),
        ("This house would ban boxing", "against"),
    ]
    assert labels[1].origin == f"{path}, line 3"


@pytest.mark.parametrize(
    "content, message",
    [
        ("text,label\nA claim.,favor\n", "missing column(s) target"),
        ("text,target,label\nA claim.,co-production,PRO\n", "line 2: unknown label 'PRO'"),
        ("text,target,label\n  ,co-production,favor\n", "line 2: empty text"),
        ("text,target,label\nA claim.,,favor\n", "line 2: empty target"),
        (
            "text,target,label\nA claim.,co-producton,favor\n",
            "'co-producton' looks like a target id",
        ),
    ],
)
def test_bad_label_files_name_file_line_and_value_and_write_nothing(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(
        InputError, match=f"{path}.*" + message.replace("(", r"\(").replace(")", r"\)")
    ):
        read_labels([path])
    res = run_cli("train", "--labels", str(path), "--out", "model", cwd=tmp_path)
    assert res.returncode == 2 and message.split(":")[-1].strip() in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "model").exists()


# ------------------------------------------------------------------ train / evaluate


def test_scores_match_a_hand_count():
    gold = ["favor", "favor", "against", "against", "neutral", "neutral"]
    pred = ["favor", "against", "against", "against", "favor", "neutral"]
    s = scores(gold, pred, ["t"] * 6)["overall"]
    # favor: P 1/2, R 1/2 -> F1 0.5; against: P 2/3, R 1 -> F1 0.8; neutral: P 1, R 1/2 -> 2/3
    assert s["labels"]["favor"]["f1"] == 0.5 and s["labels"]["against"]["f1"] == 0.8
    assert s["f_avg"] == 0.65 and s["macro_f1"] == round((0.5 + 0.8 + 2 / 3) / 3, 4)
    assert s["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_train_and_evaluate_commands(tmp_path):
    rows = _seed("train", 240)
    test = _seed("test", 60)
    write_jsonl(tmp_path / "train.jsonl", rows)
    write_jsonl(tmp_path / "test.jsonl", test)
    res = run_cli(
        "train",
        "--labels",
        "train.jsonl",
        "--kinds",
        "target-aware,ngram",
        "--out",
        "m",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert "F_avg" in res.stdout and "confusion" in res.stdout and "ALL" in res.stdout
    for target in ("co-production", "community-engagement", "communities-agenda"):
        assert target in res.stdout
    res = run_cli(
        "evaluate", "--model", "m", "--labels", "test.jsonl", "--format", "json", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    model = load_stance_model(tmp_path / "m")
    pred = model.predict([(r["text"], r["target"]) for r in test])
    gold = np.array([r["label"] for r in test])
    assert report["overall"]["accuracy"] == round(float((pred == gold).mean()), 4)
    assert report["overall"]["n"] == 60 and sum(map(sum, report["overall"]["confusion"])) == 60
    assert report["model_version"] == model_version(tmp_path / "m")


# ------------------------------------------------------------------ the corpus


@pytest.fixture(scope="module")
def tagged_corpus(tmp_path_factory):
    """Seed test sentences as documents, annotated and tagged with the bundled model."""
    tmp = tmp_path_factory.mktemp("tagged")
    rows = _seed("test")
    docs = [
        {
            "url": f"http://news.example/{i}",
            "source": "Gazette" if i % 2 else "Blog",
            "published": f"2010-0{1 + i % 9}-15",
            "text": " ".join(r["text"] for r in rows[i * 6 : i * 6 + 6]),
        }
        for i in range(20)
    ]
    write_jsonl(tmp / "docs.jsonl", docs)
    db = tmp / "corpus.db"
    for args in (["import", "docs.jsonl"], ["annotate"]):
        res = run_cli("--db", str(db), *args, cwd=tmp)
        assert res.returncode == 0, res.stderr
    res = run_cli("--db", str(db), "tag", cwd=tmp)
    assert res.returncode == 0, res.stderr
    return tmp, db, res.stdout


def test_tag_tags_each_claim_for_each_target_it_mentions_once(tagged_corpus):
    tmp, db, out = tagged_corpus
    with Corpus(db) as c:
        expected = sum(
            len(json.loads(t))
            for (t,) in c.db.execute("SELECT targets FROM claims WHERE targets != '[]'")
        )
        tags = c.db.execute("SELECT claim_id, target, model_version FROM stance_tags").fetchall()
        views = c.db.execute("SELECT COUNT(*) FROM claims WHERE stance_view IS NULL").fetchone()[0]
        current = c.stance.current_model()
    assert expected > 20 and len(tags) == expected and views == 0
    assert {v for _, _, v in tags} == {current["version"]} == {model_version(default_model_dir())}
    assert f"{expected} tags" in out
    res = run_cli("--db", str(db), "tag", cwd=tmp)
    assert res.returncode == 0 and res.stdout.startswith("0 claims tagged")


def test_retagging_with_a_new_model_keeps_the_old_tags(tagged_corpus, small_model, tmp_path):
    tmp, db, _ = tagged_corpus
    copy = tmp_path / "c.db"
    shutil.copy(db, copy)
    old = model_version(default_model_dir())
    res = run_cli("--db", str(copy), "tag", "--model", str(small_model[0]), cwd=tmp)
    assert res.returncode == 0, res.stderr
    new = model_version(small_model[0])
    with Corpus(copy) as c:
        counts = dict(c.db.execute("SELECT model_version, COUNT(*) FROM stance_tags GROUP BY 1"))
        assert c.stance.current_model()["version"] == new
    assert counts[old] == counts[new] > 0
    res = run_cli("--db", str(copy), "query", "--target", "co-production", "--format", "jsonl")
    assert res.returncode == 0, res.stderr
    hits = [json.loads(line) for line in res.stdout.splitlines()]
    assert hits and {h["model_version"] for h in hits} == {new}


def test_label_session_from_a_pipe_saves_at_once_undoes_and_exports(tagged_corpus, tmp_path):
    tmp, db, _ = tagged_corpus
    copy = tmp_path / "c.db"
    shutil.copy(db, copy)
    # favor, against, undo (the against), neutral, not-about, skip, unknown key, then EOF
    res = run_cli(
        "--db",
        str(copy),
        "label",
        "--target",
        "co-production",
        "--n",
        "6",
        "--annotator",
        "jb",
        input="f\na\nu\nn\nx\ns\nz\n",
    )
    assert res.returncode == 0, res.stderr
    assert "unknown key 'z'" in res.stdout and "undone: against" in res.stdout
    assert "3 labels saved" in res.stdout
    with Corpus(copy) as c:
        labels = list(c.stance.labels())
    assert [lb["label"] for lb in labels] == ["favor", "neutral", "none"]
    assert {lb["target"] for lb in labels} == {"co-production"}
    assert all(lb["annotator"] == "jb" and lb["claim_id"] for lb in labels)
    # the claim whose label was undone was shown again and labelled neutral
    res = run_cli(
        "--db",
        str(copy),
        "export",
        "labels",
        "--format",
        "jsonl",
        "--out",
        str(tmp_path / "l.jsonl"),
    )
    assert res.returncode == 0, res.stderr
    exported = read_labels([tmp_path / "l.jsonl"], keep_not_about=True)
    assert [lb.label for lb in exported] == ["favor", "neutral", "none"]
    # a second session does not show the claims labelled already
    res = run_cli("--db", str(copy), "label", "--target", "co-production", "--n", "50", input="q\n")
    shown = res.stdout.count("] claim ")
    with Corpus(copy) as c:
        candidates = len(c.stance.candidates("co-production"))
    assert shown == 1 and candidates >= 1


def test_label_unknown_target_is_a_clear_error(tagged_corpus):
    _, db, _ = tagged_corpus
    res = run_cli("--db", str(db), "label", "--target", "localism-agenda", input="q\n")
    assert (
        res.returncode == 2 and "'localism-agenda'" in res.stderr and "co-production" in res.stderr
    )
    assert "Traceback" not in res.stderr


def test_analyze_fills_stances(tmp_path):
    text = (
        "Co-production has transformed the way our mental health services are designed. "
        "The council met on Tuesday."
    )
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    res = run_cli("analyze", str(tmp_path / "t.txt"))
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    first = rows[0]
    assert first["is_claim"] and first["targets"] == ["co-production"]
    assert [s["target"] for s in first["stances"]] == ["co-production"]
    assert first["stances"][0]["stance"] in ("favor", "against", "neutral")
    assert 0 < first["stances"][0]["confidence"] <= 1
    assert rows[1]["stances"] == []


def test_fast_feature_blocks_equal_sklearns_own_transforms(small_model):
    model = load_stance_model(small_model[0])
    rows = model._with_views(as_rows([(r["text"], r["target"]) for r in _seed("test", 50)]))
    grams = model._grams(rows)
    ours = model._ngram_block(grams).toarray()
    theirs = model.ngram_vectorizer_.transform([" ".join(g) for g in grams]).toarray()
    assert ours.shape == theirs.shape and np.allclose(ours, theirs, atol=1e-6)
    texts = [r[0] for r in rows]
    ours = model._char_block(texts).toarray()
    again = model._char_block(texts).toarray()  # now from the word cache
    counts = model.char_counter_.transform(texts)
    theirs = model.char_tfidf_.transform(counts).toarray()
    assert np.allclose(ours, theirs, atol=1e-6) and np.array_equal(ours, again)


def test_tag_killed_mid_run_then_rerun_tags_everything_once(tmp_path):
    import subprocess

    from benchmarks.stance import build_corpus

    from .conftest import DISCOURSE, kill_when

    db = tmp_path / "big.db"
    build_corpus(db, 12_000)  # six batches of 2,000: the kill lands after the first
    with Corpus(db) as c:  # the builder's claims are current for their annotation version
        expected = c.stance.count_untagged(model_version(default_model_dir()))
    proc = subprocess.Popen(
        [DISCOURSE, "--db", str(db), "tag", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = kill_when(proc, db, "SELECT COUNT(*) FROM stance_tags", 2000)
    with Corpus(db) as c:
        after_kill = c.db.execute("SELECT COUNT(*) FROM stance_tags").fetchone()[0]
    assert 0 < after_kill < expected and after_kill % 2000 == 0  # whole batches only
    res = run_cli("--db", str(db), "tag")
    assert res.returncode == 0, res.stderr
    with Corpus(db) as c:
        total, distinct = c.db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT claim_id || '|' || target) FROM stance_tags"
        ).fetchone()
    assert total == distinct == expected and seen >= 2000


@pytest.mark.parametrize(
    "scores, kept",
    [
        # a clear winner is kept, however slow
        ({"target-aware": 0.60, "ngram": 0.55, "stacked": 0.64}, "stacked"),
        # within 0.01 the faster kind wins
        ({"target-aware": 0.624, "ngram": 0.539, "stacked": 0.632}, "target-aware"),
        # but never one below the n-gram peer
        ({"target-aware": 0.600, "ngram": 0.605, "stacked": 0.609}, "ngram"),
        ({"target-aware": 0.598, "ngram": 0.605, "stacked": 0.6}, "ngram"),
    ],
)
def test_model_selection_breaks_near_ties_by_tagging_speed_never_below_the_ngram_peer(scores, kept):
    from discourse.stance import registry

    assert registry.choose(scores) == kept


def test_train_without_cross_validation_fits_one_kind_and_says_so(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", _seed("train", 120))
    res = run_cli(
        "train",
        "--labels",
        "train.jsonl",
        "--kinds",
        "ngram",
        "--no-cv",
        "--out",
        "m",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert "not cross-validated" in res.stdout and "candidates" not in res.stdout
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["model_kind"] == "ngram" and meta["cross_validation"] is None
    assert load_stance_model(tmp_path / "m").predict([("Co-production works.", "co-production")])
    # more than one kind needs the choice, so cross-validation
    res = run_cli(
        "train",
        "--labels",
        "train.jsonl",
        "--kinds",
        "ngram,target-aware",
        "--no-cv",
        "--out",
        "m2",
        cwd=tmp_path,
    )
    assert res.returncode != 0 and "--no-cv needs exactly one kind" in res.stderr
    assert not (tmp_path / "m2").exists()


def test_the_bundled_stance_model_is_never_overwritten_by_the_transformer_kind(capsys):
    from discourse.stance.train import main

    before = (default_model_dir() / "metadata.json").read_bytes()
    assert main(["--kinds", "transformer", "--no-cv"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    assert (default_model_dir() / "metadata.json").read_bytes() == before


# ------------------------------------------------------------------ claim sentiment


def _sentiment_rows():
    """Seed labels as rows and labels, with each row's own sentiment set against its stance
    (a world in which every claim is contrastive), so what the model for new targets learns
    shows which signal it learnt from."""
    rows = _seed("train", 240)
    X = [(r["text"], r["target"]) for r in rows]
    y = [r["label"] for r in rows]
    flipped = {"favor": -1, "against": 1, "neutral": 0}
    return X, y, [flipped[v] for v in y]


def test_claim_sentiment_is_what_the_model_for_new_targets_learns():
    X, y, sentiment = _sentiment_rows()
    plain = StanceClassifier(calibration_cv=3).fit(X, y)
    taught = StanceClassifier(calibration_cv=3).fit(X, y, sentiment=sentiment)
    new = [(text, "This house would subsidise public libraries") for text, _ in X]
    side = {"favor": 1, "against": -1}

    def agreement(model):  # how often a new target's side agrees with the rows' stance
        pred = model.predict(new)
        pairs = [(side[p], side[g]) for p, g in zip(pred, y) if p in side and g in side]
        return np.mean([a == b for a, b in pairs])

    # learnt from stance, the new target's side follows the stance; learnt from the reversed
    # sentiment, it runs against it
    assert agreement(plain) > 0.7 and agreement(taught) < 0.3
    # targets with labels are learnt from their labels either way
    seen = X[:60]
    assert (plain.predict(seen) == taught.predict(seen)).mean() > 0.95
    # unknown sentiment (None, or NaN as pandas gives it) keeps the row's stance: the model
    # without sentiment
    unknown = [None] * (len(y) - 1) + [float("nan")]
    none = StanceClassifier(calibration_cv=3).fit(X, y, sentiment=unknown)
    assert np.allclose(none.predict_proba(new), plain.predict_proba(new))


@pytest.mark.parametrize(
    "sentiment, message",
    [
        ([1, 2], "unknown sentiment values 2"),
        ([1], "sentiment has 1 values but y has 2"),
        ([1, 1], "every row says 'favor'"),
    ],
)
def test_bad_sentiment_values_are_refused(sentiment, message):
    X = [("Co-production works.", "co-production"), ("It fails.", "co-production")]
    with pytest.raises(ValueError, match=message):
        StanceClassifier().fit(X, ["favor", "against"], sentiment=sentiment)


def test_a_sentiment_column_is_read_and_a_bad_value_names_file_and_line(tmp_path):
    path = tmp_path / "ibm.csv"
    path.write_text(
        "topicText,claim,stance,claimSentiment\n"
        '"This house would ban boxing","Boxing teaches discipline.",PRO,1\n'
        '"This house would ban boxing","Boxing causes brain injuries.",CON,-1\n'
        '"This house would ban boxing","Boxing is a sport.",PRO,\n',
        encoding="utf-8",
    )
    cols = {"text": "claim", "target": "topicText", "label": "stance"}
    pro_con = {"PRO": "favor", "CON": "against"}
    with_sent = read_labels(
        [path], label_map=pro_con, columns={**cols, "sentiment": "claimSentiment"}
    )
    assert [lb.sentiment for lb in with_sent] == [1, -1, None]
    without = read_labels([path], label_map=pro_con, columns=cols)
    assert [lb.sentiment for lb in without] == [None, None, None]
    # a file's own "sentiment" field is read only when asked for
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        path.read_text(encoding="utf-8").replace("claimSentiment", "sentiment"), encoding="utf-8"
    )
    assert {lb.sentiment for lb in read_labels([renamed], label_map=pro_con, columns=cols)} == {
        None
    }
    # a column asked for must be there
    with pytest.raises(InputError, match="missing column.*claimSentimnt"):
        read_labels([path], label_map=pro_con, columns={**cols, "sentiment": "claimSentimnt"})
    # the sentiment is part of the training data's identity; without it nothing changes
    from discourse.stance.labels import data_hash

    assert data_hash(with_sent) != data_hash(without)
    assert data_hash(without) == data_hash(
        [dataclasses.replace(lb, sentiment=None) for lb in with_sent]
    )
    path.write_text(path.read_text(encoding="utf-8").replace(",-1\n", ",maybe\n"))
    with pytest.raises(InputError, match=f"{path}, line 3: unknown claimSentiment value 'maybe'"):
        read_labels([path], label_map=pro_con, columns={**cols, "sentiment": "claimSentiment"})


def test_train_learns_a_sentiment_column_or_says_which_kinds_cannot(tmp_path):
    X, y, sentiment = _sentiment_rows()
    rows = [
        {"text": t, "target": g, "label": lb, "sentiment": s}
        for (t, g), lb, s in zip(X, y, sentiment)
    ]
    write_jsonl(tmp_path / "train.jsonl", rows)
    given = ("--labels", "train.jsonl", "--columns", "sentiment=sentiment")
    res = run_cli("train", *given, "--out", "m", cwd=tmp_path)
    assert res.returncode == 2 and "cannot learn from a sentiment column" in res.stderr
    assert "--kinds target-aware" in res.stderr and not (tmp_path / "m").exists()
    write_jsonl(tmp_path / "one.jsonl", [{**r, "sentiment": 1} for r in rows])
    res = run_cli(
        "train", "--labels", "one.jsonl", "--columns", "sentiment=sentiment", "--kinds",
        "target-aware", "--out", "m", cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 2 and "the sentiment column has one value only" in res.stderr
    assert not (tmp_path / "m").exists()
    res = run_cli("train", *given, "--kinds", "target-aware", "--out", "m", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["sentiment_labels"] == len(rows)
    assert f"own sentiment ({len(rows)} of {len(rows)} labels give one)" in res.stdout
    model = load_stance_model(tmp_path / "m")
    pred = model.predict([(t, "This house would subsidise public libraries") for t, _ in X])
    side = {"favor": 1, "against": -1}
    pairs = [(side[p], side[g]) for p, g in zip(pred, y) if p in side and g in side]
    assert np.mean([a == b for a, b in pairs]) < 0.3  # the reversed sentiment was learnt


def test_a_model_saved_before_the_general_model_took_vectors_still_predicts(small_model):
    model = load_stance_model(small_model[0])
    state = model.__getstate__()
    state.pop("general_embeds_")
    old = StanceClassifier.__new__(StanceClassifier)
    old.__setstate__(state)
    rows = [("Co-production works well here.", "This house would subsidise co-production")]
    assert old.general_embeds_ is False
    assert np.allclose(old.predict_proba(rows), model.predict_proba(rows))
