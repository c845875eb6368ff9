-- contact_attempts becomes the customer's contact ledger, across all their loans: the gate
-- counts it (caps per customer per day, per contact point, per rolling 7 days) and reserves
-- in it, in one transaction. No personal data: contact points are named by kind.
--
-- attempted_at: the sending instant the gate decided at (the activity's clock, which on a
--   time-skipping test server runs ahead of the database's now()), not when the row was
--   written. Rows from before the gate take their created_at.
-- contact_point: `phone`, `email` or `person:<ref>` (a contact person, by reference).
-- kind: `message` (SMS, e-mail) or `call` (an agent's call task or an agent's own call).
-- outcome: what an agent recorded of a call; NULL while unknown, and for messages.
-- rule, profile: the gate's rule and the profile version that decided.
-- status: `blocked` (the gate refused; kept so a retry answers the same) and `released`
--   (a reservation given back: a retry found the window closed; the key may reserve again).
--   Only `pending` (reserved) and `sent` count toward caps.
ALTER TABLE contact_attempts
    ADD COLUMN attempted_at  timestamptz,
    ADD COLUMN contact_point text,
    ADD COLUMN kind          text,
    ADD COLUMN outcome       text,
    ADD COLUMN rule          text,
    ADD COLUMN profile       text;

UPDATE contact_attempts SET
    attempted_at = created_at,
    contact_point = CASE channel WHEN 'email' THEN 'email' ELSE 'phone' END,
    kind = CASE channel WHEN 'call' THEN 'call' ELSE 'message' END;

ALTER TABLE contact_attempts
    ALTER COLUMN attempted_at SET DEFAULT now(),
    ALTER COLUMN attempted_at SET NOT NULL,
    ALTER COLUMN contact_point SET NOT NULL,
    ALTER COLUMN kind SET NOT NULL,
    ADD CONSTRAINT contact_attempts_kind_check CHECK (kind IN ('message', 'call')),
    ADD CONSTRAINT contact_attempts_contact_point_check
        CHECK (contact_point IN ('phone', 'email') OR contact_point LIKE 'person:%'),
    ADD CONSTRAINT contact_attempts_outcome_check
        CHECK (outcome IN ('connected', 'unanswered', 'wrong_number', 'refused')),
    ADD CONSTRAINT contact_attempts_outcome_kind_check CHECK (outcome IS NULL OR kind = 'call'),
    DROP CONSTRAINT contact_attempts_status_check,
    ADD CONSTRAINT contact_attempts_status_check
        CHECK (status IN ('pending', 'sent', 'skipped', 'blocked', 'released'));

-- A writer that does not name the ledger columns (a worker of the previous release during
-- a rolling deploy) still leaves a complete row: the channel's own point and kind.
CREATE FUNCTION contact_attempts_ledger_defaults() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.contact_point IS NULL THEN
        NEW.contact_point := CASE NEW.channel WHEN 'email' THEN 'email' ELSE 'phone' END;
    END IF;
    IF NEW.kind IS NULL THEN
        NEW.kind := CASE NEW.channel WHEN 'call' THEN 'call' ELSE 'message' END;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER contact_attempts_ledger_defaults
    BEFORE INSERT ON contact_attempts
    FOR EACH ROW EXECUTE FUNCTION contact_attempts_ledger_defaults();

-- The gate reads one customer's last days; the created_at index it replaces had no reader.
DROP INDEX contact_attempts_customer_idx;
CREATE INDEX contact_attempts_ledger_idx ON contact_attempts (customer_id, attempted_at);
