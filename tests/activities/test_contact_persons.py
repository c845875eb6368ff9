"""A restore call to a contact person, against a real PostgreSQL: the person is read from
the customer's record by ref, the agent's task names them by ref, the ledger row is theirs
(`person:<ref>`), and once they declined the gate blocks them."""

from datetime import timedelta
from typing import get_args

import asyncpg

from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.commands import ContactResult
from arrears.contact_gate import LEDGER_OUTCOMES
from arrears.contracts import ContactGateFacts, NotificationRequest
from arrears.records import cases
from arrears.workflows.case_state import CaseState
from tests.activities.test_contact_gate import MORNING, gated
from tests.activities.test_ledger_outcomes import sync
from tests.activities.test_notifications import at_the_moment, open_case
from tests.factories import new_loan_id

PERSONS = [
    {"ref": "P-1", "relation": "sibling", "phone": "+8613900000001", "name": "李四"},
    {"ref": "P-2", "relation": "friend", "phone": "+8613900000002"},
]


def restore_call(state: CaseState, ref: str, day: int = 0) -> NotificationRequest:
    request = gated(state, "call")
    return request.model_copy(
        update={
            "idempotency_key": f"{state.loan_id}:restore_contact.{ref}.{day}",
            "template": "contact_person_call",
            "gate": ContactGateFacts(
                purpose="restore_contact",
                contact_point=f"person:{ref}",
                invalid_points=["phone"],
            ),
        }
    )


async def test_a_restore_call_creates_the_agent_task_for_the_person_by_ref(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"), contact_persons=PERSONS)
    customer_id = state.opening.customer.customer_id
    async with pool.acquire() as conn:
        stored = await cases.get_customer(conn, customer_id=customer_id)
    assert stored is not None and stored.contact_person("P-2").phone == "+8613900000002"

    result = await at_the_moment(MORNING).run(
        Notifier(pool, OutboxProvider(pool)).send, restore_call(state, "P-1")
    )

    assert (result.status, result.rule) == ("sent", "gate.allow")
    async with pool.acquire() as conn:
        task = await conn.fetchrow(
            "SELECT kind, contact_point FROM agent_tasks WHERE idempotency_key = $1",
            result.idempotency_key,
        )
        row = await conn.fetchrow(
            "SELECT contact_point, kind, template FROM contact_attempts WHERE idempotency_key = $1",
            result.idempotency_key,
        )
    assert tuple(task) == ("contact_person_call", "person:P-1")
    assert tuple(row) == ("person:P-1", "call", "contact_person_call")


async def test_a_person_who_declined_is_blocked_by_the_gate(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"), contact_persons=PERSONS)
    notifier = Notifier(pool, OutboxProvider(pool))
    await at_the_moment(MORNING).run(notifier.send, restore_call(state, "P-1"))
    await sync(pool, state, first=True)
    state.record(
        MORNING + timedelta(minutes=5),
        "contact_outcome",
        outcome="declined",
        contact_point="person:P-1",
    )
    await sync(pool, state)

    tomorrow = MORNING + timedelta(days=1)
    again = await at_the_moment(tomorrow).run(notifier.send, restore_call(state, "P-1", day=1))
    other = await at_the_moment(tomorrow).run(notifier.send, restore_call(state, "P-2", day=1))

    assert (again.status, again.rule) == ("blocked", "CN.contact_person_refused")
    assert (other.status, other.rule) == ("sent", "gate.allow")
    async with pool.acquire() as conn:
        outcome = await conn.fetchval(
            "SELECT outcome FROM contact_attempts WHERE idempotency_key = $1",
            f"{state.loan_id}:restore_contact.P-1.0",
        )
    assert outcome == "refused"


async def test_a_person_gone_from_the_record_is_not_called(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"), contact_persons=PERSONS)

    result = await at_the_moment(MORNING).run(
        Notifier(pool, OutboxProvider(pool)).send, restore_call(state, "P-9")
    )

    assert (result.status, result.detail) == ("skipped", "no such contact person on file")
    async with pool.acquire() as conn:
        tasks = await conn.fetchval(
            "SELECT count(*) FROM agent_tasks WHERE loan_id = $1", state.loan_id
        )
    assert tasks == 0


def test_every_call_outcome_counts_in_the_ledger():
    # The ledger in PostgreSQL and the simulation's share this one mapping.
    assert set(LEDGER_OUTCOMES) == set(get_args(ContactResult))
    assert LEDGER_OUTCOMES["declined"] == "refused"
