"""A table-driven stand-in for the English model's ``attribute_ruler``, with the same output.

en_core_web_sm's attribute ruler maps each token's fine tag (and, for a few words, its text and
dependency label) to its coarse POS, morphology and some lemmas, through 179 Matcher patterns.
Run as a Matcher it is a sixth of the model's time (3.5 s of 23 s on the benchmark corpus), more
than the parser. Almost every rule looks at one token only, so its outcome depends on nothing but
the token's (tag, lowercase form, dependency label, is-space): :class:`TableAttributeRuler` works
out once per distinct key which rules match, caches the merged result and writes every token's
attributes in one ``Doc.from_array`` call. The few rules over two tokens ("gon na", "let 's",
"there is") are checked where their first token matches. Rules apply in the ruler's order, later
ones winning, exactly as ``AttributeRuler.set_annotations`` applies its sorted matches.

:func:`use_table_ruler` swaps it in for a loaded pipeline's ``attribute_ruler``, unless a rule
uses something the table does not model (another attribute, an operator such as ``OP``); the
pipeline then keeps spaCy's ruler. ``tests/test_attribute_rules.py`` checks that both give the
same tokens on the sample corpus and on invented edge cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc

# what a rule may look at (the columns of a token's key) and what it may set
KEY = (TAG, LOWER, DEP, IS_SPACE)
KEY_NAMES = ("TAG", "LOWER", "DEP", "IS_SPACE")
SET = (POS, MORPH, LEMMA, TAG, DEP)

Predicate = Callable[[tuple], bool]
# distinct token keys remembered before the memory is emptied (they grow with the vocabulary)
MAX_KEYS = 200_000


def _predicate(name: str, spec) -> Predicate | None:
    col = KEY_NAMES.index(name)
    if isinstance(spec, dict):
        if len(spec) != 1:
            return None
        ((op, value),) = spec.items()
        if op == "IN":
            values = frozenset(value)
            return lambda v: v[col] in values
        if op == "NOT_IN":
            values = frozenset(value)
            return lambda v: v[col] not in values
        if op == "REGEX":
            rx = re.compile(value)
            return lambda v: isinstance(v[col], str) and rx.search(v[col]) is not None
        return None
    return lambda v: v[col] == spec


def _token_test(token_spec: dict) -> list[Predicate] | None:
    if not token_spec or set(token_spec) - set(KEY_NAMES):
        return None
    tests = [_predicate(k, s) for k, s in token_spec.items()]
    return None if any(t is None for t in tests) else tests


class TableAttributeRuler:
    """Applies an ``AttributeRuler``'s rules through a per-key table (see the module
    docstring). :func:`use_table_ruler` puts one in a pipeline."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.load([])

    def load(self, rules: list[tuple[list[list[list[Predicate]]], dict, int]]) -> None:
        """Take ``rules``: per rule its alternative patterns (each a list of per-token
        tests), the attributes it sets ({column of SET: value}) and the token it sets them on."""
        self.rules = rules
        self.single = [
            (i, [p[0] for p in pats if len(p) == 1])
            for i, (pats, _, index) in enumerate(rules)
            if index == 0
        ]
        self.single = [(i, alts) for i, alts in self.single if alts]
        self.multi = [
            (i, p, index)
            for i, (pats, _, index) in enumerate(rules)
            for p in pats
            if len(p) > 1 or index != 0
        ]
        # token key -> row of the outcome tables; keys grow with the vocabulary, outcomes (which
        # rules match) are a few hundred
        self._rows: dict[tuple, int] = {}
        self._outcomes: dict[tuple, int] = {}
        self._ids: list[tuple[int, ...]] = []  # per row: the single-token rules that match
        self._starts: list[tuple[int, ...]] = []  # per row: multi-token patterns it may start
        self._tables: tuple[np.ndarray, ...] | None = None

    def _strings(self, key: tuple) -> tuple:
        s = self.vocab.strings
        return tuple(s[h] if h else "" for h in key[:3]) + (bool(key[3]),)

    def _merge(self, rule_ids) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(len(SET), dtype=bool)
        values = np.zeros(len(SET), dtype=np.uint64)
        for i in sorted(rule_ids):
            for col, value in self.rules[i][1].items():
                mask[col] = True
                values[col] = value
        return mask, values

    def _row(self, key: tuple) -> int:
        row = self._rows.get(key)
        if row is None:
            if len(self._rows) >= MAX_KEYS:
                self._rows.clear()
            v = self._strings(key)
            ids = tuple(i for i, alts in self.single if any(all(t(v) for t in a) for a in alts))
            starts = tuple(k for k, (_, p, _) in enumerate(self.multi) if all(t(v) for t in p[0]))
            row = self._outcomes.get((ids, starts))
            if row is None:
                row = self._outcomes[(ids, starts)] = len(self._ids)
                self._ids.append(ids)
                self._starts.append(starts)
                self._tables = None
            self._rows[key] = row
        return row

    def _outcome_tables(self) -> tuple[np.ndarray, ...]:
        """Per row: which attributes its rules set, to what, and whether it may start a
        multi-token pattern."""
        if self._tables is None:
            merged = [self._merge(ids) for ids in self._ids]
            self._tables = (
                np.array([m for m, _ in merged]).reshape(-1, len(SET)),
                np.array([v for _, v in merged]).reshape(-1, len(SET)),
                np.array([bool(s) for s in self._starts], dtype=bool),
            )
        return self._tables

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        keys = [tuple(k) for k in doc.to_array(list(KEY)).tolist()]
        rows = np.fromiter(map(self._row, keys), dtype=np.int64, count=len(keys))
        masks, values, starts = self._outcome_tables()
        before = doc.to_array(list(SET))
        out = np.where(masks[rows], values[rows], before)
        extra: dict[int, set[int]] = {}
        if self.multi:
            for start in np.flatnonzero(starts[rows]):
                for k in self._starts[rows[start]]:
                    rule, pattern, index = self.multi[k]
                    end = start + len(pattern)
                    if end > len(doc) or not all(
                        all(t(self._strings(keys[start + j])) for t in pattern[j])
                        for j in range(1, len(pattern))
                    ):
                        continue
                    target = start + index if index >= 0 else end + index
                    if start <= target < end:
                        extra.setdefault(int(target), set()).add(rule)
        for t, more in extra.items():  # rules over two tokens, in order among the others
            mask, vals = self._merge(set(self._ids[rows[t]]) | more)
            out[t] = np.where(mask, vals, before[t])
        doc.from_array(list(SET), out)
        return doc

    def pipe(self, stream, batch_size: int = 128):
        for doc in stream:
            yield self(doc)


def rules_of(ruler) -> list | None:
    """An ``AttributeRuler``'s rules as :meth:`TableAttributeRuler.load` takes them, or None
    when one of them is beyond the table."""
    rules = []
    allowed = set(SET)
    for i, spec in enumerate(ruler.patterns):
        attrs = ruler.attrs[i]
        if set(attrs) - allowed:
            return None
        patterns = []
        for pattern in spec["patterns"]:
            tests = [_token_test(t) for t in pattern]
            if not pattern or any(t is None for t in tests):
                return None
            patterns.append(tests)
        rules.append((patterns, {SET.index(a): int(v) for a, v in attrs.items()}, ruler.indices[i]))
    return rules


@Language.factory("discourse_attribute_rules")
def make_attribute_rules(nlp: Language, name: str) -> TableAttributeRuler:
    """An empty table; :func:`use_table_ruler` loads the English model's rules into it."""
    return TableAttributeRuler(nlp.vocab)


def use_table_ruler(nlp: Language) -> bool:
    """Swap the pipeline's ``attribute_ruler`` for a table with the same rules (same name,
    same place); False, leaving spaCy's ruler, when its rules are beyond the table."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    rules = rules_of(nlp.get_pipe("attribute_ruler"))
    if rules is None:
        return False
    nlp.replace_pipe("attribute_ruler", "discourse_attribute_rules").load(rules)
    return True
