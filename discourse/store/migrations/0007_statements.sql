-- discourse: foreign_keys off
-- Statements: besides claims, the claims table keeps every sentence that is about a stance
-- target without being a claim (is_claim = 0, claim_type NULL), so that every sentence-target
-- pair that concerns a target gets a stance tag. Each row keeps its relevance to every target
-- ({target: P(about)}, JSON); each stance tag keeps the relevance of its target. SQLite cannot
-- drop a CHECK constraint, so the table is rebuilt (foreign keys off for the rebuild, checked
-- before commit) and the view over it recreated.
DROP VIEW IF EXISTS claims_view;

CREATE TABLE claims_new (
    id INTEGER PRIMARY KEY,
    sentence_id INTEGER NOT NULL UNIQUE REFERENCES sentences(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    is_claim INTEGER NOT NULL DEFAULT 1 CHECK (is_claim IN (0, 1)),
    claim_type TEXT
        CHECK (claim_type IN ('normative', 'evaluative', 'causal', 'predictive', 'factual')),
    score REAL,                                 -- claim detector probability
    holder TEXT NOT NULL,                       -- 'author' or the name as written
    holder_kind TEXT NOT NULL CHECK (holder_kind IN ('author', 'quoted')),
    hedged INTEGER NOT NULL DEFAULT 0,
    hedge_cue TEXT,
    negated INTEGER NOT NULL DEFAULT 0,
    negation_cue TEXT,
    practices TEXT NOT NULL DEFAULT '[]',       -- JSON list of practice ids mentioned
    targets TEXT NOT NULL DEFAULT '[]',         -- JSON list of the targets it is about
    pipeline_version TEXT NOT NULL,
    stance_view TEXT,
    relevance TEXT,                             -- JSON {target: P(about)}
    CHECK ((is_claim = 1) = (claim_type IS NOT NULL))
);

INSERT INTO claims_new(id, sentence_id, document_id, is_claim, claim_type, score, holder,
                       holder_kind, hedged, hedge_cue, negated, negation_cue, practices,
                       targets, pipeline_version, stance_view)
SELECT id, sentence_id, document_id, 1, claim_type, score, holder, holder_kind, hedged,
       hedge_cue, negated, negation_cue, practices, targets, pipeline_version, stance_view
FROM claims;

DROP TABLE claims;
ALTER TABLE claims_new RENAME TO claims;
CREATE INDEX claims_document ON claims(document_id);
CREATE INDEX claims_type ON claims(claim_type);
CREATE INDEX claims_holder ON claims(holder_kind, holder);

ALTER TABLE stance_tags ADD COLUMN relevance REAL;  -- P(about the target) when tagged

CREATE VIEW claims_view AS
SELECT c.id AS claim_id, c.sentence_id, s.text, c.is_claim, c.claim_type, c.holder,
       c.holder_kind, c.hedged, c.negated, t.target, t.label AS stance,
       t.score AS stance_score, t.uncertain, src.name AS source, d.title, d.published,
       substr(d.published, 1, 7) AS month, d.canonical_url AS url, c.document_id,
       s.start, s.end, t.model_version, c.pipeline_version
FROM claims c
JOIN sentences s ON s.id = c.sentence_id
JOIN documents d ON d.id = c.document_id
JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version
LEFT JOIN sources src ON src.id = d.source_id
LEFT JOIN stance_tags t ON t.claim_id = c.id
    AND t.model_version = (SELECT version FROM models WHERE kind = 'stance' AND is_current = 1);
