-- PostgreSQL mirror of ../0005_views.sql: the same read-only views, for SQL users (the web
-- view serves an SQLite snapshot: `discourse snapshot`).
CREATE VIEW claims_view AS
SELECT c.id AS claim_id, c.sentence_id, s.text, c.claim_type, c.holder, c.holder_kind,
       c.hedged, c.negated, t.target, t.label AS stance, t.score AS stance_score,
       t.uncertain, src.name AS source, d.title, d.published,
       substr(d.published, 1, 7) AS month, d.canonical_url AS url, c.document_id,
       s.start, s.end, t.model_version, c.pipeline_version
FROM claims c
JOIN sentences s ON s.id = c.sentence_id
JOIN documents d ON d.id = c.document_id
JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version
LEFT JOIN sources src ON src.id = d.source_id
LEFT JOIN stance_tags t ON t.claim_id = c.id
    AND t.model_version = (SELECT version FROM models WHERE kind = 'stance' AND is_current = 1);

CREATE VIEW documents_view AS
SELECT d.id AS document_id, d.title, src.name AS source, d.published,
       substr(d.published, 1, 7) AS month, d.author, d.language, d.word_count,
       d.canonical_url AS url, d.text
FROM documents d LEFT JOIN sources src ON src.id = d.source_id
WHERE d.duplicate_of IS NULL;
