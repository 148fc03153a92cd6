"""Full text on PostgreSQL with SQLite's own tokenizer, so both backends index the same words.

PostgreSQL's text search parser, stopwords and Snowball stemmers split and stem English
differently from SQLite FTS5's ``porter unicode61`` (hyphens, short words, "technology" vs
"technological", accents). Rather than approximate it, the words are made by FTS5 itself,
in an in-memory SQLite database of this process, and stored as ``tsvector`` values
(lexeme and positions) that PostgreSQL indexes with GIN and matches with ``@@``. A query
is tokenized the same way (discourse/store/postgres/tsquery.py), so a query means the same
on both backends by construction.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence

MAX_POSITION = 16383  # PostgreSQL keeps positions up to this; larger ones are clamped
MAX_POSITIONS = 256  # and at most this many per lexeme
# A tsvector holds at most 1 MB; documents whose index would be larger keep their lexemes
# without positions (phrases then match as AND over the document).
MAX_TSVECTOR = 900_000
# In ASCII text unicode61 keeps exactly the runs of ASCII letters and digits, lower-cased, so
# such text is split here and only each new word is stemmed by FTS5 (then remembered).
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_STEMS_KEPT = 500_000


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class Tokenizer:
    """FTS5's ``porter unicode61`` tokenizer, one in-memory database per thread."""

    def __init__(self):
        self._local = threading.local()
        self._stems: dict[str, str] = {}  # word (lower case ASCII) -> FTS5 lexeme

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(":memory:")
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='porter unicode61')")
            conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
            self._local.conn = conn
        return conn

    def positions(self, rows: Sequence[tuple[str | None, str | None]]) -> list[dict[str, list]]:
        """For each (first, second) pair of texts (second may be None): lexeme -> token
        positions, the second text's positions after the first's plus a gap (a phrase never
        spans the two, as it cannot span FTS5 columns)."""
        out: list[dict[str, list] | None] = [None] * len(rows)
        ascii_rows = [
            i for i, (a, b) in enumerate(rows) if (a or "").isascii() and (b or "").isascii()
        ]
        words = [_ASCII_WORD.findall((text or "").lower()) for i in ascii_rows for text in rows[i]]
        self._learn({w for ws in words for w in ws})
        stems = self._stems
        for k, i in enumerate(ascii_rows):
            first, second = words[2 * k], words[2 * k + 1]
            lexemes: dict[str, list] = {}
            for p, w in enumerate(first, 1):
                lex = stems[w]
                if lex in lexemes:
                    lexemes[lex].append(p)
                else:
                    lexemes[lex] = [p]
            for p, w in enumerate(second, len(first) + 2):
                lex = stems[w]
                if lex in lexemes:
                    lexemes[lex].append(p)
                else:
                    lexemes[lex] = [p]
            out[i] = lexemes
        rest = [i for i in range(len(rows)) if out[i] is None]
        if rest:
            for i, lexemes in zip(rest, self._fts5_positions([rows[i] for i in rest])):
                out[i] = lexemes
        return out  # type: ignore[return-value]

    def _learn(self, words: set[str]) -> None:
        """Stem the words not seen before with FTS5 (one at a time: a word's lexeme)."""
        new = [w for w in words if w not in self._stems]
        if not new:
            return
        if len(self._stems) + len(new) > _STEMS_KEPT:
            self._stems.clear()  # bounded: a long-running crawl meets unbounded vocabularies
        for w, lexemes in zip(new, self._fts5_positions([(w, None) for w in new])):
            self._stems[w] = next(iter(lexemes))

    def _fts5_positions(self, rows: Sequence[tuple[str | None, str | None]]) -> list[dict]:
        conn = self._conn
        out: list[dict[str, list]] = [{} for _ in rows]
        first_len = [0] * len(rows)
        with conn:
            conn.execute("DELETE FROM t")
            conn.executemany(
                "INSERT INTO t(rowid, a, b) VALUES (?, ?, ?)",
                [(i, a, b) for i, (a, b) in enumerate(rows)],
            )
            vocab = conn.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, col, offset")
            for term, doc, col, offset in vocab:
                if col == "a":
                    first_len[doc] = offset + 1
                    out[doc].setdefault(term, []).append(offset + 1)
                else:
                    out[doc].setdefault(term, []).append(first_len[doc] + offset + 2)
        return out

    def tsvectors(self, rows: Sequence[tuple[str | None, str | None]]) -> list[str]:
        """tsvector text (``'lexeme':1,4 ...``) for each pair of texts."""
        out = []
        for lexemes in self.positions(rows):
            parts = []
            for lex, pos in lexemes.items():
                if "'" in lex or "\\" in lex:
                    lex = _quote(lex)[1:-1]
                if len(pos) == 1 and pos[0] <= MAX_POSITION:
                    parts.append(f"'{lex}':{pos[0]}")
                else:
                    pos = [min(p, MAX_POSITION) for p in pos[:MAX_POSITIONS]]
                    parts.append(f"'{lex}':" + ",".join(map(str, pos)))
            text = " ".join(parts)
            if len(text) > MAX_TSVECTOR:
                text = " ".join(_quote(lex) for lex in lexemes)
            out.append(text)
        return out

    def tokens(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The lexemes of each text, in order (what a query phrase is made of)."""
        out = []
        for lexemes in self.positions([(t, None) for t in texts]):
            ordered = sorted((p, lex) for lex, pos in lexemes.items() for p in pos)
            out.append(tuple(lex for _, lex in ordered))
        return out
