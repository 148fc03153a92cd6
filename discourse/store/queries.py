"""Full-text queries over claims or documents with metadata filters (FTS5), and facets."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterator

from discourse.errors import InputError
from discourse.store.sqlite import Database
from discourse.vocabulary import PRONOUN_HOLDERS

# the pronoun holders as an SQL list (constant words, no user input)
PRONOUN_HOLDERS_SQL = "(" + ", ".join(f"'{p}'" for p in PRONOUN_HOLDERS) + ")"

FACETS = ("source", "tag", "month", "year", "claim_type", "holder", "target", "stance")
COMMON = 2000
CURRENT_MODEL = "(SELECT version FROM models WHERE kind = 'stance' AND is_current = 1)"  # full-text matches above which a newest-first page walks documents by date


@dataclasses.dataclass
class Filters:
    """What `discourse query` filters on; None means no filter."""

    text: str | None = None
    documents: bool = False  # search documents instead of claims
    source: str | None = None
    tag: str | None = None
    since: str | None = None  # ISO date (inclusive)
    until: str | None = None  # ISO date (inclusive)
    claim_type: str | None = None
    holder: str | None = None  # "author", "quoted" or a name
    holder_parts: tuple[str, ...] = ()  # a name's parts, lower case: each must be in the holder
    hedged: bool | None = None
    target: str | None = None
    stance: str | None = None
    min_score: float | None = None
    with_stance: bool = False  # exports: one row per claim and current tag (untagged kept)


def _where(f: Filters, extra_join: str = "", date_driven: bool = False) -> tuple[str, list]:
    """FROM/JOIN/WHERE clause and parameters shared by results and facets.

    ``date_driven`` (claims with a full-text query): documents are walked newest first and
    the full-text matches become an IN set, so a first page of a common word stops after 50
    hits instead of joining and sorting every match."""
    params: list = []
    if f.documents:
        sql = "FROM documents d LEFT JOIN sources src ON src.id = d.source_id" + extra_join
        if f.text:
            sql += " JOIN documents_fts ON documents_fts.rowid = d.id"
        conds = ["d.duplicate_of IS NULL"]
    else:
        if date_driven:  # CROSS JOIN fixes the loop order: documents by date, outermost
            sql = (
                "FROM documents d CROSS JOIN claims c ON c.document_id = d.id "
                "CROSS JOIN sentences s ON s.id = c.sentence_id "
            )
        else:
            sql = (
                "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
                "JOIN documents d ON d.id = c.document_id "
            )
        sql += (
            "JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version "
            "LEFT JOIN sources src ON src.id = d.source_id"
        )
        if f.text and not date_driven:
            sql += " JOIN sentences_fts ON sentences_fts.rowid = s.id"
        if f.target or f.stance or f.min_score is not None:
            sql += f" JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL}"
        elif f.with_stance:
            sql += f" LEFT JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL}"
        sql += extra_join
        conds = []
    if f.text and date_driven:
        conds.append("s.id IN (SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH ?)")
        params.append(f.text)
    elif f.text:
        # FTS5 wants the table's own name (not an alias) on the left of MATCH.
        conds.append(f"{'documents_fts' if f.documents else 'sentences_fts'} MATCH ?")
        params.append(f.text)
    if f.source:
        conds.append("src.name = ?")
        params.append(f.source)
    if f.tag:
        conds.append("EXISTS (SELECT 1 FROM json_each(src.tags) WHERE json_each.value = ?)")
        params.append(f.tag)
    if f.since:
        conds.append("substr(d.published, 1, 10) >= ?")
        params.append(f.since)
    if f.until:
        conds.append("substr(d.published, 1, 10) <= ?")
        params.append(f.until)
    if not f.documents:
        if f.claim_type:
            conds.append("c.claim_type = ?")
            params.append(f.claim_type)
        if f.holder in ("author", "quoted"):
            conds.append("c.holder_kind = ?")
            params.append(f.holder)
        elif f.holder:
            # every part of the name as a whole word of the holder ("okafor" matches
            # "Councillor Janet Okafor" and "Cllr Okafor"); GLOB, as LIKE has no classes
            for part in f.holder_parts or name_parts(f.holder):
                conds.append("(' ' || lower(c.holder) || ' ') GLOB ?")
                params.append(f"*[^a-z0-9]{part}[^a-z0-9]*")
        if f.hedged is not None:
            conds.append("c.hedged = ?")
            params.append(int(f.hedged))
        if f.target:
            conds.append("t.target = ?")
            params.append(f.target)
        if f.stance:
            conds.append("t.label = ?")
            params.append(f.stance)
        if f.min_score is not None:
            conds.append("t.score >= ?")
            params.append(f.min_score)
    return sql + (" WHERE " + " AND ".join(conds) if conds else ""), params


_CLAIM_COLUMNS = (
    "c.id AS claim_id, s.text AS text, s.start, s.end, c.claim_type, c.holder, c.holder_kind, "
    "c.hedged, c.hedge_cue, c.negated, c.negation_cue, c.practices, c.pipeline_version, "
    "d.id AS document_id, d.title, d.published, d.canonical_url AS url, src.name AS source"
)
_DOC_COLUMNS = (
    "d.id AS document_id, d.title, d.published, d.canonical_url AS url, src.name AS source, "
    "d.author, d.language, d.word_count, d.text AS text"
)
_FACET_EXPR = {
    "source": "src.name",
    "month": "substr(d.published, 1, 7)",
    "year": "substr(d.published, 1, 4)",
    "claim_type": "c.claim_type",
    "holder": "c.holder",
    "target": "t.target",
    "stance": "t.label",
}


_CURRENT_TAGS = (
    "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
    "JOIN documents d ON d.id = c.document_id "
    "JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version "
    "LEFT JOIN sources src ON src.id = d.source_id "
    f"JOIN stance_tags t ON t.claim_id = c.id WHERE t.model_version = {CURRENT_MODEL}"
)
_GROUP_EXPR = {
    "source": "src.name",
    "tag": "tg.value",
    "month": "substr(d.published, 1, 7)",
    "quarter": (
        "substr(d.published, 1, 4) || '-Q' || "
        "((CAST(substr(d.published, 6, 2) AS INTEGER) + 2) / 3)"
    ),
    "year": "substr(d.published, 1, 4)",
    # the Monday of the week: 'weekday 0' moves on to Sunday, then back six days; only for a
    # full date (SQLite reads a bare year such as '2010' as a Julian day number)
    "week": (
        "CASE WHEN d.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
        "AND substr(d.published, 1, 4) <> '0000' "
        "THEN date(substr(d.published, 1, 10), 'weekday 0', '-6 days') END"
    ),
    "holder": "c.holder_kind",
}


GROUPS = tuple(_GROUP_EXPR)
TIME_GROUPS = ("week", "month", "quarter", "year")


def _and(where: str, conds: list[str]) -> str:
    """``where`` (a FROM ... [WHERE ...] clause from _where) with more conditions."""
    if not conds:
        return where
    joiner = " AND " if " WHERE " in where else " WHERE "
    return where + joiner + " AND ".join(conds)


_NAME_PART = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def name_parts(name: str, ignore: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The words of a holder's name, lower case, without those in ``ignore`` (titles such as
    "Cllr"), unless nothing else is left."""
    parts = tuple(p.lower() for p in _NAME_PART.findall(name))
    kept = tuple(p for p in parts if p not in ignore)
    return kept or parts


def _tidy(row: sqlite3.Row) -> dict:
    """A result row as a dict; a sentence's text without the whitespace (paragraph breaks)
    the sentence splitter leaves at its ends, with its offsets moved to match, so that
    ``document.text[start:end] == text`` still holds."""
    out = dict(row)
    text = out.get("text")
    if out.get("start") is not None and isinstance(text, str):
        stripped = text.strip()
        if stripped != text:
            lead = len(text) - len(text.lstrip())
            out["start"] += lead
            out["end"] = out["start"] + len(stripped)
            out["text"] = stripped
    return out


def matching_words(words: set[str], terms: list[list[str]]) -> list[list[set[str]]]:
    """For each term (a list of tokens; a token ending in * is a prefix), for each token, the
    ``words`` the full-text index matches: the same tokenizer and Porter stemmer as the
    corpus's own index, so "consultation" finds "consultations" but not "consultancy"
    unless the stems agree, and only "consult*" matches as a prefix."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE w USING fts5(word, tokenize='porter unicode61')")
        conn.executemany("INSERT INTO w(word) VALUES (?)", [(w,) for w in sorted(words)])
        out = []
        for term in terms:
            found = []
            for token in term:
                prefix = token.endswith("*")
                bare = token.rstrip("*").replace('"', '""')
                match = f'"{bare}"' + ("*" if prefix else "")
                rows = conn.execute("SELECT word FROM w WHERE w MATCH ?", (match,))
                found.append({r[0] for r in rows})
            out.append(found)
        return out
    finally:
        conn.close()


class QueryStore:
    def __init__(self, db: Database):
        self.db = db

    def _run(self, sql: str, params: list, f: Filters) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if "fts5" in msg or "syntax error" in msg or "no such column" in msg:
                raise InputError(
                    f"query {f.text!r} is not valid full-text syntax ({msg}). Use words, "
                    '"quoted phrases", AND, OR, NOT, prefix* and parentheses.'
                ) from None
            raise

    def check_text(self, text: str, documents: bool = False) -> None:
        """An InputError if ``text`` is not a valid full-text query. SQLite parses a MATCH
        only when the statement first runs (a lazy export would fail mid-stream), so it is
        run once here, for at most one row."""
        table = "documents_fts" if documents else "sentences_fts"
        try:
            self.db.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT 1", (text,)
            ).fetchall()
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if any(w in msg for w in ("locked", "disk", "malformed", "readonly", "interrupt")):
                raise  # the corpus, not the query
            raise InputError(
                f"query {text!r} is not valid full-text syntax ({msg}). Use words, "
                '"quoted phrases", AND, OR, NOT, prefix* and parentheses.'
            ) from None

    def _columns(self, f: Filters) -> str:
        cols = _DOC_COLUMNS if f.documents else _CLAIM_COLUMNS
        if f.target or f.stance or f.min_score is not None or (f.with_stance and not f.documents):
            cols += (
                ", t.target, t.label AS stance, t.score AS stance_score, "
                "t.uncertain AS stance_uncertain, t.model_version"
            )
        return cols

    def iter_rows(self, f: Filters, *, chunk: int = 1000) -> Iterator[dict]:
        """Every matching row in id order, fetched ``chunk`` at a time (constant memory)."""
        where, params = _where(f)
        key = "d.id" if f.documents else "c.id"
        try:
            cur = self.db.execute(f"SELECT {self._columns(f)} {where} ORDER BY {key}", params)
        except sqlite3.OperationalError:
            self._run(f"SELECT COUNT(*) {where}", params, f)  # raises the clear error
            raise
        while rows := cur.fetchmany(chunk):
            for r in rows:
                yield _tidy(r)

    def _common(self, f: Filters) -> bool:
        """Does the full-text query match many sentences (at least COMMON)? A bounded count
        over the FTS index: well under a millisecond for rare words."""
        sql = "SELECT COUNT(*) FROM (SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH ? LIMIT ?)"
        return self._run(sql, [f.text, COMMON], f)[0][0] >= COMMON

    def search(
        self, f: Filters, *, limit: int = 50, offset: int = 0, order: str = "date"
    ) -> list[dict]:
        # Newest first: rare words are found through the FTS index and sorted; common ones by
        # walking documents newest first (the same rows, in the same order).
        date_driven = bool(f.text) and not f.documents and order == "date" and self._common(f)
        where, params = _where(f, date_driven=date_driven)
        cols = self._columns(f)
        order_by = {
            "date": "d.published DESC, d.id DESC",
            "rank": (
                f"{'documents_fts' if f.documents else 'sentences_fts'}.rank"
                if f.text
                else "d.published DESC, d.id DESC"
            ),
        }[order]
        if not f.documents:
            order_by += ", s.start"
        # LIMIT and OFFSET inline (validated ints): bound as parameters, SQLite 3.4x cannot
        # stop the date-ordered walk early (16 s instead of 30 ms on 1M claims).
        sql = f"SELECT {cols} {where} ORDER BY {order_by} LIMIT {int(limit)} OFFSET {int(offset)}"
        return [_tidy(r) for r in self._run(sql, params, f)]

    def count(self, f: Filters) -> int:
        where, params = _where(f)
        return self._run(f"SELECT COUNT(*) {where}", params, f)[0][0]

    def facet(self, f: Filters, name: str, limit: int = 50) -> list[tuple[str | None, int]]:
        if name not in FACETS:
            raise InputError(f"unknown facet {name!r}; facets: {', '.join(FACETS)}.")
        if f.documents and name in ("claim_type", "holder", "target", "stance"):
            raise InputError(f"facet {name!r} applies to claims, not --documents.")
        if name in ("target", "stance") and not (f.target or f.stance or f.min_score is not None):
            f = dataclasses.replace(f, min_score=f.min_score or 0.0)  # join the stance tags
        where, params = _where(f)
        if name == "tag":
            sql = (
                f"SELECT je.value, COUNT(*) AS n FROM (SELECT src.tags AS tags {where}) q, "
                "json_each(q.tags) je GROUP BY je.value ORDER BY n DESC LIMIT ?"
            )
        else:
            sql = (
                f"SELECT {_FACET_EXPR[name]} AS value, COUNT(*) AS n {where} "
                "GROUP BY 1 ORDER BY n DESC LIMIT ?"
            )
        return [(r[0], r[1]) for r in self._run(sql, [*params, limit], f)]

    def _grouped(self, f: Filters, by: list[str]) -> tuple[str, list, str]:
        if f.min_score is None and not (f.target or f.stance):
            f = dataclasses.replace(f, min_score=0.0)  # join the current stance tags
        join = " JOIN json_each(src.tags) tg" if "tag" in by else ""
        where, params = _where(f, join)
        # aliases must not be column names: GROUP BY would pick the column (c.holder)
        cols = ", ".join(["t.target AS target", *(f"{_GROUP_EXPR[g]} AS grp_{g}" for g in by)])
        return where, params, cols

    def stance_counts(self, f: Filters, by: list[str]) -> list[dict]:
        """(target, *by, label, n) of current stance tags, grouped."""
        where, params, cols = self._grouped(f, by)
        groups = ", ".join(["target", *(f"grp_{g}" for g in by), "label"])
        sql = f"SELECT {cols}, t.label AS label, COUNT(*) AS n {where} GROUP BY {groups}"
        return [
            {k[4:] if k.startswith("grp_") else k: r[k] for k in r.keys()}
            for r in self._run(sql, params, f)
        ]

    def stance_documents(self, f: Filters, by: list[str]) -> list[tuple[tuple, int]]:
        """((target, *by), distinct documents) of current stance tags, grouped."""
        where, params, cols = self._grouped(f, by)
        groups = ", ".join(["target", *(f"grp_{g}" for g in by)])
        sql = f"SELECT {cols}, COUNT(DISTINCT c.document_id) {where} GROUP BY {groups}"
        return [(tuple(r[:-1]), r[-1]) for r in self._run(sql, params, f)]

    # ------------------------------------------------------------------ attention

    def mentions(self, f: Filters, by: list[str], target: str | None = None) -> list[dict]:
        """(target, *by, claims, documents): current claims that mention each target (the
        claims pipeline's ``targets``, tagged or not) and their documents, grouped. Stance
        filters do not apply; dated documents only when grouping by time."""
        f = dataclasses.replace(f, target=None, stance=None, min_score=None, with_stance=False)
        join = " JOIN json_each(c.targets) je" + (
            " JOIN json_each(src.tags) tg" if "tag" in by else ""
        )
        where, params = _where(f, join)
        conds = []
        if target:
            conds.append("je.value = ?")
            params.append(target)
        if any(g in by for g in ("week", "month", "quarter", "year")):
            conds.append("d.published IS NOT NULL")
        where = _and(where, conds)
        cols = ", ".join(["je.value AS target", *(f"{_GROUP_EXPR[g]} AS grp_{g}" for g in by)])
        groups = ", ".join(["target", *(f"grp_{g}" for g in by)])
        sql = (
            f"SELECT {cols}, COUNT(DISTINCT c.id) AS claims, COUNT(DISTINCT d.id) AS documents "
            f"{where} GROUP BY {groups}"
        )
        return [
            {k[4:] if k.startswith("grp_") else k: r[k] for k in r.keys()}
            for r in self._run(sql, params, f)
        ]

    def annotated_documents(self, f: Filters, by: list[str]) -> list[dict]:
        """(*by, documents): original documents the claims pipeline read (not skipped),
        grouped by any of source, tag and the time fields: the denominator of attention."""
        by = [g for g in by if g != "holder"]
        g = Filters(documents=True, source=f.source, tag=f.tag, since=f.since, until=f.until)
        join = " JOIN annotations a ON a.document_id = d.id AND a.status = 'done'"
        if "tag" in by:
            join += " JOIN json_each(src.tags) tg"
        where, params = _where(g, join)
        if any(x in by for x in ("week", "month", "quarter", "year")):
            where = _and(where, ["d.published IS NOT NULL"])
        cols = ", ".join([*(f"{_GROUP_EXPR[x]} AS grp_{x}" for x in by), "COUNT(*) AS documents"])
        sql = f"SELECT {cols} {where}"
        if by:
            sql += " GROUP BY " + ", ".join(f"grp_{x}" for x in by)
        return [
            {k[4:] if k.startswith("grp_") else k: r[k] for k in r.keys()}
            for r in self._run(sql, params, g)
        ]

    # ------------------------------------------------------------------ report

    def documents_per_source(self, period: str = "year") -> list[tuple[str, str, int]]:
        """(period, source, original documents) for dated documents."""
        width = {"year": 4, "month": 7}[period]
        return [
            tuple(r)
            for r in self.db.execute(
                f"SELECT substr(d.published, 1, {width}) AS p, COALESCE(src.name, '-'), "
                "COUNT(*) FROM documents d LEFT JOIN sources src ON src.id = d.source_id "
                "WHERE d.duplicate_of IS NULL AND d.published IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
            )
        ]

    def top_claims(self, target: str, label: str, limit: int = 5) -> list[dict]:
        """The current model's most confident ``label`` claims about ``target``."""
        sql = (
            f"SELECT {_CLAIM_COLUMNS}, t.score AS stance_score {_CURRENT_TAGS} "
            "AND t.target = ? AND t.label = ? AND t.uncertain = 0 "
            "ORDER BY t.score DESC, d.published DESC LIMIT ?"
        )
        return [_tidy(r) for r in self.db.execute(sql, (target, label, limit))]

    def quoted_holders(self, limit: int = 15, target: str | None = None) -> list[dict]:
        """Holders most often quoted (a bare "he" or "she" is no one to list): claims and
        documents; with ``target``, only claims tagged for it by the current model, counted
        per stance (one tag per claim, so favor + against + neutral = claims)."""
        if target is None:
            stance, join, params = "", "", [limit]
        else:
            stance = (
                ", SUM(t.label = 'favor') AS favor, SUM(t.label = 'against') AS against, "
                "SUM(t.label = 'neutral') AS neutral"
            )
            join = (
                f"JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL} "
                "AND t.target = ? "
            )
            params = [target, limit]
        sql = (
            "SELECT c.holder AS holder, COUNT(DISTINCT c.id) AS claims, "
            f"COUNT(DISTINCT c.document_id) AS documents{stance} "
            "FROM claims c JOIN annotations a ON a.document_id = c.document_id "
            f"AND a.pipeline_version = c.pipeline_version {join}"
            "WHERE c.holder_kind = 'quoted' "
            f"AND lower(c.holder) NOT IN {PRONOUN_HOLDERS_SQL} GROUP BY c.holder COLLATE NOCASE "
            "ORDER BY claims DESC, holder LIMIT ?"
        )
        return [dict(r) for r in self.db.execute(sql, params)]

    def current_tags(self, claim_ids: list[int]) -> dict[int, list[dict]]:
        """The current model's stance tags of these claims: {claim id: [{target, stance,
        score}, ...]} by target."""
        out: dict[int, list[dict]] = {}
        ids = [int(i) for i in claim_ids if i is not None]
        for k in range(0, len(ids), 500):
            chunk = ids[k : k + 500]
            sql = (
                "SELECT claim_id, target, label, score FROM stance_tags "
                f"WHERE model_version = {CURRENT_MODEL} "
                f"AND claim_id IN ({','.join('?' * len(chunk))}) ORDER BY claim_id, target"
            )
            for r in self.db.execute(sql, chunk):
                out.setdefault(r[0], []).append({"target": r[1], "stance": r[2], "score": r[3]})
        return out

    def has_stance_tags(self) -> bool:
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM stance_tags)").fetchone()[0] == 1

    def known_targets(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM targets")}
