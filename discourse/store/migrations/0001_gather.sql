-- Gathering: sources, their feeds with crawl state, the crawl frontier, the fetch log
-- and documents with their alternate URLs.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('feed', 'sitemap', 'pages')),
    homepage TEXT,
    tags TEXT NOT NULL DEFAULT '[]',           -- JSON list
    config TEXT NOT NULL DEFAULT '{}',         -- JSON: politeness override, CSS rules
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failing', 'disabled')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    url TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'sitemap', 'pages')),
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    interval_s REAL NOT NULL DEFAULT 3600,
    next_poll TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z',
    last_polled TEXT,
    last_success TEXT,
    last_status INTEGER,
    last_error TEXT,
    parse_problem TEXT,                         -- feedparser's bozo exception, if any
    failure_count INTEGER NOT NULL DEFAULT 0,
    items_seen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feeds_next_poll ON feeds(next_poll);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    url TEXT NOT NULL,                          -- the URL fetched (after redirects)
    canonical_url TEXT NOT NULL UNIQUE,
    guid TEXT,
    title TEXT,
    author TEXT,
    published TEXT,                             -- ISO 8601 date or datetime
    language TEXT,
    text TEXT NOT NULL DEFAULT '',
    raw_html BLOB,                              -- zlib-compressed bytes as served
    content_hash TEXT NOT NULL,
    minhash BLOB,                               -- MinHash signature (uint64 array) of the text
    duplicate_of INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    similarity REAL,                            -- estimated Jaccard similarity to duplicate_of
    extractor TEXT,
    word_count INTEGER NOT NULL DEFAULT 0,
    fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX documents_source ON documents(source_id);
CREATE INDEX documents_published ON documents(published);
CREATE INDEX documents_content_hash ON documents(content_hash);
CREATE INDEX documents_duplicate_of ON documents(duplicate_of);

-- Every other URL or feed GUID under which a document was seen.
CREATE TABLE document_aliases (
    alias TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE
);

-- The crawl frontier: every item a feed, sitemap or page list named.
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key TEXT NOT NULL UNIQUE,                   -- GUID, else canonical URL
    url TEXT NOT NULL,
    title TEXT,
    author TEXT,
    published TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'done', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z',
    error TEXT,
    document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    discovered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX items_status ON items(status, next_attempt);

CREATE TABLE fetch_log (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    final_url TEXT,
    kind TEXT NOT NULL,                         -- feed, page, robots, sitemap
    status INTEGER,
    content_type TEXT,
    bytes INTEGER,
    elapsed_ms INTEGER,
    error TEXT,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX fetch_log_url ON fetch_log(url);
