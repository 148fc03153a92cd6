"""Sentences, claims and annotation state (the claims stage)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

from discourse.store.browse import BrowseStore
from discourse.store.sqlite import Database


@dataclasses.dataclass
class SentenceRecord:
    """One sentence of a document, with its analysis if it is a statement: a claim, or a
    sentence about a stance target (``statement``); ``relevance`` is P(about) per target."""

    idx: int
    start: int
    end: int
    text: str
    statement: bool = False
    is_claim: bool = False
    claim_type: str | None = None
    score: float | None = None
    holder: str | None = None
    holder_kind: str | None = None
    hedge_cue: str | None = None
    negation_cue: str | None = None
    practices: list[str] = dataclasses.field(default_factory=list)
    targets: list[str] = dataclasses.field(default_factory=list)
    stance_view: dict | None = None
    relevance: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Annotation:
    """The result for one document: its sentences, or the reason it was skipped."""

    document_id: int
    sentences: list[SentenceRecord] = dataclasses.field(default_factory=list)
    skipped: str | None = None


class AnalysisStore:
    def __init__(self, db: Database):
        self.db = db

    def pending(
        self, pipeline_version: str, limit: int = 1000, after: int = 0
    ) -> list[tuple[int, str, str | None, str | None]]:
        """(id, text, language, title) of original documents not yet annotated by this
        pipeline version, in id order after ``after``."""
        rows = self.db.execute(
            "SELECT d.id, d.text, d.language, d.title FROM documents d "
            "LEFT JOIN annotations a ON a.document_id = d.id "
            "WHERE d.duplicate_of IS NULL AND d.id > ? "
            "AND (a.document_id IS NULL OR a.pipeline_version != ?) ORDER BY d.id LIMIT ?",
            (after, pipeline_version, limit),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def pending_ids(self, pipeline_version: str, limit: int = 1000, after: int = 0) -> list[int]:
        """Ids of :meth:`pending` documents (without their text), in id order after ``after``."""
        rows = self.db.execute(
            "SELECT d.id FROM documents d LEFT JOIN annotations a ON a.document_id = d.id "
            "WHERE d.duplicate_of IS NULL AND d.id > ? "
            "AND (a.document_id IS NULL OR a.pipeline_version != ?) ORDER BY d.id LIMIT ?",
            (after, pipeline_version, limit),
        )
        return [r[0] for r in rows]

    def count_pending(self, pipeline_version: str) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM documents d LEFT JOIN annotations a ON a.document_id = d.id "
            "WHERE d.duplicate_of IS NULL AND (a.document_id IS NULL OR a.pipeline_version != ?)",
            (pipeline_version,),
        ).fetchone()[0]

    def store(self, annotations: list[Annotation], pipeline_version: str) -> None:
        """Store a batch of annotations in one transaction (all of the batch or none of it).
        Sentences of older pipeline versions are kept, so tags made on them stay queryable."""
        with self.db.transaction() as conn:
            for ann in annotations:
                conn.execute(
                    "DELETE FROM sentences WHERE document_id = ? AND pipeline_version = ?",
                    (ann.document_id, pipeline_version),
                )
                for s in ann.sentences:
                    cur = conn.execute(
                        "INSERT INTO sentences(document_id, idx, start, end, text, pipeline_version)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (ann.document_id, s.idx, s.start, s.end, s.text, pipeline_version),
                    )
                    if s.statement:
                        conn.execute(
                            "INSERT INTO claims(sentence_id, document_id, is_claim, claim_type,"
                            " score, holder, holder_kind, hedged, hedge_cue, negated,"
                            " negation_cue, practices, targets, pipeline_version, stance_view,"
                            " relevance) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            (
                                cur.lastrowid,
                                ann.document_id,
                                int(s.is_claim),
                                s.claim_type if s.is_claim else None,
                                s.score,
                                s.holder,
                                s.holder_kind,
                                s.hedge_cue is not None,
                                s.hedge_cue,
                                s.negation_cue is not None,
                                s.negation_cue,
                                json.dumps(s.practices),
                                json.dumps(s.targets),
                                pipeline_version,
                                None
                                if s.stance_view is None
                                else json.dumps(s.stance_view, separators=(",", ":")),
                                json.dumps(s.relevance, separators=(",", ":")),
                            ),
                        )
                conn.execute(
                    "INSERT INTO annotations(document_id, pipeline_version, status, reason) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(document_id) DO UPDATE SET "
                    "pipeline_version=excluded.pipeline_version, status=excluded.status, "
                    "reason=excluded.reason, annotated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    (
                        ann.document_id,
                        pipeline_version,
                        "skipped" if ann.skipped else "done",
                        ann.skipped,
                    ),
                )
            BrowseStore(self.db).refresh_documents(a.document_id for a in annotations)

    def sentences(self, document_id: int, pipeline_version: str | None = None) -> Iterator[dict]:
        """Sentences of a document (latest pipeline version unless given), claims joined."""
        if pipeline_version is None:
            row = self.db.execute(
                "SELECT pipeline_version FROM annotations WHERE document_id = ?", (document_id,)
            ).fetchone()
            if row is None:
                return
            pipeline_version = row[0]
        rows = self.db.execute(
            "SELECT s.idx, s.start, s.end, s.text, c.id AS claim_id, c.is_claim, c.claim_type, "
            "c.score, "
            "c.holder, c.holder_kind, c.hedged, c.hedge_cue, c.negated, c.negation_cue, "
            "c.practices, c.targets FROM sentences s LEFT JOIN claims c ON c.sentence_id = s.id "
            "WHERE s.document_id = ? AND s.pipeline_version = ? ORDER BY s.idx",
            (document_id, pipeline_version),
        )
        for r in rows:
            yield dict(r)

    def skipped(self) -> list[tuple[int, str]]:
        return [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT document_id, reason FROM annotations WHERE status = 'skipped' ORDER BY 1"
            )
        ]

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("annotations", "sentences", "claims"):
            out[table] = self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return out
