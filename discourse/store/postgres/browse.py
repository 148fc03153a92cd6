"""Claim rows and facet counts (what the web view browses), on PostgreSQL: the SQLite store's
logic (discourse/store/browse.py) with PostgreSQL's placeholders and id sets.

Workers writing their own batches move the same facet counts at once; the counts are moved
in key order, so two batches wait for each other instead of deadlocking."""

from __future__ import annotations

from discourse.store.browse import FACET_COUNTS_SQL, BrowseStore

_FACET_COUNTS_SQL = (
    FACET_COUNTS_SQL.replace(":filter_column", "%(filter_column)s")
    .replace(":filter_value", "%(filter_value)s")
    .replace(":facet", "%(facet)s")
    .replace(":limit", "%(limit)s")
)


class PgBrowseStore(BrowseStore):
    _MARK = "%s"
    _BY = {
        "document_id": "document_id = ANY(%(ids)s)",
        "claim_id": "claim_id = ANY(%(ids)s)",
    }
    _FACET_COUNTS_SQL = _FACET_COUNTS_SQL
    # SQLite sorts NULL dates first; the rows of one claim by target, so a refresh finds
    # unchanged rows in the order it stored them
    _NEW_ORDER = "published NULLS FIRST, claim_id, target NULLS FIRST"
    _OLD_ORDER = " ORDER BY id"

    @staticmethod
    def _ids(ids: list[int]) -> list[int]:
        return ids

    @staticmethod
    def _many(conn, sql: str, rows: list) -> None:
        if rows:
            conn.cursor().executemany(sql, rows)

    @staticmethod
    def _limit(limit: int) -> int | None:
        return None if limit < 0 else limit  # LIMIT NULL: every row
