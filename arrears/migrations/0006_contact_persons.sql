-- Contact persons: people a customer named, contacted only to restore contact with them
-- (CN). Personal data, so they live with the customer's other facts; every other table
-- names a person by reference only (`person:<ref>`).
--
-- customers.contact_persons: [{ref, relation, phone, name}], at most 5, refs unique (the
--   API checks both; the row stores what it was given).
-- agent_tasks.contact_point: whom an agent's call task is for: `person:<ref>` for a contact
--   person; NULL for the customer's own phone (every task before this column).
ALTER TABLE customers
    ADD COLUMN contact_persons jsonb NOT NULL DEFAULT '[]'::jsonb
        CONSTRAINT customers_contact_persons_check CHECK (jsonb_typeof(contact_persons) = 'array');

ALTER TABLE agent_tasks
    ADD COLUMN contact_point text
        CONSTRAINT agent_tasks_contact_point_check
            CHECK (contact_point IS NULL OR contact_point LIKE 'person:%');
