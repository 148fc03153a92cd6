-- A near-duplicate is never a candidate of the near-duplicate check (only originals are, and
-- an original demoted in a run only for the rest of that run), so its LSH bands are never
-- needed. Until this version they were stored with every document, and every lookup of a page
-- copied many times read every copy's rows (4,000 copies: 83 s to import, against 5 s for
-- 4,000 distinct pages; benchmarks/copies.py). The store now writes bands for originals only;
-- this drops the rows stored before for documents that are near-duplicates now.
DELETE FROM document_bands
WHERE document_id IN (SELECT id FROM documents WHERE duplicate_of IS NOT NULL);
