"""The table attribute ruler gives the tokens spaCy's AttributeRuler gives, rule for rule."""

from __future__ import annotations

import pytest
from spacy.attrs import DEP, LEMMA, MORPH, POS, TAG

from discourse.claims.attribute_rules import TableAttributeRuler, rules_of, use_table_ruler
from discourse.claims.model import load_english
from discourse.claims.pipeline import load_pipeline

SET = [POS, MORPH, LEMMA, TAG, DEP]

# one or more rules of each shape: tag only; tag + word (+ lemma); word + dependency; IN,
# NOT_IN and REGEX values; two-token rules setting the first or the second token ("gon na",
# "let 's", "there is", "ai n't", "y' all"); whitespace tokens; an empty text
EDGE_CASES = [
    "I'm gonna ask them, y'all. Let's see what they did.",
    "There is a forum here and there were panels then.",
    "Ain't nothin' gonna stop 'em, c'mon! We gotta go.",
    "  \n  Who  did   it?\n\n",
    "He'd said she'd have done it if it had been asked of her.",
    "It was him, not I, who gave it to you; you know it.",
    "Although that is true, those who do consult must do so well.",
    "",
]


@pytest.fixture(scope="module")
def pair():
    stock = load_english()
    table = load_english()
    assert use_table_ruler(table)
    return stock, table


def _tokens(doc):
    return [(t.text, t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in doc]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_match_spacy(pair, text):
    stock, table = pair
    assert _tokens(table(text)) == _tokens(stock(text))


def test_sample_corpus_matches_spacy(pair):
    from benchmarks.annotate import texts

    stock, table = pair
    docs = texts(1)
    a = list(stock.pipe(docs))
    b = list(table.pipe(docs))
    assert sum(len(d) for d in a) > 10_000
    for x, y in zip(a, b):
        assert (x.to_array(SET) == y.to_array(SET)).all(), x.text[:80]


def test_the_table_really_sets_the_attributes(pair):
    """Not a pass-through: without the ruler the coarse tags and morphology are missing."""
    _, table = pair
    with table.select_pipes(disable=["attribute_ruler"]):
        bare = table("They were not consulted.")
    done = table("They were not consulted.")
    assert [t.pos_ for t in bare] != [t.pos_ for t in done]
    assert [t.pos_ for t in done] == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    assert str(done[2].morph) == "Polarity=Neg" and done[1].lemma_ == "be"


def test_the_pipeline_uses_the_table():
    nlp = load_pipeline(stance_view_only=True)
    assert isinstance(nlp.get_pipe("attribute_ruler"), TableAttributeRuler)
    assert nlp.pipe_names.index("attribute_ruler") < nlp.pipe_names.index("lemmatizer")


def test_rules_beyond_the_table_keep_spacys_ruler():
    nlp = load_english()
    ruler = nlp.get_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "very", "OP": "+"}]], {"POS": "ADV"})
    assert rules_of(ruler) is None
    assert use_table_ruler(nlp) is False
    assert nlp.get_pipe("attribute_ruler") is ruler


def test_a_full_key_memory_is_emptied_and_the_tags_stay_the_same(pair, monkeypatch):
    from discourse.claims import attribute_rules

    stock, _ = pair
    table = load_english()
    assert use_table_ruler(table)
    monkeypatch.setattr(attribute_rules, "MAX_KEYS", 5)
    ruler = table.get_pipe("attribute_ruler")
    text = EDGE_CASES[0] + " " + EDGE_CASES[2]
    assert _tokens(table(text)) == _tokens(stock(text))
    assert len(ruler._rows) <= 5
    # outcomes (which rules match) are shared by many words: fewer than the words
    doc = table("The councils consulted residents; the panels heard the forums and the boards.")
    assert len(ruler._ids) < len({t.lower_ for t in doc}) + len(text.split())
