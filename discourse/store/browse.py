"""What the web view browses: claim rows (claims_view materialised) and their facet counts.

`claim_rows` holds one row per current claim and current stance tag, exactly what
`claims_view` computes, so the claims page is an indexed table rather than a six-way join, and
`claim_facet_counts` holds the count of every facet value, over all rows and within each value
of each other facet column. Annotate, tag and a change of current stance model keep both up to
date in the same transaction as their own writes (migration 0008 builds them for an existing
corpus), so a page's facets are lookups at any corpus size.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable

from discourse.store.sqlite import Database

log = logging.getLogger(__name__)

# Facet columns with precomputed counts; the web view's default facets.
FACETS = ("source", "target", "stance", "claim_type", "month")
ROW_COLUMNS = (
    "claim_id",
    "sentence_id",
    "text",
    "is_claim",
    "claim_type",
    "holder",
    "holder_kind",
    "hedged",
    "negated",
    "target",
    "stance",
    "stance_score",
    "uncertain",
    "source",
    "title",
    "published",
    "month",
    "url",
    "document_id",
    "start",
    "end",
    "model_version",
    "pipeline_version",
)
_COLS = ", ".join(f'"{c}"' for c in ROW_COLUMNS)

# The counts of one facet, over all claim rows (filter '' '') or within one value of another
# facet column; most frequent first, or by value (months: newest first).
FACET_COUNTS_SQL = (
    "SELECT value, n FROM claim_facet_counts WHERE filter_column = :filter_column "
    "AND filter_value = :filter_value AND facet = :facet AND n > 0 ORDER BY {order} LIMIT :limit"
)
FACET_ORDERS = {"count": "n DESC, value", "value": "value", "value_desc": "value DESC"}


def _count_all_sql() -> str:
    """Count every facet value over all claim rows and within each value of each other facet."""
    parts = [f"SELECT '' AS f, '' AS fv, '{g}' AS g, {g} AS gv FROM claim_rows" for g in FACETS]
    parts += [
        f"SELECT '{f}', {f}, '{g}', {g} FROM claim_rows" for f in FACETS for g in FACETS if f != g
    ]
    return (
        "INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n) "
        f"SELECT f, fv, g, gv, COUNT(*) FROM ({' UNION ALL '.join(parts)}) AS facet_values "
        "WHERE fv IS NOT NULL AND gv IS NOT NULL GROUP BY f, fv, g, gv"
    )


_FACET_AT = [ROW_COLUMNS.index(f) for f in FACETS]


def _facet_keys(values: tuple) -> list[tuple[str, str, str, str]]:
    """The (filter column, filter value, facet, value) counts a claim row with these facet
    values (in FACETS order) adds to."""
    present = [(f, v) for f, v in zip(FACETS, values) if v is not None]
    keys = [("", "", g, gv) for g, gv in present]
    keys += [(f, fv, g, gv) for f, fv in present for g, gv in present if f != g]
    return keys


_BY = {
    "document_id": "document_id IN (SELECT value FROM json_each(:ids))",
    "claim_id": "claim_id IN (SELECT value FROM json_each(:ids))",
}


class BrowseStore:
    """Claim rows and facet counts on SQLite; the PostgreSQL store
    (discourse/store/postgres/browse.py) is this class with its own placeholders and id sets."""

    _MARK = "?"  # the dialect's placeholder
    _BY = _BY  # rows of a set of ids (parameter "ids")
    _FACET_COUNTS_SQL = FACET_COUNTS_SQL
    _NEW_ORDER = "published, claim_id"  # order of rows derived from claims_view
    _OLD_ORDER = ""  # order of stored rows read back

    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _ids(ids: list[int]):
        return json.dumps(ids)

    @staticmethod
    def _many(conn, sql: str, rows: list) -> None:
        conn.executemany(sql, rows)

    @staticmethod
    def _limit(limit: int) -> int | None:
        return limit  # SQLite: -1 is no limit

    # ------------------------------------------------------------------ keeping up to date

    def refresh_documents(self, document_ids: Iterable[int]) -> None:
        """Re-derive the claim rows of these documents (after annotate stored their claims)."""
        self._refresh("document_id", document_ids)

    def refresh_claims(self, claim_ids: Iterable[int]) -> None:
        """Re-derive the rows of these claims (after tag stored their stance tags)."""
        self._refresh("claim_id", claim_ids)

    def _refresh(self, key: str, ids: Iterable[int]) -> None:
        """Make the rows of these claims (or documents) what claims_view says, touching only
        rows and columns that changed (a tag changes a claim's stance columns, not its
        text, source or date, so only those indexes are written), and move the facet counts
        by the difference."""
        ids = sorted(set(ids))
        if not ids:
            return
        where, params = self._BY[key], {"ids": self._ids(ids)}
        with self.db.transaction() as conn:
            old: dict[int, list[tuple[int, tuple]]] = {}
            old_rows = f"SELECT id, {_COLS} FROM claim_rows WHERE {where}{self._OLD_ORDER}"
            for r in conn.execute(old_rows, params):
                old.setdefault(r[1], []).append((r[0], tuple(r)[1:]))
            new: dict[int, list[tuple]] = {}
            for r in conn.execute(
                f"SELECT {_COLS} FROM claims_view WHERE {where} ORDER BY {self._NEW_ORDER}",
                params,
            ):
                new.setdefault(r[0], []).append(tuple(r))
            deletes: list[tuple[int]] = []
            inserts: list[tuple] = []
            updates: dict[tuple[int, ...], list[tuple]] = {}
            # Net change in rows per combination of facet values: far fewer combinations
            # than rows, and only these move the counts.
            combos: Counter = Counter()
            for claim_id in old.keys() | new.keys():
                before, after = old.get(claim_id, []), list(new.get(claim_id, []))
                if [row for _, row in before] == after:
                    continue
                for _, row in before:
                    combos[tuple(row[i] for i in _FACET_AT)] -= 1
                for row in after:
                    combos[tuple(row[i] for i in _FACET_AT)] += 1
                unmatched = []
                for row_id, row in before:
                    if row in after:
                        after.remove(row)
                    else:
                        unmatched.append((row_id, row))
                for (row_id, row), fresh in zip(unmatched, after):
                    changed = tuple(i for i, (a, b) in enumerate(zip(row, fresh)) if a != b)
                    updates.setdefault(changed, []).append(
                        tuple(fresh[i] for i in changed) + (row_id,)
                    )
                deletes += [(row_id,) for row_id, _ in unmatched[len(after) :]]
                inserts += after[len(unmatched) :]
            p = self._MARK
            self._many(conn, f"DELETE FROM claim_rows WHERE id = {p}", deletes)
            for changed, rows in updates.items():
                sets = ", ".join(f'"{ROW_COLUMNS[i]}" = {p}' for i in changed)
                self._many(conn, f"UPDATE claim_rows SET {sets} WHERE id = {p}", rows)
            marks = ", ".join([p] * len(ROW_COLUMNS))
            self._many(conn, f"INSERT INTO claim_rows({_COLS}) VALUES ({marks})", inserts)
            delta: Counter = Counter()
            for values, n in combos.items():
                if n:
                    for k in _facet_keys(values):
                        delta[k] += n
            # in key order, so that writers moving the same counts at once (workers writing
            # their own batches on PostgreSQL) lock them in one order and never deadlock
            moved = sorted((*k, n) for k, n in delta.items() if n)
            self._many(
                conn,
                "INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}) "
                "ON CONFLICT(filter_column, filter_value, facet, value) "
                "DO UPDATE SET n = claim_facet_counts.n + excluded.n",
                moved,
            )
            self._many(
                conn,
                f"DELETE FROM claim_facet_counts WHERE filter_column = {p} AND filter_value = {p} "
                f"AND facet = {p} AND value = {p} AND n <= 0",
                [k for *k, n in moved if n < 0],
            )

    def rebuild(self) -> int:
        """Derive every claim row and count afresh (a new current stance model); the number
        of rows."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM claim_facet_counts")
            conn.execute("DELETE FROM claim_rows")
            conn.execute(
                f"INSERT INTO claim_rows({_COLS}) SELECT {_COLS} FROM claims_view "
                f"ORDER BY {self._NEW_ORDER}"
            )
            conn.execute(_count_all_sql())
            n = conn.execute("SELECT COUNT(*) FROM claim_rows").fetchone()[0]
        log.info("claim rows rebuilt: %d", n)
        return n

    # ------------------------------------------------------------------ reading

    def facet_counts(
        self,
        facet: str,
        *,
        filter_column: str = "",
        filter_value: str = "",
        order: str = "count",
        limit: int = 30,
    ) -> list[tuple[str, int]]:
        """(value, count) of one facet, over all claim rows or within one facet value."""
        sql = self._FACET_COUNTS_SQL.format(order=FACET_ORDERS[order])
        rows = self.db.execute(
            sql,
            {
                "filter_column": filter_column,
                "filter_value": filter_value,
                "facet": facet,
                "limit": self._limit(limit),
            },
        )
        return [(r[0], r[1]) for r in rows]

    def problems(self) -> list[str]:
        """Where claim_rows or the facet counts disagree with claims_view (empty if none)."""
        out = []
        try:
            rows = self.db.execute("SELECT COUNT(*) FROM claim_rows").fetchone()[0]
            expected = self.db.execute("SELECT COUNT(*) FROM claims_view").fetchone()[0]
        except sqlite3.OperationalError as exc:  # a corpus older than migration 8
            return [f"claim_rows: {exc}"]
        if rows != expected:
            out.append(f"claim_rows: {rows} rows for {expected} in claims_view")
        for facet in FACETS:
            counted = dict(self.facet_counts(facet, limit=-1))
            actual = {
                v: n
                for v, n in self.db.execute(
                    f"SELECT {facet}, COUNT(*) FROM claim_rows WHERE {facet} IS NOT NULL "
                    f"GROUP BY {facet}"
                )
            }
            if counted != actual:
                out.append(f"claim_facet_counts: {facet} counts differ from claim_rows")
        return out

    def document_claims(self, document_id: int) -> list[dict]:
        """The current claims of one document with their stance tags (current model), in
        text order: one dict per claim, ``tags`` a list of (target, name, stance, score,
        uncertain)."""
        rows = self.db.execute(
            "SELECT v.claim_id, v.start, v.end, v.text, v.claim_type, v.holder, v.holder_kind, "
            "v.hedged, v.negated, v.target, coalesce(t.name, v.target) AS target_name, "
            "v.stance, v.stance_score, v.uncertain FROM claims_view v "
            f"LEFT JOIN targets t ON t.id = v.target WHERE v.document_id = {self._MARK} "
            "ORDER BY v.start, v.claim_id, v.target",
            (document_id,),
        )
        claims: dict[int, dict] = {}
        for r in rows:
            claim = claims.setdefault(
                r["claim_id"],
                {
                    k: r[k]
                    for k in (
                        "claim_id",
                        "start",
                        "end",
                        "text",
                        "claim_type",
                        "holder",
                        "holder_kind",
                        "hedged",
                        "negated",
                    )
                }
                | {"tags": []},
            )
            if r["target"] is not None and r["stance"] is not None:
                claim["tags"].append(
                    (
                        r["target"],
                        r["target_name"],
                        r["stance"],
                        r["stance_score"],
                        bool(r["uncertain"]),
                    )
                )
        return list(claims.values())
