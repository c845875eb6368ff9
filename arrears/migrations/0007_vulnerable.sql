-- Whether an agent flagged the customer vulnerable on this case (the kind stays in the
-- case): the contact gate protects the customer on every one of their loans.
ALTER TABLE cases ADD COLUMN vulnerable boolean NOT NULL DEFAULT false;
