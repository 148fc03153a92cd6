"""Full-text queries over claims or documents with metadata filters, facets and the grouped
counts of summaries and reports, on PostgreSQL (tsvector columns with GIN indexes)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from discourse.errors import InputError
from discourse.store.postgres.database import PgDatabase
from discourse.store.postgres.fulltext import Tokenizer
from discourse.store.postgres.tsquery import QuerySyntaxError, to_tsquery
from discourse.store.queries import (
    _CLAIM_COLUMNS,
    _DOC_COLUMNS,
    CURRENT_MODEL,
    FACETS,
    PRONOUN_HOLDERS_SQL,
    TIME_GROUPS,
    Filters,
    _and,
    _tidy,
    name_parts,
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
_GROUP_EXPR = {
    "source": "src.name",
    "tag": "tg.value",
    "month": "substr(d.published, 1, 7)",
    # as SQLite's CAST: a month that is not a number counts as 0 ("2010-Q0")
    "quarter": (
        "substr(d.published, 1, 4) || '-Q' || ((COALESCE(substring(substr(d.published, 6, 2) "
        "FROM '^[0-9]+'), '0')::int + 2) / 3)"
    ),
    "year": "substr(d.published, 1, 4)",
    # the Monday of the week, as SQLite's date(day, 'weekday 0', '-6 days'): a day past the
    # end of its month runs on into the next (2010-02-30 is 2010-03-02); anything but a
    # date with a month 01-12 and a day 01-31 has no week
    "week": (
        "CASE WHEN d.published ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' "
        "AND substr(d.published, 1, 4) <> '0000' THEN to_char(date_trunc('week', "
        "make_date(substr(d.published, 1, 4)::int, substr(d.published, 6, 2)::int, 1) "
        "+ (substr(d.published, 9, 2)::int - 1)), 'YYYY-MM-DD') END"
    ),
    "holder": "c.holder_kind",
}
_CURRENT_TAGS = (
    "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
    "JOIN documents d ON d.id = c.document_id "
    "JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version "
    "LEFT JOIN sources src ON src.id = d.source_id "
    f"JOIN stance_tags t ON t.claim_id = c.id WHERE t.model_version = {CURRENT_MODEL}"
)
# Walk documents by date when matches^2 >= WALK_COST x page rows x claims: a walk reads about
# rows x claims / matches claims, in document order; taking every match reads each match
# through the index, about 1 / WALK_COST times the cost of a walked claim (measured on 1M
# claims: 1,300 matches cost the same either way).
WALK_COST = 0.04
WALK_BUDGET = 20_000  # claims walked before trusting an estimate of few matches
_TSQUERY = "%s::tsquery"  # literal lexemes: no text search configuration applied


def tsquery_of(f: Filters, tokenizer: Tokenizer) -> str | None:
    """The filter's full-text query as tsquery text (None: matches nothing)."""
    try:
        return to_tsquery(f.text, tokenizer.tokens)
    except QuerySyntaxError as exc:
        raise InputError(
            f"query {f.text!r} is not valid full-text syntax ({exc}). Use words, "
            '"quoted phrases", AND, OR, NOT, prefix* and parentheses.'
        ) from None


def _stance_join(f: Filters) -> str:
    if f.target or f.stance or f.min_score is not None:
        return f" JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL}"
    if f.with_stance:
        return (
            f" LEFT JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL}"
        )
    return ""


def _conditions(f: Filters, tsq: str | None) -> tuple[list, list, list, list]:
    """(document conditions, their parameters, claim conditions, theirs); the full-text
    match is a claim condition (a document one with ``documents``)."""
    docs, dparams, claims, cparams = [], [], [], []
    if f.documents:
        docs.append("d.duplicate_of IS NULL")
    if f.text:
        conds, params = (docs, dparams) if f.documents else (claims, cparams)
        if tsq is None:
            conds.append("FALSE")
        else:
            conds.append(f"{'d' if f.documents else 's'}.tsv @@ {_TSQUERY}")
            params.append(tsq)
    for cond, value in (
        ("src.name = %s", f.source),
        ("src.tags::jsonb ? %s", f.tag),
        ("substr(d.published, 1, 10) >= %s", f.since),
        ("substr(d.published, 1, 10) <= %s", f.until),
    ):
        if value:
            docs.append(cond)
            dparams.append(value)
    if not f.documents:
        holder: list[tuple[str, str | None]] = []
        if f.holder in ("author", "quoted"):
            holder.append(("c.holder_kind = %s", f.holder))
        elif f.holder:
            # every part of the name as a whole word of the holder ("okafor" matches
            # "Councillor Janet Okafor" and "Cllr Okafor"), as SQLite's GLOB: lower() of a
            # "C" column and [^a-z0-9] see ASCII letters only, as SQLite's do
            holder += [
                ("(' ' || lower(c.holder) || ' ') ~ %s", f"[^a-z0-9]{re.escape(part)}[^a-z0-9]")
                for part in f.holder_parts or name_parts(f.holder)
            ]
        for cond, value in (
            ("c.claim_type = %s", f.claim_type),
            *holder,
            ("c.hedged = %s", None if f.hedged is None else int(f.hedged)),
            ("t.target = %s", f.target),
            ("t.label = %s", f.stance),
            ("t.score >= %s", f.min_score),
        ):
            if value is not None and value != "":
                claims.append(cond)
                cparams.append(value)
    return docs, dparams, claims, cparams


def _where(f: Filters, tokenizer: Tokenizer, extra_join: str = "") -> tuple[str, list]:
    """FROM/JOIN/WHERE clause and parameters shared by results and facets."""
    tsq = tsquery_of(f, tokenizer) if f.text else None
    docs, dparams, claims, cparams = _conditions(f, tsq)
    if f.documents:
        sql = "FROM documents d LEFT JOIN sources src ON src.id = d.source_id" + extra_join
    else:
        sql = (
            "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
            "JOIN documents d ON d.id = c.document_id "
            "JOIN annotations a ON a.document_id = d.id "
            "AND a.pipeline_version = c.pipeline_version "
            "LEFT JOIN sources src ON src.id = d.source_id" + _stance_join(f) + extra_join
        )
    conds, params = claims + docs, cparams + dparams
    return sql + (" WHERE " + " AND ".join(conds) if conds else ""), params


def _date_walk(f: Filters, tsq: str | None, newest: int | None = None) -> tuple[str, list]:
    """A newest-first page of claims that walks documents by date (the documents_published
    index) and looks for matches among each document's claims, so a common word stops after
    one page instead of joining and sorting every match. OFFSET 0 keeps the planner from
    flattening the per-document lookup into a join of everything. ``newest``: walk only that
    many documents (their claims come first in the page order, so a page found among them is
    the page)."""
    docs, dparams, claims, cparams = _conditions(f, tsq)
    inner = (
        "SELECT c.id AS cid, s.id AS sid" + (", t.id AS tid" if _stance_join(f) else "") + " "
        "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
        "JOIN annotations a ON a.document_id = c.document_id "
        "AND a.pipeline_version = c.pipeline_version" + _stance_join(f) + " "
        "WHERE " + " AND ".join(["c.document_id = d.id", *claims]) + " OFFSET 0"
    )
    lateral = (
        f"CROSS JOIN LATERAL ({inner}) m JOIN claims c ON c.id = m.cid "
        "JOIN sentences s ON s.id = m.sid"
        + (" LEFT JOIN stance_tags t ON t.id = m.tid" if _stance_join(f) else "")
    )
    if newest is None:
        sql = f"FROM documents d LEFT JOIN sources src ON src.id = d.source_id {lateral}" + (
            " WHERE " + " AND ".join(docs) if docs else ""
        )
        return sql, [*cparams, *dparams]
    window = (
        "(SELECT d.* FROM documents d LEFT JOIN sources src ON src.id = d.source_id"
        + (" WHERE " + " AND ".join(docs) if docs else "")
        + " ORDER BY d.published DESC NULLS LAST, d.id DESC LIMIT %s)"
    )
    sql = f"FROM {window} d LEFT JOIN sources src ON src.id = d.source_id {lateral}"
    return sql, [*dparams, newest, *cparams]


def _all_matches(cols: str, where: str, start: str) -> str:
    """Every match through the index, then sorted. The OFFSET 0 fence stops the planner from
    walking the date index for a LIMIT it wrongly thinks is reached early (a phrase of two
    common words)."""
    return (
        f"SELECT * FROM (SELECT {cols} {where} OFFSET 0) q "
        f"ORDER BY published DESC NULLS LAST, document_id DESC{start}"
    )


class PgQueryStore:
    def __init__(self, db: PgDatabase, tokenizer: Tokenizer):
        self.db = db
        self.tokenizer = tokenizer

    def _columns(self, f: Filters) -> str:
        cols = _DOC_COLUMNS if f.documents else _CLAIM_COLUMNS
        if f.target or f.stance or f.min_score is not None or (f.with_stance and not f.documents):
            cols += (
                ", t.target, t.label AS stance, t.score AS stance_score, "
                "t.uncertain AS stance_uncertain, t.model_version"
            )
        return cols

    def check_text(self, text: str, documents: bool = False) -> None:
        """An InputError if ``text`` is not a valid full-text query (parsed here, before any
        output, as SQLite's check does)."""
        tsquery_of(Filters(text=text, documents=documents), self.tokenizer)

    def iter_rows(self, f: Filters, *, chunk: int = 1000) -> Iterator[dict]:
        """Every matching row in id order, fetched ``chunk`` at a time (constant memory)."""
        where, params = _where(f, self.tokenizer)
        key = "d.id" if f.documents else "c.id"
        for r in self.db.stream(
            f"SELECT {self._columns(f)} {where} ORDER BY {key}", params, chunk=chunk
        ):
            yield _tidy(r)

    def _estimate(self, where: str, params: list) -> float:
        """The planner's estimate of the rows a query matches (statistics, no scan)."""
        plan = self.db.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 {where}", params).fetchone()[0]
        return plan[0]["Plan"]["Plan Rows"]

    def _sizes(self) -> tuple[float, float]:
        """(claims, documents) as the planner's statistics count them."""
        row = self.db.execute(
            "SELECT GREATEST((SELECT reltuples FROM pg_class WHERE oid = 'claims'::regclass), 1),"
            " GREATEST((SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass), 1)"
        ).fetchone()
        return row[0], row[1]

    def search(
        self, f: Filters, *, limit: int = 50, offset: int = 0, order: str = "date"
    ) -> list[dict]:
        where, params = _where(f, self.tokenizer)
        cols = self._columns(f)
        tsq = tsquery_of(f, self.tokenizer) if f.text else None
        start = "" if f.documents else ", start"
        page = [int(limit), int(offset)]
        walk_order = " ORDER BY d.published DESC NULLS LAST, d.id DESC, s.start LIMIT %s OFFSET %s"
        if order == "rank" and tsq is not None:
            # ts_rank_cd, not FTS5's bm25: the same rows, ranked by another measure
            vector = "d.tsv" if f.documents else "s.tsv"
            sql = (
                f"SELECT {cols} {where} ORDER BY ts_rank_cd({vector}, {_TSQUERY}) DESC, "
                f"d.published DESC NULLS LAST, d.id DESC{'' if f.documents else ', s.start'}"
            )
            params = [*params, tsq]
        elif order not in ("date", "rank"):
            raise KeyError(order)
        elif tsq is not None and not f.documents:
            # Newest first. Walking documents by date reads about rows x claims / matches
            # claims; taking every match reads each match through the index, about
            # 1 / WALK_COST times the cost of a walked claim. The planner's estimate of the
            # matches decides; when it says few, the newest documents are walked first
            # anyway, up to WALK_BUDGET claims (estimates of phrases and prefixes are often
            # far too low), and only a page not found there takes every match.
            matches = self._estimate(where, params)
            claims, documents = self._sizes()
            rows = limit + offset
            if matches * matches >= WALK_COST * rows * claims:
                walk, walk_params = _date_walk(f, tsq)
                return self._rows(f"SELECT {cols} {walk}{walk_order}", [*walk_params, *page])
            newest = max(1, int(WALK_BUDGET * documents / claims))
            walk, walk_params = _date_walk(f, tsq, newest)
            found = self._rows(f"SELECT {cols} {walk}{walk_order}", [*walk_params, *page])
            if len(found) == limit:  # the page lies in the window (fewer: look everywhere)
                return found
            sql = _all_matches(cols, where, start)
        else:
            sql = _all_matches(cols, where, start)
        return self._rows(sql + " LIMIT %s OFFSET %s", [*params, *page])

    def _rows(self, sql: str, params: list) -> list[dict]:
        return [_tidy(r) for r in self.db.execute(sql, params)]

    def count(self, f: Filters) -> int:
        where, params = _where(f, self.tokenizer)
        return self.db.execute(f"SELECT COUNT(*) {where}", params).fetchone()[0]

    def facet(self, f: Filters, name: str, limit: int = 50) -> list[tuple[str | None, int]]:
        if name not in FACETS:
            raise InputError(f"unknown facet {name!r}; facets: {', '.join(FACETS)}.")
        if f.documents and name in ("claim_type", "holder", "target", "stance"):
            raise InputError(f"facet {name!r} applies to claims, not --documents.")
        if name in ("target", "stance") and not (f.target or f.stance or f.min_score is not None):
            f = dataclasses.replace(f, min_score=f.min_score or 0.0)  # join the stance tags
        where, params = _where(f, self.tokenizer)
        if name == "tag":
            sql = (
                f"SELECT je.value, COUNT(*) AS n FROM (SELECT src.tags AS tags {where}) q "
                "CROSS JOIN LATERAL jsonb_array_elements_text(q.tags::jsonb) AS je(value) "
                "GROUP BY je.value ORDER BY n DESC LIMIT %s"
            )
        else:
            sql = (
                f"SELECT {_FACET_EXPR[name]} AS value, COUNT(*) AS n {where} "
                "GROUP BY 1 ORDER BY n DESC LIMIT %s"
            )
        return [(r[0], r[1]) for r in self.db.execute(sql, [*params, limit])]

    def _grouped(self, f: Filters, by: list[str]) -> tuple[str, list, str]:
        if f.min_score is None and not (f.target or f.stance):
            f = dataclasses.replace(f, min_score=0.0)  # join the current stance tags
        join = (
            " CROSS JOIN LATERAL jsonb_array_elements_text(src.tags::jsonb) AS tg(value)"
            if "tag" in by
            else ""
        )
        where, params = _where(f, self.tokenizer, join)
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
            for r in self.db.execute(sql, params)
        ]

    def stance_documents(self, f: Filters, by: list[str]) -> list[tuple[tuple, int]]:
        """((target, *by), distinct documents) of current stance tags, grouped."""
        where, params, cols = self._grouped(f, by)
        groups = ", ".join(["target", *(f"grp_{g}" for g in by)])
        sql = f"SELECT {cols}, COUNT(DISTINCT c.document_id) {where} GROUP BY {groups}"
        return [(tuple(r[:-1]), r[-1]) for r in self.db.execute(sql, params)]

    # ------------------------------------------------------------------ attention

    def mentions(self, f: Filters, by: list[str], target: str | None = None) -> list[dict]:
        """(target, *by, claims, documents): current claims that mention each target (the
        claims pipeline's ``targets``, tagged or not) and their documents, grouped. Stance
        filters do not apply; dated documents only when grouping by time."""
        f = dataclasses.replace(f, target=None, stance=None, min_score=None, with_stance=False)
        join = " CROSS JOIN LATERAL jsonb_array_elements_text(c.targets::jsonb) AS je(value)" + (
            " CROSS JOIN LATERAL jsonb_array_elements_text(src.tags::jsonb) AS tg(value)"
            if "tag" in by
            else ""
        )
        where, params = _where(f, self.tokenizer, join)
        conds = []
        if target:
            conds.append("je.value = %s")
            params.append(target)
        if any(g in by for g in TIME_GROUPS):
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
            for r in self.db.execute(sql, params)
        ]

    def annotated_documents(self, f: Filters, by: list[str]) -> list[dict]:
        """(*by, documents): original documents the claims pipeline read (not skipped),
        grouped by any of source, tag and the time fields: the denominator of attention."""
        by = [g for g in by if g != "holder"]
        g = Filters(documents=True, source=f.source, tag=f.tag, since=f.since, until=f.until)
        join = " JOIN annotations a ON a.document_id = d.id AND a.status = 'done'"
        if "tag" in by:
            join += " CROSS JOIN LATERAL jsonb_array_elements_text(src.tags::jsonb) AS tg(value)"
        where, params = _where(g, self.tokenizer, join)
        if any(x in by for x in TIME_GROUPS):
            where = _and(where, ["d.published IS NOT NULL"])
        cols = ", ".join([*(f"{_GROUP_EXPR[x]} AS grp_{x}" for x in by), "COUNT(*) AS documents"])
        sql = f"SELECT {cols} {where}"
        if by:
            sql += " GROUP BY " + ", ".join(f"grp_{x}" for x in by)
        return [
            {k[4:] if k.startswith("grp_") else k: r[k] for k in r.keys()}
            for r in self.db.execute(sql, params)
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
                "WHERE d.duplicate_of IS NULL AND d.published IS NOT NULL "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            )
        ]

    def top_claims(self, target: str, label: str, limit: int = 5) -> list[dict]:
        """The current model's most confident ``label`` claims about ``target``."""
        sql = (
            f"SELECT {_CLAIM_COLUMNS}, t.score AS stance_score {_CURRENT_TAGS} "
            "AND t.target = %s AND t.label = %s AND t.uncertain = 0 "
            "ORDER BY t.score DESC, d.published DESC NULLS LAST LIMIT %s"
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
                ", SUM((t.label = 'favor')::int) AS favor, "
                "SUM((t.label = 'against')::int) AS against, "
                "SUM((t.label = 'neutral')::int) AS neutral"
            )
            join = (
                f"JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL} "
                "AND t.target = %s "
            )
            params = [target, limit]
        sql = (
            # one row per holder whatever its case (SQLite: GROUP BY ... COLLATE NOCASE)
            "SELECT min(c.holder) AS holder, COUNT(DISTINCT c.id) AS claims, "
            f"COUNT(DISTINCT c.document_id) AS documents{stance} "
            "FROM claims c JOIN annotations a ON a.document_id = c.document_id "
            f"AND a.pipeline_version = c.pipeline_version {join}"
            "WHERE c.holder_kind = 'quoted' "
            f"AND lower(c.holder) NOT IN {PRONOUN_HOLDERS_SQL} GROUP BY lower(c.holder) "
            "ORDER BY claims DESC, holder LIMIT %s"
        )
        return [dict(r) for r in self.db.execute(sql, params)]

    def current_tags(self, claim_ids: list[int]) -> dict[int, list[dict]]:
        """The current model's stance tags of these claims: {claim id: [{target, stance,
        score}, ...]} by target."""
        out: dict[int, list[dict]] = {}
        ids = [int(i) for i in claim_ids if i is not None]
        if not ids:
            return out
        for r in self.db.execute(
            "SELECT claim_id, target, label, score FROM stance_tags "
            f"WHERE model_version = {CURRENT_MODEL} AND claim_id = ANY(%s) "
            "ORDER BY claim_id, target",
            (ids,),
        ):
            out.setdefault(r[0], []).append({"target": r[1], "stance": r[2], "score": r[3]})
        return out

    def has_stance_tags(self) -> bool:
        return bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM stance_tags)").fetchone()[0])

    def known_targets(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM targets")}
