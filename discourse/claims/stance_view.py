"""The stance view of a claim: what the dependency parse says about each word, stored at
annotation time so that tagging needs no parse.

For every token of the claim the view records its lower-case form and lemma, a sign (-1 when
an odd number of negations or "reducer" heads govern it: "not effective", "reduces
isolation"; 0 for a truth frame, whose own valence says nothing: "it is not *true* that"),
whether it counts for less (a conceded clause, "although it is slow, ...", or a relative
clause describing a noun, "benefits that markets cannot"), and the index of its clause head;
plus the token positions of each target's mentions, and which tokens are the compared side
of a comparison ("better than *X*").

Scope: a negation or reducer governs its verb's complements and objects, not its subject
("Bad consultation does not mean that engagement is wrong": *bad* is not negated, *wrong*
is); a conjoined or adverbial clause is outside its head's scope. The
``discourse_stance_view`` component puts it on ``span._.stance_view`` of every claim.

It is a component of the claims pipeline (it runs at annotation time and its cue file is part
of the pipeline's version), so it lives here; the stance stage reads what it stored, and
parses with it through :func:`discourse.claims.pipeline.load_pipeline` when nothing is stored.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from discourse import pipelines
from discourse.claims.practices import SPANS_KEY as PRACTICES_KEY
from discourse.datafiles import read_toml
from discourse.errors import InputError

VIEW_VERSION = 3
_CLAUSE_POS = frozenset({"VERB", "AUX"})
_REDUCER_POS = frozenset({"VERB", "NOUN", "AUX", "ADP", "ADV"})
_SCOPE_BREAKS = frozenset({"conj", "parataxis", "advcl"})
# a head's negation or reducer does not reach its subject
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_RELATIVE = frozenset({"relcl", "acl"})

if not Span.has_extension("stance_view"):
    Span.set_extension("stance_view", default=None)


def load_stance_cues(path: str | Path | None = None) -> dict:
    """The stance cue file, checked: every list present and made of strings."""
    path = Path(path) if path else pipelines.path("stance_cues.toml")
    data = read_toml(path)
    version = data.get("format_version", 1)
    if not isinstance(version, int) or version > 1:
        raise InputError(f"{path}: format_version {version!r} is newer than this discourse reads.")
    data.setdefault("truth_frames", [])
    data.setdefault("concessive_heads", [])
    for key in (
        "negators",
        "reducers",
        "concessive",
        "contrast",
        "target_flip_words",
        "truth_frames",
        "concessive_heads",
    ):
        words = data.get(key)
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise InputError(f"{path}: {key} must be a list of non-empty strings.")
    return data


class StanceViewer:
    """Computes stance views from parsed spans with the cue words of one cue file."""

    def __init__(self, cues: dict):
        self.negators = frozenset(w.lower() for w in cues["negators"])
        self.reducers = frozenset(w.lower() for w in cues["reducers"])
        conc = [w.lower() for w in cues["concessive"]]
        self.concessive = frozenset(w for w in conc if " " not in w)
        self.concessive_phrases = [tuple(w.split()) for w in conc if " " in w]
        self.contrast = frozenset(w.lower() for w in cues["contrast"])
        self.truth_frames = frozenset(w.lower() for w in cues.get("truth_frames", []))
        self.concessive_heads = frozenset(w.lower() for w in cues.get("concessive_heads", []))

    def _concedes(self, tok) -> bool:
        """Is ``tok`` the head of a concessive clause or phrase?"""
        for child in tok.children:
            if child.dep_ in ("mark", "advmod") and child.lower_ in self.concessive:
                return True
            if child.dep_ == "mark" and child.i > 0:
                pair = (tok.doc[child.i - 1].lower_, child.lower_)
                if pair in self.concessive_phrases:
                    return True
        return tok.dep_ == "prep" and tok.lower_ in self.concessive

    @staticmethod
    def _compared(tokens, pos) -> list[int]:
        """1 for the tokens of the than-phrase of a comparison ("far better *than top-down
        design*"): what the comparison says of its subject, it says the opposite of them."""
        out = [0] * len(tokens)
        for t in tokens:
            if t.lower_ != "than":
                continue
            head = t.head
            if head.tag_ in ("JJR", "RBR") or head.lower_ in ("more", "less", "rather"):
                for d in t.subtree:
                    if d is not t and d.i in pos:
                        out[pos[d.i]] = 1
        return out

    def _truth_frame(self, tok) -> bool:
        """ "true" in "it is not true that ...": a frame over a clause, not a judgement."""
        if tok.lemma_.lower() not in self.truth_frames or tok.dep_ not in ("acomp", "attr"):
            return False
        clausal = ("ccomp", "csubj", "advcl")
        return any(c.dep_ in clausal for c in tok.children) or any(
            c.dep_ in clausal for c in tok.head.children
        )

    def view(self, span: Span) -> dict:
        tokens = [t for t in span if not t.is_space]
        pos = {t.i: k for k, t in enumerate(tokens)}
        # What the walk up each token's ancestors reads of a token, read once per token: the
        # walk visits a token once for each of its descendants, and every spaCy attribute read
        # (and every child visited) builds a new Python object.
        lowers = [t.lower_ for t in tokens]
        lemmas_lower = [t.lemma_.lower() for t in tokens]
        deps = [t.dep_ for t in tokens]
        tags = [t.pos_ for t in tokens]
        heads = [t.head.i for t in tokens]
        negates = [
            any(c.dep_ == "neg" or c.lower_ in self.negators for c in t.children) for t in tokens
        ]
        concedes = [self._concedes(t) for t in tokens]
        turn = next(
            (
                k
                for k in range(1, len(tokens))
                if lowers[k] in self.contrast and deps[k] in ("cc", "advmod")
            ),
            0,
        )
        limit = len(span.doc)  # as Token.ancestors: no token has more ancestors than this
        words, lemmas, signs, conceded, heads_out = [], [], [], [], []
        for k, t in enumerate(tokens):
            sign, conc, clause = 1, 0, None
            scoped = True  # still inside the scope of what governs t
            prev = None  # the dependency label of the token the walk came from
            a, steps = k, 0  # a: the position of the ancestor (t itself first)
            while True:
                if prev is not None and prev in _SCOPE_BREAKS:
                    # a conjoined or adverbial clause is not under its head's negation or
                    # reducer: "does not work, and staff are happy"; "although it is slow, ..."
                    scoped = False
                if prev is not None and prev in _RELATIVE and deps[a] != "attr":
                    # a relative clause describing an object or another noun counts for less
                    # ("taps resources that professionals overlook"); one describing what the
                    # subject *is* ("a model that fails the poorest") is the judgement itself
                    conc = 1
                if (
                    prev is not None
                    and prev in _SUBJECTS
                    and lemmas_lower[a] in self.concessive_heads
                    and negates[a]
                ):
                    conc = 1  # "Bad consultation does not mean ...": the subject is conceded
                # the subject is outside its verb's negation and reducers
                reaches = scoped and not (prev is not None and prev in _SUBJECTS)
                if reaches and negates[a]:
                    sign = -sign
                if (
                    reaches
                    and steps > 0
                    and lemmas_lower[a] in self.reducers
                    and tags[a] in _REDUCER_POS
                ):
                    sign = -sign
                prev = deps[a]
                if concedes[a]:
                    conc = 1
                if clause is None and (tags[a] in _CLAUSE_POS or deps[a] == "ROOT"):
                    clause = a
                head = heads[a]
                if head == tokens[a].i or steps >= limit or head not in pos:
                    break  # the root, or the walk leaves the claim
                a, steps = pos[head], steps + 1
            if self._truth_frame(t):
                sign = 0
            if k < turn:
                conc = 1
            words.append(lowers[k])
            lemma = lemmas_lower[k]
            lemmas.append("" if lemma == lowers[k] else lemma)
            signs.append(sign)
            conceded.append(conc)
            heads_out.append(clause if clause is not None else 0)
        mentions: dict[str, list[int]] = {}
        for p in span.doc.spans.get(PRACTICES_KEY, []):
            if p.start >= span.start and p.end <= span.end:
                for target in p._.targets:
                    mentions.setdefault(target, []).extend(
                        pos[i] for i in range(p.start, p.end) if i in pos
                    )
        for target, refs in (span._.target_refs or {}).items():
            mentions.setdefault(target, []).extend(pos[i] for i in refs if i in pos)
        return {
            "v": VIEW_VERSION,
            "w": words,
            "l": lemmas,
            "s": signs,
            "c": conceded,
            "h": heads_out,
            "x": self._compared(tokens, pos),
            "m": mentions,
        }


@Language.factory("discourse_stance_view", default_config={"cues": ""})
def make_stance_view(nlp: Language, name: str, cues: str) -> StanceView:
    return StanceView(StanceViewer(load_stance_cues(cues)))


class StanceView:
    """Sets ``span._.stance_view`` on every statement (``doc.spans["statements"]``)."""

    def __init__(self, viewer: StanceViewer):
        self.viewer = viewer

    def __call__(self, doc: Doc) -> Doc:
        for span in doc.spans.get("statements", []):
            span._.stance_view = self.viewer.view(span)
        return doc
