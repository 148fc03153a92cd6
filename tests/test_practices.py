"""The discourse_practices component with the real English model."""

import json

import pytest

from discourse.errors import InputError


@pytest.fixture(scope="module")
def nlp():
    from discourse.claims import practices  # noqa: F401  (registers the factory)
    from discourse.claims.model import load_english

    nlp = load_english(exclude=["ner", "lemmatizer"])
    nlp.add_pipe("discourse_practices")
    return nlp


def _found(nlp, text):
    doc = nlp(text)
    return [(s.text, s.label_, s._.targets) for s in doc.spans["practices"]]


def test_practices_are_marked_and_mapped_to_targets(nlp):
    found = _found(
        nlp,
        "The Big Society is cover for cuts, but co-production with service users "
        "and Participatory Budgeting in Eastfield deliver multiple benefits.",
    )
    assert found == [
        ("Big Society", "big-society", ["communities-agenda"]),
        ("co-production", "co-production", ["co-production"]),
        # a variant learned from the real train split (practices.jsonl, "source": "learned")
        ("service users", "user-led-services", ["co-production"]),
        ("Participatory Budgeting", "participatory-budgeting", ["community-engagement"]),
    ]


def test_longest_match_wins_and_plain_text_has_none(nlp):
    assert _found(nlp, "The Sustainable Communities Act 2007 gave councils a duty.")[0][:2] == (
        "Sustainable Communities Act 2007",
        "sustainable-communities-act",
    )
    assert _found(nlp, "I caught the train to Leeds on Tuesday.") == []


def test_researcher_adds_a_term_and_a_target_without_code(tmp_path):
    from discourse.claims.model import load_english

    patterns = tmp_path / "p.jsonl"
    patterns.write_text(
        json.dumps({"label": "PRACTICE", "pattern": "mutual aid", "id": "mutual-aid"}) + "\n"
    )
    targets = tmp_path / "t.toml"
    targets.write_text(
        '[[target]]\nid = "mutualism"\nname = "Mutualism"\npractices = ["mutual-aid"]\n'
    )
    nlp = load_english(exclude=["ner", "parser", "lemmatizer"])
    nlp.add_pipe("discourse_practices", config={"patterns": str(patterns), "targets": str(targets)})
    doc = nlp("Mutual aid groups kept the estate going.")
    assert [(s.text, s._.targets) for s in doc.spans["practices"]] == [
        ("Mutual aid", ["mutualism"])
    ]


def test_bad_pattern_file_names_file_and_line(tmp_path):
    from discourse.claims.practices import load_practice_patterns

    bad = tmp_path / "p.jsonl"
    bad.write_text('{"pattern": "x", "id": "a"}\n{"pattern": 3}\n')
    with pytest.raises(InputError, match=r"p.jsonl, line 2"):
        load_practice_patterns(bad)


def test_model_loads_under_either_name():
    import spacy

    from discourse.claims.model import MODEL_NAMES

    loaded = []
    for name in MODEL_NAMES:
        try:
            loaded.append(spacy.load(name, exclude=["ner", "parser"]).meta["version"])
        except OSError:
            pass
    assert loaded and all(v == "3.8.0" for v in loaded)


def test_typographic_apostrophes_and_learned_variants_are_matched(nlp):
    found = _found(
        nlp,
        "The citizens’ assembly met twice, and experts by experience now sit on the Lambeth "
        "co-operative council's board.",
    )
    assert [(text, pid) for text, pid, _ in found] == [
        ("citizens’ assembly", "citizens-assembly"),
        ("experts by experience", "user-led-services"),
        ("co-operative council", "co-production"),
    ]
