-- From version 2 each audit row's hash covers every column of the row, not the event body
-- alone (the encoding: README, "Auditing a case"). Rows hashed before keep version 1 and
-- verify as they were written. The writer states both the version and the instant it
-- recorded the row: no default stands in for either, so neither can differ from what was
-- hashed.
ALTER TABLE audit_events ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;
ALTER TABLE audit_events ALTER COLUMN hash_version DROP DEFAULT;
ALTER TABLE audit_events
    ADD CONSTRAINT audit_events_hash_version_check CHECK (hash_version IN (1, 2));
ALTER TABLE audit_events ALTER COLUMN recorded_at DROP DEFAULT;
