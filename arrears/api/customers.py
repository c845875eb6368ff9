"""Customers' contact facts: read from the records, changed through `CustomerUpdate`.

The API reads the stored facts directly (an opening is checked against them, and a new
customer's opening stores them) but never changes them: a change runs as a `CustomerUpdate`
workflow, which stores the facts and tells every open case of the customer, and finishes
even if the API dies meanwhile. The API answers once it has (every open case then follows);
past `ANSWER_TIMEOUT` it answers 503, and sending the same facts again is safe: it waits for
the update under way, then finds nothing left to change.
"""

import asyncio
import logging

import asyncpg
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from arrears import ids
from arrears.actors import Actor
from arrears.api.failures import TEMPORAL_FAILURES
from arrears.api.gateway import ANSWER_TIMEOUT
from arrears.contracts import CaseOpening, Customer
from arrears.customers import CustomerFacts, CustomerUpdate, CustomerUpdated, differing_facts
from arrears.errors import (
    CaseServiceUnavailableError,
    CustomerConflictError,
    CustomerNotFoundError,
    CustomerRecordsUnavailableError,
)
from arrears.records.customers import claim_customer
from arrears.workflows.customer_update import CustomerUpdateWorkflow

log = logging.getLogger("arrears.api")

UPDATE_UNFINISHED = (
    "the customer update is under way and will finish; send it again to see it finished"
)
RECORDS_DOWN = "the customer records did not answer; retry shortly"


class CustomerDesk:
    """Customer facts for the API. `pool` None: no records configured (no DATABASE_URL),
    openings are not checked (see `reconcile`)."""

    def __init__(self, client: Client, pool: asyncpg.Pool | None) -> None:
        self._client = client
        self._pool = pool

    async def update(
        self, customer_id: str, facts: CustomerFacts, actor: Actor | None = None
    ) -> CustomerUpdated:
        """Store `facts` as the customer's and have every open case of theirs follow, each
        naming `actor` on what it records. Raises `CustomerNotFoundError` for a customer no
        case has brought in."""
        update = CustomerUpdate(customer=facts.of(customer_id), actor=actor)
        updated = await self._run(update)
        if updated is None:
            raise CustomerNotFoundError(customer_id)
        return updated

    async def reconcile(self, opening: CaseOpening, actor: Actor | None = None) -> CaseOpening:
        """The opening to start, checked against the customer's stored facts.

        A new customer's opening stores their facts at once, in the same transaction as the
        comparison (`claim_customer`), and passes as it is: an opening moments later, before
        the first case has synced, is compared with them, and of two racing openings with
        different facts one passes and the other conflicts. Call it after every check that
        refuses an opening without touching anything (the due date's), so such a refusal
        stores nothing. One that names no language takes the stored one. Facts that differ
        are a `CustomerConflictError` naming them, unless the opening says
        `update_customer`: then the customer is updated first (their open cases follow) and
        the case opens with the new facts. Without records configured (no DATABASE_URL) it
        passes unchecked: the records keep the first case's facts, which a later case never
        overwrites.
        """
        if self._pool is None:
            return opening
        created, stored = await self._claimed(opening.customer)
        if created:
            return opening
        given = opening.customer
        if opening.language_defaulted:
            given = given.model_copy(update={"language": stored.language})
            opening = opening.model_copy(update={"customer": given})
        changed = differing_facts(stored, given)
        if not changed:
            return opening
        if not opening.update_customer:
            raise CustomerConflictError(given.customer_id, list(changed))
        await self._run(CustomerUpdate(customer=given, actor=actor))
        return opening

    async def _claimed(self, customer: Customer) -> tuple[bool, Customer]:
        """`claim_customer`: (whether `customer`'s facts were stored now, the stored ones)."""
        assert self._pool is not None
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                async with self._pool.acquire() as conn:
                    return await claim_customer(conn, customer=customer)
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            log.warning("customer records unavailable: %s", type(error).__name__)
            raise CustomerRecordsUnavailableError(RECORDS_DOWN) from error

    async def _run(self, update: CustomerUpdate) -> CustomerUpdated | None:
        """Run the customer's `CustomerUpdate` to its end. One runs at a time per customer:
        one under way is waited for, then this one starts."""
        workflow_id = ids.customer_update_workflow_id(update.customer.customer_id)
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                while True:
                    try:
                        handle = await self._client.start_workflow(
                            CustomerUpdateWorkflow.run,
                            update,
                            id=workflow_id,
                            task_queue=ids.TASK_QUEUE,
                            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                            rpc_timeout=ANSWER_TIMEOUT,
                        )
                    except WorkflowAlreadyStartedError:
                        await self._finished(workflow_id)
                        continue
                    return await handle.result(rpc_timeout=ANSWER_TIMEOUT)
        except (*TEMPORAL_FAILURES, WorkflowFailureError) as error:
            raise CaseServiceUnavailableError(UPDATE_UNFINISHED) from error

    async def _finished(self, workflow_id: str) -> None:
        """Wait until the update under way for the customer has ended, however it ended."""
        try:
            await self._client.get_workflow_handle(workflow_id).result(rpc_timeout=ANSWER_TIMEOUT)
        except WorkflowFailureError:
            pass
