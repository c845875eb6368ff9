-- Money received after a write-off: recoveries, stored with the payments and counted on
-- the case.
ALTER TABLE payments ADD COLUMN recovery boolean NOT NULL DEFAULT false;
ALTER TABLE cases ADD COLUMN recovered bigint NOT NULL DEFAULT 0
    CONSTRAINT cases_recovered_check CHECK (recovered >= 0);
