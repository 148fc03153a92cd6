"""spaCy components of the claims pipeline, registered with ``@Language.factory``.

Results live on ``doc.spans["claims"]`` (one span per claim sentence, labelled with its
claim type) and on these ``Span._`` extensions of each claim:

- ``claim_score`` (float): the detector's claim probability;
- ``holder`` (str): "author" or the quoted person or body as written; ``holder_kind``:
  "author" or "quoted";
- ``hedge_cue`` / ``negation_cue`` (str or None), and ``hedged`` / ``negated`` (bool);
- ``practices`` (list of practice ids mentioned in the sentence) and ``targets``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from discourse.claims import practices as _practices  # noqa: F401  (registers discourse_practices)
from discourse.claims.practices import SPANS_KEY as PRACTICES_KEY

CLAIMS_KEY = "claims"
PRONOUNS = frozenset({"he", "she", "they", "it", "him", "her", "them"})

for _name, _default in (
    ("claim_score", None),
    ("holder", None),
    ("holder_kind", None),
    ("hedge_cue", None),
    ("negation_cue", None),
):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)
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

# Subjects that refer back to what the previous sentence named: "The Big Society was
# launched in 2010. It is a cloak for cuts."
REFERRING_SUBJECTS = frozenset({"it", "this", "they", "these", "that"})


def anaphoric_targets(span: Span) -> dict[str, list[int]]:
    """The target of a claim that names none, taken from the sentence before it when the
    claim's subject is a pronoun (it, this, they, these, that), that sentence is in the same
    paragraph, and its practice mentions signal exactly one target. Dummy subjects ("it is
    clear that ...", "it is important to ...") refer to nothing and are skipped."""
    prev = previous_sentence(span)
    if prev is None or "\n" in span.doc[prev.start : span.start + 1].text_with_ws[:-1]:
        return {}
    targets = {t for p in _practices_in(prev) for t in p._.targets}
    if len(targets) != 1:
        return {}
    for tok in span:
        if tok.dep_ not in ("nsubj", "nsubjpass") or tok.lower_ not in REFERRING_SUBJECTS:
            continue
        head = tok.head
        if head.lemma_ == "be" and any(
            c.dep_ in ("ccomp", "xcomp", "csubj") for c in head.children
        ):
            continue
        return {targets.pop(): [tok.i]}
    return {}


def previous_sentence(span: Span) -> Span | None:
    """The sentence before ``span`` in its doc, if any."""
    if span.start == 0:
        return None
    return span.doc[span.start - 1].sent


@Language.factory(
    "discourse_claims",
    default_config={"model": "", "threshold": 0.5, "max_tokens": 150},
)
def make_claims(nlp: Language, name: str, model: str, threshold: float, max_tokens: int) -> Claims:
    from discourse.claims.detector import load_detector

    return Claims(load_detector(model), threshold, max_tokens)


class Claims:
    """Marks claim sentences: a trained detector over cue and n-gram features."""

    def __init__(self, detector, threshold: float, max_tokens: int):
        self.detector = detector
        self.threshold = threshold
        self.max_tokens = max_tokens

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
            found: dict[int, list[Span]] = {id(doc): [] for doc in docs}
            if sents:
                results = self.detector.predict_claims([s.text for s in sents])
                for sent, (_, score, claim_type) in zip(sents, results):
                    if score >= self.threshold and claim_type:
                        span = Span(sent.doc, sent.start, sent.end, label=claim_type)
                        span._.claim_score = float(score)
                        span._.targets = sorted(
                            {t for p in _practices_in(span) for t in p._.targets}
                        )
                        if not span._.targets:
                            refs = anaphoric_targets(span)
                            if refs:
                                span._.targets = sorted(refs)
                                span._.target_refs = refs
                        found[id(sent.doc)].append(span)
            for doc in docs:
                doc.spans[CLAIMS_KEY] = found[id(doc)]
                yield doc


def _cues(path: str) -> dict:
    from discourse.claims.detector import load_cues

    return load_cues(path or None)


@Language.factory("discourse_attribution", default_config={"cues": ""})
def make_attribution(nlp: Language, name: str, cues: str) -> Attribution:
    from discourse.claims.attribution import AttributionCues

    return Attribution(AttributionCues.from_cues(_cues(cues)))


class Attribution:
    """Sets each claim's holder: the author, or the quoted person or body."""

    def __init__(self, cues):
        self.cues = cues

    def __call__(self, doc: Doc) -> Doc:
        from discourse.claims.attribution import find_holder

        for span in doc.spans.get(CLAIMS_KEY, []):
            sent = doc[span.start].sent
            prev = previous_sentence(sent)
            holder, kind = find_holder(sent, prev, cues=self.cues)
            if kind == "quoted" and holder.lower() in PRONOUNS and prev is not None:
                # "She describes ... . Services, she writes, should ...": the name may be
                # two sentences back; look at both previous sentences together.
                before = previous_sentence(prev)
                if before is not None:
                    wider, wider_kind = find_holder(
                        sent, doc[before.start : prev.end], cues=self.cues
                    )
                    if wider.lower() not in PRONOUNS:
                        holder, kind = wider, wider_kind
            span._.holder, span._.holder_kind = holder, kind
        return doc


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

        for span in doc.spans.get(CLAIMS_KEY, []):
            sent = doc[span.start].sent
            span._.hedge_cue = find_hedge(sent, cues=self.cues)
            span._.negation_cue = find_negation(sent, cues=self.cues)
        return doc
