"""Hedges and negation of a claim, as CLAIMS.md defines them, from the dependency parse.

``find_hedge`` returns the first epistemic hedge as written ("probably", "may", "I think",
"tends to"), skipping ability *could*, statistical *likely*, "might as well", *suggest* as a
proposal or under negation. ``find_negation`` returns the cue negating the **main predicate**:
the root (or, for "A but B", B; for "X said that ...", the reported clause), never a negation
in a subordinate, relative or concessive clause or a contrastive "not X but Y". Lexicons are
the ``[hedging]`` and ``[negation]`` tables of ``pipelines/claim_cues.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

from discourse.claims.attribution import _first_child, _root
from discourse.claims.detector import load_cues

CLAUSE_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "expl", "advmod", "npadvmod", "dep"}
NEG_DETS = {"no", "neither"}


@dataclass(frozen=True)
class HedgeCues:
    """The ``[hedging]`` and ``[negation]`` lexicons, plus the verbs that frame reported speech."""

    words: frozenset
    modals: frozenset
    first_person_verbs: frozenset
    tend_verbs: frozenset
    likely_blockers: frozenset
    could_ability_verbs: frozenset
    idioms: tuple
    neg_words: frozenset
    neg_phrases: tuple
    fail_verbs: frozenset
    concessive: frozenset
    narrative_subjects: frozenset
    frame_verbs: frozenset
    transparent_verbs: frozenset
    weakeners: frozenset
    evidence_nouns: frozenset

    @classmethod
    def from_cues(cls, cues: dict | None = None) -> HedgeCues:
        c = cues or load_cues()
        h, n, a = c["hedging"], c["negation"], c["attribution"]
        return cls(
            words=frozenset(h["words"]),
            modals=frozenset(h["modals"]),
            first_person_verbs=frozenset(h["first_person_verbs"]),
            tend_verbs=frozenset(h["tend_verbs"]),
            likely_blockers=frozenset(h["likely_blockers"]),
            could_ability_verbs=frozenset(h["could_ability_verbs"]),
            idioms=tuple(h["idioms"]),
            neg_words=frozenset(n["words"]),
            neg_phrases=tuple(sorted(n["phrases"], key=len, reverse=True)),
            fail_verbs=frozenset(n["fail_verbs"]),
            concessive=frozenset(n["concessive"]),
            narrative_subjects=frozenset(n["narrative_subjects"]),
            frame_verbs=frozenset(a["reporting_verbs"])
            | frozenset(a["evidence_verbs"])
            | frozenset(h["first_person_verbs"]),
            transparent_verbs=frozenset(n["transparent_verbs"]),
            weakeners=frozenset(n["weakeners"]),
            evidence_nouns=frozenset(a["evidence_nouns"]),
        )


def _lexicon(cues) -> HedgeCues:
    return cues if isinstance(cues, HedgeCues) else HedgeCues.from_cues(cues)


# ---------------------------------------------------------------- hedges


def find_hedge(sent: Span, *, cues: HedgeCues | dict | None = None) -> str | None:
    """The first epistemic hedge in ``sent`` as written, or None."""
    lex = _lexicon(cues)
    for tok in sent:
        cue = _hedge_at(tok, sent, lex)
        if cue:
            return cue
    return None


def _hedge_at(tok: Token, sent: Span, lex: HedgeCues) -> str | None:
    # the idioms are checked only where a cue is (most words are none)
    cue = _cue_at(tok, sent, lex)
    if cue is None or _in_idiom(tok, sent, lex.idioms):
        return None
    return cue


def _cue_at(tok: Token, sent: Span, lex: HedgeCues) -> str | None:
    lower, lemma = tok.lower_, tok.lemma_.lower()
    if lower in lex.modals:
        if tok.tag_ != "MD":
            return None  # "May" the month
        verb = tok.head
        if lower == "could" and (
            verb.lemma_.lower() in lex.could_ability_verbs or _negated_token(verb)
        ):
            return None  # ability: "could point to", "could not tell"
        return tok.text
    if lower in ("likely", "unlikely") and lower in lex.words:
        prev = tok.nbor(-1) if tok.i > sent.start else None
        if prev is not None and prev.lower_ in lex.likely_blockers:
            return None  # "half as likely to be readmitted", "those most likely to"
        return tok.text
    if tok.pos_ == "ADV" and lower in lex.words:
        return tok.text  # perhaps, probably, arguably, ...
    if tok.pos_ not in ("VERB", "AUX"):
        return None
    if lemma == "seem" and lemma in lex.words:
        return tok.text
    if lemma == "appear" and lemma in lex.words:
        nxt = tok.nbor(1) if tok.i + 1 < sent.end else None
        if any(c.dep_ in ("xcomp", "ccomp", "acomp", "attr") for c in tok.children) or (
            nxt is not None and nxt.lower_ in ("to", "that")
        ):
            return tok.text
        return None
    if lemma == "suggest" and lemma in lex.words:
        subj = _first_child(tok, {"nsubj"})
        if subj is None or _negated_token(tok):
            return None
        if subj.lemma_.lower() in lex.evidence_nouns or subj.lower_ in lex.evidence_nouns:
            return tok.text  # evidence suggests; a person suggesting proposes
        return None
    if lemma in lex.first_person_verbs:
        subj = _first_child(tok, {"nsubj"})
        if subj is not None and subj.lower_ == "i" and not _negated_token(tok):
            return sent.doc[subj.i : tok.i + 1].text
    if lemma in lex.tend_verbs and tok.i + 1 < sent.end and tok.nbor(1).lower_ == "to":
        return sent.doc[tok.i : tok.i + 2].text
    return None


def _in_idiom(tok: Token, sent: Span, idioms: tuple) -> bool:
    for idiom in idioms:
        words = idiom.split()
        if tok.lower_ not in words:
            continue
        k = words.index(tok.lower_)
        start = tok.i - k
        if start >= sent.start and start + len(words) <= sent.end:
            if [t.lower_ for t in sent.doc[start : start + len(words)]] == words:
                return True
    return False


# ---------------------------------------------------------------- negation


def find_negation(sent: Span, *, cues: HedgeCues | dict | None = None) -> str | None:
    """The cue negating the main predicate of ``sent`` as written, or None."""
    lex = _lexicon(cues)
    for pred in _main_predicates(_root(sent), lex):
        tok = _negator(pred, lex)
        if tok is not None:
            return _cue_text(tok, sent, lex)
    return None


def _main_predicates(pred: Token, lex: HedgeCues, depth: int = 0) -> list[Token]:
    """``pred`` with its coordinated clauses (B alone for 'A but B'), each followed by the
    clauses it frames: the reported clause of 'said', 'found', 'I think' ('I do not think' is
    checked first: neg-raising), the that-clause of 'The trouble is that ...', the subject
    clause of 'What they did not do was ...' and the verb under a modal root."""
    out: list[Token] = []
    for head in _clause_heads(pred, lex):
        out.append(head)
        if depth > 4:
            continue
        lemma = head.lemma_.lower()
        inner = [c for c in head.children if c.dep_ in ("csubj", "csubjpass")]
        if lemma in lex.frame_verbs or lemma in lex.transparent_verbs:
            inner += [c for c in head.children if c.dep_ == "ccomp" and not _before_colon(c, head)]
        elif lemma == "be":
            inner += [c for c in head.children if c.dep_ == "ccomp" and c.i > head.i]
        if head.tag_ == "MD":
            inner += [c for c in head.children if c.dep_ == "xcomp"]
        for adv in head.children:  # "..., warning that X will not ..."
            if (
                adv.dep_ == "advcl"
                and adv.lemma_.lower() in lex.frame_verbs
                and not any(c.dep_ == "mark" for c in adv.children)
            ):
                inner += [c for c in adv.children if c.dep_ == "ccomp"]
        for clause in sorted(inner, key=lambda t: t.i):
            out.extend(_main_predicates(clause, lex, depth + 1))
    return out


def _clause_heads(pred: Token, lex: HedgeCues) -> list[Token]:
    """``pred`` and its coordinated clauses; after a concessive 'but' only the B part."""
    conjs = [c for c in pred.children if c.dep_ == "conj"]
    for conj in conjs:
        cc = [t for t in pred.children if t.dep_ == "cc" and pred.i < t.i < conj.i]
        if any(t.lower_ in lex.concessive for t in cc):
            return _clause_heads(conj, lex)
    heads = [pred]
    for conj in conjs:
        if conj.pos_ in ("VERB", "AUX") or any(c.dep_.startswith("nsubj") for c in conj.children):
            heads.extend(_clause_heads(conj, lex))
    return heads


def _negator(pred: Token, lex: HedgeCues) -> Token | None:
    """The negative word attached to the predicate itself, if any (first in the text)."""
    found = []
    for child in pred.children:
        if child.dep_ == "neg":
            if not _contrastive(pred, child):
                found.append(child)
        elif child.dep_ in ("aux", "auxpass"):
            found.extend(c for c in child.children if c.dep_ == "neg")
        if child.dep_ in ("prep", "acomp", "attr") and child.i > pred.i:
            # 'were "not about excluding anyone"', 'was hardly representative'
            found.extend(
                c
                for c in child.children
                if c.i < child.i
                and (c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ in lex.neg_words))
                and not _contrastive(pred, c)
            )
        if child.dep_ in CLAUSE_DEPS:
            neg = _negative_phrase(child, lex)
            if neg is not None:
                found.append(neg)
    if pred.lemma_.lower() in lex.fail_verbs and _first_child(pred, {"xcomp"}) is not None:
        found.append(pred)
    return min(found, key=lambda t: t.i) if found else None


def _negative_phrase(tok: Token, lex: HedgeCues) -> Token | None:
    """'nobody', 'no decision', 'never', 'no longer', 'Not a single resident'."""
    lower = tok.lower_
    if any(c.lower_ in lex.weakeners for c in tok.children):
        return None  # "it cost almost nothing"
    if lower in lex.neg_words and lower not in ("not", "n't"):
        return tok
    for child in tok.children:
        if child.dep_ in ("det", "neg", "advmod", "preconj") and child.i < tok.i:
            c = child.lower_
            if c == "not" and (tok.lower_ in lex.narrative_subjects or _after_comma(child)):
                continue  # "Not everyone was persuaded: ...", "going up, not down"
            if c in NEG_DETS or c == "not":
                if tok.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "advmod"):
                    return child
    return None


def _after_comma(tok: Token) -> bool:
    return tok.i > 0 and tok.nbor(-1).text == ","


def _contrastive(pred: Token, neg: Token) -> bool:
    """'X, not Y' and 'not X but Y': the main predicate is affirmed."""
    if _after_comma(neg):
        return True
    for comp in pred.children:
        if comp.dep_ in ("attr", "acomp", "dobj", "prep") and comp.i > neg.i:
            if any(c.dep_ == "cc" and c.lower_ == "but" for c in comp.children):
                return True
    return False


def _negated_token(tok: Token) -> bool:
    return any(c.dep_ == "neg" for c in tok.children) or any(
        c.dep_ == "neg" for a in tok.children if a.dep_ in ("aux", "auxpass") for c in a.children
    )


def _before_colon(clause: Token, frame: Token) -> bool:
    """A clause ending in ':' before the frame ('Not everyone was persuaded: X said ...')."""
    end = clause.right_edge.i
    return clause.i < frame.i and end + 1 < len(clause.doc) and clause.doc[end].text == ":"


def _cue_text(tok: Token, sent: Span, lex: HedgeCues) -> str:
    """The cue as written: a listed phrase covering ``tok`` ('cannot', 'no longer'), else the word."""
    text, offset = sent.text, tok.idx - sent.start_char
    for phrase in lex.neg_phrases:
        for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE):
            if m.start() <= offset < m.end():
                return m.group(0)
    if tok.i > sent.start and not tok.nbor(-1).whitespace_ and tok.lower_ == "n't":
        return sent.doc[tok.i - 1 : tok.i + 1].text  # "didn't"
    if tok.lemma_.lower() in lex.fail_verbs and tok.i + 1 < sent.end:
        return sent.doc[tok.i : tok.i + 2].text  # "failed to"
    return tok.text
