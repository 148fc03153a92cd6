-- Analysis: sentences and claims (claims pipeline), stance targets, tags, human labels, models.
CREATE TABLE annotations (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    pipeline_version TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'skipped')),
    reason TEXT,                                -- why skipped: empty, not English, ...
    annotated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,                       -- position in the document
    start INTEGER NOT NULL,                     -- character offsets into documents.text
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    UNIQUE (document_id, idx, pipeline_version)
);

CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    sentence_id INTEGER NOT NULL UNIQUE REFERENCES sentences(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    claim_type TEXT NOT NULL
        CHECK (claim_type IN ('normative', 'evaluative', 'causal', 'predictive', 'factual')),
    score REAL,                                 -- claim detector probability
    holder TEXT NOT NULL,                       -- 'author' or the name as written
    holder_kind TEXT NOT NULL CHECK (holder_kind IN ('author', 'quoted')),
    hedged INTEGER NOT NULL DEFAULT 0,
    hedge_cue TEXT,
    negated INTEGER NOT NULL DEFAULT 0,
    negation_cue TEXT,
    practices TEXT NOT NULL DEFAULT '[]',       -- JSON list of practice ids mentioned
    targets TEXT NOT NULL DEFAULT '[]',         -- JSON list of target ids the practices signal
    pipeline_version TEXT NOT NULL
);
CREATE INDEX claims_document ON claims(document_id);
CREATE INDEX claims_type ON claims(claim_type);
CREATE INDEX claims_holder ON claims(holder_kind, holder);

CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    practices TEXT NOT NULL DEFAULT '[]',       -- JSON list
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE models (
    version TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                         -- 'stance', 'claims'
    path TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',        -- JSON: data hash, library versions, scores
    is_current INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE stance_tags (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('favor', 'against', 'neutral')),
    score REAL NOT NULL,
    uncertain INTEGER NOT NULL DEFAULT 0,
    model_version TEXT NOT NULL,
    tagged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (claim_id, target, model_version)
);
CREATE INDEX stance_tags_target ON stance_tags(target, label);
CREATE INDEX stance_tags_model ON stance_tags(model_version);

-- Human labels, for training and evaluation.
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    target TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('favor', 'against', 'neutral', 'none')),
    claim_id INTEGER REFERENCES claims(id) ON DELETE SET NULL,
    annotator TEXT,
    origin TEXT NOT NULL DEFAULT 'corpus',      -- 'corpus' (labelled here) or a file name
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX labels_target ON labels(target);
CREATE UNIQUE INDEX labels_claim_target ON labels(claim_id, target) WHERE claim_id IS NOT NULL;
