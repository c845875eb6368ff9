"""Escalation hand-offs and agent call tasks against a real PostgreSQL: once per key."""

from datetime import date

import asyncpg
from temporalio.testing import ActivityEnvironment

from arrears.activities.escalations import Escalations
from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.contracts import HandOff, NotificationRequest
from tests.activities.test_notifications import open_case
from tests.factories import new_loan_id


async def test_a_retried_hand_off_is_recorded_once(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    handoff = HandOff(
        idempotency_key=f"{state.loan_id}:lawyer_letter",
        loan_id=state.loan_id,
        customer_id=state.opening.customer.customer_id,
        step="lawyer_letter",
        dpd=75,
        currency="CNY",
        balance=512_000,
        rule="escalations.lawyer_letter.dpd.medium",
        strategy_version="2026.12-1",
    )
    env = ActivityEnvironment()
    first = await env.run(Escalations(pool).hand_off, handoff)
    second = await env.run(Escalations(pool).hand_off, handoff)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT step, dpd, balance, rule, strategy_version FROM escalation_handoffs"
            " WHERE loan_id = $1",
            state.loan_id,
        )
        created_at = await conn.fetchval(
            "SELECT created_at FROM escalation_handoffs WHERE loan_id = $1", state.loan_id
        )
    # Both answers say when it was handed off: the first time.
    assert first.at == second.at == created_at
    assert [dict(r) for r in rows] == [
        {
            "step": "lawyer_letter",
            "dpd": 75,
            "balance": 512_000,
            "rule": "escalations.lawyer_letter.dpd.medium",
            "strategy_version": "2026.12-1",
        }
    ]


async def test_a_call_becomes_one_agent_task_and_no_message(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    request = NotificationRequest(
        idempotency_key=f"{state.loan_id}:early.d1.call",
        loan_id=state.loan_id,
        customer_id=state.opening.customer.customer_id,
        channel="call",
        template="collection_call",
        currency="CNY",
        amount_due=512_000,
        due_date=date(2026, 11, 20),
    )
    notifier = Notifier(pool, OutboxProvider(pool))
    env = ActivityEnvironment()
    first = await env.run(notifier.send, request)
    second = await env.run(notifier.send, request)
    assert (first.status, second.status) == ("sent", "sent")
    async with pool.acquire() as conn:
        tasks = await conn.fetch("SELECT * FROM agent_tasks WHERE loan_id = $1", state.loan_id)
        messages = await conn.fetchval(
            "SELECT count(*) FROM outbound_messages WHERE idempotency_key = $1",
            request.idempotency_key,
        )
    assert len(tasks) == 1
    assert (tasks[0]["kind"], tasks[0]["status"]) == ("collection_call", "open")
    assert messages == 0
