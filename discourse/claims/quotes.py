"""Quotations that run over several sentences, and one name per person within a document.

A quotation keeps its holder to its closing mark: '"Consultation here is a sham. Nobody reads
the responses. We will fight it," said Cllr Anita Patel.' gives all three sentences to Cllr
Patel, and so does 'Cllr Patel said: "..."' for the sentences after the colon. In UK news a
quotation that runs over paragraphs re-opens each paragraph and closes only at its end; the
paragraphs are one quotation. Double marks (straight or curly) and single marks (‘...’,
UK style, or straight '...' where the opening mark starts a word) are read; a ’ closes a single quotation after punctuation, before
punctuation or the end, after a one-word quotation ("a ‘yes’ vote"), or before a space after
a word that is not a plural noun ending in "s", so plural possessives ("councils’ plans") do
not. A straight " glued
to the word before it and followed by a space closes a quotation opened before the text and
opens none.

Within a document "Councillor Okafor", "Cllr Janet Okafor" and "Okafor" are one holder: every
quoted holder is written as the fullest form of the name that shares its surname
(:func:`normalise_holders`).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
from spacy.attrs import IS_SPACE, ORTH
from spacy.tokens import Doc, Span

OPEN_DOUBLE, CLOSE_DOUBLE = "“", "”"
STRAIGHT = frozenset({'"', "''", "``"})  # '' and `` stand for " in some sites' markup
OPEN_SINGLE, CLOSE_SINGLE, STRAIGHT_SINGLE = "‘", "’", "'"
_OPENERS = STRAIGHT | {OPEN_DOUBLE, OPEN_SINGLE}
# Every mark that can open a quotation (a straight ' only where it starts a word, see
# _opens_straight): what attribution and sentence splitting look for after a colon or a break.
OPENING_MARKS = _OPENERS | {STRAIGHT_SINGLE}
_CLOSING_CONTEXT = frozenset(".,!?;:")
TITLES = frozenset(
    "mr mrs ms miss dr prof professor sir dame lord lady baroness cllr coun councillor "
    "rev reverend mp".split()
)


@dataclasses.dataclass
class Quotation:
    start: int  # token index of the opening mark
    end: int  # token index of the closing mark (or the doc's end if never closed)

    def covers(self, span: Span) -> bool:
        """Most of the span's words lie inside the quotation."""
        words = [t for t in span if t.is_alpha]
        inside = sum(self.start < t.i < self.end for t in words)
        return bool(words) and inside > len(words) / 2


def quotations(doc: Doc) -> list[Quotation]:
    """The quotations of ``doc`` (see the module docstring), in order."""
    out: list[Quotation] = []
    open_at: int | None = None
    kind = ""
    for tok in _marks_and_breaks(doc):
        text = tok.text
        if open_at is None:
            if text in STRAIGHT and _orphan_close(tok):
                continue  # 'shops." But ...': closes a quotation opened before the text
            if text in _OPENERS or (text == STRAIGHT_SINGLE and _opens_straight(tok)):
                # a paragraph that re-opens the quotation just closed-by-paragraph continues it
                double = text == OPEN_DOUBLE or text in STRAIGHT
                open_at, kind = tok.i, "double" if double else "single"
            continue
        if kind == "double" and (
            text == CLOSE_DOUBLE or (text in STRAIGHT and not _reopens_straight(tok))
        ):
            out.append(Quotation(open_at, tok.i))
            open_at = None
        elif (
            kind == "single"
            and text in (CLOSE_SINGLE, STRAIGHT_SINGLE)
            and (
                _closes(tok) or tok.i == open_at + 2  # a one-word quotation: "a ‘yes’ vote"
            )
        ):
            out.append(Quotation(open_at, tok.i))
            open_at = None
        elif "\n\n" in tok.text_with_ws or (tok.is_space and "\n" in tok.text):
            # a paragraph break inside an open quotation: it continues only if the next
            # paragraph re-opens it (UK convention); otherwise it was never closed
            nxt = _next_word_or_mark(doc, tok.i + 1)
            if nxt is None or nxt.text not in STRAIGHT | {OPEN_DOUBLE, OPEN_SINGLE}:
                out.append(Quotation(open_at, tok.i))
                open_at = None
    if open_at is not None:
        out.append(Quotation(open_at, len(doc)))
    return _merge_reopened(doc, out)


_MARKS = _OPENERS | {CLOSE_DOUBLE, CLOSE_SINGLE, STRAIGHT_SINGLE}


def _marks_and_breaks(doc: Doc):
    """The tokens :func:`quotations` acts on, in order: quotation marks and whitespace tokens
    (where line breaks are); found on the document's arrays, without making a Token of every
    word."""
    strings = doc.vocab.strings
    marks = np.array([strings.add(m) for m in _MARKS], dtype=np.uint64)
    arr = doc.to_array([ORTH, IS_SPACE])
    for i in np.flatnonzero(np.isin(arr[:, 0], marks) | (arr[:, 1] != 0)).tolist():
        yield doc[i]


def _opens_straight(tok) -> bool:
    """A straight ' opens a quotation where it starts a word: after a space, a bracket or a
    colon (or the document's start) and directly before a word ("'We know ...")."""
    if tok.text != STRAIGHT_SINGLE or tok.whitespace_ or tok.i + 1 >= len(tok.doc):
        return False
    prev = tok.doc[tok.i - 1] if tok.i > 0 else None
    starts = prev is None or bool(prev.whitespace_) or prev.is_space or prev.text in "(:"
    return starts and tok.doc[tok.i + 1].is_alpha


def _orphan_close(tok) -> bool:
    """A straight " shaped as a closing mark, with no quotation open: glued to the word or
    punctuation before it and followed by a space or the end ('... talking shops." But the
    chairman said ...'). It closes a quotation that opened before the text (an excerpt, a
    page cut by its extractor) and opens none."""
    doc = tok.doc
    if tok.i == 0:
        return False
    prev = doc[tok.i - 1]
    if prev.whitespace_ or prev.is_space or prev.text in "([{":
        return False
    return tok.i + 1 >= len(doc) or bool(tok.whitespace_) or doc[tok.i + 1].is_space


def _reopens_straight(tok) -> bool:
    """A straight " inside an open double quotation that is shaped as an opening mark: after
    a space or a line break, directly before a word, and after the end of a sentence
    ('... said: "The plan is bad. "We will fight it," she said.'). The quotation was left
    open at a sentence's end, as UK news leaves it at a paragraph's end, and goes on; the
    mark does not close it (the next " does)."""
    doc = tok.doc
    if tok.whitespace_ or tok.i == 0 or tok.i + 1 >= len(doc) or not doc[tok.i + 1].is_alpha:
        return False
    prev = doc[tok.i - 1]
    if not (prev.whitespace_ or prev.is_space):
        return False
    j = tok.i - 1
    while j >= 0 and doc[j].is_space:
        j -= 1
    return j >= 0 and doc[j].text[-1:] in ".!?"


def _closes(tok) -> bool:
    doc = tok.doc
    before = doc[tok.i - 1].text if tok.i > 0 else ""
    after = doc[tok.i + 1].text if tok.i + 1 < len(doc) else ""
    return (
        (before and before[-1] in _CLOSING_CONTEXT)
        or not after
        or after[0] in _CLOSING_CONTEXT
        or after[0] == "("  # "'...' (Jones, 2001)"
        or after.isspace()
        # "‘doing things with residents not to them’ through ...": a ’ that ends a word and
        # is followed by a space closes, unless it can be a plural possessive ("councils’")
        or (
            bool(tok.whitespace_)
            and before[-1:].isalpha()
            # "councils’" may be a plural possessive; "them and us’" may not, nor a plural
            # before a word no possessive is followed by ("‘new co-operative entities’ by")
            and (
                before[-1:].lower() != "s"
                or doc[tok.i - 1].tag_ not in ("NNS", "NNPS")
                or _not_possessed(doc, tok.i + 1)
            )
        )
    )


# Tags of a word that cannot be what a plural possessive owns: a preposition or subordinator,
# "to", a modal or finite verb, a wh-word.
_NOT_POSSESSED = frozenset({"IN", "TO", "MD", "VBD", "VBZ", "VBP", "WDT", "WP", "WRB"})


def _not_possessed(doc: Doc, i: int) -> bool:
    nxt = _next_word_or_mark(doc, i)
    return nxt is not None and nxt.tag_ in _NOT_POSSESSED


def _next_word_or_mark(doc: Doc, i: int):
    while i < len(doc) and doc[i].is_space:
        i += 1
    return doc[i] if i < len(doc) else None


def _merge_reopened(doc: Doc, quotes: list[Quotation]) -> list[Quotation]:
    """Quotations split by a paragraph break and re-opened at once are one quotation."""
    merged: list[Quotation] = []
    for q in quotes:
        if merged and _only_break_between(doc, merged[-1].end, q.start):
            merged[-1] = Quotation(merged[-1].start, q.end)
        else:
            merged.append(q)
    return merged


def _only_break_between(doc: Doc, end: int, start: int) -> bool:
    between = doc[end + 1 : start] if end + 1 <= start else doc[start:start]
    return (
        end < len(doc)
        and doc[end].is_space
        and "\n" in doc[end].text
        and all(t.is_space for t in between)
    )


def containing(quotes: list[Quotation], span: Span) -> Quotation | None:
    # a quotation that does not reach into the span covers none of it
    return next(
        (q for q in quotes if q.start < span.end and q.end > span.start and q.covers(span)), None
    )


def attribution_sentences(doc: Doc, q: Quotation) -> list[Span]:
    """Where a quotation's speaker is named: the sentence of its closing mark (words after
    the mark: '..., she said.'), the sentence of its opening mark (words before it:
    'X said: "...'), and the sentence before the opening one when it ends with a colon."""
    out = []
    if q.end < len(doc):
        after = doc[q.end].sent
        if after.start < q.end and _mark_ends(doc, q, after):
            out.append(after)  # the mark ends its sentence ('"...?"'): a tag may follow it
            after = doc[after.end].sent if after.end < len(doc) else None
        # the words after the mark in its own sentence ('...," she said.'), or a bare speaker
        # tag split off by the parser ('..." She said.', '"...?" / Jane Okafor asked.'); never
        # the next sentence's own report ('..." The council said the closure would go ahead.')
        if after is not None and (after.start < q.end or _a_tag(after)):
            out.append(after)
    opening = doc[q.start].sent
    out.append(opening)
    if opening.start > 0:
        before = doc[opening.start - 1].sent
        last = [t for t in before if not t.is_space]
        if last and last[-1].text == ":":
            out.append(before)
    return out


def split_tag(doc: Doc, q: Quotation) -> Span | None:
    """The sentence after the quotation's own, where the parser split off its speaker tag
    ('"...?" / she wrote in her letter.'), or None."""
    if q.end >= len(doc):
        return None
    closing = doc[q.end].sent
    if closing.start >= q.end or not _mark_ends(doc, q, closing) or closing.end >= len(doc):
        return None
    after = doc[closing.end].sent
    return after if _a_tag(after) else None


def _mark_ends(doc: Doc, q: Quotation, sent: Span) -> bool:
    return all(t.is_punct or t.is_space for t in doc[q.end : sent.end])


def _a_tag(sent: Span) -> bool:
    """A speaker tag on its own: a verb in four words ('She said.'), or in up to ten that go
    on in lower case ('she wrote in her letter to the chief executive.'); not a list number
    or a heading ('6.')."""
    words = [t for t in sent if not (t.is_punct or t.is_space)]
    if not any(t.pos_ == "VERB" for t in words):
        return False
    return len(words) <= 4 or (words[0].is_lower and len(words) <= 10)


def _surname(name: str) -> str:
    words = [w for w in re.findall(r"[\w’'-]+", name.lower()) if w not in TITLES]
    return words[-1] if words else ""


def _given(name: str) -> list[str]:
    words = [w for w in re.findall(r"[\w’'-]+", name.lower()) if w not in TITLES]
    return words[:-1]


def normalise_holders(names: list[str]) -> dict[str, str]:
    """{name as written: the fullest form of it in ``names``}. Forms share the surname and
    do not disagree on given names ("Janet Okafor" and "Sam Okafor" stay apart); the fullest
    form has the most words, titles included ("Councillor Janet Okafor"). Two names joined by
    "and" ("Okoro and Lindqvist") stay as written, and neither of them is written that way."""
    out: dict[str, str] = {}
    by_surname: dict[str, list[str]] = {}
    for name in dict.fromkeys(names):
        if " and " in name:
            out[name] = name
            continue
        s = _surname(name)
        if s and name[:1].isupper():
            by_surname.setdefault(s, []).append(name)
    for forms in by_surname.values():
        for name in forms:
            given = _given(name)
            compatible = [f for f in forms if _agree(given, _given(f))]
            # a bare "Okafor" beside "Janet Okafor" and "Sam Okafor" could be either: keep it
            if len({tuple(_given(f)) for f in compatible if _given(f)}) > 1 and not given:
                out[name] = name
                continue
            out[name] = max(compatible, key=lambda f: (len(_given(f)), len(f.split()), f))
    return out


def _agree(a: list[str], b: list[str]) -> bool:
    """Given names agree when one list is a prefix of the other ("" agrees with anything)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]
