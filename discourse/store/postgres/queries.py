"""Full-text queries over claims or documents with metadata filters, facets and the grouped
counts of summaries and reports, on PostgreSQL (tsvector columns with GIN indexes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from discourse.errors import InputError
from discourse.store.postgres.database import PgDatabase
from discourse.store.postgres.fulltext import Tokenizer
from discourse.store.postgres.tsquery import QuerySyntaxError, to_tsquery
from discourse.store.queries import _CLAIM_COLUMNS, _DOC_COLUMNS, CURRENT_MODEL, FACETS, Filters

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
    "holder": "c.holder_kind",
}
_CURRENT_TAGS = (
    "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
    "JOIN documents d ON d.id = c.document_id "
    "JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version "
    "LEFT JOIN sources src ON src.id = d.source_id "
    f"JOIN stance_tags t ON t.claim_id = c.id WHERE t.model_version = {CURRENT_MODEL}"
)
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


def _where(f: Filters, tokenizer: Tokenizer, extra_join: str = "") -> tuple[str, list]:
    """FROM/JOIN/WHERE clause and parameters shared by results and facets."""
    params: list = []
    if f.documents:
        sql = "FROM documents d LEFT JOIN sources src ON src.id = d.source_id"
        conds = ["d.duplicate_of IS NULL"]
    else:
        sql = (
            "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
            "JOIN documents d ON d.id = c.document_id "
            "JOIN annotations a ON a.document_id = d.id "
            "AND a.pipeline_version = c.pipeline_version "
            "LEFT JOIN sources src ON src.id = d.source_id"
        )
        if f.target or f.stance or f.min_score is not None:
            sql += f" JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL}"
        elif f.with_stance:
            sql += (
                f" LEFT JOIN stance_tags t ON t.claim_id = c.id "
                f"AND t.model_version = {CURRENT_MODEL}"
            )
        sql += extra_join
        conds = []
    if f.text:
        tsq = tsquery_of(f, tokenizer)
        if tsq is None:
            conds.append("FALSE")
        else:
            conds.append(f"{'d' if f.documents else 's'}.tsv @@ {_TSQUERY}")
            params.append(tsq)
    if f.source:
        conds.append("src.name = %s")
        params.append(f.source)
    if f.tag:
        conds.append("src.tags::jsonb ? %s")
        params.append(f.tag)
    if f.since:
        conds.append("substr(d.published, 1, 10) >= %s")
        params.append(f.since)
    if f.until:
        conds.append("substr(d.published, 1, 10) <= %s")
        params.append(f.until)
    if not f.documents:
        if f.claim_type:
            conds.append("c.claim_type = %s")
            params.append(f.claim_type)
        if f.holder in ("author", "quoted"):
            conds.append("c.holder_kind = %s")
            params.append(f.holder)
        elif f.holder:
            conds.append("lower(c.holder) = lower(%s)")  # SQLite: COLLATE NOCASE
            params.append(f.holder)
        if f.hedged is not None:
            conds.append("c.hedged = %s")
            params.append(int(f.hedged))
        if f.target:
            conds.append("t.target = %s")
            params.append(f.target)
        if f.stance:
            conds.append("t.label = %s")
            params.append(f.stance)
        if f.min_score is not None:
            conds.append("t.score >= %s")
            params.append(f.min_score)
    return sql + (" WHERE " + " AND ".join(conds) if conds else ""), params


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

    def iter_rows(self, f: Filters, *, chunk: int = 1000) -> Iterator[dict]:
        """Every matching row in id order, fetched ``chunk`` at a time (constant memory)."""
        where, params = _where(f, self.tokenizer)
        key = "d.id" if f.documents else "c.id"
        for r in self.db.stream(
            f"SELECT {self._columns(f)} {where} ORDER BY {key}", params, chunk=chunk
        ):
            yield dict(r)

    def search(
        self, f: Filters, *, limit: int = 50, offset: int = 0, order: str = "date"
    ) -> list[dict]:
        where, params = _where(f, self.tokenizer)
        vector = "d.tsv" if f.documents else "s.tsv"
        tsq = tsquery_of(f, self.tokenizer) if f.text else None
        if order == "rank" and tsq is not None:
            # ts_rank_cd, not FTS5's bm25: the same rows, ranked by another measure
            order_by = (
                f"ts_rank_cd({vector}, {_TSQUERY}) DESC, d.published DESC NULLS LAST, d.id DESC"
            )
            params = [*params, tsq]
        elif order in ("date", "rank"):
            order_by = "d.published DESC NULLS LAST, d.id DESC"
        else:
            raise KeyError(order)
        if not f.documents:
            order_by += ", s.start"
        sql = f"SELECT {self._columns(f)} {where} ORDER BY {order_by} LIMIT %s OFFSET %s"
        return [dict(r) for r in self.db.execute(sql, [*params, int(limit), int(offset)])]

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
        return [dict(r) for r in self.db.execute(sql, (target, label, limit))]

    def quoted_holders(self, limit: int = 15) -> list[dict]:
        """Holders most often quoted, with their claims' current stance tags counted."""
        sql = (
            # one row per holder whatever its case (SQLite: GROUP BY ... COLLATE NOCASE)
            "SELECT min(c.holder) AS holder, COUNT(DISTINCT c.id) AS claims, "
            "COUNT(DISTINCT c.document_id) AS documents, "
            "SUM((t.label = 'favor')::int) AS favor, SUM((t.label = 'against')::int) AS against, "
            "SUM((t.label = 'neutral')::int) AS neutral "
            "FROM claims c JOIN annotations a ON a.document_id = c.document_id "
            "AND a.pipeline_version = c.pipeline_version "
            f"LEFT JOIN stance_tags t ON t.claim_id = c.id AND t.model_version = {CURRENT_MODEL} "
            "WHERE c.holder_kind = 'quoted' GROUP BY lower(c.holder) "
            "ORDER BY claims DESC, holder LIMIT %s"
        )
        return [dict(r) for r in self.db.execute(sql, (limit,))]

    def has_stance_tags(self) -> bool:
        return bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM stance_tags)").fetchone()[0])

    def known_targets(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM targets")}
