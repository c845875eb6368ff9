"""Customers' contact facts in Postgres, for the `CustomerUpdate` workflow."""

import asyncpg
from temporalio import activity

from arrears.customers import CustomerRecordUpdate, CustomerUpdate, differing_facts
from arrears.records import customers


class CustomerRecords:
    """Changes a customer's stored facts. Holds the pool; built in `worker.py`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="update_customer_record")
    async def update_record(self, update: CustomerUpdate) -> CustomerRecordUpdate:
        """Write the new facts and list the customer's open cases, in one transaction.

        Idempotent: a retry finds the facts written and changes nothing more. A language
        None keeps the stored one. No such customer: `found` False, nothing written.
        """
        given = update.customer
        async with self._pool.acquire() as conn, conn.transaction():
            stored = await customers.get_customer_for_update(conn, customer_id=given.customer_id)
            if stored is None:
                return CustomerRecordUpdate(found=False)
            customer = given.model_copy(update={"language": given.language or stored.language})
            changed = differing_facts(stored, customer)
            if changed:
                await customers.update_customer(conn, customer=customer)
            open_loans = await customers.list_open_loans(conn, customer_id=given.customer_id)
        return CustomerRecordUpdate(
            found=True, customer=customer, changed=changed, open_loans=open_loans
        )
