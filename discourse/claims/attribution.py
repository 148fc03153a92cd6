"""Who holds a claim: the author, or a source named in the sentence or the one before it.

``find_holder`` reads the dependency parse (CLAIMS.md, "Holder"): a reporting verb with its
subject ("Miriam Towle argues that ..."; '"...," she said'), "according to X", "in X's view",
"Reply from X: ...", "per X", "for X, ...", "with X suggesting that ...", a reporting relative
clause that ends the sentence ("..., who argued that ..."), a quotation closed by a bracketed
source ("'...' (Jones, 2001)") or opened by a colon after a named subject, sentences inside
quotation marks, and pronouns resolved from the context sentence ("he"/"she" only to people,
titled names included where the tagger calls them organisations, and people named by role:
"The council's leader ... . '...,' he said"). The forms of news copy and minutes: a name and a
colon ("Ann Lee: ...", "Ann Lee's verdict: ..."), a quotation signed after a dash, "X is clear:
...", "X is a vocal critic of / believes in Y", "X backed / spoke in favour of / objected to /
disputed / challenged Y", "X loves the new park" (a particular thing, not a taste), "with
critics warning that ...", "X branded it Y", "X made clear that", "X urged the council to", a
body that rules ("The court found that ..."), "Many said ..." held by the people the sentence
before names, two sources joined by "and", and people given by example ("Others, such as Ann
Lee"). Evidence ("A survey by X found ..."), the document's own voice ("the Council",
"Officers consider") and the writer judging someone ("He is wrong to say ...") stay with the
author. Lexicons are the ``[attribution]`` table of ``pipelines/claim_cues.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from discourse.claims.detector import load_cues
from discourse.claims.quotes import OPENING_MARKS

AUTHOR = "author"
QUOTED = "quoted"
# Dependents dropped from a name: "Sandra Pike[, who organised the survey,]".
DROP_DEPS = {"relcl", "acl", "appos", "advcl", "punct", "parataxis", "case", "cc"}
CUT_AT = {",", "(", ")", "—", "–", ":", ";", '"', "“", "”"}
# A reporting verb reached through these relations is not the sentence's frame.
BLOCKING_DEPS = {"relcl", "acl", "xcomp", "pcomp", "csubj", "amod", "pobj", "prep", "acomp"}
FIRST_PERSON = {"i", "we", "me", "us"}
NEGATIVE = {"nobody", "nothing", "none", "neither", "no-one"}


@dataclass(frozen=True)
class AttributionCues:
    """The ``[attribution]`` lexicons as sets."""

    reporting_verbs: frozenset
    reporting_nouns: frozenset
    object_verbs: frozenset
    evidence_verbs: frozenset
    evidence_nouns: frozenset
    authored_nouns: frozenset
    possessor_nouns: frozenset
    author_subjects: frozenset
    pronouns: frozenset
    nested_evaluation: frozenset
    frames: dict
    colon_heads: frozenset
    view_nouns: frozenset
    honorifics: frozenset
    attitude_adjectives: frozenset
    person_titles: frozenset
    document_nouns: frozenset
    criticism_nouns: frozenset
    judging_verbs: frozenset
    male_titles: frozenset
    telling_verbs: frozenset
    female_titles: frozenset
    finding_bodies: frozenset
    quantifiers: frozenset
    directive_verbs: frozenset
    male_nouns: frozenset
    female_nouns: frozenset
    manner_adjectives: frozenset
    person_object_verbs: frozenset
    naming_verbs: frozenset
    taste_verbs: frozenset
    personal_verbs: frozenset
    people_nouns: frozenset
    speech_nouns: frozenset
    stance_roles: frozenset
    person_nouns: frozenset
    clause_frames: frozenset  # frame verbs whose word must state something (``clause = true``)

    @classmethod
    def from_cues(cls, cues: dict | None = None) -> AttributionCues:
        a = (cues or load_cues())["attribution"]
        sets = {k: frozenset(v) for k, v in a.items() if k != "frames" and isinstance(v, list)}
        frames = {f["verb"]: frozenset(f["with"]) for f in a.get("frames", [])}
        clause_frames = frozenset(f["verb"] for f in a.get("frames", []) if f.get("clause"))
        return cls(
            frames=frames,
            clause_frames=clause_frames,
            **{f: sets.get(f, frozenset()) for f in _SET_FIELDS},
        )


_SET_FIELDS = [
    f for f in AttributionCues.__dataclass_fields__ if f not in ("frames", "clause_frames")
]


@dataclass
class _Found:
    """What the sentence itself says about its holder."""

    kind: str  # "author", "name", "pronoun", "quote" (quote-only: ask the context)
    text: str = ""


PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "her"})
THING_PRONOUNS = frozenset({"it", "its"})


def find_holder(
    sent: Span, context: Span | None = None, *, cues: AttributionCues | dict | None = None
) -> tuple[str, str]:
    """(holder, kind): ("author", "author") or (name as written, "quoted")."""
    lex = cues if isinstance(cues, AttributionCues) else AttributionCues.from_cues(cues)
    found = _holder_in(sent, lex)
    if found.kind == "author":
        return AUTHOR, AUTHOR
    if found.kind == "name":
        if found.text.lower() in lex.quantifiers and context is not None and len(context):
            # "Residents packed the hall. Many said ...": the quantifier's people, as written
            # in the context (CLAIMS.md)
            return _quantified(context, lex) or found.text, QUOTED
        return found.text, QUOTED
    # "he"/"she" can only point back to a person, never to a paper or a place.
    person = found.kind == "pronoun" and found.text.lower() in PERSONAL_PRONOUNS
    thing = found.kind == "pronoun" and found.text.lower() in THING_PRONOUNS
    if person:
        # "Yet Sondland has amended his testimony - 'I now do recall,' he said": a person who
        # is a subject before the pronoun in its own sentence comes before the context
        inside = _subject_before(sent, found.text.lower(), lex)
        if inside:
            return inside, QUOTED
    resolved = (
        _context_holder(
            context, lex, person_only=person, document=thing, pronoun=found.text.lower()
        )
        if context is not None and len(context)
        else None
    )
    if resolved and person and not _may_be(resolved, context, found.text.lower(), lex):
        resolved = None
    if resolved:
        return resolved, QUOTED
    if found.kind == "pronoun":
        return found.text, QUOTED
    return AUTHOR, AUTHOR


def _quantified(context: Span, lex: AttributionCues) -> str | None:
    """The plural people a quantifier subject counts: the context's subject when it is a
    plural noun for people or a named group ("Residents packed the hall", "Tenants were
    angry"), or None."""
    subj = _first_child(_root(context), {"nsubj", "nsubjpass"})
    if subj is None or subj.tag_ not in ("NNS", "NNPS") or subj.i in _quoted_indices(context):
        return None
    if not _person_or_body(subj, lex):
        return None  # "Shops closed early. Many said ...": shops say nothing
    return name_of(subj, lex)


def own_holder(sent: Span, *, cues: AttributionCues) -> str | None:
    """The source the sentence itself names with a reporting frame ("X said", "according to
    X"), or None: no frame, a pronoun, or a quotation that needs its context."""
    found = _holder_in(sent, cues)
    return found.text if found.kind == "name" else None


def named_in(sent: Span, *, cues: AttributionCues) -> tuple[str, str]:
    """What the sentence itself says of its holder, without looking at its context: ("name",
    the source), ("pronoun", the pronoun), ("author", "") or ("quote", "") for a quotation
    that names no one."""
    found = _holder_in(sent, cues)
    return found.kind, found.text


# How many sentences back a "he"/"she" holder's person is looked for (news copy names a
# speaker once, then writes "he said" for paragraphs).
ANTECEDENT_WINDOW = 10


def pronoun_antecedent(
    sent: Span, pronoun: str, *, cues: AttributionCues, window: int = ANTECEDENT_WINDOW
) -> str | None:
    """The person a "he" or "she" holder points back to, where neither its own sentence nor
    the sentence before it names them (:func:`find_holder` looks there first), or None.

    - The nearest person in the ``window`` sentences before it who reports something ("Marsh
      said landlords had to change") or is a clause's subject ("Marsh pointed to ..."). A
      sentence held by the same pronoun, or mostly quoted, is passed over.
    - A name whose title says the other sex ("Mrs Patel" for "he") is skipped, and the search
      gives up where the sentences between speak of someone of the other sex ("she", "her",
      outside quotations): two people are in play, and the nearest name may be the other one.
    """
    pronoun = pronoun.lower()
    if pronoun not in ("he", "she"):
        return None
    other = _OTHER_SEX[pronoun]
    doc = sent.doc
    prev = sent
    for _ in range(window):
        if prev.start == 0:
            return None
        prev = doc[prev.start - 1].sent
        quoted = _quoted_indices(prev)
        found = _holder_in(prev, cues)
        if found.kind == "name" and " and " in found.text:
            found = _Found("author")  # two people ("Ann Lee and Tom Hay said") are no "she"
        if found.kind == "name" and _could_be(found.text, prev, cues, pronoun):
            at = next((t.i for t in prev if t.i not in quoted and t.text in found.text), None)
            if at is None or not _told_other(prev, at, other, quoted):
                return found.text
        elif found.kind == "name" or not _mostly_quoted(prev):
            subjects = [t for t in prev if t.dep_.startswith("nsubj") and t.i not in quoted]
            root_subj = _first_child(_root(prev), {"nsubj", "nsubjpass"})
            if root_subj is not None and root_subj.i not in quoted:  # the main clause's first
                subjects.insert(0, root_subj)
            for subj in subjects:
                if _a_person(subj, cues, pronoun) and not _told_other(prev, subj.i, other, quoted):
                    return name_of(subj, cues, joined=False)
        if any(t.lower_ in other and t.i not in quoted for t in prev):
            return None
    return None


def possessor_speaker(context: Span | None, pronoun: str, *, cues: AttributionCues) -> str | None:
    """A person with a title named as a possessor in ``context`` (the sentence before), for a
    "he"/"she" no sentence before names otherwise ("Cllr Reid's plan was approved. '...,' he
    said"), or None. Only a titled one: an untitled possessor is as often someone merely
    mentioned ("her grief over Mike Ford's death. '...,' she said"), and a title says a person
    and, often, their sex."""
    pronoun = pronoun.lower()
    if context is None or pronoun not in ("he", "she"):
        return None
    quoted = _quoted_indices(context)
    owners = [
        t
        for t in context
        if t.dep_ == "poss" and t.pos_ == "PROPN" and t.i not in quoted and _titled(t.subtree, cues)
    ]
    if not owners:
        return None
    name = name_of(owners[-1], cues, joined=False)
    return name if _may_be(name, context, pronoun, cues) else None


# The words that speak of someone of the other sex than "he" / "she" (subjects, possessives).
_OTHER_SEX = {
    "he": frozenset({"she", "her", "hers", "herself"}),
    "she": frozenset({"he", "his", "him", "himself"}),
}


def _may_be(name: str, context: Span, pronoun: str, lex: AttributionCues) -> bool:
    """May "he"/"she" (or "him"/"her") be ``name``, found in ``context``: no title of the
    other sex, and not spoken of as the other sex right after it ("Tom Reid ... defended
    his officers" is not "she")."""
    sex = "he" if pronoun in ("he", "him") else "she"
    if _titled_other_sex(name, sex, lex):
        return False
    quoted = _quoted_indices(context)
    first = name.split()[0] if name.split() else ""
    at = next((t.i for t in context if t.i not in quoted and t.text == first), None)
    return at is None or not _told_other(context, at, _OTHER_SEX[sex], quoted)


def _subject_before(sent: Span, pronoun: str, lex: AttributionCues) -> str | None:
    """A person who is the subject of a clause before the subject ``pronoun`` ("he"/"she") in
    its own sentence, outside quotations ("When President Ashraf Ghani announced the
    exchange, he said ..."), or None."""
    if pronoun not in ("he", "she"):
        return None
    pron = next((t for t in sent if t.lower_ == pronoun and t.dep_.startswith("nsubj")), None)
    if pron is None:
        return None
    quoted = _quoted_indices(sent)
    for tok in reversed(sent.doc[sent.start : pron.i]):
        if tok.i not in quoted and tok.dep_.startswith("nsubj") and _a_person(tok, lex, pronoun):
            return name_of(tok, lex)
    return None


def names_a_person(name: str, doc, lex: AttributionCues) -> bool:
    """Does ``name`` name a person: a PERSON entity of ``doc`` (or its surname), or a phrase
    with a person's title ("a council spokesman")? Not a body, a paper or a thing."""
    words = name.replace(",", " ").split()
    if any(_person_word(w, lex) for w in words):
        return True
    return any(w in _surnames(doc) for w in words)


def _person_word(word: str, lex: AttributionCues) -> bool:
    """Is ``word`` an honorific or a person's title, in any case ("Cllr", "spokesman")?"""
    bare = word.rstrip(".")
    return (
        bare in lex.honorifics
        or bare.capitalize() in lex.person_titles
        or word in lex.person_titles
    )


def _told_other(sent: Span, at: int, other: frozenset, quoted: set[int]) -> bool:
    """Is the first "he"/"his"/"she"/"her" after token ``at`` in ``sent`` (outside quotations)
    of the other sex? Then it most likely speaks of the person named at ``at`` ("McDowell
    still laughs at ... his mom"), who is not the one sought."""
    for tok in sent.doc[at + 1 : sent.end]:
        if tok.i in quoted or tok.lower_ not in _THIRD_PERSON:
            continue
        if tok.lower_ in ("him", "her") and tok.dep_ != "poss":
            continue  # an object is someone else: "Elise Matthesen found him"
        return tok.lower_ in other
    return False


_THIRD_PERSON = _OTHER_SEX["he"] | _OTHER_SEX["she"]


def _a_person(tok: Token, lex: AttributionCues, pronoun: str) -> bool:
    """Is ``tok`` a person's name (or a titled one) that ``pronoun`` can point back to? A
    surname written alone counts, whatever the tagger calls it, where the document names the
    person in full ("Neumann had resigned" after "Adam Neumann")."""
    if tok.pos_ != "PROPN":
        return False
    if not (
        tok.ent_type_ == "PERSON" or _titled(tok.subtree, lex) or tok.text in _surnames(tok.doc)
    ):
        return False
    return _could_be(name_of(tok, lex), tok.sent, lex, pronoun, proper=True)


def _surnames(doc) -> set[str]:
    """The last words of the document's PERSON entities: the tagger often calls a surname
    written alone an organisation ("Neumann had resigned" after "Adam Neumann"). Found once
    per document and kept in its ``user_data`` while the components run."""
    found = doc.user_data.get("discourse_surnames")
    if found is None:
        found = doc.user_data["discourse_surnames"] = frozenset(
            e[-1].text for e in doc.ents if e.label_ == "PERSON"
        )
    return found


def _could_be(
    name: str, sent: Span, lex: AttributionCues, pronoun: str, proper: bool = False
) -> bool:
    """Can ``pronoun`` point back to the source ``name`` found in ``sent``: a person (named,
    or titled: "a council spokesman"), not a place, organisation or paper, and not titled as
    the other sex. ``proper``: the name is a proper noun already checked to be no entity
    other than a person."""
    words = set(name.replace(",", " ").split())
    toks = [t for t in sent if t.text in words]
    if not proper and not any(t.ent_type_ == "PERSON" or _person_word(t.text, lex) for t in toks):
        return False
    inside = [e for e in sent.ents if e.text in name]
    surnames = _surnames(sent.doc)
    if not any(e.label_ == "PERSON" or _titled(e, lex) for e in inside) and any(
        e.label_ in ("ORG", "GPE", "LOC", "NORP", "FAC") and e.text not in surnames for e in inside
    ):
        return False
    return not _titled_other_sex(name, pronoun, lex)


def _titled_other_sex(name: str, pronoun: str, lex: AttributionCues) -> bool:
    """Does ``name`` carry a title of the other sex than "he"/"she" ("Mrs Patel" for "he")?"""
    other = lex.female_titles if pronoun == "he" else lex.male_titles
    return bool(set(name.replace(",", " ").split()) & other)


def speaker_tag(sent: Span, *, cues: AttributionCues) -> tuple[str, str]:
    """What a speaker tag the parser split off from its quotation says of the speaker ('"...?"
    / Councillor Jane Okafor asked.', '"...?" / she wrote in her letter.'): ("name", the
    source) or ("pronoun", it) for the subject of its reporting verb, which has no
    complement of its own; ("author", "") otherwise."""
    root = _root(sent)
    if root.pos_ != "VERB" or root.lemma_.lower() not in cues.reporting_verbs:
        return "author", ""
    if any(c.dep_ in ("ccomp", "xcomp", "dobj") for c in root.children):
        return "author", ""  # a report of its own: "The council said the closure would go ahead"
    subj = _first_child(root, {"nsubj", "nsubjpass"})
    if subj is None:
        return "author", ""
    found = _subject_holder(subj, root, cues)
    return found.kind, found.text


def colon_speaker(prev: Span | None, *, cues: AttributionCues, quoted: bool = False) -> str | None:
    """The speaker of a line introduced by "X says:" or "Cllr Y told the meeting:" on the
    line before (comment threads, minutes, interviews), or a comment's header ("Tony Clabby
    Reply"), or None. When the line is a quotation (``quoted``), any verb introduces it: 'Dan
    offered this analogy: "..."'."""
    if prev is None:
        return None
    words = [t for t in prev if not t.is_space and t.text not in ("-", "–")]
    # a comment's header: "Tony Clabby Reply"
    if (
        1 < len(words) <= 5
        and words[-1].text == "Reply"
        and all(t.pos_ == "PROPN" or t.text in cues.honorifics for t in words[:-1])
    ):
        return prev.doc[words[0].i : words[-2].i + 1].text
    if not words or words[-1].text != ":":
        return None
    root = _root(prev)
    if root.lemma_.lower() in cues.colon_heads:
        # "Comment by Jane Ross on 3 May 2011:", "Response from the Cabinet Member:"
        for prep in root.children:
            obj = _first_child(prep, {"pobj"})
            if prep.lower_ in ("by", "from") and obj is not None:
                found = _subject_holder(obj, None, cues)
                return found.text if found.kind == "name" else None
    if root.lemma_.lower() not in cues.reporting_verbs and not (quoted and root.pos_ == "VERB"):
        return None
    subj = _subject(root)
    if subj is None:
        return None
    found = _subject_holder(subj, root, cues)
    return found.text if found.kind == "name" else None


# ---------------------------------------------------------------- the sentence itself


def _holder_in(sent: Span, lex: AttributionCues) -> _Found:
    if _nested_evaluation(sent, lex):
        return _Found("author")
    for tok in sent:
        # "Per the council's website: ...", "Per the report, ..."
        if tok.lower_ == "per" and tok.i == _first_word(sent).i:
            obj = _first_child(tok, {"pobj"})
            if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
                return _subject_holder(obj, None, lex)
        # "according to X"
        if tok.lower_ == "according":
            for to in tok.children:
                obj = _first_child(to, {"pobj"})
                if to.lower_ == "to" and obj is not None:
                    return _subject_holder(_owned_name(obj) or obj, None, lex)
        # "in X's view", "in the words of X"
        if tok.lemma_.lower() in lex.view_nouns and tok.head.lower_ == "in":
            poss = _first_child(tok, {"poss"})
            of = next((c for c in tok.children if c.lower_ == "of"), None)
            if poss is None and of is not None:
                poss = _first_child(of, {"pobj"})
            if poss is not None and poss.lower_ not in ("my", "our", "me", "us"):
                return _subject_holder(poss, None, lex)
        # "Reply from the Cabinet Member: ..."
        if tok.lemma_.lower() in lex.colon_heads and _colon_after(tok, sent):
            for prep in tok.children:
                obj = _first_child(prep, {"pobj"})
                if prep.lower_ == "from" and obj is not None:
                    return _subject_holder(obj, None, lex)
    quoted = _quoted_indices(sent)  # read once: every frame below skips quoted words
    title = _quoted_title(sent, lex, quoted)
    if title:
        return _Found("name", title)
    aside = _as_aside(sent, lex, quoted)
    if aside is not None:
        return _subject_holder(aside[1], aside[0], lex)
    frame = _frame(sent, lex, quoted)
    if frame:
        verb, subj = frame
        return _subject_holder(subj, verb, lex)
    nominal = _nominal_report(sent, lex)
    if nominal is not None:
        return _subject_holder(nominal, None, lex)
    source = (
        _inverted_source(sent, lex, quoted)
        or _stated_view(sent, lex)
        or _attitude(sent, lex)
        or _role_holder(sent, lex)
        or _criticised_by(sent, lex, quoted)
        or _passive_agent(sent, lex, quoted)
    )
    if source is not None:
        return _subject_holder(source, None, lex)
    viewer = _for_viewer(sent, lex) or _with_reporter(sent, lex, quoted)
    if viewer is not None:
        return _subject_holder(viewer, None, lex)
    cited = _cited_source(sent, quoted) or _dash_source(sent, quoted) or _name_label(sent, lex)
    if cited:
        return _Found("name", cited)
    source = _relative_reporter(sent, lex, quoted) or _colon_quoter(sent, quoted, lex)
    if source is not None:
        return _subject_holder(source, None, lex)
    if _mostly_quoted(sent):
        return _Found("quote")
    return _Found("author")


def _quoted_title(sent: Span, lex: AttributionCues, quoted: set[int]) -> str | None:
    """A quoted title as the subject of a reporting verb: "'Right Here, Right Now' says that
    P" is held by the report so titled (CLAIMS.md: written without its quotation marks)."""
    root = _root(sent)
    if (
        root.lemma_.lower() not in lex.reporting_verbs
        or root.pos_ != "VERB"
        or _first_child(root, {"nsubj", "nsubjpass"}) is not None
        or root.i - 1 < sent.start
        or root.i - 1 in quoted
    ):
        return None
    inside = [i for i in range(sent.start, root.i - 1) if i in quoted]
    words = [sent.doc[i] for i in inside if not sent.doc[i].is_space]
    first = next((t for t in sent if not t.is_space), None)
    if not words or first is None or first.i + 1 != inside[0]:
        return None  # the quotation must open the sentence and end before the verb
    return sent.doc[inside[0] : inside[-1] + 1].text.strip() or None


def _nested_evaluation(sent: Span, lex: AttributionCues) -> bool:
    """'He is wrong to imagine ...', 'She is right that ...': the writer judges a source."""
    root = _root(sent)
    acomp = _first_child(root, {"acomp"})
    subj = _first_child(root, {"nsubj"})
    return (
        acomp is not None
        and acomp.lemma_.lower() in lex.nested_evaluation
        and subj is not None
        and subj.lower_ not in FIRST_PERSON
    )


def _frame(sent: Span, lex: AttributionCues, quoted: set[int]) -> tuple[Token, Token] | None:
    """(reporting verb, its subject) nearest the root, outside quotations."""
    best = None
    for tok in sent:
        lemma = tok.lemma_.lower()
        if tok.i in quoted or (tok.pos_ not in ("VERB", "AUX") and not _verb_read_as_noun(tok)):
            continue
        framed = lemma in lex.frames and any(
            (c.lower_ in lex.frames[lemma] or c.lemma_.lower() in lex.frames[lemma])
            # "see X as Y" frames a view only with its own "as", not "as" opening a clause
            and (c.lower_ != "as" or (c.head == tok and c.dep_ == "prep"))
            # "make the point that P / the case for X", not "make a point of attending"
            and (lemma not in lex.clause_frames or _states_something(c))
            for c in tok.subtree
        )
        # a finding verb reports only when a body that judges is its subject (below)
        finding = lemma in lex.evidence_verbs and lemma not in lex.reporting_verbs
        # "wants the council to hold ...", not "want to know whether ...": a wish for one's
        # own doing states no position
        backing = (
            lemma in lex.person_object_verbs
            and _backs_something(tok, lemma, lex)
            and not is_question(sent)  # "Why do people hate Mondays?"
        )
        # "X is urging the council to rethink": what X says should be done (X a person or a
        # body: "The sign urges drivers to slow down" reports nothing)
        directive = lemma in lex.directive_verbs and _first_child(tok, {"xcomp"}) is not None
        backing = backing or directive
        if (
            not framed
            and not backing
            and not (
                (
                    (lemma in lex.reporting_verbs or finding)
                    and _has_complement(tok, sent, quoted, lex)
                )
                or (lemma in lex.object_verbs and _first_child(tok, {"dobj"}) is not None)
            )
        ):
            continue
        depth = _depth(tok, sent)
        if depth is None:
            continue
        subj = _subject(tok)
        if subj is None or any(c.tag_ == "MD" for c in tok.children):
            continue  # "A strategy worth the name should say ..." reports nothing
        if finding and not framed and not (_finding_body(subj, lex) and _finite_clause(tok)):
            # "Figures show that ...", "The case shows that ...": evidence; "the jury took
            # 15 minutes to find him guilty" tells of a verdict, it states no finding
            continue
        if (
            backing
            and not framed
            and (not _person_or_body(subj, lex) or tok.dep_ not in ("ROOT", "conj") or depth > 1)
        ):
            # "The scheme supported 200 families"; "The problem is that Eric goes on to
            # support ...": the writer's frame, not Eric's
            continue
        if best is None or depth < best[0]:
            best = (depth, tok, subj)
    return (best[1], best[2]) if best else None


def _finite_clause(verb: Token) -> bool:
    """Does a that-clause or a finite complement clause follow ``verb``? ("found that P",
    "found no duty ... and that P"; not "found him guilty and fined him")."""
    return any(
        c.i > verb.i
        and (
            (
                c.dep_ == "ccomp"
                and (c.tag_ in _FINITE or any(a.tag_ in _FINITE for a in c.children))
            )
            or (c.dep_ in ("ccomp", "conj", "dobj") and _that_marked(c))
        )
        for c in verb.children
    )


def _finding_body(subj: Token, lex: AttributionCues) -> bool:
    """Is the subject of "found"/"confirmed"/"revealed" one that rules ("The inspector found
    that ...", "The Ombudsman found ..."), so that the finding is its judgement, not evidence
    the writer reports (CLAIMS.md)?"""
    return subj.lemma_.lower() in lex.finding_bodies


def _backs_something(verb: Token, lemma: str, lex: AttributionCues) -> bool:
    """Does a stance verb ("backed", "supported", "wants") take a position: a clause ("wants
    the council to listen"), or for "back"/"support"/"demand", an object that is not a person
    or one's own ("supported the proposal", not "supported her husband", "backed her car")?
    A bare "want X" is a wish ("wants a new kitchen")."""
    if _first_child(verb, {"ccomp"}) is not None:
        return True
    obj = _first_child(verb, {"dobj"})
    if obj is None or lemma in ("want",):
        return False
    owned = any(c.dep_ == "poss" and c.pos_ == "PRON" for c in obj.children)
    if owned or obj.pos_ == "PRON" or obj.ent_type_ == "PERSON":
        return False
    if lemma in lex.taste_verbs | lex.personal_verbs and _names_people(obj, lex):
        return False  # "embraced the chairman", "challenged the mayor", "loves the children"
    if lemma == "challenge" and (
        _first_child(verb, {"xcomp"}) is not None
        or any(c.dep_ == "prep" and c.lower_ == "to" for c in verb.children)
    ):
        return False  # a dare: "challenged supporters to a sponsored swim / to walk ..."
    if lemma == "resist" and obj.lemma_.lower() in ("arrest", "temptation", "urge", "impulse"):
        return False
    if lemma in lex.taste_verbs:
        # a taste is not a position: "loves horses", "prefers tea", "loves a bargain"; a
        # view of a particular thing is: "Residents love the new park"
        return any(
            (c.dep_ == "det" and c.lower_ in ("the", "this", "these", "those", "that"))
            or (c.dep_ == "poss" and c.pos_ != "PRON")
            for c in obj.children
        )
    return True


def _names_people(tok: Token, lex: AttributionCues) -> bool:
    """Is ``tok`` a noun for people ("the chairman", "the visitors", "the children")?"""
    lemma = tok.lemma_.lower()
    people = lex.person_nouns | lex.stance_roles | lex.male_nouns | lex.female_nouns
    return lemma in people | lex.people_nouns or lemma.title() in lex.person_titles  # "chancellor"


def _person_or_body(subj: Token, lex: AttributionCues) -> bool:
    """A named person or body ("Cllr Lee", "Unison"), a noun for people ("Residents"), or a
    pronoun for people ("He urged ...", resolved from the sentences before)."""
    return (
        subj.lower_ in ("he", "she", "they")
        or subj.pos_ == "PROPN"
        or subj.ent_type_ in ("PERSON", "ORG", "NORP")
        or subj.lemma_.lower() in lex.person_nouns
        or _titled(subj.subtree, lex)
    )


def _states_something(noun: Token) -> bool:
    """A that-clause or "for X" after the frame's word, or "clear" with a clause on the verb
    ("made clear that P", where the parser hangs the clause on "made")."""
    if noun.lower_ == "clear" and noun.head != noun:
        return any(c.dep_ == "ccomp" and c.i > noun.i for c in noun.head.children)
    return any(
        (c.dep_ in ("acl", "ccomp") and _that_clause(c)) or (c.dep_ == "prep" and c.lower_ == "for")
        for c in noun.children
    )


def _as_aside(sent: Span, lex: AttributionCues, quoted: set[int]) -> tuple[Token, Token] | None:
    """(verb, subject) of "as X noted/has argued/said, P" and "as X put it, P": X holds the
    host clause, as "according to X" would (CLAIMS.md, "Holder")."""
    for tok in sent:
        mark = next((c for c in tok.children if c.dep_ == "mark" and c.lower_ == "as"), None)
        if mark is None or tok.i in quoted:
            continue
        if tok.dep_ == "ROOT" and tok.lemma_.lower() in lex.reporting_verbs:
            # "Consultation, as one council leader told me, is ...": the parser made the
            # aside's verb the root, with the host clause's subject as a second subject
            subjects = [c for c in tok.children if c.dep_ == "nsubj"]
            before = [c for c in subjects if c.i < mark.i]
            after = [c for c in subjects if c.i > mark.i]
            if before and after:
                return tok, after[0]
        # "put it": its "it" is the words it frames (the parser may take a verbless quotation
        # after it for a second object, and "put" for the root)
        put_it = (
            tok.lemma_.lower() == "put"
            and tok.i + 1 < len(tok.doc)
            and tok.doc[tok.i + 1].lower_ == "it"
        )
        if (
            (
                tok.dep_ == "advcl"
                or (tok.dep_ == "ROOT" and mark.i == _first_word(sent).i and put_it)
            )
            and (
                put_it
                or (
                    tok.lemma_.lower() in lex.reporting_verbs
                    and not any(
                        c.dep_ == "ccomp"
                        # "as X told me / told the meeting": tell's object is its hearer
                        or (c.dep_ == "dobj" and tok.lemma_.lower() not in lex.telling_verbs)
                        for c in tok.children
                    )
                )
            )
            and _depth(tok.head, sent) is not None
        ):
            subj = _first_child(tok, {"nsubj"})
            if subj is not None:
                return tok, subj
    return None


def _inverted_source(sent: Span, lex: AttributionCues, quoted: set[int]) -> Token | None:
    """The source named after a closing reporting verb: "P, argues Shantele from ...",
    "P, says the report". The parser hangs the name on the verb as its object or subject."""
    for tok in sent:
        if (
            tok.lemma_.lower() not in lex.reporting_verbs
            or tok.pos_ != "VERB"
            or tok.dep_ not in ("ROOT", "conj", "parataxis")
            or tok.i in quoted
            or any(c.dep_ in ("nsubj", "nsubjpass") and c.i < tok.i for c in tok.children)
        ):
            continue
        after = [c for c in tok.children if c.i > tok.i and c.dep_ in ("dobj", "nsubj")]
        if not after:
            continue
        name = after[0]
        if (
            name.pos_ != "PROPN"
            and name.tag_ != "NNS"
            and not any(c.dep_ == "det" for c in name.children)
        ):  # "..., say campaigners" as well as "..., says the report"
            continue
        # the name phrase ends the sentence (but for its of/from/at phrase): the verb closes
        # the sentence rather than taking an object
        trailing = {  # "... argues Shantele from Cheshire": the parser may hang it on the verb
            t.i
            for c in tok.children
            if c.i > name.i and c.dep_ in ("prep", "appos", "npadvmod")
            for t in c.subtree
        }
        tail = [
            t
            for t in sent.doc[name.right_edge.i + 1 : sent.end]
            if not t.is_punct and t.i not in trailing
        ]
        if tail or any(c.dep_ in ("ccomp", "xcomp") for c in tok.children):
            continue
        if tok.i - sent.start < 4:
            continue  # "Says who?"
        return name
    return None


def _stated_view(sent: Span, lex: AttributionCues) -> Token | None:
    """ "UNISON's view is that P", "The LGA's argument is that P": the possessor holds P."""
    root = _root(sent)
    if root.lemma_ != "be":
        return None
    if not any(c.dep_ == "ccomp" for c in root.children) and not (
        # "X's message was simple: P" (with a P)
        any(c.dep_ == "acomp" for c in root.children)
        and (colon := _colon_after_at(root, sent)) >= 0
        and any(t.is_alpha for t in sent.doc[colon + 1 : sent.end])
    ):
        return None
    subj = _first_child(root, {"nsubj"})
    if subj is None or subj.lemma_.lower() not in (lex.view_nouns | lex.reporting_nouns):
        return None
    poss = _first_child(subj, {"poss"})
    if poss is None or poss.lower_ in ("my", "our"):
        return None
    return poss


def _attitude(sent: Span, lex: AttributionCues) -> Token | None:
    """ "Beyond Politics are concerned about ...", "Other councillors were wary that ...":
    the subject of an attitude held toward the matter is its holder."""
    root = _root(sent)
    if (
        root.lower_ in lex.attitude_adjectives
        and any(c.dep_ == "auxpass" for c in root.children)
        and any(c.dep_ in ("prep", "ccomp", "xcomp") for c in root.children)
        and not any(c.dep_ == "agent" for c in root.children)  # "was opposed by residents"
    ):
        # "Delegates were encouraged to see that ...": the parser reads a passive verb
        subj = _first_child(root, {"nsubjpass"})
        return subj if subj is not None and subj.pos_ in ("NOUN", "PROPN") else None
    acomp = _first_child(root, {"acomp"})
    if acomp is None or not (
        # "is convinced that ...": the tagger may call the participle a verb, lemma "convince"
        acomp.lemma_.lower() in lex.attitude_adjectives or acomp.lower_ in lex.attitude_adjectives
    ):
        return None
    if not any(c.dep_ in ("prep", "ccomp", "xcomp") for c in acomp.children) and not any(
        c.dep_ == "ccomp" for c in root.children
    ):
        return None  # "is concerned about X", "was wary that ...", not a bare "is happy"
    subj = _first_child(root, {"nsubj"})
    if subj is None or subj.lower_ in ("it", "this", "that", "there", "what"):
        return None  # "It is clear that ...": no one is named
    return subj


def _criticised_by(sent: Span, lex: AttributionCues, quoted: set[int]) -> Token | None:
    """ "The plan has come under criticism from some developers": the critics hold it."""
    for tok in sent:
        if tok.lower_ != "under" or tok.i in quoted or tok.head.lemma_ != "come":
            continue
        noun = _first_child(tok, {"pobj"})
        if noun is None or noun.lemma_.lower() not in lex.criticism_nouns:
            continue
        for prep in [*noun.children, *tok.head.children]:
            obj = _first_child(prep, {"pobj"})
            if prep.lower_ in ("from", "by") and obj is not None and obj.i > noun.i:
                return obj
    return None


def _passive_agent(sent: Span, lex: AttributionCues, quoted: set[int]) -> Token | None:
    """ "The plans were branded 'a stitch-up' by residents", "The proposals have been
    criticised by opposition councillors": the agent of a passive reporting verb holds it."""
    for tok in sent:
        lemma = tok.lemma_.lower()
        if (
            tok.i in quoted
            or tok.pos_ != "VERB"
            # a spoken judgement ("criticised", "welcomed"), or a report with what it reports
            # ("described as ...", "branded 'a stitch-up'"); not "was accepted by", nor a
            # position told as a fact ("The plan was opposed by residents who ...")
            or not (
                lemma in lex.judging_verbs
                or (lemma in lex.reporting_verbs and _has_complement(tok, sent, quoted, lex))
            )
            or not any(c.dep_ == "auxpass" for c in tok.children)
            or _depth(tok, sent) is None
        ):
            continue
        agent = next((c for c in tok.children if c.dep_ == "agent"), None)
        obj = _first_child(agent, {"pobj"}) if agent is not None else None
        if obj is not None and obj.i not in quoted:
            return obj
    return None


def _first_word(sent: Span) -> Token:
    return next((t for t in sent if not (t.is_space or t.is_punct)), sent[0])


def _for_viewer(sent: Span, lex: AttributionCues) -> Token | None:
    """ "But for workshop facilitators X and Y, it is better to ...": a sentence-initial "for"
    naming a person, set off by a comma, gives that person's view."""
    words = [t for t in sent if not t.is_space]
    k = 0
    while k < len(words) and (words[k].is_punct or words[k].dep_ in ("cc", "advmod")):
        k += 1
    if k >= len(words) or words[k].lower_ != "for":
        return None
    obj = _first_child(words[k], {"pobj"})
    if obj is None:
        return None
    phrase = list(obj.subtree)
    person = any(t.ent_type_ == "PERSON" for t in phrase) or _titled(phrase, lex)
    # the comma ends the phrase, or follows the name where the parser hung the next words on
    # it ("For Anna Coote, co-production is ..." with "co" in apposition to "Coote")
    ends = {obj.right_edge.i + 1, obj.i + 1}
    if not person or not any(i < sent.end and sent.doc[i].text == "," for i in ends):
        return None
    return obj


def _with_reporter(sent: Span, lex: AttributionCues, quoted: set[int]) -> Token | None:
    """ "..., with Cllr Carroll suggesting there will be ...": the subject of a reporting
    verb in a with-clause holds what it reports."""
    for tok in sent:
        if (
            tok.lower_ != "with"
            or tok.i in quoted
            or not any(c.dep_ in ("pcomp", "pobj") for c in tok.children)
        ):
            continue
        for verb in (c for c in tok.subtree if c.tag_ == "VBG"):
            if verb.lemma_.lower() not in lex.reporting_verbs or verb.i in quoted:
                continue
            if not _has_complement(verb, sent, quoted, lex):
                continue
            subj = _first_child(verb, {"nsubj"})
            if subj is None and verb.dep_ == "pobj":  # the parser hangs the name on "with"
                subj = next((c for c in tok.children if c.dep_ == "pobj" and c != verb), None)
            if (
                subj is None
                and verb.dep_ == "acl"
                and verb.head.dep_ == "pobj"
                and verb.head.head == tok
            ):
                subj = verb.head  # "with residents saying ...": the verb hung on the people
            if (
                subj is not None
                and subj.i < verb.i
                and (
                    subj.pos_ == "PROPN"
                    or _titled(subj.subtree, lex)
                    # "with ministers declaring ...", "with critics warning ...": people
                    or (
                        subj.tag_ == "NNS"
                        and subj.lemma_.lower() in lex.person_nouns | lex.stance_roles
                    )
                )
            ):
                return subj
    return None


def _cited_source(sent: Span, quoted: set[int]) -> str | None:
    """ "'...' (Jones and Newburn, 2001, p50).", "'...' (City Economic Developer).": a
    quotation closed by a bracketed source is held by that source."""
    words = [t for t in sent if not t.is_punct and not t.is_space]
    if not words or not quoted:
        return None
    close = next((t for t in reversed(sent) if not t.is_space and t.text not in ".!?"), None)
    if close is None or close.text != ")":
        return None
    opening = next((t for t in reversed(sent[: close.i - sent.start]) if t.text == "("), None)
    if opening is None:
        return None
    before = [t for t in words if t.i < opening.i]
    if not before or sum(t.i in quoted for t in before) <= len(before) / 2:
        return None
    inside = sent.doc[opening.i + 1 : close.i]
    cut = next((t.i for t in inside if t.text in (",", ";", ":")), close.i)
    name = sent.doc[opening.i + 1 : cut]
    if not name or not name[0].is_title or all(not t.is_alpha for t in name) or len(name) > 8:
        return None
    return name.text


DASHES = frozenset({"–", "—", "-", "―"})
FIRST_PERSON_ALL = frozenset(FIRST_PERSON | {"my", "our", "ours", "myself", "ourselves"})
_WH_WORDS = frozenset({"what", "who", "why", "how", "when", "where", "which"})


def _dash_source(sent: Span, quoted: set[int]) -> str | None:
    """ "'The consultation was a sham' – Ann Lee, residents' chair": a quotation signed after a
    dash, as pull quotes and testimonials are, is held by the person who signs it."""
    toks = [t for t in sent if not t.is_space]
    if not quoted or not toks:
        return None
    dash = next((t for t in toks if t.text in DASHES and t.i not in quoted), None)
    if dash is None:
        return None
    before = [t for t in toks if t.i < dash.i and t.is_alpha]
    if not before or sum(t.i in quoted for t in before) <= len(before) / 2:
        return None
    after = sent.doc[dash.i + 1 : sent.end]
    person = next((e for e in after.ents if e.label_ == "PERSON"), None)
    if person is None or person.start != dash.i + 1 or any(t.i in quoted for t in after):
        return None
    owned = person.end < sent.end and sent.doc[person.end].tag_ == "POS"
    if owned or any(t.pos_ in ("VERB", "AUX") for t in after):
        return None  # '"Hamlet" – William Shakespeare's play – runs until June': no signature
    return person.text


def _name_label(sent: Span, lex: AttributionCues) -> str | None:
    """ "Ann Lee: 'Co-production works.'", "Cllr Jones: We were never asked.": a sentence that
    opens with a person's name and a colon, as transcripts and pull quotes do, is theirs. A
    heading ("Update:", "Consultation:") names no person."""
    toks = [t for t in sent if not t.is_space]
    colon = next((k for k, t in enumerate(toks[:7]) if t.text == ":"), None)
    if not colon or colon + 1 >= len(toks):
        return None
    label = toks[:colon]
    viewed = (
        len(label) >= 3
        and label[-1].lemma_.lower() in lex.view_nouns | lex.reporting_nouns
        and label[-2].dep_ == "case"
    )
    if viewed:
        label = label[:-2]  # "Ann Lee's verdict: ..."
    if not label or not _name_words(label, lex):
        return None
    if not all(t.ent_type_ == "PERSON" or t.text in lex.honorifics for t in label) or not any(
        t.ent_type_ == "PERSON" for t in label
    ):
        return None  # "Star Wars Jedi: Fallen Order ...", "Update: ...", "Cllr: ..."
    if any(ord(ch) >= 0x250 for t in label for ch in t.text):
        return None  # the English model's PERSON on a word in another script
    rest = toks[colon + 1 :]
    if rest[0].text in OPENING_MARKS:
        return sent.doc[label[0].i : label[-1].i + 1].text  # 'Ann Lee: "..."': their words
    if not any(t.tag_ in _FINITE for t in rest):
        return None  # a police log's "Jane Doe: Possession of ...", a product list
    if not viewed:
        # what a person says in their own voice ("Megan Ashby: We were never asked ..."),
        # not a headline or a biography about them ("Boris Johnson: what we know so far",
        # "Ann Lee: She was born in Leeds")
        if rest[0].lower_ in _WH_WORDS or not any(t.lower_ in FIRST_PERSON_ALL for t in rest):
            return None
    return sent.doc[label[0].i : label[-1].i + 1].text


def _role_holder(sent: Span, lex: AttributionCues) -> Token | None:
    """ "Ann Lee has been a vocal critic of the consultation", "X is a firm believer in
    co-production": one who is named as a critic or a champion of something holds that
    stance."""
    root = _root(sent)
    if root.lemma_ != "be":
        return None
    attr = _first_child(root, {"attr"})
    if attr is None or attr.lemma_.lower() not in lex.stance_roles:
        return None
    if not any(c.dep_ == "prep" and c.lower_ in ("of", "in", "for") for c in attr.children):
        return None
    subj = _first_child(root, {"nsubj"})
    if subj is None or subj.lower_ in FIRST_PERSON or subj.pos_ not in ("PROPN", "NOUN", "PRON"):
        return None
    if subj.pos_ == "PRON" and subj.lower_ not in PERSONAL_PRONOUNS | {"they"}:
        return None  # "This is a champion of ...", "Everyone is a fan of ...": no one named
    return subj


def _relative_reporter(sent: Span, lex: AttributionCues, quoted: set[int]) -> Token | None:
    """ "... comes from Paul Tucker QC, who proclaimed that P", "... Zoe Williams, who has
    written about X as 'heartening'": a reporting relative clause that ends the sentence is
    held by the person it describes."""
    for tok in sent:
        if (
            tok.dep_ != "relcl"
            or tok.i in quoted
            or tok.lemma_.lower() not in lex.reporting_verbs
            or not (
                _has_complement(tok, sent, quoted, lex) or any(t.i in quoted for t in tok.subtree)
            )
        ):
            continue
        subj = _first_child(tok, {"nsubj"})
        if subj is None or subj.lower_ != "who":
            continue
        tail = [t for t in sent.doc[tok.right_edge.i + 1 : sent.end] if not t.is_punct]
        if not tail:
            return tok.head
    return None


def _colon_quoter(sent: Span, quoted: set[int], lex: AttributionCues) -> Token | None:
    """ "Dan offered this analogy: 'Consultation is ...'", "X linked A with B: '...'", "X was
    scathing: '...'": a named subject whose clause opens a quotation with a colon is its
    speaker."""
    colon = next(
        (
            t
            for t in sent
            if t.text == ":"
            and t.i not in quoted
            and t.i + 1 < sent.end
            and t.nbor(1).text in OPENING_MARKS
        ),
        None,
    )
    if colon is None:
        return _manner_colon(sent, quoted, lex)
    for verb in (
        t
        for t in sent
        if t.i < colon.i
        and (
            t.pos_ == "VERB"
            # "was scathing:", "was blunt:": the manner of what follows
            or (t.lemma_ == "be" and any(c.dep_ == "acomp" for c in t.children))
        )
    ):
        subj = _first_child(verb, {"nsubj"})
        if subj is not None and (subj.pos_ == "PROPN" or subj.ent_type_ in ("PERSON", "ORG")):
            return subj
    return None


def _manner_colon(sent: Span, quoted: set[int], lex: AttributionCues) -> Token | None:
    """ "Ann Lee is clear: co-production works.", "Labour's message was simple: ...": a named
    subject (or the named possessor of a message or a view) of "is <manner>" before a colon
    holds what follows, quoted or not. The manners are ``manner_adjectives`` ("clear",
    "blunt", "scathing" ...), not feelings ("Ann Lee was happy: her son had passed")."""
    colon = next((t for t in sent if t.text == ":" and t.i not in quoted), None)
    if colon is None or not any(t.is_alpha for t in sent.doc[colon.i + 1 : sent.end]):
        return None
    for be in (t for t in sent if t.i < colon.i and t.lemma_ == "be"):
        acomp = _first_child(be, {"acomp"})
        subj = _first_child(be, {"nsubj"})
        if acomp is None or subj is None or not acomp.i < colon.i or subj.i in quoted:
            continue
        if acomp.lower_ in lex.nested_evaluation:
            return None  # "Lynn is right: ...": the writer judging Lynn (CLAIMS.md)
        if acomp.lower_ not in lex.manner_adjectives:
            continue  # "Cllr Smith was absent: ...", "Ann Lee was happy: her son had ..."
        poss = _first_child(subj, {"poss"})
        viewed = subj.lemma_.lower() in lex.view_nouns | lex.reporting_nouns
        if subj.pos_ == "NOUN" and viewed and poss is not None and poss.pos_ == "PROPN":
            return poss  # "Ann Lee's message was simple:", not "Ann Lee's son was ill:"
        if subj.pos_ == "PROPN" or subj.ent_type_ in ("PERSON", "ORG"):
            return subj
    return None


def _nominal_report(sent: Span, lex: AttributionCues) -> Token | None:
    """The source of a reporting noun followed by "by X" (or "from X") and a that-clause: "a
    warning yesterday by Phil Redmond that the initiative had stalled". The parser often hangs
    "by X" and the clause on the verb, so this reads the word order, not the tree."""
    words = list(sent)
    for k, tok in enumerate(words):
        if tok.pos_ != "NOUN" or tok.lemma_.lower() not in lex.reporting_nouns:
            continue
        for j in range(k + 1, min(k + 5, len(words))):
            if words[j].lower_ in ("by", "from"):
                obj = _first_child(words[j], {"pobj"})
                if obj is None or obj.pos_ not in ("PROPN", "NOUN"):
                    break
                rest = words[obj.right_edge.i - sent.start + 1 :]
                if any(w.lower_ == "that" and w.dep_ == "mark" for w in rest[:3]):
                    return obj
                break
    return None


def _that_clause(tok: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in tok.children)


def _has_complement(verb: Token, sent: Span, quoted: set[int], lex: AttributionCues) -> bool:
    """A that-clause, a quotation, or 'X as Y': what makes 'say' report something."""
    if any(c.dep_ == "ccomp" or (c.dep_ == "oprd" and not _time_phrase(c)) for c in verb.children):
        return True  # not "calling the fire brigade a dozen times overnight" (a misparse)
    colon = next((c for c in verb.children if c.text == ":" and c.i > verb.i), None)
    if colon is not None and any(t.is_alpha for t in sent.doc[colon.i + 1 : sent.end]):
        return True  # "Ann Tomline says: Congratulations to all who ..."
    if any(c.lower_ == "as" and c.dep_ == "prep" for c in verb.children):
        return True
    if verb.dep_ == "parataxis":
        return True  # "The plan, critics argue, will ...": the host clause is reported
    if verb.lemma_.lower() in lex.naming_verbs and _names_as(verb) and not is_question(sent):
        return True  # "declaring it the best way", "branding it a whitewash": X named Y
    if verb.lemma_.lower() in BARE_CLAUSE_VERBS and _bare_clause(verb):
        return True
    if any(
        _that_marked(c)
        for c in verb.children
        if c.i > verb.i
        and c.dep_ != "ccomp"
        and (c.pos_ in ("NOUN", "PROPN") or (c.dep_ == "conj" and verb.dep_ == "ROOT"))
    ):
        # "warned that co-production needs funding", "needs" misread as a noun; "found no duty
        # to consult and that the process was fair"; not a that-clause joined to a verb inside
        # another's complement ("demonstrated that it responded to X, and that Y helped")
        return True
    return bool(quoted) and verb.dep_ in ("ROOT", "conj", "advcl")


# Verbs that report a clause without "that", where the parser may miss the clause ("Hughes
# says the show's over": "'s" read as a subject), or with "not"/"so" standing for it.
BARE_CLAUSE_VERBS = frozenset(
    {"say", "think", "believe", "argue", "claim", "insist", "reckon", "contend", "feel"}
)


def _names_as(verb: Token) -> bool:
    """Does ``verb`` take an object and then what it names the object ("declared it a
    success", "branded the plan a sham"), not a time or a count ("called the council
    yesterday", "called her sister every Sunday", "called it a day")?"""
    nominal = [
        c
        for c in verb.children
        if c.i > verb.i and c.dep_ in ("dobj", "dative", "oprd", "npadvmod") and not _time_phrase(c)
    ]
    return len(nominal) >= 2


TIME_WORDS = frozenset(
    {
        "time", "day", "night", "week", "weekend", "month", "year", "morning", "afternoon",
        "evening", "hour", "minute", "today", "tonight", "tomorrow", "yesterday", "overnight",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    }
)  # fmt: skip


def _time_phrase(tok: Token) -> bool:
    """A when or how often ("yesterday", "every Sunday", "three times", "a day")."""
    return (
        tok.ent_type_ in ("DATE", "TIME", "CARDINAL")
        or tok.lemma_.lower() in TIME_WORDS
        or any(c.lower_ in ("every", "each") or c.like_num for c in tok.children)
    )


def _that_marked(tok: Token) -> bool:
    """Does ``tok`` carry the mark "that" of a clause the parser did not read as one?"""
    return any(c.dep_ == "mark" and c.lower_ == "that" and c.i < tok.i for c in tok.children)


_FINITE = frozenset({"VBZ", "VBD", "VBP", "MD"})


def _bare_clause(verb: Token) -> bool:
    """A finite verb after ``verb`` in its subtree, outside a relative or adverbial clause
    ("Smith said the meeting that was held ..." reports nothing), or a bare "not"/"so"
    ("Elizabeth Hughes thinks not.")."""
    after = [c for c in verb.children if c.i > verb.i and not c.is_punct]
    if after and all(c.dep_ == "neg" or c.lower_ == "so" for c in after):
        return True
    doc = verb.doc
    skip = set()
    for t in verb.subtree:
        if t.i > verb.i and (
            t.dep_ in ("relcl", "acl") or (t.dep_ == "advcl" and _first_child(t, {"mark"}))
        ):
            skip.update(range(t.left_edge.i, t.right_edge.i + 1))
    return any(
        doc[i].tag_ in _FINITE and i not in skip for i in range(verb.i + 1, verb.right_edge.i + 1)
    )


# Verbs whose xcomp carries the report: "Publications continue to affirm that ...".
ASPECTUAL = frozenset({"continue", "begin", "start", "go", "keep", "seem", "appear", "tend"})
# "X was quick/kind enough to point out that ...", "X was forced to admit that ...": the
# report is the subject's, carried by the xcomp of an adjective after "be" or of a passive.
RAISING_ADJECTIVES = frozenset(
    "quick swift kind eager happy careful anxious first willing ready prepared".split()
)
RAISING_PASSIVES = frozenset({"force", "compel", "oblige", "prompt", "move", "press"})


def _raised(verb: Token) -> Token | None:
    """The verb whose subject is the subject of ``verb``, an xcomp after "be" + one of
    :data:`RAISING_ADJECTIVES` or after a passive of :data:`RAISING_PASSIVES`; else None."""
    if verb.dep_ != "xcomp" or verb.head == verb:
        return None
    head = verb.head
    if head.lemma_.lower() in RAISING_ADJECTIVES and head.dep_ == "acomp":
        return head.head
    if head.lemma_.lower() in RAISING_PASSIVES and any(c.dep_ == "auxpass" for c in head.children):
        return head
    return None


def _depth(tok: Token, sent: Span) -> int | None:
    """Steps to the sentence root; None if the path passes through a blocking relation."""
    depth = 0
    while tok.head != tok and sent.start <= tok.head.i < sent.end:
        if tok.dep_ == "xcomp" and tok.head.lemma_.lower() in ASPECTUAL:
            tok = tok.head
            depth += 1
            continue
        raised = _raised(tok)
        if raised is not None:
            tok = raised
            depth += 1
            continue
        if tok.dep_ in BLOCKING_DEPS:
            return None
        if tok.dep_ == "advcl" and any(c.dep_ == "mark" for c in tok.children):
            return None  # "when she says that ..."
        if tok.dep_ == "ccomp" and any(
            c.i < tok.i and (c.tag_ in ("WRB", "WP") or c.lower_ in ("whether", "if"))
            for c in tok.children
        ):
            return None  # an indirect question asserts nothing: "wondered why people feel that"
        tok = tok.head
        depth += 1
    return depth


def _subject(verb: Token) -> Token | None:
    subj = _first_child(verb, {"nsubj"})
    if subj is not None:
        return subj
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in ASPECTUAL:
        return _first_child(verb.head, {"nsubj"})
    raised = _raised(verb)
    if raised is not None:
        return _first_child(raised, {"nsubj", "nsubjpass"})
    # "..., warning that ...", "... and added that ...": the subject of the governing verb
    if verb.dep_ in ("advcl", "conj") and verb.head != verb:
        return _first_child(verb.head, {"nsubj"})
    if verb.dep_ == "ROOT":
        left = _compound_before(verb)
        if left is not None and left.pos_ in ("PROPN", "NOUN") and verb.tag_ in ("VBZ", "NNS"):
            return left
        return _appositive_speaker(verb)
    return None


def _compound_before(tok: Token) -> Token | None:
    """The word just before ``tok`` that the parser made a compound of it: "the CQC states
    that ..." read as the noun phrase "CQC states", whose "CQC" is the subject."""
    if tok.i <= tok.sent.start:
        return None
    left = tok.doc[tok.i - 1]
    return left if left.dep_ == "compound" and left.head == tok else None


def _verb_read_as_noun(tok: Token) -> bool:
    """ "the NAO states that ...", parsed as the noun phrase "NAO states" with a that-clause:
    a plural-noun root after a name, with a clause of its own, is the verb."""
    return (
        tok.dep_ == "ROOT"
        and tok.tag_ == "NNS"
        and _compound_before(tok) is not None
        and any(c.dep_ == "ccomp" for c in tok.children)
    )


def _appositive_speaker(verb: Token) -> Token | None:
    """The person before a subjectless verb, where the parser hung the name on an earlier
    phrase: "In a 2011 article, Kevin Curley, chief executive of X, said ..." (Curley is
    parsed as in apposition to "article")."""
    doc = verb.doc
    if verb.i == 0 or doc[verb.i - 1].text != ",":
        return None
    people = [e for e in doc[verb.sent.start : verb.i].ents if e.label_ == "PERSON"]
    if not people:
        return None
    person = people[-1].root
    between = doc[people[-1].end : verb.i]
    if person.dep_ == "appos":
        return None if any(t.pos_ in ("VERB", "AUX") for t in between) else person
    # "... a panel discussion organised for the Belfast Democracy Day Roslyn Fuller, who is an
    # expert in digital democracy, argued ...": the name read as the object of the phrase
    # before it; what lies between it and the verb is its own relative clause.
    if person.dep_ == "pobj":
        own = {t.i for t in person.subtree}
        if all(t.i in own or t.is_punct for t in between):
            return person
    return None


def _subject_holder(subj: Token, verb: Token | None, lex: AttributionCues) -> _Found:
    lower = subj.lower_
    if lower in FIRST_PERSON or _own_voice(subj, lex):
        return _Found("author")
    if lower in ("'s", "’s") and subj.i > 0 and subj.doc[subj.i - 1].lower_ == "let":
        return _Found("author")  # "Let's say the plan works", "Let's call it a night": us
    if lower in NEGATIVE or any(c.lower_ in ("no", "neither") for c in subj.children):
        return _Found("author")  # "Nobody from the council has asked ...", "Neither officer"
    if verb is not None and verb.lemma_.lower() in lex.evidence_verbs:
        if subj.lemma_.lower() in lex.evidence_nouns or lower in lex.evidence_nouns:
            return _Found("author")
    if subj.pos_ == "PRON" and lower in lex.pronouns:
        return _Found("pronoun", subj.text)
    appos = _first_child(subj, {"appos"})
    if subj.pos_ == "NOUN" and appos is not None and appos.ent_type_ == "PERSON":
        # "Its author, Dr Helen Ashe, argues ...": the person in apposition is the holder
        return _Found("name", name_of(appos, lex))
    poss = _first_child(subj, {"poss"})
    if subj.lemma_.lower() in lex.possessor_nouns and poss is not None:
        if poss.pos_ == "PRON":  # "Its authors claim ...": whose, the context says
            return _Found("pronoun", poss.text)
        return _Found("name", name_of(poss, lex))  # "X's authors claim ..." is held by X
    if subj.lemma_.lower() in lex.authored_nouns:
        # "An evaluation led by Professor X describes ..."
        for acl in (c for c in subj.children if c.dep_ == "acl"):
            for agent in (c for c in acl.children if c.dep_ in ("agent", "prep")):
                obj = _first_child(agent, {"pobj"})
                if agent.lower_ == "by" and obj is not None and obj.pos_ == "PROPN":
                    return _Found("name", name_of(obj, lex))
    name = name_of(subj, lex)
    doc = subj.doc
    # numbers in a clause on the subject ("The head of a group representing 2,000 charities")
    # do not make it a count of respondents
    clauses = {t.i for c in subj.subtree if c.dep_ in ("acl", "relcl") for t in c.subtree}
    if any(
        doc[i].like_num and doc[i].pos_ != "PROPN" and doc[i].lower_ != "one"
        for i in _name_range(subj, lex)
        if i not in clauses
    ):
        return _Found("author")  # "Three in four residents said ...": respondents are evidence
    return _Found("name", name) if name else _Found("author")


# ---------------------------------------------------------------- names


def name_of(tok: Token, lex: AttributionCues, joined: bool = True) -> str:
    """The name phrase headed by ``tok`` as written: 'Cllr Anita Patel', 'A council spokesman',
    and (``joined``) two or more joined by "and": 'Smith and Jones', 'Professor Lee and Dr
    Hay'."""
    span = _name_range(tok, lex)
    end = _joined_end(tok, span.stop, lex) if joined else span.stop
    return _unquoted(tok.doc[span.start : end].text)


QUOTE_PAIRS = (("“", "”"), ("‘", "’"))


def _unquoted(text: str) -> str:
    """``text`` without the quotation marks around it ('‘Listening Towns’' is 'Listening
    Towns'), a mark opened inside it closed again ('Others, such as "Ann Lee"', not 'Others,
    such as "Ann Lee')."""
    text = text.strip(" '\"“”‘’")
    if text.count('"') % 2:
        return text + '"'
    for opening, closing in QUOTE_PAIRS:
        if text.count(opening) > text.count(closing):
            return text + closing
    return text


def _joined_end(tok: Token, end: int, lex: AttributionCues) -> int:
    """Where the names joined to ``tok``'s by "and" end ("Smith and Jones"), given that
    ``tok``'s own name ends at ``end``."""
    joined = _joined_name(tok, end, lex)
    while joined is not None:
        end = _name_range(joined, lex).stop
        joined = _joined_name(joined, end, lex)
    return end


def _joined_name(tok: Token, end: int, lex: AttributionCues) -> Token | None:
    """The source joined to ``tok``'s right after "and" ("Smith [and Jones]", "Paganini [and
    his team]"), the "and" right where ``tok``'s name ends; None if there is none, or if what
    is joined is a work or evidence ("Howitt and Garrett's work suggested")."""
    doc = tok.doc
    conj = _first_child(tok, {"conj"})
    if conj is None or end >= len(doc) or doc[end].lower_ != "and" or conj.i <= end:
        return None
    if conj.pos_ not in ("PROPN", "NOUN") and conj.lower_ != "others":
        return None
    lemma = conj.lemma_.lower()
    if lemma in lex.evidence_nouns | lex.document_nouns | lex.authored_nouns | {"work"}:
        return None
    return conj


def _name_range(tok: Token, lex: AttributionCues) -> range:
    doc = tok.doc
    # a person among the appositions first: "HANOI, Vietnam (AP) — ... Mark Esper accused",
    # where the parser made the dateline the subject and the speaker one of its appositions
    appos = next(
        (c for c in tok.children if c.dep_ == "appos" and c.ent_type_ == "PERSON"), None
    ) or _first_child(tok, {"appos"})
    if appos is not None and appos.pos_ == "PROPN" and tok.ent_type_ != "PERSON":
        if appos.left_edge.i == tok.i + 1 and tok.is_title and appos.ent_type_ != "PERSON":
            # "Tenants United are concerned": one name the parser cut in two
            before = [c.left_edge.i for c in tok.children if c.i < tok.i and c.dep_ != "punct"]
            return range(min([tok.i, *before]), _name_range(appos, lex).stop)
        if tok.pos_ != "PROPN" or appos.ent_type_ == "PERSON":
            # "Its director, Priya Menon, ...", "The Minister for X, Greg Walters, ..."
            return _name_range(appos, lex)
    if tok.ent_type_ != "PERSON" and appos is None:
        # "Chairman of the Residents Association, Graham Croucher, told ...": the person's
        # name hangs off the title's of-phrase. "Cllr Stuart Carroll (Con, Boyn Hill) lead
        # member for health, said": a titled name the parser made the subject of the title;
        # a party and ward in brackets are not the speaker.
        inside = _bracketed(doc, tok.left_edge.i, tok.right_edge.i + 1)
        # nor is a person named in a clause describing it ("The paper, which was co-authored
        # by ... Jane Parry, argues ...")
        for t in tok.subtree:
            if t.dep_ in ("relcl", "acl") and t.i != tok.i:
                inside.update(range(t.left_edge.i, t.right_edge.i + 1))
        named = next(
            (
                t
                for t in tok.subtree
                if t.i not in inside
                and t.i != tok.i
                and (
                    (t.dep_ == "appos" and t.ent_type_ == "PERSON")
                    or (
                        t.dep_ in ("nsubj", "appos")
                        and t.pos_ == "PROPN"
                        and doc[t.left_edge.i].text in lex.honorifics
                    )
                )
            ),
            None,
        )
        if named is not None:
            return _name_range(named, lex)
    has_det = any(c.dep_ in ("det", "poss") for c in tok.children)
    # "The Ombudsman", "the Mayor": a role the tagger took for a person's name keeps its article
    role = (
        tok.lower_ in lex.finding_bodies | lex.person_nouns or tok.text in lex.person_titles
    ) and not (tok.i > 0 and doc[tok.i - 1].ent_type_ == "PERSON")  # "Ann Bishop" is a name
    if tok.pos_ == "PROPN" and has_det and tok.ent_type_ == "PERSON" and not role:
        # "the Belfast Democracy Day Roslyn Fuller": the person, not the phrase the parser
        # made of the name and the words before it (an honorific before the name stays)
        start = next((e.start for e in doc.ents if e.start <= tok.i < e.end), tok.i)
        while start > 0 and doc[start - 1].text in lex.honorifics:
            start -= 1
        return range(start, tok.i + 1)
    if tok.pos_ == "PROPN" and not has_det:
        start = tok.i
        while (
            start > 0
            and (doc[start - 1].pos_ == "PROPN" or doc[start - 1].text in lex.honorifics)
            or _hyphen_joins(doc, start)
        ):
            if _hyphen_joins(doc, start):  # "Ryan-Collins": one name, three tokens
                start -= 2
                continue
            if not (start - 1 < doc[start - 1].head.i <= tok.i or doc[start - 1].head == tok):
                break
            start -= 1
        if tok.ent_type_ == "PERSON":  # drop capitalised job titles before a person's name
            while (
                start < tok.i and doc[start].text not in lex.honorifics and not doc[start].ent_type_
            ):
                start += 1
        return range(start, tok.i + 1)
    start, end = tok.left_edge.i, tok.right_edge.i
    for child in tok.children:
        if child.dep_ in DROP_DEPS:
            if child.i > tok.i:
                end = min(end, child.left_edge.i - 1)
            else:
                start = max(start, child.right_edge.i + 1)
    inside = {t.i for t in tok.subtree}
    for i in range(tok.i + 1, end + 1):
        # a crossing arc ("Conservatives ... , a limited ability" read as an apposition) can
        # leave words of the clause between the head and its dependent: stop there too
        if doc[i].text in CUT_AT or i not in inside:
            end = i - 1
            break
    for i in range(tok.i - 1, start - 1, -1):
        if doc[i].text in CUT_AT:
            start = i + 1
            break
    example = _such_as(tok)
    named = _first_child(example, {"pobj"}) if example is not None else None
    if named is not None and all(doc[i].is_punct for i in range(end + 1, example.left_edge.i)):
        # "Others, such as Ann Lee, said": the people named, up to their names' end (not a
        # clause on them: "such as Shelter, which has campaigned for decades")
        end = max(end, _joined_end(named, _name_range(named, lex).stop, lex) - 1)
    return range(start, end + 1)


def _such_as(tok: Token) -> Token | None:
    """The "such as" phrase after ``tok`` that names examples of it ("Critics, such as the
    Taxpayers' Alliance"), or None."""
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "as" and c.i > tok.i:
            if any(x.lower_ == "such" for x in c.children) or tok.doc[c.i - 1].lower_ == "such":
                return c
    return None


def _bracketed(doc, start: int, end: int) -> set[int]:
    """Indices of the tokens inside round brackets within ``doc[start:end]``."""
    out, depth = set(), 0
    for i in range(start, end):
        text = doc[i].text
        if text == "(":
            depth += 1
        elif text == ")":
            depth = max(depth - 1, 0)
        elif depth:
            out.add(i)
    return out


def _hyphen_joins(doc, start: int) -> bool:
    """Is ``doc[start]`` the second half of a hyphenated name ("Ryan-Collins")?"""
    return (
        start >= 2
        and doc[start - 1].text in ("-", "‐")
        and not doc[start - 1].whitespace_
        and not doc[start - 2].whitespace_
        and doc[start - 2].is_title
    )


# ---------------------------------------------------------------- context


def _context_holder(
    context: Span,
    lex: AttributionCues,
    person_only: bool = False,
    document: bool = False,
    pronoun: str = "",
) -> str | None:
    """The source a pronoun or a bare quotation points back to. "It" (``document``) may point
    back to a report or paper that was the subject there, even where that sentence reported
    evidence ("The report identified ... . It recommended that ...")."""
    found = _holder_in(context, lex)
    not_people = {
        e.text
        for e in context.ents
        if e.label_ in ("ORG", "GPE", "LOC", "NORP", "FAC")
        and not _titled(e, lex)
        # a lone capitalised word the tagger calls an organisation is often a surname
        # ("Arnstein argued ... . Any engagement less than that, she said, ...")
        and not (e.label_ == "ORG" and len(e) == 1 and e[0].pos_ == "PROPN" and not e[0].is_upper)
    }
    if found.kind == "name" and not (
        person_only and (any(n in found.text for n in not_people) or " and " in found.text)
    ):
        return found.text
    if _mostly_quoted(context):
        # the context is itself quoted speech: its subject ("The people have the right to
        # know ...") is what the speaker talks about, not the speaker
        return None
    root = _root(context)
    words = [t for t in context if not (t.is_punct or t.is_space)]
    if root.pos_ == "PROPN" and _name_words(words, lex):
        return name_of(root, lex)  # a line that is only a name: "Dame Elisabeth Hoodless"
    subj = _first_child(root, {"nsubj", "nsubjpass"})
    if document and subj is not None and subj.lemma_.lower() in lex.document_nouns:
        return name_of(subj, lex)
    if person_only:
        # "The council's leader defended the scheme. '...,' he said": a person's role
        # (one who acts, not "A woman was arrested ... '...,' he said", the police's words)
        titled = subj is not None and (
            _titled(_own_words(subj), lex)
            or (
                subj.pos_ == "NOUN"
                and subj.dep_ == "nsubj"
                and root.lemma_ != "be"  # "The owner was not available for comment. '...'"
                and subj.lemma_.lower() in lex.person_nouns
                and subj.lower_
                not in (lex.female_nouns if pronoun in ("he", "him") else lex.male_nouns)
            )
        )
        if (
            subj is not None
            and (subj.pos_ == "PROPN" or titled)
            and (subj.ent_type_ in ("", "PERSON") or titled)
            and subj.i not in _quoted_indices(context)  # a quoted title: 'a song like "Glasgow"'
        ):
            # one person: "Ann Lee and Tom Hay met residents. '...,' she said" is Ann Lee's
            return name_of(subj, lex, joined=False)
        if subj is not None and subj.lower_ in ("he", "she") and subj.lower_ == pronoun:
            # "He was photographed with Epstein. He ...": the pronoun goes on with the same
            # person, not with one the sentence mentions ("When Ford visited his editor Teresa
            # Nielsen Hayden, he ... . She recalled" is Teresa's)
            return None
        # the tagger often calls "Cllr Carroll" or "the Archbishop" an organisation
        quoted = _quoted_indices(context)
        people = [
            e
            for e in context.ents
            if (e.label_ == "PERSON" or _titled(e, lex))
            and e.root.i not in quoted
            # a possessor is no speaker ("Universal's music division provided demos", "her
            # heartbreak over Tom Ford's death"), unless of what one says ("Tony Blair's
            # response to the decision")
            and (
                e.root.dep_ != "poss"
                or e.root.head.lemma_.lower()
                in lex.speech_nouns | lex.reporting_nouns | lex.view_nouns
            )
        ]
        return name_of(people[-1].root, lex) if people else None
    if (
        subj is not None
        and subj.pos_ in ("PROPN", "NOUN")
        and subj.lower_ not in FIRST_PERSON
        and not _own_voice(subj, lex)
        and subj.lemma_.lower() not in lex.evidence_nouns
        and not is_question(context)  # "Just what is this slogan?" says nothing
    ):
        return name_of(subj, lex)
    # a person before an organisation: "Chris Day, CQC's director of engagement said:"
    ents = [e for e in context.ents if e.label_ == "PERSON"] or [
        e for e in context.ents if e.label_ == "ORG"
    ]
    if ents:
        return name_of(ents[-1].root, lex)
    return None


def _owned_name(tok: Token) -> Token | None:
    """The person a possessor introduces, where the parser stopped at the possessor: "the
    UK's then Decentralisation Minister Greg Clark" gives Clark. None if no person's name
    follows before the next comma."""
    if not any(c.dep_ == "case" for c in tok.children):
        return None
    doc = tok.doc
    end = tok.sent.end
    for i in range(tok.i + 1, end):
        if doc[i].is_punct and doc[i].text not in ("’s", "'s", "’", "'"):
            end = i
            break
    people = [e for e in doc[tok.i + 1 : end].ents if e.label_ == "PERSON"]
    return people[-1].root if people else None


def _own_voice(subj: Token, lex: AttributionCues) -> bool:
    """Is the subject the document's own voice: "the Council", "Officers", "the Board"?
    A named one ("Enfield Council", "North Kesteven District Council") is a source."""
    return subj.text in lex.author_subjects and not any(
        c.dep_ == "compound" and c.pos_ == "PROPN" for c in subj.children
    )


def is_question(span: Span) -> bool:
    """Does the sentence (or line) end with a question mark?"""
    return span.text.rstrip().endswith("?")


def _name_words(tokens, lex: AttributionCues) -> bool:
    """Are all the tokens proper nouns or honorifics ("Dame Elisabeth Hoodless", "Cllr Jones")?"""
    return all(t.pos_ == "PROPN" or t.text in lex.honorifics for t in tokens)


def _own_words(tok: Token) -> list[Token]:
    """The words of ``tok``'s phrase without its possessor's ("plan" of "Cllr Reid's plan":
    the title there is the owner's, not the plan's)."""
    owner = {t.i for c in tok.children if c.dep_ == "poss" for t in c.subtree}
    return [t for t in tok.subtree if t.i not in owner]


def _titled(tokens, lex: AttributionCues) -> bool:
    """Does the phrase carry a person's title ("Cllr", "Mayor", "the Archbishop")?"""
    return any(t.text in lex.honorifics or t.text.rstrip(".") in lex.person_titles for t in tokens)


# ---------------------------------------------------------------- helpers


# Per-document caches the pipeline's components share while they run (sentence roots,
# quotations, the surnames of named people). They are Python objects msgpack cannot write, so the pipeline's last component
# (``discourse_release``) drops them and a finished Doc serialises (``doc.to_bytes()``).
CACHE_KEYS = ("discourse_roots", "discourse_quotations", "discourse_surnames")


def doc_quotations(doc) -> list:
    """The document's quotations (quotes.py), found once per document and kept in its
    ``user_data`` while the components run."""
    quotes = doc.user_data.get("discourse_quotations")
    if quotes is None:
        from discourse.claims.quotes import quotations

        quotes = doc.user_data["discourse_quotations"] = quotations(doc)
    return quotes


def drop_caches(doc) -> None:
    """Remove the components' shared caches from ``doc.user_data``; they are rebuilt on use."""
    for key in CACHE_KEYS:
        doc.user_data.pop(key, None)


def _root(sent: Span) -> Token:
    """The head of ``sent``: of the tokens whose head is outside it (or themselves), the one
    with the largest subtree, so a section number ("2.2") is not taken for the root.

    Found once per span of a document: attribution and hedging ask for the same sentences'
    roots several times each."""
    doc = sent.doc
    roots = doc.user_data.get("discourse_roots")
    if roots is None:
        roots = doc.user_data["discourse_roots"] = {}
    key = (sent.start, sent.end)
    i = roots.get(key)
    if i is None:
        i = roots[key] = _find_root(sent).i
    return doc[i]


def _find_root(sent: Span) -> Token:
    start, end = sent.start, sent.end
    roots = [t for t in sent if (h := t.head.i) == t.i or not start <= h < end]
    if not roots:
        return sent.root
    # spaCy's parses are projective, so a subtree is the contiguous left_edge..right_edge.
    return max(
        roots,
        key=lambda t: min(t.right_edge.i, sent.end - 1) - max(t.left_edge.i, sent.start) + 1,
    )


def _first_child(tok: Token, deps: set[str]) -> Token | None:
    return next((c for c in tok.children if c.dep_ in deps), None)


def _colon_after(tok: Token, sent: Span) -> bool:
    return _colon_after_at(tok, sent) >= 0


def _colon_after_at(tok: Token, sent: Span) -> int:
    """The index of the first colon within seven tokens after ``tok``, or -1."""
    return next((t.i for t in sent.doc[tok.i + 1 : min(tok.i + 8, sent.end)] if t.text == ":"), -1)


def _quoted_indices(sent: Span) -> set[int]:
    """Indices of the sentence's tokens inside a quotation of its document (quotes.py), so a
    quotation closed at the start of the next sentence leaves that sentence's own words out."""
    quotes = doc_quotations(sent.doc)
    start, end = sent.start, sent.end
    return {i for q in quotes for i in range(max(q.start + 1, start), min(q.end, end))}


def _mostly_quoted(sent: Span) -> bool:
    words = [t for t in sent if t.is_alpha]
    quoted = _quoted_indices(sent)
    return bool(words) and sum(t.i in quoted for t in words) > len(words) / 2
