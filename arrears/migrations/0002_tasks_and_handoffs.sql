-- Agent call tasks and escalation hand-offs (credit bureau, lawyers, litigation).

CREATE TABLE agent_tasks (
    idempotency_key text PRIMARY KEY,
    loan_id         text NOT NULL REFERENCES cases (loan_id),
    customer_id     text NOT NULL REFERENCES customers (customer_id),
    kind            text NOT NULL,
    status          text NOT NULL DEFAULT 'open'
                        CONSTRAINT agent_tasks_status_check CHECK (status IN ('open', 'done')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_tasks_open_idx ON agent_tasks (created_at) WHERE status = 'open';

CREATE TABLE escalation_handoffs (
    idempotency_key  text PRIMARY KEY,
    loan_id          text NOT NULL REFERENCES cases (loan_id),
    customer_id      text NOT NULL REFERENCES customers (customer_id),
    step             text NOT NULL,
    dpd              integer NOT NULL,
    currency         char(3) NOT NULL,
    balance          bigint NOT NULL CONSTRAINT escalation_handoffs_balance_check
                         CHECK (balance >= 0),
    rule             text NOT NULL,
    strategy_version text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX escalation_handoffs_step_idx ON escalation_handoffs (step, created_at);
