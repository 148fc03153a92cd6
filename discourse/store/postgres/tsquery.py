"""The query language of `discourse query`, translated to a PostgreSQL tsquery.

The language is SQLite FTS5's: words, "quoted phrases", AND / OR / NOT (upper case),
``prefix*`` and parentheses. It is parsed here as FTS5 parses it, and its words are made by
FTS5's own tokenizer (discourse/store/postgres/fulltext.py), so a query means the same on both
backends (tests/test_store_fulltext.py runs the same queries on both):

- precedence, tightest first: words next to each other (an implicit AND between phrases),
  NOT (binary: ``a NOT b``), AND, OR; parentheses group, but cannot stand next to a phrase
  without an operator (FTS5 refuses ``a (b OR c)``);
- a word or quoted string is split into stemmed tokens as the index splits text, several
  tokens making a phrase; ``*`` after it makes its last token a prefix;
- a phrase with no tokens (``""``) matches nothing; next to other phrases it is dropped.

Anything else FTS5 accepts (column filters, NEAR, ``^``, ``+``) is outside the documented
language and refused here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

# FTS5 barewords: ASCII letters and digits, "_", \x1a, and any non-ASCII character.
_BAREWORD = re.compile(r"[A-Za-z0-9_\x1a\x80-\U0010ffff]+")
_SPACE = " \t\n\r\f"
_OPERATORS = ("AND", "OR", "NOT")


class QuerySyntaxError(ValueError):
    """The query is not in the documented language; the message says where."""


@dataclasses.dataclass(frozen=True)
class Phrase:
    tokens: tuple[str, ...]
    prefix: bool = False


@dataclasses.dataclass(frozen=True)
class Node:
    op: str  # "AND", "OR", "NOT"
    left: object
    right: object


EMPTY = Phrase(())  # matches nothing


def _lex(text: str) -> list[tuple[str, str]]:
    """(kind, value) tokens: "word", "string", "(", ")", "*", or an operator."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in _SPACE:
            i += 1
        elif ch == '"':
            j, buf = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise QuerySyntaxError(f'unterminated string near "{text[i:]}"')
                buf.append(text[j:k])
                if text[k + 1 : k + 2] == '"':  # "" inside a string is one quote
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            out.append(("string", "".join(buf)))
        elif ch in "()*":
            out.append((ch, ch))
            i += 1
        else:
            m = _BAREWORD.match(text, i)
            if not m:
                raise QuerySyntaxError(f'syntax error near "{text[i:]}"')
            word = m.group()
            if word == "NEAR" and text[m.end() : m.end() + 1] == "(":
                raise QuerySyntaxError("NEAR groups are not supported")
            out.append((word if word in _OPERATORS else "word", word))
            i = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], lexemes: dict[str, tuple[str, ...]]):
        self.tokens = tokens
        self.lexemes = lexemes
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def error(self) -> QuerySyntaxError:
        near = " ".join(v for _, v in self.tokens[self.pos : self.pos + 3])
        return QuerySyntaxError(f'syntax error near "{near}"')

    def parse(self):
        node = self.expr()
        if self.peek() is not None:
            raise self.error()
        return node

    def expr(self):
        node = self.conjunction()
        while self.peek() == "OR":
            self.take()
            node = _or(node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.peek() == "AND":
            self.take()
            node = _and(node, self.negation())
        return node

    def negation(self):
        node = self.primary()
        while self.peek() == "NOT":
            self.take()
            node = _not(node, self.primary())
        return node

    def primary(self):
        kind = self.peek()
        if kind == "(":
            self.take()
            node = self.expr()
            if self.peek() != ")":
                raise self.error()
            self.take()
            return node
        if kind not in ("word", "string"):
            raise self.error()
        phrases = []
        while self.peek() in ("word", "string"):
            _, value = self.take()
            prefix = self.peek() == "*"
            if prefix:
                self.take()
            phrases.append(Phrase(self.lexemes[value], prefix))
        phrases = [p for p in phrases if p.tokens]  # FTS5 drops empty phrases here
        if not phrases:
            return EMPTY
        node = phrases[0]
        for p in phrases[1:]:
            node = Node("AND", node, p)
        return node


def _and(a, b):
    return EMPTY if a == EMPTY or b == EMPTY else Node("AND", a, b)


def _or(a, b):
    if a == EMPTY:
        return b
    return a if b == EMPTY else Node("OR", a, b)


def _not(a, b):
    if a == EMPTY:
        return EMPTY
    return a if b == EMPTY else Node("NOT", a, b)


Stemmer = Callable[[Sequence[str]], list[tuple[str, ...]]]


def parse(text: str, stem: Stemmer):
    """The query as a tree of :class:`Node` and :class:`Phrase` (``EMPTY`` for none);
    ``stem`` turns each word or string of the query into its lexemes."""
    tokens = _lex(text)
    values = sorted({v for kind, v in tokens if kind in ("word", "string")})
    return _Parser(tokens, dict(zip(values, stem(values)))).parse()


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _render(node) -> str:
    if isinstance(node, Phrase):
        parts = [_quote(t) for t in node.tokens]
        if node.prefix:
            parts[-1] += ":*"
        return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"
    left, right = _render(node.left), _render(node.right)
    if node.op == "NOT":
        return f"({left} & !{right})"
    return f"({left} {'&' if node.op == 'AND' else '|'} {right})"


def to_tsquery(text: str, stem: Stemmer) -> str | None:
    """tsquery text of literal lexemes (cast with ``::tsquery``, no dictionary applied), or
    None when the query can match nothing. Raises :class:`QuerySyntaxError` as FTS5 would
    refuse the query."""
    tree = parse(text, stem)
    return None if tree == EMPTY else _render(tree)
