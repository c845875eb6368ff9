"""Records of cases in Postgres."""

import asyncpg
from temporalio import activity

from arrears import contact_gate
from arrears.contracts import CaseSync, Customer
from arrears.customers import differing_facts
from arrears.records import audit, cases, customers, payments


class CaseStore:
    """Writes what the case workflow decided. Holds the pool; built in `worker.py`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> Customer | None:
        """Write the case row, new payments and new timeline events in one transaction;
        the call outcomes among the new events go to the customer's contact ledger.

        Idempotent: payments are keyed by (loan, episode, payment_id) and events by (loan,
        episode, seq), so a retry after a lost acknowledgement writes nothing twice.

        The first sync (`customer` given) creates the customer's row if absent, never
        overwriting it, and returns the stored facts when they differ from the case's: the
        case follows them (a `CustomerUpdate` that ran while the case opened did not yet
        see it among the customer's open cases). Otherwise None.
        """
        loan_id, episode = sync.view.loan_id, sync.view.episode
        stored: Customer | None = None
        async with self._pool.acquire() as conn, conn.transaction():
            if sync.customer is not None:
                # The first case of a customer creates their row; a later one never
                # overwrites it (the facts change through `CustomerUpdate` only).
                await customers.create_customer_if_absent(conn, customer=sync.customer)
                # Shared lock: an update under way finishes first (and this sees its facts),
                # or waits for this case's row, and then lists this case among the open.
                stored = await customers.get_customer_for_share(
                    conn, customer_id=sync.customer.customer_id
                )
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
            first_new = await audit.get_next_seq(conn, loan_id=loan_id, episode=episode)
            await audit.append_events(conn, loan_id=loan_id, events=sync.events, episode=episode)
            # Outcomes agents recorded count in the customer's contact ledger from the
            # transaction that stores their events, and only then: a re-sync sets none again.
            await contact_gate.record_outcomes(
                conn,
                customer_id=sync.customer_id,
                loan_id=loan_id,
                episode=episode,
                events=[recorded for recorded in sync.events if recorded.seq >= first_new],
            )
        if stored is None or sync.customer is None:
            return None
        return stored if differing_facts(stored, sync.customer) else None
