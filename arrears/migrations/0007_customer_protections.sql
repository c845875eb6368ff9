-- What protects the customer on every one of their loans, as each case last synced it:
-- vulnerability flagged by an agent (the kind stays in the case), contact points known not
-- to reach them, and channels they stopped. The contact gate reads them across the
-- customer's open cases.
ALTER TABLE cases
    ADD COLUMN vulnerable boolean NOT NULL DEFAULT false,
    ADD COLUMN invalid_points text[] NOT NULL DEFAULT '{}',
    ADD COLUMN opted_out text[] NOT NULL DEFAULT '{}';
