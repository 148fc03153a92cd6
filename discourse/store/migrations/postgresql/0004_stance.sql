-- PostgreSQL mirror of ../0004_stance.sql.
ALTER TABLE claims ADD COLUMN stance_view TEXT COLLATE "C";
ALTER TABLE labels ADD COLUMN session TEXT COLLATE "C";
CREATE INDEX stance_tags_claim ON stance_tags(claim_id);
