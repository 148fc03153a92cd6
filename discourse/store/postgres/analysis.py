"""Sentences, claims and annotation state (the claims stage), on PostgreSQL.

A batch of annotations is written with COPY: sentence ids are drawn from their sequence
first, so claims can name their sentences without a round trip per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from discourse.store.analysis import Annotation
from discourse.store.postgres.browse import PgBrowseStore
from discourse.store.postgres.database import PgDatabase
from discourse.store.postgres.documents import pg_text
from discourse.store.postgres.fulltext import Tokenizer

_SENTENCE_COLUMNS = '(id, document_id, idx, start, "end", text, pipeline_version, tsv)'
_CLAIM_COLUMNS = (
    "(sentence_id, document_id, is_claim, claim_type, score, holder, holder_kind, hedged, "
    "hedge_cue, negated, negation_cue, practices, targets, pipeline_version, stance_view, "
    "relevance)"
)
_PENDING = (
    "FROM documents d LEFT JOIN annotations a ON a.document_id = d.id "
    "WHERE d.duplicate_of IS NULL AND d.id > %s "
    "AND (a.document_id IS NULL OR a.pipeline_version != %s) ORDER BY d.id LIMIT %s"
)


class PgAnalysisStore:
    def __init__(self, db: PgDatabase, tokenizer: Tokenizer):
        self.db = db
        self.tokenizer = tokenizer

    def pending(
        self, pipeline_version: str, limit: int = 1000, after: int = 0
    ) -> list[tuple[int, str, str | None, str | None]]:
        """(id, text, language, title) of original documents not yet annotated by this
        pipeline version, in id order after ``after``."""
        rows = self.db.execute(
            f"SELECT d.id, d.text, d.language, d.title {_PENDING}",
            (after, pipeline_version, limit),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def pending_ids(self, pipeline_version: str, limit: int = 1000, after: int = 0) -> list[int]:
        """Ids of :meth:`pending` documents (without their text), in id order after ``after``."""
        rows = self.db.execute(f"SELECT d.id {_PENDING}", (after, pipeline_version, limit))
        return [r[0] for r in rows]

    def count_pending(self, pipeline_version: str) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM documents d LEFT JOIN annotations a ON a.document_id = d.id "
            "WHERE d.duplicate_of IS NULL AND (a.document_id IS NULL OR a.pipeline_version != %s)",
            (pipeline_version,),
        ).fetchone()[0]

    def store(self, annotations: list[Annotation], pipeline_version: str) -> None:
        """Store a batch of annotations in one transaction (all of the batch or none of it),
        with the claim rows of their documents. Sentences of older pipeline versions are kept,
        so tags made on them stay queryable."""
        if not annotations:
            return
        n = sum(len(a.sentences) for a in annotations)
        tsvs = iter(
            self.tokenizer.tsvectors([(s.text, None) for a in annotations for s in a.sentences])
        )
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM sentences WHERE document_id = ANY(%s) AND pipeline_version = %s",
                ([a.document_id for a in annotations], pipeline_version),
            )
            ids = iter(
                r[0]
                for r in conn.execute(
                    "SELECT nextval(pg_get_serial_sequence('sentences', 'id')) "
                    "FROM generate_series(1, %s)",
                    (n,),
                ).fetchall()
            )
            claims = []
            cur = conn.cursor()
            with cur.copy(f"COPY sentences {_SENTENCE_COLUMNS} FROM STDIN") as copy:
                for ann in annotations:
                    for s in ann.sentences:
                        sid = next(ids)
                        text = pg_text(s.text)
                        copy.write_row(
                            (sid, ann.document_id, s.idx, s.start, s.end, text, pipeline_version,
                             next(tsvs))
                        )  # fmt: skip
                        if s.statement:
                            claims.append(
                                (
                                    sid,
                                    ann.document_id,
                                    int(s.is_claim),
                                    s.claim_type if s.is_claim else None,
                                    s.score,
                                    s.holder,
                                    s.holder_kind,
                                    int(s.hedge_cue is not None),
                                    s.hedge_cue,
                                    int(s.negation_cue is not None),
                                    s.negation_cue,
                                    json.dumps(s.practices),
                                    json.dumps(s.targets),
                                    pipeline_version,
                                    None
                                    if s.stance_view is None
                                    else json.dumps(s.stance_view, separators=(",", ":")),
                                    json.dumps(s.relevance, separators=(",", ":")),
                                )
                            )
            if claims:
                with cur.copy(f"COPY claims {_CLAIM_COLUMNS} FROM STDIN") as copy:
                    for row in claims:
                        copy.write_row(row)
            cur.executemany(
                "INSERT INTO annotations(document_id, pipeline_version, status, reason) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (document_id) DO UPDATE SET "
                "pipeline_version = excluded.pipeline_version, status = excluded.status, "
                "reason = excluded.reason, annotated_at = discourse_now()",
                [
                    (a.document_id, pipeline_version, "skipped" if a.skipped else "done", a.skipped)
                    for a in annotations
                ],
            )
            PgBrowseStore(self.db).refresh_documents(a.document_id for a in annotations)

    def sentences(self, document_id: int, pipeline_version: str | None = None) -> Iterator[dict]:
        """Sentences of a document (latest pipeline version unless given), claims joined."""
        if pipeline_version is None:
            row = self.db.execute(
                "SELECT pipeline_version FROM annotations WHERE document_id = %s", (document_id,)
            ).fetchone()
            if row is None:
                return
            pipeline_version = row[0]
        rows = self.db.execute(
            "SELECT s.idx, s.start, s.end, s.text, c.id AS claim_id, c.is_claim, c.claim_type, "
            "c.score, "
            "c.holder, c.holder_kind, c.hedged, c.hedge_cue, c.negated, c.negation_cue, "
            "c.practices, c.targets FROM sentences s LEFT JOIN claims c ON c.sentence_id = s.id "
            "WHERE s.document_id = %s AND s.pipeline_version = %s ORDER BY s.idx",
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
