"""Stance models, tags and human labels (the stance stage)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from discourse.store.browse import BrowseStore
from discourse.store.sqlite import Database

# Claims of each document's current annotation (older pipeline versions' claims are kept).
_CURRENT_CLAIMS = (
    "claims c JOIN annotations a ON a.document_id = c.document_id "
    "AND a.pipeline_version = c.pipeline_version"
)


class StanceStore:
    def __init__(self, db: Database):
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
                "VALUES (?, 'stance', ?, ?, 1) ON CONFLICT(version) DO UPDATE SET "
                "path = excluded.path, metadata = excluded.metadata, is_current = 1",
                (version, path, json.dumps(metadata, default=str)),
            )
            if before is None or before[0] != version:  # every claim row shows the new tags
                BrowseStore(self.db).rebuild()

    def sync_targets(self, registry: dict[str, dict]) -> None:
        """Make the targets table match targets.toml (id, name, description)."""
        with self.db.transaction() as conn:
            for tid, t in registry.items():
                conn.execute(
                    "INSERT INTO targets(id, name, description) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                    "description = excluded.description, "
                    "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    (tid, t["name"], t["description"]),
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
                "WHERE c.id > ? AND c.targets != '[]' AND NOT EXISTS (SELECT 1 FROM stance_tags t "
                "WHERE t.claim_id = c.id AND t.model_version = ?) ORDER BY c.id LIMIT ?",
                (after, model_version, limit),
            )
        ]

    def untagged_ids(self, model_version: str, after: int = 0, limit: int = 2000) -> list[int]:
        """Ids of :meth:`untagged` claims (without their text), in id order after ``after``."""
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT c.id FROM {_CURRENT_CLAIMS} "
                "WHERE c.id > ? AND c.targets != '[]' AND NOT EXISTS (SELECT 1 FROM stance_tags t "
                "WHERE t.claim_id = c.id AND t.model_version = ?) ORDER BY c.id LIMIT ?",
                (after, model_version, limit),
            )
        ]

    def count_untagged(self, model_version: str) -> int:
        return self.db.execute(
            f"SELECT COUNT(*) FROM {_CURRENT_CLAIMS} WHERE c.targets != '[]' AND NOT EXISTS "
            "(SELECT 1 FROM stance_tags t WHERE t.claim_id = c.id AND t.model_version = ?)",
            (model_version,),
        ).fetchone()[0]

    def store_tags(self, tags: list[tuple], model_version: str) -> None:
        """(claim id, target, label, score, uncertain, relevance) rows, in one transaction."""
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO stance_tags(claim_id, target, label, score, uncertain, "
                "model_version, relevance) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(claim_id, target, model_version) DO NOTHING",
                [(c, t, lb, s, int(u), model_version, r) for c, t, lb, s, u, r in tags],
            )
            current = conn.execute(
                "SELECT 1 FROM models WHERE kind = 'stance' AND is_current = 1 AND version = ?",
                (model_version,),
            ).fetchone()
            if current:
                BrowseStore(self.db).refresh_claims(c for c, *_ in tags)

    def tags_of(self, claim_id: int, model_version: str | None) -> list[dict]:
        """The stance tags of one claim from ``model_version``."""
        return [
            dict(r)
            for r in self.db.execute(
                "SELECT target, label, score, uncertain FROM stance_tags "
                "WHERE claim_id = ? AND model_version = ? ORDER BY target",
                (claim_id, model_version),
            )
        ]

    def tag_counts(self, model_version: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for target, label, n in self.db.execute(
            "SELECT target, label, COUNT(*) FROM stance_tags WHERE model_version = ? "
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
                "WHERE EXISTS (SELECT 1 FROM json_each(c.targets) WHERE json_each.value = ?) "
                "AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.claim_id = c.id "
                "AND l.target = ?) ORDER BY d.published DESC, c.id LIMIT ?",
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
            "LEFT JOIN sources src ON src.id = d.source_id WHERE c.id = ?",
            (claim_id,),
        ).fetchone()
        out = dict(row)
        around = self.db.execute(
            "SELECT idx, text FROM sentences WHERE document_id = ? AND pipeline_version = ? "
            "AND idx IN (?, ?)",
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
                    "DELETE FROM labels WHERE claim_id = ? AND target = ?", (claim_id, target)
                )
            cur = conn.execute(
                "INSERT INTO labels(text, target, label, claim_id, annotator, origin, session) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (text, target, label, claim_id, annotator, origin, session),
            )
            return cur.lastrowid

    def delete_label(self, label_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM labels WHERE id = ?", (label_id,))

    def labels(self, target: str | None = None) -> Iterator[dict]:
        sql = "SELECT id, text, target, label, claim_id, annotator, origin, created_at FROM labels"
        params: tuple = ()
        if target:
            sql += " WHERE target = ?"
            params = (target,)
        for r in self.db.execute(sql + " ORDER BY id", params):
            yield dict(r)
