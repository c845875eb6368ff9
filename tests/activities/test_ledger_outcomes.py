"""Agents' call outcomes, synced with the case's timeline, count in the customer's ledger."""

from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.testing import ActivityEnvironment

from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.activities.store import CaseStore
from arrears.contracts import CaseSync, ContactGateFacts
from arrears.workflows.case_state import CaseState
from tests.activities.test_notifications import at_the_moment, reminder
from tests.factories import new_loan_id, opening

OPENED = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
CALLED = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


async def opened_and_called(pool: asyncpg.Pool) -> CaseState:
    """A case whose first sync is done and whose agent call task went out at CALLED."""
    state = CaseState.open(opening(customer_id=new_loan_id("C")), OPENED)
    await sync(pool, state, first=True)
    request = reminder(state, "call").model_copy(
        update={
            "idempotency_key": f"{state.loan_id}:call:1",
            "timezone": "Asia/Shanghai",
            "jurisdiction": "CN",
            "gate": ContactGateFacts(),
        }
    )
    result = await at_the_moment(CALLED).run(Notifier(pool, OutboxProvider(pool)).send, request)
    assert result.status == "sent"
    return state


async def sync(pool: asyncpg.Pool, state: CaseState, *, first: bool = False) -> CaseSync:
    """Sync what the case recorded since its last sync (all of it again: a re-sync)."""
    request = CaseSync(
        view=state.view(),
        customer_id=state.opening.customer.customer_id,
        jurisdiction="CN",
        customer=state.opening.customer if first else None,
        events=state.unsynced_events(),
    )
    await ActivityEnvironment().run(CaseStore(pool).sync_case, request)
    return request


async def calls_of(pool: asyncpg.Pool, state: CaseState) -> list[tuple]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT idempotency_key, attempted_at, outcome, status FROM contact_attempts"
            " WHERE loan_id = $1 AND kind = 'call' ORDER BY attempted_at, created_at",
            state.loan_id,
        )
    return [tuple(row) for row in rows]


async def test_an_outcome_lands_on_the_call_it_answers_once_however_often_synced(
    pool: asyncpg.Pool,
):
    state = await opened_and_called(pool)
    state.synced_events = len(state.timeline)
    state.record(CALLED + timedelta(minutes=5), "contact_outcome", outcome="no_answer")

    resent = await sync(pool, state)
    # A later outcome finds no open call: it is the agent's own call.
    state.record(CALLED + timedelta(minutes=9), "contact_outcome", outcome="conversation")
    await sync(pool, state)
    # The first sync again (its acknowledgement lost) after the second: nothing changes.
    await ActivityEnvironment().run(CaseStore(pool).sync_case, resent)
    await sync(pool, state)

    seq = len(state.timeline) - 1
    assert await calls_of(pool, state) == [
        # The call is dated when the agent made it, as its outcome says.
        (f"{state.loan_id}:call:1", CALLED + timedelta(minutes=5), "unanswered", "sent"),
        (
            f"{state.loan_id}:outcome:1:{seq}",
            CALLED + timedelta(minutes=9),
            "connected",
            "sent",
        ),
    ]


async def test_an_outcome_recorded_before_the_call_was_made_does_not_answer_it(
    pool: asyncpg.Pool,
):
    state = await opened_and_called(pool)
    state.synced_events = len(state.timeline)
    state.record(CALLED - timedelta(minutes=1), "contact_outcome", outcome="wrong_number")
    state.record(CALLED + timedelta(minutes=1), "contact_outcome", outcome="refused_to_pay")

    await sync(pool, state)

    seq = len(state.timeline) - 2
    assert await calls_of(pool, state) == [
        (f"{state.loan_id}:outcome:1:{seq}", CALLED - timedelta(minutes=1), "wrong_number", "sent"),
        (f"{state.loan_id}:call:1", CALLED + timedelta(minutes=1), "connected", "sent"),
    ]


async def test_an_outcome_for_a_contact_person_leaves_the_debtors_call_open(pool: asyncpg.Pool):
    state = await opened_and_called(pool)
    state.synced_events = len(state.timeline)
    state.record(
        CALLED + timedelta(minutes=2),
        "contact_outcome",
        outcome="no_answer",
        contact_point="person:P-1",
    )

    await sync(pool, state)

    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT contact_point, outcome FROM contact_attempts WHERE loan_id = $1"
            " ORDER BY attempted_at",
            state.loan_id,
        )
    assert [tuple(row) for row in rows] == [("phone", None), ("person:P-1", "unanswered")]
