-- Browsing at scale (`discourse serve`) and views that never show secrets.
--
-- document_urls: each document's canonical URL without the userinfo (user:password@) of its
-- authority, whatever was stored; claims_view and documents_view take their URL from it, and
-- sources_view shows sources without their config and with the homepage cleaned the same way.
-- None of the views reads documents.raw_html, documents.url, feeds, items or fetch_log.
--
-- claim_rows: claims_view materialised (one row per current claim and current stance tag),
-- kept up to date by the store when annotate stores claims, tag stores tags or a new stance
-- model becomes current, with an index per filter column so a filtered, date-sorted page is a
-- range scan. claim_facet_counts: the count of each facet value over all claim rows
-- (filter_column = '') and within each value of each other facet column, so the facets of the
-- claims page and of a page filtered by one facet value are lookups, not scans of 1M rows.
CREATE VIEW document_urls AS
SELECT id AS document_id,
       CASE WHEN sep = 0 OR instr(auth, '@') = 0 THEN url
            ELSE substr(url, 1, sep + 2)
                 || substr(rest, length(rtrim(auth, replace(auth, '@', ''))) + 1)
       END AS url
FROM (SELECT id, url, sep, rest,
             substr(rest, 1, instr(replace(replace(rest, '?', '/'), '#', '/') || '/', '/') - 1)
                 AS auth
      FROM (SELECT id, canonical_url AS url, instr(canonical_url, '://') AS sep,
                   substr(canonical_url, instr(canonical_url, '://') + 3) AS rest
            FROM documents) AS split_url) AS split_authority;

CREATE VIEW sources_view AS
SELECT id AS source_id, name, kind,
       CASE WHEN sep = 0 OR instr(auth, '@') = 0 THEN homepage
            ELSE substr(homepage, 1, sep + 2)
                 || substr(rest, length(rtrim(auth, replace(auth, '@', ''))) + 1)
       END AS homepage,
       tags, status, created_at
FROM (SELECT id, name, kind, homepage, tags, status, created_at, sep, rest,
             substr(rest, 1, instr(replace(replace(rest, '?', '/'), '#', '/') || '/', '/') - 1)
                 AS auth
      FROM (SELECT id, name, kind, homepage, tags, status, created_at,
                   coalesce(instr(homepage, '://'), 0) AS sep,
                   substr(homepage, instr(homepage, '://') + 3) AS rest
            FROM sources) AS split_url) AS split_authority;

DROP VIEW claims_view;
CREATE VIEW claims_view AS
SELECT c.id AS claim_id, c.sentence_id, s.text, c.is_claim, c.claim_type, c.holder,
       c.holder_kind, c.hedged, c.negated, t.target, t.label AS stance, t.score AS stance_score,
       t.uncertain, src.name AS source, d.title, d.published,
       substr(d.published, 1, 7) AS month, u.url, c.document_id,
       s.start, s.end, t.model_version, c.pipeline_version
FROM claims c
JOIN sentences s ON s.id = c.sentence_id
JOIN documents d ON d.id = c.document_id
JOIN document_urls u ON u.document_id = d.id
JOIN annotations a ON a.document_id = d.id AND a.pipeline_version = c.pipeline_version
LEFT JOIN sources src ON src.id = d.source_id
LEFT JOIN stance_tags t ON t.claim_id = c.id
    AND t.model_version = (SELECT version FROM models WHERE kind = 'stance' AND is_current = 1);

DROP VIEW documents_view;
CREATE VIEW documents_view AS
SELECT d.id AS document_id, d.title, src.name AS source, d.published,
       substr(d.published, 1, 7) AS month, d.author, d.language, d.word_count,
       u.url, d.text
FROM documents d
JOIN document_urls u ON u.document_id = d.id
LEFT JOIN sources src ON src.id = d.source_id
WHERE d.duplicate_of IS NULL;

CREATE TABLE claim_rows (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL,
    sentence_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    is_claim INTEGER NOT NULL,                  -- 0: a sentence about a target, not a claim
    claim_type TEXT,
    holder TEXT NOT NULL,
    holder_kind TEXT NOT NULL,
    hedged INTEGER NOT NULL,
    negated INTEGER NOT NULL,
    target TEXT,
    stance TEXT,
    stance_score REAL,
    uncertain INTEGER,
    source TEXT,
    title TEXT,
    published TEXT,
    month TEXT,
    url TEXT,
    document_id INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    model_version TEXT,
    pipeline_version TEXT NOT NULL
);

INSERT INTO claim_rows(claim_id, sentence_id, text, is_claim, claim_type, holder, holder_kind,
                       hedged, negated, target, stance, stance_score, uncertain, source, title,
                       published, month, url, document_id, start, end, model_version,
                       pipeline_version)
SELECT claim_id, sentence_id, text, is_claim, claim_type, holder, holder_kind, hedged, negated,
       target, stance, stance_score, uncertain, source, title, published, month, url, document_id,
       start, end, model_version, pipeline_version
FROM claims_view ORDER BY published, claim_id;

CREATE INDEX claim_rows_claim ON claim_rows(claim_id);
CREATE INDEX claim_rows_document ON claim_rows(document_id);
CREATE INDEX claim_rows_sentence ON claim_rows(sentence_id);
CREATE INDEX claim_rows_published ON claim_rows(published);
CREATE INDEX claim_rows_source ON claim_rows(source, published);
CREATE INDEX claim_rows_target ON claim_rows(target, published);
CREATE INDEX claim_rows_stance ON claim_rows(stance, published);
CREATE INDEX claim_rows_claim_type ON claim_rows(claim_type, published);
CREATE INDEX claim_rows_month ON claim_rows(month, published);
CREATE INDEX claim_rows_holder ON claim_rows(holder_kind, holder);
CREATE INDEX claim_rows_target_month ON claim_rows(target, month, stance);

CREATE TABLE claim_facet_counts (
    filter_column TEXT NOT NULL,               -- '' for all claim rows
    filter_value TEXT NOT NULL,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (filter_column, filter_value, facet, value)
);

INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT '', '', 'source', source, COUNT(*) FROM claim_rows WHERE source IS NOT NULL GROUP BY source;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT '', '', 'target', target, COUNT(*) FROM claim_rows WHERE target IS NOT NULL GROUP BY target;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT '', '', 'stance', stance, COUNT(*) FROM claim_rows WHERE stance IS NOT NULL GROUP BY stance;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT '', '', 'claim_type', claim_type, COUNT(*) FROM claim_rows WHERE claim_type IS NOT NULL GROUP BY claim_type;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT '', '', 'month', month, COUNT(*) FROM claim_rows WHERE month IS NOT NULL GROUP BY month;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'source', source, 'target', target, COUNT(*) FROM claim_rows
    WHERE source IS NOT NULL AND target IS NOT NULL GROUP BY source, target;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'source', source, 'stance', stance, COUNT(*) FROM claim_rows
    WHERE source IS NOT NULL AND stance IS NOT NULL GROUP BY source, stance;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'source', source, 'claim_type', claim_type, COUNT(*) FROM claim_rows
    WHERE source IS NOT NULL AND claim_type IS NOT NULL GROUP BY source, claim_type;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'source', source, 'month', month, COUNT(*) FROM claim_rows
    WHERE source IS NOT NULL AND month IS NOT NULL GROUP BY source, month;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'target', target, 'source', source, COUNT(*) FROM claim_rows
    WHERE target IS NOT NULL AND source IS NOT NULL GROUP BY target, source;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'target', target, 'stance', stance, COUNT(*) FROM claim_rows
    WHERE target IS NOT NULL AND stance IS NOT NULL GROUP BY target, stance;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'target', target, 'claim_type', claim_type, COUNT(*) FROM claim_rows
    WHERE target IS NOT NULL AND claim_type IS NOT NULL GROUP BY target, claim_type;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'target', target, 'month', month, COUNT(*) FROM claim_rows
    WHERE target IS NOT NULL AND month IS NOT NULL GROUP BY target, month;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'stance', stance, 'source', source, COUNT(*) FROM claim_rows
    WHERE stance IS NOT NULL AND source IS NOT NULL GROUP BY stance, source;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'stance', stance, 'target', target, COUNT(*) FROM claim_rows
    WHERE stance IS NOT NULL AND target IS NOT NULL GROUP BY stance, target;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'stance', stance, 'claim_type', claim_type, COUNT(*) FROM claim_rows
    WHERE stance IS NOT NULL AND claim_type IS NOT NULL GROUP BY stance, claim_type;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'stance', stance, 'month', month, COUNT(*) FROM claim_rows
    WHERE stance IS NOT NULL AND month IS NOT NULL GROUP BY stance, month;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'claim_type', claim_type, 'source', source, COUNT(*) FROM claim_rows
    WHERE claim_type IS NOT NULL AND source IS NOT NULL GROUP BY claim_type, source;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'claim_type', claim_type, 'target', target, COUNT(*) FROM claim_rows
    WHERE claim_type IS NOT NULL AND target IS NOT NULL GROUP BY claim_type, target;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'claim_type', claim_type, 'stance', stance, COUNT(*) FROM claim_rows
    WHERE claim_type IS NOT NULL AND stance IS NOT NULL GROUP BY claim_type, stance;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'claim_type', claim_type, 'month', month, COUNT(*) FROM claim_rows
    WHERE claim_type IS NOT NULL AND month IS NOT NULL GROUP BY claim_type, month;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'month', month, 'source', source, COUNT(*) FROM claim_rows
    WHERE month IS NOT NULL AND source IS NOT NULL GROUP BY month, source;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'month', month, 'target', target, COUNT(*) FROM claim_rows
    WHERE month IS NOT NULL AND target IS NOT NULL GROUP BY month, target;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'month', month, 'stance', stance, COUNT(*) FROM claim_rows
    WHERE month IS NOT NULL AND stance IS NOT NULL GROUP BY month, stance;
INSERT INTO claim_facet_counts(filter_column, filter_value, facet, value, n)
    SELECT 'month', month, 'claim_type', claim_type, COUNT(*) FROM claim_rows
    WHERE month IS NOT NULL AND claim_type IS NOT NULL GROUP BY month, claim_type;
