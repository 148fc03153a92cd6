"""spaCy components of the claims pipeline, registered with ``@Language.factory``.

Results live on ``doc.spans["statements"]``: one span per sentence that is a claim or is about
a stance target, labelled with its claim type or ``"none"``; ``doc.spans["claims"]`` holds the
claims among them. ``doc._.relevance`` maps each sentence's start token to
``{target: P(about)}``. These ``Span._`` extensions are set on every statement:

- ``is_claim`` (bool) and ``claim_score`` (float): the detector's decision and probability;
- ``relevance`` ({target: P(about)}) and ``targets`` (the targets it is about);
- ``holder`` (str): "author" or the quoted person or body as written; ``holder_kind``:
  "author" or "quoted";
- ``hedge_cue`` / ``negation_cue`` (str or None), and ``hedged`` / ``negated`` (bool);
- ``practices`` (list of practice ids mentioned in the sentence) and ``targets``.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IS_PUNCT, IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from discourse.claims import practices as _practices  # noqa: F401  (registers discourse_practices)
from discourse.claims.practices import SPANS_KEY as PRACTICES_KEY
from discourse.claims.quotes import OPENING_MARKS, TITLES
from discourse.vocabulary import PRONOUN_HOLDERS

CLAIMS_KEY = "claims"
# the pronouns a holder is resolved from further back (two sentences, then up to ten); a
# possessive left over after the sentence before ("Its authors claim", "in their view") is
# listed as a pronoun holder but not looked for further: what it points back to there is
# often a thing, not a speaker
PRONOUNS = frozenset(PRONOUN_HOLDERS) - {"his", "its", "their"}

STATEMENTS_KEY = "statements"

for _name, _default in (
    ("claim_score", None),
    ("is_claim", False),
    ("relevance", None),
    ("holder", None),
    ("holder_kind", None),
    ("hedge_cue", None),
    ("negation_cue", None),
):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)
for _name in ("title", "title_targets", "relevance"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
if not Span.has_extension("hedged"):
    Span.set_extension("hedged", getter=lambda span: span._.hedge_cue is not None)
if not Span.has_extension("negated"):
    Span.set_extension("negated", getter=lambda span: span._.negation_cue is not None)


def _practices_in(span: Span) -> list[Span]:
    return [
        p
        for p in span.doc.spans.get(PRACTICES_KEY, [])
        if p.start >= span.start and p.end <= span.end
    ]


if not Span.has_extension("practices"):
    Span.set_extension(
        "practices", getter=lambda span: sorted({p.label_ for p in _practices_in(span)})
    )
if not Span.has_extension("targets"):
    Span.set_extension("targets", default=[])
if not Span.has_extension("target_refs"):
    # {target: [token index]}: targets a claim refers to by a pronoun subject, not by name
    Span.set_extension("target_refs", default=None)


HEADING_WORDS = 12
RUNS_ON_TAGS = frozenset("MD IN CC DT TO".split())
INTRODUCING_VERBS = frozenset(
    "said says say added adds wrote writes explained explains told tells argued argues "
    "warned warns stated states commented comments noted notes replied replies".split()
)
_LINE_END = frozenset('.!?:;"”’)')
CLOSING_MARKS = frozenset('"”’')


@Language.component("discourse_release")
def release_caches(doc: Doc) -> Doc:
    """Drop the caches the project's components share while a Doc passes through them
    (:data:`discourse.claims.attribution.CACHE_KEYS`), so a finished Doc serialises
    (``doc.to_bytes()``, ``DocBin``). :func:`discourse.claims.pipeline.load_pipeline` puts it
    last, whichever of the components a config keeps or a caller disables."""
    from discourse.claims.attribution import drop_caches

    drop_caches(doc)
    return doc


@Language.component("discourse_paragraphs")
def paragraph_breaks(doc: Doc) -> Doc:
    """Line breaks the parser should not read across (runs before it). A blank line always
    ends a sentence. A single line break ends one after a line that ends like a sentence, or
    after a heading: a line of at most ``HEADING_WORDS`` words (punctuation not counted)
    without final punctuation ("Principles of co-production"), or after a name standing alone
    after a line's last sentence ("... army. Dame Elisabeth Hoodless"), followed by a
    capitalised line or a quotation, unless it ends in a verb of saying or a function word
    ("Cllr X said"), or after the document's title on a line of its own. Text wrapped at a
    fixed width keeps its sentences whole: its lines are longer, or run on in lower case."""
    n = len(doc)
    flags = doc.to_array([IS_SPACE, IS_PUNCT]).astype(bool)
    space = flags[:, 0]
    tokens_to = np.cumsum(~space)  # non-space tokens in doc[: i + 1]
    words_to = np.cumsum(~(space | flags[:, 1]))  # of them, not punctuation ("‘Big Society’")
    title = " ".join((doc._.title or "").split()) if Doc.has_extension("title") else ""
    line_tokens = line_words = line_start = 0  # before the current line; its first token
    for i in np.flatnonzero(space).tolist():
        tok = doc[i]
        if "\n" not in tok.text or i + 1 >= n:
            continue
        tokens = int(tokens_to[i]) - line_tokens
        words = int(words_to[i]) - line_words
        line_tokens, line_words = int(tokens_to[i]), int(words_to[i])
        start, line_start = line_start, i + 1
        if not tokens:
            continue
        last = i - 1
        while space[last]:
            last -= 1
        last = doc[last]
        nxt = doc[i + 1]
        first = nxt.text[:1]
        # "... Tim Huggan said" / "... plans for": a line ending in "said" or a function word
        # runs on into the next (tags: the coarse POS is mapped only after the parser)
        runs_on = last.tag_ in RUNS_ON_TAGS or last.lower_ in INTRODUCING_VERBS
        if (
            "\n\n" in tok.text
            or last.text[-1:] in _LINE_END
            # the page's own title on a line of its own is a heading, however long
            or (title and " ".join(doc[start:i].text.split()) == title)
            or (
                (words <= HEADING_WORDS or _name_after_sentence(doc, last.i))
                and not runs_on
                and (first.isupper() or first.isdigit() or nxt.text in OPENING_MARKS)
            )
        ):
            nxt.is_sent_start = True
            if last.text in CLOSING_MARKS and last.i > 0 and doc[last.i - 1].text in ".!?":
                # 'trust."' at a line's end: the mark closes the sentence before it, where the
                # parser would make it a sentence of its own
                last.is_sent_start = False
    return doc


def _date_line(span: Span) -> bool:
    """A line that is only a date and time ("12 March 2010 at 10:32 am")."""
    words = [t for t in span if not (t.is_space or t.is_punct)]
    return bool(words) and all(
        t.ent_type_ in ("DATE", "TIME") or t.like_num or t.lower_ in ("at", "on", "am", "pm")
        for t in words
    )


def _name_after_sentence(doc: Doc, last: int) -> bool:
    """Does the line end in a name of its own after a finished sentence ("... the volunteer
    army. Dame Elisabeth Hoodless")? A signature or a speaker's line, not the start of a
    sentence wrapped onto the next line ("... as we know. Mr" + "Smith said ...")."""
    j, names = last, 0
    while j >= 0 and doc[j].tag_ in ("NNP", "NNPS") and not doc[j].is_space and names <= 4:
        j, names = j - 1, names + 1
    return (
        0 < names <= 4
        and j >= 0
        and doc[j].text in (".", "!", "?")
        and doc[last].lower_.rstrip(".") not in TITLES
    )


def practice_mentions(doc: Doc) -> list[tuple[int, int, str, list[str]]]:
    """(start, end, practice id, targets) of each practice phrase of ``doc``: read once for
    the whole document, where asking ``doc.spans`` for each sentence builds every span anew."""
    return [(p.start, p.end, p.label_, p._.targets) for p in doc.spans.get(PRACTICES_KEY, [])]


def targets_within(mentions: list[tuple], start: int, end: int) -> frozenset[str]:
    """Targets signalled by the practice phrases (:func:`practice_mentions`) inside the
    tokens ``start:end``; :func:`targets_in` for a document's spans read at once."""
    return frozenset(t for s, e, _, targets in mentions if s >= start and e <= end for t in targets)


def previous_sentence(span: Span) -> Span | None:
    """The sentence before ``span`` in its doc, if any."""
    if span.start == 0:
        return None
    return span.doc[span.start - 1].sent


def targets_in(span: Span | None) -> frozenset[str]:
    """Targets signalled by the practice phrases inside ``span``."""
    if span is None:
        return frozenset()
    return frozenset(t for p in _practices_in(span) for t in p._.targets)


@Language.factory(
    "discourse_relevance",
    default_config={"model": "", "cues": "", "targets": "", "max_tokens": 150},
)
def make_relevance(
    nlp: Language, name: str, model: str, cues: str, targets: str, max_tokens: int
) -> Relevance:
    from discourse import pipelines
    from discourse.claims.practices import load_targets
    from discourse.claims.relevance import load_relevance

    refs = _cues(cues).get("references", {})
    return Relevance(
        load_relevance(model or None),
        [t["id"] for t in load_targets(targets or pipelines.path("targets.toml"))],
        frozenset(w.lower() for w in refs.get("pronouns", [])),
        frozenset(w.lower() for w in refs.get("nouns", [])),
        max_tokens,
    )


def resolves_to(x, target: str) -> bool:
    """An unambiguous reference: the sentence names no target itself, its subject is a pronoun
    or a reference noun ("It is a cloak for cuts", "The scheme ..."), and the sentence before
    it in the paragraph names ``target`` and no other. Such a sentence is about that target
    whatever the model makes of its words (references are rare in the training sentences)."""
    return x.refers and not x.mentions and x.context_mentions == {target}


class Relevance:
    """Sets ``doc._.relevance``: for each sentence, P(about) per target (relevance.py); an
    unambiguous reference to the target the sentence before names is at least ``REFERRED``."""

    def __init__(self, model, targets: list[str], pronouns, nouns, max_tokens: int):
        model.load_embedder()  # with the pipeline, so the first batch does not pay for it
        self.model = model
        self.targets = targets
        self.pronouns = pronouns
        self.nouns = nouns
        self.max_tokens = max_tokens

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def inputs(self, doc: Doc):
        """(sentence, SentenceInput) for each sentence worth reading."""
        from discourse.claims.relevance import SentenceInput, has_reference

        title = doc._.title or ""
        title_targets = frozenset(doc._.title_targets or ())
        mentions = practice_mentions(doc)
        prev = None
        out = []
        for sent in doc.sents:
            if prev is not None and "\n" in doc[prev.end - 1 : sent.start + 1].text_with_ws[:-1]:
                prev = None  # a new paragraph: what the last one named is not the context
            if len(sent) <= self.max_tokens and any(t.is_alpha for t in sent):
                out.append(
                    (
                        sent,
                        SentenceInput(
                            text=sent.text,
                            context=prev.text if prev is not None else "",
                            title=title,
                            mentions=targets_within(mentions, sent.start, sent.end),
                            context_mentions=(
                                targets_within(mentions, prev.start, prev.end)
                                if prev is not None
                                else frozenset()
                            ),
                            title_mentions=title_targets,
                            refers=has_reference(sent, self.pronouns, self.nouns),
                        ),
                    )
                )
            prev = sent
        return out

    def pipe(self, stream, batch_size: int = 128):
        """One model call per batch of docs."""
        from discourse.claims.relevance import REFERRED

        for docs in minibatch(stream, size=batch_size):
            found = [(doc, s, x) for doc in docs for s, x in self.inputs(doc)]
            targets = self.targets
            probs = self.model.predict_proba([x for _, _, x in found], targets) if found else []
            for doc in docs:
                doc._.relevance = {}
            for (doc, sent, x), p in zip(found, probs):
                doc._.relevance[sent.start] = {
                    t: round(float(max(v, REFERRED) if resolves_to(x, t) else v), 4)
                    for t, v in zip(targets, p)
                }
            yield from docs


@Language.factory(
    "discourse_claims",
    default_config={"model": "", "threshold": 0.5, "max_tokens": 150, "about": 0.5},
)
def make_claims(
    nlp: Language, name: str, model: str, threshold: float, max_tokens: int, about: float
) -> Claims:
    from discourse.claims.detector import load_detector

    return Claims(load_detector(model or None), threshold, max_tokens, about)


class Claims:
    """Marks claim sentences (a trained detector over cue, relevance and n-gram features) and
    the statements: every claim, and every other sentence about a target (P(about) >=
    ``about``), each with the targets it is about."""

    def __init__(self, detector, threshold: float, max_tokens: int, about: float = 0.5):
        self.detector = detector
        self.threshold = threshold
        self.max_tokens = max_tokens
        self.about = about

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, stream, batch_size: int = 128):
        """Classify the sentences of a whole batch of docs in one call (as spaCy's own
        trainable components do): the detector's per-call overhead is paid once a batch."""
        for docs in minibatch(stream, size=batch_size):
            # Very long "sentences" (lists, run-on boilerplate) are never claims we can read.
            sents = [
                s
                for doc in docs
                for s in doc.sents
                if len(s) <= self.max_tokens and any(t.is_alpha for t in s)
            ]
            statements: dict[int, list[Span]] = {id(doc): [] for doc in docs}
            claims: dict[int, list[Span]] = {id(doc): [] for doc in docs}
            if sents:
                rows = [(s.text, (s.doc._.relevance or {}).get(s.start, {})) for s in sents]
                results = self.detector.predict_claims(rows)
                for sent, (_, rel), (_, score, claim_type) in zip(sents, rows, results):
                    is_claim = bool(score >= self.threshold and claim_type)
                    about = sorted(t for t, p in rel.items() if p >= self.about)
                    if not is_claim and not about:
                        continue
                    span = Span(
                        sent.doc, sent.start, sent.end, label=claim_type if is_claim else "none"
                    )
                    span._.is_claim = is_claim
                    span._.claim_score = float(score)
                    span._.relevance = rel
                    span._.targets = about
                    refs = referring_tokens(span, about)
                    span._.target_refs = refs or None
                    statements[id(sent.doc)].append(span)
                    if is_claim:
                        claims[id(sent.doc)].append(
                            Span(sent.doc, sent.start, sent.end, label=claim_type)
                        )
            for doc in docs:
                doc.spans[STATEMENTS_KEY] = statements[id(doc)]
                doc.spans[CLAIMS_KEY] = claims[id(doc)]
                yield doc


# Subjects and noun phrases that refer back to what the previous sentence named: "The Big
# Society was launched in 2010. It is a cloak for cuts."
REFERRING_SUBJECTS = frozenset({"it", "this", "they", "these", "that"})


def referring_tokens(span: Span, targets: list[str]) -> dict[str, list[int]]:
    """{target: [token index]} for targets the statement is about but names no practice of:
    the referring subject (it/this/they/these/that) or definite noun that points back to the
    sentence before, which names the target. Dummy subjects refer to nothing."""
    if not targets:
        return {}
    named = targets_in(span)
    missing = [t for t in targets if t not in named]
    if not missing:
        return {}
    before = targets_in(previous_sentence(span))
    for tok in span:
        refers = tok.dep_ in ("nsubj", "nsubjpass") and tok.lower_ in REFERRING_SUBJECTS
        if (
            refers
            and tok.head.lemma_ == "be"
            and any(c.dep_ in ("ccomp", "xcomp", "csubj") for c in tok.head.children)
        ):
            continue
        refers = (
            refers
            or any(
                c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these")
                for c in tok.children
            )
            and tok.pos_ in ("NOUN", "PROPN")
        )
        if refers:
            return {t: [tok.i] for t in missing if t in before}
    return {}


def _cues(path: str) -> dict:
    from discourse.claims.detector import load_cues

    return load_cues(path or None)


# "The 3-minute interview: Edgar Cahn", "Interview with Cllr Jo Reid", "Q&A: Jo Reid",
# "In conversation with Jo Reid": the guest is the capitalised name right after the cue.
_INTERVIEW = re.compile(
    r"\b(?i:interview|q\s*&\s*a|in conversation)\s*(?:with\b|:|–|—|-)\s*"
    r"((?:[A-Z][\w’'.-]*\s+){1,3}[A-Z][\w’'-]+)"
)


def interviewee(title: str | None) -> str | None:
    """The guest an interview page's title names, or None."""
    m = _INTERVIEW.search(title or "") if title else None
    if m is None or m.group(1).split()[0] in ("The", "A", "An"):
        return None  # "Interview with The Guardian": a paper, not a guest
    return m.group(1).strip()


@Language.factory("discourse_attribution", default_config={"cues": ""})
def make_attribution(nlp: Language, name: str, cues: str) -> Attribution:
    from discourse.claims.attribution import AttributionCues

    return Attribution(AttributionCues.from_cues(_cues(cues)))


class Attribution:
    """Sets each statement's holder: the author, or the quoted person or body. A sentence
    inside a quotation that runs over several sentences is held by the quotation's speaker
    (quotes.py), and one person's name is written one way within a document. On a page whose
    title names an interview's guest ("The 3-minute interview: Edgar Cahn", "Q&A with Dr Jo
    Reid"), what the page says in its own voice is the guest's, except its questions."""

    def __init__(self, cues):
        self.cues = cues

    def __call__(self, doc: Doc) -> Doc:
        from discourse.claims.attribution import doc_quotations, is_question, own_holder
        from discourse.claims.quotes import containing, normalise_holders

        statements = doc.spans.get(STATEMENTS_KEY, [])
        if not statements:
            return doc
        for key in ("discourse_roots", "discourse_surnames"):  # found on an earlier parse
            doc.user_data.pop(key, None)
        quotes = doc_quotations(doc)
        speakers: dict[int, tuple[str, str] | None] = {}
        guest = interviewee(doc._.title)
        for span in statements:
            sent = doc[span.start].sent
            holder, kind = self._holder(sent)
            if guest and kind == "author" and not is_question(sent):
                holder, kind = guest, "quoted"  # an interview's answers are the guest's
            q = containing(quotes, sent)
            if q is not None and own_holder(sent, cues=self.cues) is None:
                key = q.start
                if key not in speakers:
                    speakers[key] = self._speaker(doc, q, quotes, speakers)
                if speakers[key] is not None:
                    holder, kind = speakers[key]
            span._.holder, span._.holder_kind = holder, kind
        names = normalise_holders([s._.holder for s in statements if s._.holder_kind == "quoted"])
        for span in statements:
            if span._.holder_kind == "quoted":
                span._.holder = names.get(span._.holder, span._.holder)
        return doc

    def _holder(self, sent: Span) -> tuple[str, str]:
        from discourse.claims.attribution import (
            colon_speaker,
            find_holder,
            possessor_speaker,
            pronoun_antecedent,
        )

        doc = sent.doc
        prev = previous_sentence(sent)
        holder, kind = find_holder(sent, prev, cues=self.cues)
        if kind == "author":
            header = prev
            if header is not None and _date_line(header):
                # a comment's date line between its header and its text ("X says:" /
                # "12 March 2010 at 10:32 am" / the comment)
                header = previous_sentence(header)
            speaker = colon_speaker(header, cues=self.cues, quoted=_opens_quotation(sent))
            if speaker:
                return speaker, "quoted"
        if kind == "quoted" and holder.lower() in PRONOUNS and prev is not None:
            # "She describes ... . Services, she writes, should ...": the name may be
            # two sentences back; look at both previous sentences together.
            before = previous_sentence(prev)
            if before is not None:
                wider, wider_kind = find_holder(sent, doc[before.start : prev.end], cues=self.cues)
                if wider.lower() not in PRONOUNS:
                    holder, kind = wider, wider_kind
        if kind == "quoted" and holder.lower() in PRONOUNS:
            # news copy names a speaker once, then writes "he said" for paragraphs
            holder = (
                pronoun_antecedent(sent, holder, cues=self.cues)
                or possessor_speaker(prev, holder, cues=self.cues)
                or holder
            )
        return holder, kind

    def _speaker(self, doc: Doc, q, quotes, speakers) -> tuple[str, str] | None:
        """Who speaks a quotation: named where it opens or closes (quotes.py), or else the
        speaker of the quotation that closed in the sentence just before it ('"...," she
        said. "..."': news copy names a speaker once for consecutive quotations), or else the
        person who holds the run's first sentence from its context. Walks back along such a
        run of quotations (no recursion: a transcript may hold hundreds) and keeps the answer
        for each of them in ``speakers``."""
        from discourse.claims.attribution import names_a_person

        k = quotes.index(q)
        run = []
        while True:
            if q.start in speakers:
                found = speakers[q.start]
                break
            run.append(q)
            found = self._named_speaker(doc, q)
            if found is not None or k == 0 or not _follows(doc, quotes[k - 1], q):
                break
            k -= 1
            q = quotes[k]
        if found is None:
            # named nowhere around the run: whoever holds its first sentence from the context
            # ('Graham said, offering an example. "We were ... ." "It can seem ... ."')
            holder, kind = self._holder(doc[run[-1].start].sent)
            if kind == "quoted" and names_a_person(holder, doc, self.cues):
                found = (holder, kind)
        for r in run:
            speakers[r.start] = found
        return found

    def _named_speaker(self, doc: Doc, q) -> tuple[str, str] | None:
        from discourse.claims.attribution import named_in, speaker_tag
        from discourse.claims.quotes import attribution_sentences

        for sent in attribution_sentences(doc, q):
            # the speaker is named there ("X said", "said X") or a pronoun there points back;
            # a sentence that names no one says nothing of the speaker (its context's subject
            # is not the speaker: 'X said: "... The council ignored us. ... "')
            found, name = named_in(sent, cues=self.cues)
            if found == "author" and sent.start >= q.end:
                # a speaker tag the parser split off: '"...?" / Councillor Jane Okafor asked.'
                found, name = speaker_tag(sent, cues=self.cues)
            if found == "name":
                return name, "quoted"
            if found == "pronoun":
                # its person, or else the pronoun itself: the quotation is still not the
                # author's ('"...," he said. "..."')
                holder, kind = self._holder(sent)
                if kind == "quoted":
                    return holder, kind
        return None


def _follows(doc: Doc, p, q) -> bool:
    """Quotation ``q`` opens the sentence right after the one where ``p`` closes, with no
    narrative between them or before ``q``'s opening mark."""
    from discourse.claims.quotes import split_tag

    if p.end >= len(doc):
        return False
    closing, opening = doc[p.end].sent, doc[q.start].sent
    tag = split_tag(doc, p)
    if tag is not None and tag.end <= opening.start:
        closing = tag  # '"...?" / she wrote in her letter. / "...'
    return (
        closing.start != opening.start
        and all(t.is_space for t in doc[closing.end : opening.start])
        and all(t.is_space for t in doc[opening.start : q.start])
    )


def _opens_quotation(sent: Span) -> bool:
    first = next((t for t in sent if not t.is_space), None)
    return first is not None and first.text in OPENING_MARKS


@Language.factory("discourse_hedging", default_config={"cues": ""})
def make_hedging(nlp: Language, name: str, cues: str) -> Hedging:
    from discourse.claims.hedging import HedgeCues

    return Hedging(HedgeCues.from_cues(_cues(cues)))


class Hedging:
    """Flags hedged and negated claims with the cue as written."""

    def __init__(self, cues):
        self.cues = cues

    def __call__(self, doc: Doc) -> Doc:
        from discourse.claims.hedging import find_hedge, find_negation

        for span in doc.spans.get(STATEMENTS_KEY, []):
            sent = doc[span.start].sent
            span._.hedge_cue = find_hedge(sent, cues=self.cues)
            span._.negation_cue = find_negation(sent, cues=self.cues)
        return doc
