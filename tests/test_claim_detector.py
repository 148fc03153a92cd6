"""The claim detector: estimator contract, persistence with skops, and the shipped model."""

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

from discourse.claims.detector import (
    ClaimDetector,
    ModelError,
    default_model_dir,
    load_detector,
    save_detector,
)

# Hand-written sentences in the registers of the corpus (not taken from the labelled file).
SENTENCES = [
    ("Councils should publish every consultation response in full.", "normative"),
    ("Ministers must give neighbourhood forums a real budget.", "normative"),
    ("It is time the county treated tenants as partners.", "normative"),
    ("Residents need to be involved before the plans are drawn up.", "normative"),
    ("The new engagement strategy is a welcome step forward.", "evaluative"),
    ("The citizens' panel has been a genuine success.", "evaluative"),
    ("The online consultation was clumsy and tokenistic.", "evaluative"),
    ("Ward budgets are the best thing the council has done in years.", "evaluative"),
    ("Cutting the youth grant led to the closure of three clubs.", "causal"),
    ("Holding meetings in the evening has doubled attendance.", "causal"),
    ("Poor consultation undermines trust in the whole council.", "causal"),
    ("Low turnout is why the forum was wound up.", "causal"),
    ("The tenants' panel will struggle to recruit new members.", "predictive"),
    ("Participatory budgeting is likely to spread to other wards.", "predictive"),
    ("The community shop will close within two years without help.", "predictive"),
    ("Volunteer-run libraries are set to become the norm.", "predictive"),
    ("Turnout at the ward budget vote rose from 4 per cent to 11 per cent.", "factual"),
    ("Two in three residents said nobody had asked their view.", "factual"),
    ("Only 12 responses were received to the play area survey.", "factual"),
    ("Attendance at area forums has fallen every year since 2015.", "factual"),
    ("Posted by Mark Feeney at 09:15", "none"),
    ("Share this article", "none"),
    ("Recent comments", "none"),
    ("Previously: Notes from the town hall", "none"),
    ("The consultation closes on 3 April.", "none"),
    ("I walked the dog along the canal on Sunday.", "none"),
    ("How do I join the panel?", "none"),
    ("Tags: forums, budgets, Eastgate", "none"),
]
X = [s for s, _ in SENTENCES]
Y = [label for _, label in SENTENCES]


@pytest.fixture(scope="module")
def fitted():
    return ClaimDetector(C=10.0).fit(X, Y)


@pytest.fixture(scope="module")
def shipped():
    return load_detector(default_model_dir())


def test_init_only_stores_params_and_clone_gives_an_unfitted_copy():
    model = ClaimDetector(C=3.0, cue_weight=0.5, claim_threshold=0.6)
    assert not [k for k in vars(model) if k.endswith("_")]
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy is not model and not hasattr(copy, "pipeline_")
    assert is_classifier(model)


def test_fit_returns_self_and_sets_learned_attributes():
    model = ClaimDetector()
    assert model.fit(X, Y) is model
    for attr in ("classes_", "pipeline_", "cues_"):
        assert hasattr(model, attr)
    assert set(model.classes_) == set(Y)
    assert "normative" in model.cues_  # the cue file is copied into the model


def test_cross_val_score_runs_with_stratified_folds():
    scores = cross_val_score(ClaimDetector(), X, Y, cv=StratifiedKFold(n_splits=2))
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)


def test_predict_claims_gives_flag_probability_and_type(fitted):
    out = fitted.predict_claims(["Councils should publish every response.", "Share this article"])
    (is_claim, p_claim, kind), (not_claim, p_none, no_kind) = out
    assert is_claim and kind == "normative" and p_claim > 0.5
    assert not not_claim and no_kind is None and p_none < 0.5
    proba = fitted.predict_proba(["Share this article"])
    assert math.isclose(p_none, 1 - proba[0, list(fitted.classes_).index("none")])


def test_save_and_load_round_trip_gives_identical_predictions(fitted, tmp_path):
    save_detector(fitted, tmp_path / "m", {"note": "test"})
    loaded = load_detector(tmp_path / "m")
    texts = ["The forum must meet in the evenings.", "Picture: Jo Bloggs", "Turnout fell sharply."]
    assert np.array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["note"] == "test" and meta["versions"]["sklearn"] and meta["created"]


def test_load_refuses_a_modified_file(fitted, tmp_path):
    save_detector(fitted, tmp_path / "m", {})
    path = tmp_path / "m" / "model.skops"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="sha256"):
        load_detector(tmp_path / "m")


class Intruder:
    """A type no model should contain; loading it would run its __setstate__."""

    ran = False

    def __setstate__(self, state):
        Intruder.ran = True
        self.__dict__.update(state)


def test_load_refuses_unknown_types_without_running_them(tmp_path):
    model = ClaimDetector().fit(X, Y)
    model.extra_ = Intruder()
    save_detector(model, tmp_path / "m", {})
    with pytest.raises(ModelError, match="Intruder"):
        load_detector(tmp_path / "m")
    assert not Intruder.ran


@pytest.mark.parametrize(
    "field, value, message",
    [("versions", {"sklearn": "0.24.2"}, "major version"), ("format_version", 99, "newer")],
)
def test_load_refuses_incompatible_metadata(fitted, tmp_path, field, value, message):
    save_detector(fitted, tmp_path / "m", {})
    meta_path = tmp_path / "m" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta[field] = value
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=message):
        load_detector(tmp_path / "m")


def test_missing_model_folder_says_how_to_train(tmp_path):
    with pytest.raises(ModelError, match="discourse.claims.train"):
        load_detector(tmp_path / "nowhere")


def test_shipped_model_is_small_and_described_by_its_metadata(tmp_path):
    shutil.copytree(default_model_dir(), tmp_path / "m")
    assert (tmp_path / "m" / "model.skops").stat().st_size < 2_000_000
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    # trained on the train splits of the real sentences and of the project's own labels
    assert meta["training_data"]["sources"] == ["real", "own"]
    for source in ("real", "own"):
        data = meta["training_data"][source]
        assert data["split"] == "train" and len(data["sha256"]) == 64
        assert not Path(data["path"]).is_absolute()  # no machine's own folders
    assert meta["cv_scores"]["claim_f1"] > 0.8
    assert set(meta["classes"]) == {
        "none",
        "normative",
        "evaluative",
        "causal",
        "predictive",
        "factual",
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Councils ought to let tenants set the repair priorities.", "normative"),
        ("Tenant scrutiny panels will probably disappear within five years.", "predictive"),
        ("Posted in Localism | 3 comments", None),
        ("Share this: Facebook, Twitter, Email", None),
    ],
)
def test_shipped_model_on_unseen_sentences(shipped, text, expected):
    is_claim, _, kind = shipped.predict_claims([text])[0]
    assert is_claim is (expected is not None)
    assert kind == expected


def _plain_alternation(phrases):
    """How cue phrases were matched before they were folded into a prefix tree: one
    alternation, longest phrase first."""
    import re

    alts = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


@pytest.mark.parametrize(
    "text",
    [
        "Community engagement beats community, and COMMUNITY ENGAGEMENTS are not community.",
        "The co-production of co-produced services; Co-Production, co production.",
        "The Council's council-run councils counsel the council.",
        "community engagementx community engagement-led, community  engagement",
        "Skills: the ſkills of KELVIN's Kitchen (K) and İnvolvement in involvement.",
        "",
    ],
)
def test_cue_phrases_are_matched_where_the_plain_alternation_matches_them(text):
    from discourse.claims.detector import _compile_group, load_cues

    groups = load_cues()["detector"]["cues"]
    phrases = ["community", "community engagement", "co-production", "co", "council", "counsel"]
    phrases += ["skills", "kitchen", "k", "involvement"]
    groups = {**groups, "made_up": {"phrases": phrases}}
    for name, group in groups.items():
        if not group.get("phrases"):
            continue
        tree = _compile_group(group)[0]
        plain = _plain_alternation([p.strip() for p in group["phrases"] if p.strip()])
        found = [m.span() for m in tree.finditer(text)]
        assert found == [m.span() for m in plain.finditer(text)], name
    made_up = _compile_group(groups["made_up"])[0]
    assert len(made_up.findall(text)) == len(_plain_alternation(phrases).findall(text))


def test_word_by_word_char_ngrams_give_the_pipelines_own_probabilities(shipped):
    # predict_proba counts character n-grams per distinct word (discourse.charngrams); the
    # fitted scikit-learn pipeline re-analyses every text: the numbers must be the same
    rows = [(s, {}) for s in X] + [
        ("  Co-production’s   critics — “tick-box” panels! — say  NOTHING changed.", {}),
        ("", {}),
        ("Ünïcödé wörds and CAPITALS in the Council's café.", {"co-production": 0.7}),
    ]
    ours = shipped.predict_proba(rows)
    theirs = shipped.pipeline_.predict_proba(rows)
    assert ours.shape == (len(rows), len(shipped.classes_))
    assert np.abs(ours - theirs).max() < 1e-9
    # the cache is filled, and a second call (served from it) gives the same
    assert shipped._char_cache and np.array_equal(shipped.predict_proba(rows), ours)
    assert "_char_cache" not in shipped.__getstate__()


def test_loading_the_embedder_leaves_the_callers_logging_alone():
    # wordllama calls logging.basicConfig(level=INFO) when imported; in a fresh interpreter
    # (as in a notebook or `make demo`) that turned on every library's INFO lines
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from discourse.claims.embedding import SentenceEmbedder\n"
        "v = SentenceEmbedder().embed(['Residents were consulted.'])\n"
        "root = logging.getLogger()\n"
        "print(v.shape[1], len(root.handlers), logging.getLevelName(root.level))\n"
        "logging.getLogger('some.library').info('should not print')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["256", "0", "WARNING"]
    assert "should not print" not in res.stderr
