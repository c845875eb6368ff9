"""Notifier against a real PostgreSQL: one message per case + step, however often retried."""

import dataclasses
from datetime import UTC, date, datetime

import asyncpg
from temporalio.testing import ActivityEnvironment

from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.activities.store import CaseStore
from arrears.contracts import CaseSync, NotificationRequest
from arrears.workflows.case_state import CaseState
from tests.factories import new_loan_id, opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


async def open_case(pool: asyncpg.Pool, **overrides) -> CaseState:
    state = CaseState.open(opening(**overrides), NOW)
    sync = CaseSync(
        view=state.view(),
        customer_id=state.opening.customer.customer_id,
        jurisdiction="CN",
        customer=state.opening.customer,
    )
    await ActivityEnvironment().run(CaseStore(pool).sync_case, sync)
    return state


def reminder(state: CaseState, channel: str = "sms") -> NotificationRequest:
    return NotificationRequest(
        idempotency_key=f"{state.loan_id}:reminder:1",
        loan_id=state.loan_id,
        customer_id=state.opening.customer.customer_id,
        channel=channel,
        template="reminder",
        currency="CNY",
        amount_due=512_000,
        due_date=date(2026, 11, 20),
    )


async def test_a_retried_send_delivers_one_message(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    notifier = Notifier(pool, OutboxProvider(pool))
    env = ActivityEnvironment()

    first = await env.run(notifier.send, reminder(state))
    second = await env.run(notifier.send, reminder(state))

    assert (first.status, second.status) == ("sent", "sent")
    key = f"{state.loan_id}:reminder:1"
    async with pool.acquire() as conn:
        messages = await conn.fetch(
            "SELECT * FROM outbound_messages WHERE idempotency_key = $1", key
        )
        attempts = await conn.fetch(
            "SELECT * FROM contact_attempts WHERE idempotency_key = $1", key
        )
    assert len(messages) == 1 and len(attempts) == 1
    assert messages[0]["address"] == "+8613800138000"
    assert "5,120.00 CNY" in messages[0]["body"]
    assert "2026-11-20" in messages[0]["body"]
    assert attempts[0]["status"] == "sent" and attempts[0]["sent_at"] is not None
    # Both answers say when the message left: the first time, by the ledger's clock.
    assert first.sent_at == second.sent_at == attempts[0]["sent_at"]


async def test_a_send_interrupted_after_delivery_is_not_delivered_again(pool: asyncpg.Pool):
    """The provider got the message but the attempt was never marked sent (worker crash)."""
    state = await open_case(pool, customer_id=new_loan_id("C"))
    delivered: list[str] = []

    class CountingProvider(OutboxProvider):
        async def deliver(self, message):
            delivered.append(message.idempotency_key)
            await super().deliver(message)

    request = reminder(state)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO contact_attempts (idempotency_key, loan_id, customer_id, channel,"
            " template, status) VALUES ($1, $2, $3, 'sms', 'reminder', 'pending')",
            request.idempotency_key,
            state.loan_id,
            request.customer_id,
        )
        await conn.execute(
            "INSERT INTO outbound_messages (idempotency_key, channel, address, body)"
            " VALUES ($1, 'sms', '+8613800138000', 'earlier body')",
            request.idempotency_key,
        )
    result = await ActivityEnvironment().run(Notifier(pool, CountingProvider(pool)).send, request)
    assert result.status == "sent"
    async with pool.acquire() as conn:
        bodies = await conn.fetch(
            "SELECT body FROM outbound_messages WHERE idempotency_key = $1", request.idempotency_key
        )
    assert [b["body"] for b in bodies] == ["earlier body"]


async def test_no_address_on_file_is_skipped_with_the_reason(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"), email=None)
    result = await ActivityEnvironment().run(
        Notifier(pool, OutboxProvider(pool)).send, reminder(state, channel="email")
    )
    assert result.status == "skipped"
    assert result.detail == "no email address on file"


async def test_a_call_to_a_debtor_with_no_phone_is_skipped_and_makes_no_task(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"), phone=None)
    request = reminder(state, channel="call").model_copy(update={"template": "collection_call"})
    result = await ActivityEnvironment().run(Notifier(pool, OutboxProvider(pool)).send, request)
    assert (result.status, result.detail) == ("skipped", "no phone on file")
    async with pool.acquire() as conn:
        tasks = await conn.fetchval(
            "SELECT count(*) FROM agent_tasks WHERE loan_id = $1", state.loan_id
        )
    assert tasks == 0


def at_the_moment(instant: datetime) -> ActivityEnvironment:
    """An activity environment whose attempt the server scheduled at `instant`."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, current_attempt_scheduled_time=instant)
    return env


async def test_a_send_outside_the_window_defers_and_writes_nothing(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    notifier = Notifier(pool, OutboxProvider(pool))
    request = reminder(state).model_copy(update={"timezone": "Asia/Shanghai", "jurisdiction": "CN"})
    # 22:00:30 in Shanghai, a year ahead: the window closed half a minute ago.
    late = datetime(2027, 11, 28, 14, 0, 30, tzinfo=UTC)

    result = await at_the_moment(late).run(notifier.send, request)

    assert (result.status, result.rule) == ("deferred", "CN.quiet_hours")
    assert result.until == datetime(2027, 11, 29, 0, 0, tzinfo=UTC)
    async with pool.acquire() as conn:
        rows = await conn.fetchval(
            "SELECT count(*) FROM contact_attempts WHERE idempotency_key = $1",
            request.idempotency_key,
        )
    assert rows == 0

    morning = datetime(2027, 11, 29, 0, 0, 5, tzinfo=UTC)
    sent = await at_the_moment(morning).run(notifier.send, request)
    assert (sent.status, sent.message_id) == ("sent", request.idempotency_key)


async def test_a_message_already_sent_is_reported_sent_even_outside_the_window(
    pool: asyncpg.Pool,
):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    notifier = Notifier(pool, OutboxProvider(pool))
    request = reminder(state).model_copy(update={"timezone": "Asia/Shanghai", "jurisdiction": "CN"})
    first = await at_the_moment(datetime(2027, 11, 29, 2, 0, tzinfo=UTC)).run(
        notifier.send, request
    )
    # The acknowledgement was lost; the retry runs after 22:00.
    again = await at_the_moment(datetime(2027, 11, 29, 15, 0, tzinfo=UTC)).run(
        notifier.send, request
    )
    assert (first.status, again.status) == ("sent", "sent")
    assert again.message_id == first.message_id


async def test_a_validation_notice_states_its_period_and_the_institution(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    request = reminder(state, "email").model_copy(
        update={"template": "validation_notice", "validation_period_ends": date(2026, 8, 9)}
    )
    notifier = Notifier(pool, OutboxProvider(pool), institution="Example Bank")

    result = await ActivityEnvironment().run(notifier.send, request)

    assert result.status == "sent"
    async with pool.acquire() as conn:
        body = await conn.fetchval(
            "SELECT body FROM outbound_messages WHERE idempotency_key = $1",
            request.idempotency_key,
        )
    assert "until 2026-08-09" in body
    assert "This is Example Bank." in body
    assert "Reply STOP" in body
