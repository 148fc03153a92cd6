-- PostgreSQL mirror of ../0009_dedup_bands.sql: near-duplicate detection's LSH bands, 32
-- bands of 4 signature values (32 bytes of documents.minhash) each, filled here for the
-- documents stored before and written by the store with each new document.
CREATE TABLE document_bands (
    band INTEGER NOT NULL,
    key BYTEA NOT NULL,
    document_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (band, key, document_id)
);

INSERT INTO document_bands(band, key, document_id)
SELECT bands.i, substring(d.minhash FROM bands.i * 32 + 1 FOR 32), d.id
FROM documents d JOIN generate_series(0, 31) AS bands(i)
    ON length(d.minhash) >= (bands.i + 1) * 32
WHERE d.minhash IS NOT NULL;
