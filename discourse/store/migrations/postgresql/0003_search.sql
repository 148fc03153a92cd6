-- PostgreSQL mirror of ../0003_search.sql: full text as tsvector columns with GIN indexes.
-- The lexemes and positions are made by SQLite FTS5's own "porter unicode61" tokenizer in
-- the writing process (discourse/store/postgres/fulltext.py), so both backends index the same
-- words; a title's positions are followed by a gap, then the text's (a phrase never spans
-- them, as it cannot span FTS5 columns).
ALTER TABLE documents ADD COLUMN tsv tsvector;
CREATE INDEX documents_tsv ON documents USING gin (tsv);

ALTER TABLE sentences ADD COLUMN tsv tsvector;
CREATE INDEX sentences_tsv ON sentences USING gin (tsv);
