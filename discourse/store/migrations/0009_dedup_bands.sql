-- Near-duplicate detection keeps its LSH bands here (issue 12), so a run looks up the
-- candidates of each new document by index instead of loading every stored signature.
-- A band is ROWS = 4 values of the signature, its key those 32 bytes as stored in
-- documents.minhash; BANDS = 32 (discourse/store/bands.py, datasketch's choice for threshold
-- 0.4 and 128 permutations). The store writes a document's bands in the transaction that
-- inserts it; this fills them for the documents stored before.
-- No index on document_id: documents are never deleted, and lookups go by (band, key).
CREATE TABLE document_bands (
    band INTEGER NOT NULL,
    key BLOB NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (band, key, document_id)
) WITHOUT ROWID;

WITH RECURSIVE bands(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM bands WHERE i < 31)
INSERT INTO document_bands(band, key, document_id)
SELECT bands.i, substr(d.minhash, bands.i * 32 + 1, 32), d.id
FROM documents d JOIN bands ON length(d.minhash) >= (bands.i + 1) * 32
WHERE d.minhash IS NOT NULL;
