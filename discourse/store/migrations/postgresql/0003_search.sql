-- PostgreSQL mirror of ../0003_search.sql: full text as tsvector columns with GIN indexes.
-- Tokens are what SQLite's FTS5 "porter unicode61" tokenizer makes of the same text: every
-- run of letters and digits (anything else separates), accents removed, case folded, then the
-- original Porter stemmer; no stopwords. discourse/store/postgres/tsquery.py turns the query
-- language of `discourse query` into a tsquery over these tokens.
DO $$
BEGIN
    IF (SELECT pg_encoding_to_char(encoding) FROM pg_database
        WHERE datname = current_database()) <> 'UTF8' THEN
        RAISE EXCEPTION 'the database must use UTF8 encoding (CREATE DATABASE ... ENCODING ''UTF8'' LC_CTYPE ''C.UTF-8'' TEMPLATE template0)';
    END IF;
    IF NOT ('é' ~ '^[[:alnum:]]$') THEN
        RAISE EXCEPTION 'the database''s LC_CTYPE does not classify non-ASCII letters, so full text would split words at accents; create it with a UTF-8 locale (CREATE DATABASE ... ENCODING ''UTF8'' LC_CTYPE ''C.UTF-8'' TEMPLATE template0)';
    END IF;
END $$;

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH DICTIONARY discourse_porter (TEMPLATE = snowball, Language = porter);
CREATE TEXT SEARCH CONFIGURATION discourse_english (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION discourse_english
    ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword,
                      hword_asciipart, hword_part, hword_numpart
    WITH unaccent, discourse_porter;

-- Letters and digits kept, every other run of characters one space (as unicode61 splits).
CREATE FUNCTION discourse_fts_text(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT regexp_replace(coalesce(value, ''), '[^[:alnum:]]+', ' ', 'g') $$;

-- Documents: title and text, as FTS5 indexes both columns of documents_fts (the first
-- million characters: a tsvector holds at most 1 MB).
ALTER TABLE documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('discourse_english'::regconfig, discourse_fts_text(title))
    || to_tsvector('discourse_english'::regconfig, discourse_fts_text(left(text, 1000000)))
) STORED;
CREATE INDEX documents_tsv ON documents USING gin (tsv);

ALTER TABLE sentences ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('discourse_english'::regconfig, discourse_fts_text(text))
) STORED;
CREATE INDEX sentences_tsv ON sentences USING gin (tsv);
