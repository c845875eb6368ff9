-- Customers, cases, payments, contact attempts and the append-only audit chain.
-- Personal data lives only in customers; every other table refers to it by customer_id.

CREATE TABLE customers (
    customer_id text PRIMARY KEY,
    name        text NOT NULL,
    phone       text,
    email       text,
    timezone    text NOT NULL,
    language    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cases (
    loan_id        text PRIMARY KEY,
    customer_id    text NOT NULL REFERENCES customers (customer_id),
    jurisdiction   text NOT NULL,
    currency       char(3) NOT NULL,
    due_date       date NOT NULL,
    status         text NOT NULL CONSTRAINT cases_status_check CHECK (status IN ('open', 'closed')),
    stage          text NOT NULL,
    dpd            integer NOT NULL,
    principal_due  bigint NOT NULL CONSTRAINT cases_principal_check CHECK (principal_due >= 0),
    interest_due   bigint NOT NULL CONSTRAINT cases_interest_check CHECK (interest_due >= 0),
    fees_due       bigint NOT NULL CONSTRAINT cases_fees_check CHECK (fees_due >= 0),
    paid           bigint NOT NULL DEFAULT 0,
    excess         bigint NOT NULL DEFAULT 0,
    risk_score     integer,
    risk_tier      text,
    closed_reason  text,
    opened_at      timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_customer_idx ON cases (customer_id);

CREATE TABLE payments (
    loan_id             text NOT NULL REFERENCES cases (loan_id),
    payment_id          text NOT NULL,
    amount              bigint NOT NULL CONSTRAINT payments_amount_check CHECK (amount > 0),
    currency            char(3) NOT NULL,
    to_fees             bigint NOT NULL,
    to_interest         bigint NOT NULL,
    to_principal        bigint NOT NULL,
    excess              bigint NOT NULL,
    via                 text NOT NULL,
    paid_at             timestamptz,
    applied_at          timestamptz NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_pkey PRIMARY KEY (loan_id, payment_id),
    CONSTRAINT payments_allocation_check
        CHECK (to_fees + to_interest + to_principal + excess = amount)
);

-- One row per contact the workflow decided to make, keyed by case + step: a retried
-- activity or a restarted worker finds the row and never sends twice.
CREATE TABLE contact_attempts (
    idempotency_key text PRIMARY KEY,
    loan_id         text NOT NULL REFERENCES cases (loan_id),
    customer_id     text NOT NULL REFERENCES customers (customer_id),
    channel         text NOT NULL,
    template        text NOT NULL,
    status          text NOT NULL CONSTRAINT contact_attempts_status_check
                        CHECK (status IN ('pending', 'sent', 'skipped')),
    detail          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX contact_attempts_customer_idx ON contact_attempts (customer_id, created_at);

-- The development provider: messages handed over for delivery, keyed like the attempt.
CREATE TABLE outbound_messages (
    idempotency_key text PRIMARY KEY,
    channel         text NOT NULL,
    address         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Append-only and hash-chained per case: hash = sha256(prev_hash || canonical body).
CREATE TABLE audit_events (
    loan_id     text NOT NULL REFERENCES cases (loan_id),
    seq         integer NOT NULL,
    at          timestamptz NOT NULL,
    type        text NOT NULL,
    body        jsonb NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_events_pkey PRIMARY KEY (loan_id, seq)
);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
