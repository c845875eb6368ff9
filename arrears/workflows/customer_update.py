"""The CustomerUpdate workflow: a customer's new contact facts, stored and followed by every
open case of theirs.

Durable where a request is not: once started it writes the customer's row and signals each
open case, however often a worker or Postgres fails on the way; an API that dies after
starting it loses nothing. One runs at a time per customer (its id is
`customer-<customer_id>`), so cases receive the facts in the order the row took them.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from arrears import ids
    from arrears.activities.customers import CustomerRecords
    from arrears.contracts import Customer
    from arrears.customers import (
        UPDATE_CUSTOMER_SIGNAL,
        ActedCustomer,
        CustomerRecordUpdate,
        CustomerUpdate,
        CustomerUpdated,
    )

PATIENT = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn(name="CustomerUpdate")
class CustomerUpdateWorkflow:
    @workflow.run
    async def run(self, update: CustomerUpdate) -> CustomerUpdated | None:
        """The facts stored and every open case told; None when there is no such customer."""
        record: CustomerRecordUpdate = await workflow.execute_activity_method(
            CustomerRecords.update_record,
            update,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PATIENT,
        )
        if not record.found or record.customer is None:
            return None
        told_facts = record.customer
        if update.actor is not None:
            # Without an actor the signal carries the facts alone, as it always did.
            told_facts = ActedCustomer(**dict(record.customer), actor=update.actor)
        outcomes = await asyncio.gather(
            *(self._tell(loan_id, told_facts) for loan_id in record.open_loans)
        )
        pairs = zip(record.open_loans, outcomes, strict=True)
        told = [loan for loan, followed in pairs if followed]
        return CustomerUpdated(
            customer_id=record.customer.customer_id,
            changed=record.changed,
            cases=told,
            closed_meanwhile=[loan for loan in record.open_loans if loan not in told],
        )

    @staticmethod
    async def _tell(loan_id: str, customer: Customer) -> bool:
        """Signal the case of `loan_id`; False when it has closed since the records listed
        it (a closed case decides nothing more)."""
        handle = workflow.get_external_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            await handle.signal(UPDATE_CUSTOMER_SIGNAL, customer)
        except FailureError:
            return False
        return True
