"""Records of cases in Postgres."""

import asyncpg
from temporalio import activity

from arrears.contracts import CaseSync
from arrears.records import audit, cases, payments


class CaseStore:
    """Writes what the case workflow decided. Holds the pool; built in `worker.py`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> None:
        """Write the case row, new payments and new timeline events in one transaction.

        Idempotent: payments are keyed by (loan, episode, payment_id) and events by (loan,
        episode, seq), so a retry after a lost acknowledgement writes nothing twice.
        """
        loan_id, episode = sync.view.loan_id, sync.view.episode
        async with self._pool.acquire() as conn, conn.transaction():
            if sync.customer is not None:
                await cases.upsert_customer(conn, customer=sync.customer)
            # The upsert locks the case row, which serialises appends to its audit chain.
            await cases.upsert_case(
                conn, view=sync.view, customer_id=sync.customer_id, jurisdiction=sync.jurisdiction
            )
            for payment in sync.payments:
                await payments.create_payment(
                    conn, loan_id=loan_id, payment=payment, episode=episode
                )
            for reversal in sync.reversals:
                await payments.update_reversal(
                    conn, loan_id=loan_id, reversal=reversal, episode=episode
                )
            await audit.append_events(conn, loan_id=loan_id, events=sync.events, episode=episode)
