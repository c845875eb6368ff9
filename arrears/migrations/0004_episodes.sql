-- A loan that cured and fell behind again has a new case, the next episode of the same
-- workflow id. The case row shows the loan's latest episode; payments and the audit chain
-- are kept per episode (each episode's chain starts from genesis at seq 0).
ALTER TABLE cases ADD COLUMN episode integer NOT NULL DEFAULT 1
    CONSTRAINT cases_episode_check CHECK (episode >= 1);

ALTER TABLE payments ADD COLUMN episode integer NOT NULL DEFAULT 1;
ALTER TABLE payments DROP CONSTRAINT payments_pkey;
ALTER TABLE payments ADD CONSTRAINT payments_pkey PRIMARY KEY (loan_id, episode, payment_id);

ALTER TABLE audit_events ADD COLUMN episode integer NOT NULL DEFAULT 1;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY (loan_id, episode, seq);
