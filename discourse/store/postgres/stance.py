"""Stance models, tags and human labels (the stance stage), on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

from discourse.store.postgres.browse import PgBrowseStore
from discourse.store.postgres.database import PgDatabase

# Claims of each document's current annotation (older pipeline versions' claims are kept).
_CURRENT_CLAIMS = (
    "claims c JOIN annotations a ON a.document_id = c.document_id "
    "AND a.pipeline_version = c.pipeline_version"
)


class PgStanceStore:
    def __init__(self, db: PgDatabase):
        self.db = db

    # ------------------------------------------------------------------ models

    def register_model(self, version: str, path: str, metadata: dict) -> None:
        """Record a stance model and make it the current one (older tags stay queryable
        under their own model version)."""
        with self.db.transaction() as conn:
            before = conn.execute(
                "SELECT version FROM models WHERE kind = 'stance' AND is_current = 1"
            ).fetchone()
            conn.execute("UPDATE models SET is_current = 0 WHERE kind = 'stance'")
            conn.execute(
                "INSERT INTO models(version, kind, path, metadata, is_current) "
                "VALUES (%s, 'stance', %s, %s, 1) ON CONFLICT (version) DO UPDATE SET "
                "path = excluded.path, metadata = excluded.metadata, is_current = 1",
                (version, path, json.dumps(metadata, default=str)),
            )
            if before is None or before[0] != version:  # every claim row shows the new tags
                PgBrowseStore(self.db).rebuild()

    def sync_targets(self, registry: dict[str, dict]) -> None:
        """Make the targets table match targets.toml (id, name, description)."""
        if not registry:
            return
        with self.db.transaction() as conn:
            conn.cursor().executemany(
                "INSERT INTO targets(id, name, description) VALUES (%s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "description = excluded.description, updated_at = discourse_now()",
                [(tid, t["name"], t["description"]) for tid, t in registry.items()],
            )

    def current_model(self) -> dict | None:
        row = self.db.execute(
            "SELECT version, path, metadata, created_at FROM models "
            "WHERE kind = 'stance' AND is_current = 1"
        ).fetchone()
        if row is None:
            return None
        return {
            "version": row[0],
            "path": row[1],
            "metadata": json.loads(row[2]),
            "created_at": row[3],
        }

    # ------------------------------------------------------------------ tagging

    def untagged(self, model_version: str, after: int = 0, limit: int = 2000) -> list[tuple]:
        """(claim id, sentence text, targets JSON, stance view JSON, relevance JSON) of current
        statements (claims and sentences about a target) that are about a target and have no
        tag from ``model_version``, in id order after ``after``."""
        return [
            tuple(r)
            for r in self.db.execute(
                f"SELECT c.id, s.text, c.targets, c.stance_view, c.relevance FROM {_CURRENT_CLAIMS} "
                "JOIN sentences s ON s.id = c.sentence_id "
                "WHERE c.id > %s AND c.targets != '[]' AND NOT EXISTS (SELECT 1 FROM "
                "stance_tags t WHERE t.claim_id = c.id AND t.model_version = %s) "
                "ORDER BY c.id LIMIT %s",
                (after, model_version, limit),
            )
        ]

    def untagged_ids(self, model_version: str, after: int = 0, limit: int = 2000) -> list[int]:
        """Ids of :meth:`untagged` claims (without their text), in id order after ``after``."""
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT c.id FROM {_CURRENT_CLAIMS} "
                "WHERE c.id > %s AND c.targets != '[]' AND NOT EXISTS (SELECT 1 FROM "
                "stance_tags t WHERE t.claim_id = c.id AND t.model_version = %s) "
                "ORDER BY c.id LIMIT %s",
                (after, model_version, limit),
            )
        ]

    def count_untagged(self, model_version: str) -> int:
        return self.db.execute(
            f"SELECT COUNT(*) FROM {_CURRENT_CLAIMS} WHERE c.targets != '[]' AND NOT EXISTS "
            "(SELECT 1 FROM stance_tags t WHERE t.claim_id = c.id AND t.model_version = %s)",
            (model_version,),
        ).fetchone()[0]

    def store_tags(self, tags: list[tuple], model_version: str) -> None:
        """(claim id, target, label, score, uncertain, relevance) rows, in one transaction
        with the claim rows they change (tags of the current model): COPY into a temporary
        table, then one INSERT that skips tags already there."""
        if not tags:
            return
        with self.db.transaction() as conn:
            conn.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS new_tags (claim_id BIGINT, target TEXT, "
                "label TEXT, score DOUBLE PRECISION, uncertain INTEGER, "
                "relevance DOUBLE PRECISION) ON COMMIT DELETE ROWS"
            )
            cur = conn.cursor()
            with cur.copy(
                "COPY new_tags (claim_id, target, label, score, uncertain, relevance) FROM STDIN"
            ) as copy:
                for c, t, lb, s, u, r in tags:
                    copy.write_row((c, t, lb, s, int(u), r))
            cur.execute(
                "INSERT INTO stance_tags(claim_id, target, label, score, uncertain, model_version, "
                "relevance) SELECT claim_id, target, label, score, uncertain, %s, relevance "
                "FROM new_tags ON CONFLICT (claim_id, target, model_version) DO NOTHING",
                (model_version,),
            )
            current = conn.execute(
                "SELECT 1 FROM models WHERE kind = 'stance' AND is_current = 1 AND version = %s",
                (model_version,),
            ).fetchone()
            if current:
                PgBrowseStore(self.db).refresh_claims(c for c, *_ in tags)

    def tags_of(self, claim_id: int, model_version: str | None) -> list[dict]:
        """The stance tags of one claim from ``model_version``."""
        return [
            dict(r)
            for r in self.db.execute(
                "SELECT target, label, score, uncertain FROM stance_tags "
                "WHERE claim_id = %s AND model_version = %s ORDER BY target",
                (claim_id, model_version),
            )
        ]

    def tag_counts(self, model_version: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for target, label, n in self.db.execute(
            "SELECT target, label, COUNT(*) FROM stance_tags WHERE model_version = %s "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            (model_version,),
        ):
            out.setdefault(target, {})[label] = n
        return out

    # ------------------------------------------------------------------ labelling

    def candidates(self, target: str, limit: int = 5000) -> list[tuple]:
        """(claim id, text, stance view) of current claims mentioning ``target`` that have
        no human label for it, newest documents first."""
        return [
            tuple(r)
            for r in self.db.execute(
                f"SELECT c.id, s.text, c.stance_view FROM {_CURRENT_CLAIMS} "
                "JOIN sentences s ON s.id = c.sentence_id "
                "JOIN documents d ON d.id = c.document_id "
                "WHERE c.targets::jsonb ? %s "
                "AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.claim_id = c.id "
                "AND l.target = %s) ORDER BY d.published DESC NULLS LAST, c.id LIMIT %s",
                (target, target, limit),
            )
        ]

    def context(self, claim_id: int) -> dict:
        """The claim with the sentences before and after it, its document and source."""
        row = self.db.execute(
            "SELECT c.id, c.document_id, c.holder, c.holder_kind, c.claim_type, s.idx, s.text, "
            "s.pipeline_version, d.title, d.url, d.published, src.name AS source "
            "FROM claims c JOIN sentences s ON s.id = c.sentence_id "
            "JOIN documents d ON d.id = c.document_id "
            "LEFT JOIN sources src ON src.id = d.source_id WHERE c.id = %s",
            (claim_id,),
        ).fetchone()
        out = dict(row)
        around = self.db.execute(
            "SELECT idx, text FROM sentences WHERE document_id = %s AND pipeline_version = %s "
            "AND idx IN (%s, %s)",
            (out["document_id"], out["pipeline_version"], out["idx"] - 1, out["idx"] + 1),
        ).fetchall()
        out["before"] = next((t for i, t in around if i == out["idx"] - 1), None)
        out["after"] = next((t for i, t in around if i == out["idx"] + 1), None)
        return out

    def add_label(
        self,
        claim_id: int | None,
        text: str,
        target: str,
        label: str,
        *,
        annotator: str | None = None,
        origin: str = "corpus",
        session: str | None = None,
    ) -> int:
        """Store one label at once (its own transaction); a claim relabelled for the same
        target keeps only the newest label."""
        with self.db.transaction() as conn:
            if claim_id is not None:
                conn.execute(
                    "DELETE FROM labels WHERE claim_id = %s AND target = %s", (claim_id, target)
                )
            return conn.execute(
                "INSERT INTO labels(text, target, label, claim_id, annotator, origin, session) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (text, target, label, claim_id, annotator, origin, session),
            ).fetchone()[0]

    def delete_label(self, label_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM labels WHERE id = %s", (label_id,))

    def labels(self, target: str | None = None) -> Iterator[dict]:
        sql = "SELECT id, text, target, label, claim_id, annotator, origin, created_at FROM labels"
        params: tuple = ()
        if target:
            sql += " WHERE target = %s"
            params = (target,)
        for r in self.db.execute(sql + " ORDER BY id", params):
            yield dict(r)
