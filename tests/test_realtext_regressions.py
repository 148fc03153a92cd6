"""Regressions from the failures a new user found on real text (issue: "Claims and stance that
hold on real text"): each failing sentence, and a variant of it, with what the pipeline must
say of it. The sentences are the issue's own paraphrases, not engagement-real sentences."""

from __future__ import annotations

import pytest

from discourse.stance.analyze import analyze_text


@pytest.fixture(scope="module")
def stance_model():
    from discourse.stance.train import load_stance_model

    return load_stance_model()


# Known failures of the bundled models, kept as strict expected failures: each passes the day
# the models get it right (and then fails as XPASS until its mark is removed). Real-text
# figures: python -m benchmarks.realtext.
STANCE_MODEL = pytest.mark.xfail(
    strict=True,
    reason="the bundled stance model (target-aware; see python -m benchmarks.realtext) tags "
    "it neutral or against, whatever the stance view says of it",
)
DETECTOR = pytest.mark.xfail(
    strict=True, reason="the claim detector does not see this plain-worded sentence as a claim"
)
RELEVANCE = pytest.mark.xfail(
    strict=True, reason="the relevance model misses 'the forum' as community engagement"
)
PARSE = pytest.mark.xfail(
    strict=True, reason="en_core_web_sm parses 'taps' as a noun, so there is no relative clause"
)


def analyze(text, claims_pipeline, stance_model, title=""):
    return analyze_text(text, nlp=claims_pipeline, stance_model=stance_model, title=title)


def row(rows, start):
    return next(r for r in rows if r["sentence"].strip().startswith(start))


def stance_of(r, target):
    return next((s["stance"] for s in r["stances"] if s["target"] == target), None)


def view_of(text, claims_pipeline):
    from discourse.stance.model import _stance_view_pipe

    doc = claims_pipeline(text)
    viewer = claims_pipeline.get_pipe(_stance_view_pipe(claims_pipeline)).viewer
    v = viewer.view(doc[:])
    return {w: (s, c) for w, s, c in zip(v["w"], v["s"], v["c"])}, v


# ---------------------------------------------------------------- polarity composition


@pytest.mark.parametrize(
    "text",
    [
        "It is not true that community engagement always delays projects.",
        "It is false that co-production always delays projects.",
    ],
)
def test_not_true_that_flips_the_clause_and_true_carries_nothing(text, claims_pipeline):
    words, _ = view_of(text, claims_pipeline)
    assert words["delays"][0] == -1
    frame = "true" if "true" in words else "false"
    assert words[frame][0] == 0


@pytest.mark.parametrize(
    "text, subject_word, clause_word",
    [
        ("Bad consultation does not mean that engagement itself is wrong.", "bad", "wrong"),
        ("Poor turnout does not mean that participatory budgeting has failed.", "poor", "failed"),
    ],
)
def test_negation_scopes_over_the_complement_not_the_subject(
    text, subject_word, clause_word, claims_pipeline
):
    words, _ = view_of(text, claims_pipeline)
    assert words[subject_word][0] == 1  # the subject is outside "does not mean"
    assert words[clause_word][0] == -1  # the clause is inside it


@pytest.mark.parametrize(
    "text, described",
    [
        ("Co-production delivers benefits that markets cannot.", "benefits"),
        pytest.param(
            "Co-production taps resources that professionals overlook.", "resources", marks=PARSE
        ),
    ],
)
def test_a_relative_clause_counts_for_less_than_the_main_clause(text, described, claims_pipeline):
    words, v = view_of(text, claims_pipeline)
    # the described noun is in the main clause, at full weight and unflipped
    assert words[described] == (1, 0)
    relative = [w for w, (_, c) in words.items() if c == 1]
    assert relative and described not in relative


@pytest.mark.parametrize(
    "text, compared",
    [
        # spaCy splits "top-down" into top / - / down: every word of the compared side
        ("Co-production is far better than top-down service design.", ["top", "down", "design"]),
        ("Top-down design is far worse than co-production.", ["co", "production"]),
    ],
)
def test_the_compared_side_of_a_comparison_is_marked(text, compared, claims_pipeline):
    _, v = view_of(text, claims_pipeline)
    marked = {w for w, x in zip(v["w"], v["x"]) if x}
    assert set(compared) <= marked
    assert "better" not in marked and "worse" not in marked


@pytest.mark.parametrize(
    "text",
    [
        "There may be bad practice in community engagement, but the principle is sound.",
        "Although some consultations are badly run, community engagement is worth doing.",
    ],
)
def test_the_conceded_part_counts_for_less(text, claims_pipeline):
    words, _ = view_of(text, claims_pipeline)
    conceded = [w for w in ("bad", "badly") if w in words]
    assert conceded and all(words[w][1] == 1 for w in conceded)
    assert words["sound" if "sound" in words else "worth"][1] == 0


# ---------------------------------------------------------------- stance on the issue's sentences


@pytest.mark.parametrize(
    "text, target, stance",
    [
        (
            "Josh Ryan-Collins argues that co-production delivers benefits that markets cannot.",
            "co-production",
            "favor",
        ),
        ("Time banks reach people that services cannot.", "co-production", "favor"),
        pytest.param(
            "Co-production taps resources that professionals overlook.",
            "co-production",
            "favor",
            marks=STANCE_MODEL,
        ),
        pytest.param(
            "Co-design draws on knowledge that officers miss.",
            "co-production",
            "favor",
            marks=STANCE_MODEL,
        ),
        pytest.param(
            "It is not true that community engagement always delays projects.",
            "community-engagement",
            "favor",
            marks=STANCE_MODEL,
        ),
        (
            "It is false that consultation always slows decisions down.",
            "community-engagement",
            "favor",
        ),
        pytest.param(
            "Bad consultation does not mean that engagement itself is wrong.",
            "community-engagement",
            "favor",
            marks=STANCE_MODEL,
        ),
        pytest.param(
            "Poor turnout does not mean that participatory budgeting has failed.",
            "community-engagement",
            "favor",
            marks=STANCE_MODEL,
        ),
        pytest.param("Co-production saves money.", "co-production", "favor", marks=STANCE_MODEL),
        ("Co-production improves services.", "co-production", "favor"),
        ("This is what community engagement should look like.", "community-engagement", "favor"),
        ("This is how co-production should work.", "co-production", "favor"),
        (
            "Too much of what passes for community engagement is a tick-box exercise.",
            "community-engagement",
            "against",
        ),
        (
            "Too much of what passes for consultation is window dressing.",
            "community-engagement",
            "against",
        ),
        ("Co-production is far better than top-down service design.", "co-production", "favor"),
        ("Top-down design is far worse than co-production.", "co-production", "favor"),
    ],
)
def test_stance_of_the_issues_failure_sentences_and_their_variants(
    text, target, stance, claims_pipeline, stance_model
):
    rows = analyze(text, claims_pipeline, stance_model)
    assert stance_of(rows[0], target) == stance, rows[0]


# ---------------------------------------------------------------- claims, targets and holders


@pytest.mark.parametrize(
    "text",
    [
        "Residents are tired of being consulted on plans they cannot change.",
        pytest.param(
            "Tenants are fed up with being asked for views that nobody reads.", marks=DETECTOR
        ),
    ],
)
def test_plain_worded_evaluative_sentences_are_claims_about_engagement(
    text, claims_pipeline, stance_model
):
    r = analyze(text, claims_pipeline, stance_model)[0]
    assert r["is_claim"] and "community-engagement" in r["targets"]
    assert stance_of(r, "community-engagement") == "against"


@pytest.mark.parametrize(
    "text, holder",
    [
        ("Campaigners say the Big Society is cover for cuts.", "Campaigners"),
        ("Unions warned that the Big Society is a smokescreen for cuts.", "Unions"),
        (
            "According to the Local Government Association, localism is a cover for cuts.",
            "Local Government Association",
        ),
        (
            "Cllr Anita Patel has long argued that the Big Society is a cover for cuts.",
            "Cllr Anita Patel",
        ),
    ],
)
def test_reported_speech_is_a_claim_held_by_its_source(text, holder, claims_pipeline, stance_model):
    r = analyze(text, claims_pipeline, stance_model)[0]
    assert r["is_claim"] and holder in r["holder"]
    assert stance_of(r, "communities-agenda") == "against"


@pytest.mark.parametrize(
    "first, second",
    [
        pytest.param(
            "The Big Society was launched by the government in 2010.",
            "It is a cloak for cuts.",
            marks=DETECTOR,
        ),
        pytest.param(
            "The Localism Act became law in 2011.",
            "It is a charter for developers.",
            marks=DETECTOR,
        ),
    ],
)
def test_a_pronoun_refers_to_the_target_named_before(first, second, claims_pipeline, stance_model):
    rows = analyze(f"{first} {second}", claims_pipeline, stance_model)
    r = row(rows, second[:8])
    assert r["is_claim"] and r["targets"] == ["communities-agenda"]
    assert stance_of(r, "communities-agenda") == "against"


@pytest.mark.parametrize(
    "text, target",
    [
        pytest.param(
            "The forum has never once changed a planning decision.",
            "community-engagement",
            marks=RELEVANCE,
        ),
        (
            "The council did not consult residents before closing the library.",
            "community-engagement",
        ),
        ("The localism agenda has handed power to developers.", "communities-agenda"),
        ("Community organising has revived the estate.", "communities-agenda"),
    ],
)
def test_targets_beyond_listed_phrases_are_found(text, target, claims_pipeline, stance_model):
    r = analyze(text, claims_pipeline, stance_model)[0]
    assert target in r["targets"], r["relevance"]


def test_a_quotation_over_several_sentences_keeps_its_holder_to_the_closing_mark(
    claims_pipeline, stance_model
):
    text = (
        'Councillor Janet Okafor said: "Consultation on the library was a sham. The council '
        "ignored every response from residents. Community engagement here is a tick-box "
        'exercise." The council said the closure would go ahead.'
    )
    rows = analyze(text, claims_pipeline, stance_model)
    inside = [r for r in rows if r["is_claim"] and "closure would go ahead" not in r["sentence"]]
    assert len(inside) >= 2
    assert all(r["holder"] == "Councillor Janet Okafor" for r in inside)
    after = row(rows, "The council said")
    assert after["holder"] != "Councillor Janet Okafor"


@pytest.mark.parametrize("gap", [" ", "\n\n"])
def test_a_straight_quotation_reopened_after_a_sentence_keeps_its_speaker(
    gap, claims_pipeline, stance_model
):
    # news copy that re-opens a straight-quoted statement without closing it first: the
    # re-opening mark does not close the quotation, so "she said" is not read as inside it
    text = (
        'Opposition leader Carla Mendes said: "This scheme will not give tenants any real '
        f'power.{gap}"Above all the consultation is a sham," she said, calling it a stunt.'
    )
    rows = analyze(text, claims_pipeline, stance_model)
    r = row(rows, '"Above all')
    assert r["holder"] == "Carla Mendes"


def test_a_quotation_right_after_an_attributed_one_has_the_same_speaker(
    claims_pipeline, stance_model
):
    text = (
        "Council leader Jo Reed chairs the new forum. "
        '"Too many residents feel powerless in their own town," she says. '
        '"We want to show people that the council is listening to them."'
    )
    rows = analyze(text, claims_pipeline, stance_model)
    assert row(rows, '"We want')["holder"] == "Jo Reed"


def test_the_subject_of_quoted_speech_is_not_the_next_quotations_speaker(
    claims_pipeline, stance_model
):
    # no speaker is named: the quotation stays with the author (CLAIMS.md), and what the
    # quoted sentence talks about ("Local people") is not made its speaker
    text = (
        '"Local people know their own streets far better than any officer does. '
        'They should decide how the ward budget is spent."'
    )
    rows = analyze(text, claims_pipeline, stance_model)
    r = row(rows, "They should")
    assert r["is_claim"] and r["holder"] == "author"


def test_one_person_is_one_holder_within_a_document(claims_pipeline, stance_model):
    text = (
        "Councillor Janet Okafor said the consultation was a sham. "
        "Cllr Okafor added that community engagement should start before plans are drawn up. "
        "Okafor also warned that the forum is a talking shop."
    )
    holders = {r["holder"] for r in analyze(text, claims_pipeline, stance_model) if r["is_claim"]}
    assert holders == {"Councillor Janet Okafor"}


@pytest.mark.parametrize(
    "text, sentences",
    [
        # a heading line is a sentence of its own, not the start of the next one
        (
            "Why panels matter\nThe Easby panel has changed how the council sets its budget.",
            ["Why panels matter", "The Easby panel has changed how the council sets its budget."],
        ),
        (
            "Campaign news\n\nResidents packed the hall. Nobody from the council came.",
            ["Campaign news", "Residents packed the hall.", "Nobody from the council came."],
        ),
        # a line ending in a verb introduces the next; wrapped text keeps its sentences
        (
            "Tenants' leader Ruth Ames said\n“The forum listens to nobody.”",
            ["Tenants' leader Ruth Ames said\n“The forum listens to nobody.”"],
        ),
        (
            "The council said that the consultation on the new library would\n"
            "run for six weeks and that residents could respond online or at the town hall.",
            [
                "The council said that the consultation on the new library would\n"
                "run for six weeks and that residents could respond online or at the town hall."
            ],
        ),
    ],
)
def test_headings_and_paragraphs_end_sentences_and_wrapped_lines_do_not(
    text, sentences, claims_pipeline
):
    doc = claims_pipeline(text)
    assert [s.text.strip() for s in doc.sents] == sentences


def test_a_heading_is_not_taken_for_the_holder_of_the_sentence_under_it(
    claims_pipeline, stance_model
):
    rows = analyze(
        "Findings of the audit\nThe audit report said: “Community engagement in the "
        "borough is a tick-box exercise.”",
        claims_pipeline,
        stance_model,
    )
    claim = row(rows, "The audit report said")
    assert claim["is_claim"]
    assert claim["holder"] == "The audit report"


def test_a_finished_doc_serialises_with_its_annotations(claims_pipeline):
    # the components' shared caches (quotation objects, sentence roots) are dropped by the
    # last component, so spaCy can write the Doc and read it back with every annotation
    from spacy.tokens import Doc

    doc = claims_pipeline(
        'Cllr Ann Bell said: "The new forum is a sham." Residents said the council '
        "never listens to them."
    )
    again = Doc(claims_pipeline.vocab).from_bytes(doc.to_bytes())
    before = [(s.text, s._.holder, s._.targets) for s in doc.spans["statements"]]
    after = [(s.text, s._.holder, s._.targets) for s in again.spans["statements"]]
    assert before and after == before
    assert "Cllr Ann Bell" in {h for _, h, _ in after}


def test_a_doc_serialises_with_the_stance_view_disabled(claims_pipeline):
    # the caches are dropped by the pipeline's own last step, not by whichever of the
    # project's components happens to run last
    from spacy.tokens import Doc

    assert claims_pipeline.pipe_names[-1] == "discourse_release"
    with claims_pipeline.select_pipes(disable=["discourse_stance_view"]):
        doc = claims_pipeline('Cllr Ann Bell said: "The new forum is a sham."')
    assert not {"discourse_roots", "discourse_quotations"} & set(doc.user_data)
    again = Doc(claims_pipeline.vocab).from_bytes(doc.to_bytes())
    assert [s._.holder for s in again.spans["statements"]] == ["Cllr Ann Bell"]
