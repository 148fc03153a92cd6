-- Stance: the parse-derived stance view of each claim (JSON, discourse/stance/view.py), so
-- tagging needs no parse; and where each human label was made.
ALTER TABLE claims ADD COLUMN stance_view TEXT;
ALTER TABLE labels ADD COLUMN session TEXT;    -- one `discourse label` run, for undo
CREATE INDEX stance_tags_claim ON stance_tags(claim_id);
