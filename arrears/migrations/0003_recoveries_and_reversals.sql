-- Money received after a write-off (recoveries), and payments that did not stand
-- (reversals): both kept with the payments; recoveries also counted on the case.
ALTER TABLE payments ADD COLUMN recovery boolean NOT NULL DEFAULT false;
ALTER TABLE payments ADD COLUMN reversed_at timestamptz;
ALTER TABLE payments ADD COLUMN reversal_reason text
    CONSTRAINT payments_reversal_reason_check
        CHECK (reversal_reason IN ('returned', 'charged_back', 'error'));
ALTER TABLE payments ADD CONSTRAINT payments_reversal_check
    CHECK ((reversed_at IS NULL) = (reversal_reason IS NULL));
ALTER TABLE cases ADD COLUMN recovered bigint NOT NULL DEFAULT 0
    CONSTRAINT cases_recovered_check CHECK (recovered >= 0);
