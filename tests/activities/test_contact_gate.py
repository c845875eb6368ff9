"""The contact gate at the moment of sending, against a real PostgreSQL: one customer's
cases share one ledger, decided and reserved under the customer's lock."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.activities.store import CaseStore
from arrears.compliance.loader import from_data, load, profile_for
from arrears.contact_gate import ContactGate, ContactQuestion, candidate_timezones
from arrears.contracts import CaseSync, ContactGateFacts, NotificationRequest
from arrears.records import ledger
from arrears.workflows.case_state import CaseState
from tests.activities.test_notifications import at_the_moment, open_case, reminder
from tests.factories import new_loan_id

HOUSE_EXAMPLE = Path(__file__).parents[2] / "arrears/compliance/profiles/house.example.yaml"
# 10:00 in Shanghai: inside every window.
MORNING = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
ONE_A_WEEK = from_data(
    {
        "name": "house",
        "version": "t1",
        "contacts_per_week": {
            "source": "Test house policy: one contact a week",
            "effective": "2026-01-01",
            "limit": 1,
        },
    }
)
CAPPED_GATE = ContactGate(profile_for=lambda jurisdiction: profile_for(jurisdiction, ONE_A_WEEK))
"""The CN profile under a house policy of one contact a week across the customer's loans."""
CAPPED_VERSION = "CN@2026.1+house@t1"


def gated(state: CaseState, channel: str = "sms", **facts) -> NotificationRequest:
    return reminder(state, channel).model_copy(
        update={
            "timezone": "Asia/Shanghai",
            "jurisdiction": "CN",
            "gate": ContactGateFacts(**facts),
        }
    )


async def two_cases_of_one_customer(pool: asyncpg.Pool, **overrides) -> tuple[CaseState, ...]:
    customer_id = new_loan_id("C")
    return (
        await open_case(pool, customer_id=customer_id, **overrides),
        await open_case(pool, customer_id=customer_id, **overrides),
    )


async def rows_of(pool: asyncpg.Pool, customer_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT * FROM contact_attempts WHERE customer_id = $1 ORDER BY created_at",
            customer_id,
        )


@pytest.mark.parametrize("run", range(20))
async def test_two_cases_racing_for_the_last_slot_one_wins(pool: asyncpg.Pool, run: int):
    first, second = await two_cases_of_one_customer(pool)
    notifier = Notifier(pool, OutboxProvider(pool), CAPPED_GATE)

    results = await asyncio.gather(
        at_the_moment(MORNING).run(notifier.send, gated(first)),
        at_the_moment(MORNING).run(notifier.send, gated(second)),
    )

    assert sorted(result.status for result in results) == ["deferred", "sent"]
    loser = next(result for result in results if result.status == "deferred")
    assert (loser.rule, loser.profile) == ("house.weekly_budget", CAPPED_VERSION)
    assert loser.until == MORNING + timedelta(days=7)
    rows = await rows_of(pool, first.opening.customer.customer_id)
    assert [(row["status"], row["attempted_at"]) for row in rows] == [("sent", MORNING)]


@pytest.mark.parametrize("ending", ["commit", "rollback"])
async def test_a_send_waits_for_a_reservation_held_open_and_then_counts_it(
    pool: asyncpg.Pool, ending: str
):
    first, second = await two_cases_of_one_customer(pool)
    notifier = Notifier(pool, OutboxProvider(pool), CAPPED_GATE)
    request = gated(first)
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        question = ContactQuestion(
            customer_id=request.customer_id,
            loan_id=request.loan_id,
            jurisdiction="CN",
            timezone="Asia/Shanghai",
            gate=ContactGateFacts(),
            channel="sms",
            now=MORNING,
        )
        reservation = await CAPPED_GATE.reserve(
            conn, question, idempotency_key=request.idempotency_key, template="reminder"
        )
        assert reservation.attempt["status"] == "pending"
        other = asyncio.create_task(at_the_moment(MORNING).run(notifier.send, gated(second)))
        await waiting_for_the_ledger_lock(pool)
        assert not other.done()
        if ending == "commit":
            await transaction.commit()
        else:
            await transaction.rollback()

    result = await other
    assert result.status == ("deferred" if ending == "commit" else "sent")


async def waiting_for_the_ledger_lock(pool: asyncpg.Pool) -> None:
    """Return once some transaction waits for a customer's ledger lock."""
    async with pool.acquire() as conn:
        for _ in range(500):
            waiting = await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND classid = $1::oid",
                ledger._LOCK_CLASS,
            )
            if waiting:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("no send waited for the ledger lock")


async def test_blocked_is_recorded_and_a_retry_answers_the_same(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    notifier = Notifier(pool, OutboxProvider(pool), CAPPED_GATE)

    blocked = await at_the_moment(MORNING).run(notifier.send, gated(state, opted_out=["sms"]))
    # The retry carries facts that would now allow it: the recorded decision stands.
    again = await at_the_moment(MORNING).run(notifier.send, gated(state))

    assert (blocked.status, blocked.rule, blocked.profile) == (
        "blocked",
        "CN.opted_out",
        CAPPED_VERSION,
    )
    assert again == blocked
    rows = await rows_of(pool, state.opening.customer.customer_id)
    assert [(row["status"], row["rule"]) for row in rows] == [("blocked", "CN.opted_out")]
    async with pool.acquire() as conn:
        assert (
            await ledger.list_entries(
                conn, customer_id=state.opening.customer.customer_id, since=MORNING - timedelta(1)
            )
            == []
        )
        sent = await conn.fetchval(
            "SELECT count(*) FROM outbound_messages WHERE idempotency_key = $1",
            blocked.idempotency_key,
        )
    assert sent == 0


async def test_a_send_the_gate_defers_writes_nothing(pool: asyncpg.Pool):
    state = await open_case(pool, customer_id=new_loan_id("C"))
    notifier = Notifier(pool, OutboxProvider(pool))
    # 22:00:30 in Shanghai: the CN window has closed.
    late = datetime(2027, 3, 1, 14, 0, 30, tzinfo=UTC)

    result = await at_the_moment(late).run(notifier.send, gated(state))

    assert (result.status, result.rule, result.profile) == (
        "deferred",
        "CN.quiet_hours",
        "CN@2026.1",
    )
    assert await rows_of(pool, state.opening.customer.customer_id) == []


async def test_a_skipped_message_does_not_count(pool: asyncpg.Pool):
    first, second = await two_cases_of_one_customer(pool, email=None)
    notifier = Notifier(pool, OutboxProvider(pool), CAPPED_GATE)

    skipped = await at_the_moment(MORNING).run(notifier.send, gated(first, "email"))
    sent = await at_the_moment(MORNING).run(notifier.send, gated(second))

    assert (skipped.status, sent.status) == ("skipped", "sent")
    rows = await rows_of(pool, first.opening.customer.customer_id)
    assert [(row["status"], row["contact_point"]) for row in rows] == [
        ("skipped", "email"),
        ("sent", "phone"),
    ]


async def test_a_retry_after_a_crash_between_reserve_and_deliver_sends_once(
    pool: asyncpg.Pool,
):
    first, second = await two_cases_of_one_customer(pool)
    delivered: list[str] = []

    class CrashingOnceProvider(OutboxProvider):
        async def deliver(self, message):
            delivered.append(message.idempotency_key)
            if len(delivered) == 1:
                raise ConnectionError("worker lost before the hand-over")
            await super().deliver(message)

    notifier = Notifier(pool, CrashingOnceProvider(pool), CAPPED_GATE)
    with pytest.raises(ConnectionError):
        await at_the_moment(MORNING).run(notifier.send, gated(first))
    # The reservation survived the crash and holds the slot.
    blocked_by_it = await at_the_moment(MORNING).run(notifier.send, gated(second))
    retried = await at_the_moment(MORNING + timedelta(seconds=10)).run(notifier.send, gated(first))

    assert blocked_by_it.status == "deferred"
    assert (retried.status, retried.rule) == ("sent", "gate.allow")
    async with pool.acquire() as conn:
        messages = await conn.fetchval(
            "SELECT count(*) FROM outbound_messages WHERE idempotency_key = $1",
            retried.idempotency_key,
        )
    assert messages == 1
    rows = await rows_of(pool, first.opening.customer.customer_id)
    assert [row["status"] for row in rows] == ["sent"]


async def test_a_reservation_retried_after_the_window_closed_is_released(pool: asyncpg.Pool):
    first, second = await two_cases_of_one_customer(pool)

    class CrashingProvider(OutboxProvider):
        async def deliver(self, message):
            raise ConnectionError("worker lost before the hand-over")

    request = gated(first)
    with pytest.raises(ConnectionError):
        await at_the_moment(MORNING).run(
            Notifier(pool, CrashingProvider(pool), CAPPED_GATE).send, request
        )
    notifier = Notifier(pool, OutboxProvider(pool), CAPPED_GATE)
    late = MORNING + timedelta(hours=12, seconds=30)  # 22:00:30 in Shanghai
    deferred = await at_the_moment(late).run(notifier.send, request)
    async with pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM contact_attempts WHERE idempotency_key = $1",
            request.idempotency_key,
        )
    # Given back, it no longer holds the slot: the other case may use it next morning.
    next_morning = MORNING + timedelta(days=1, hours=1)
    other = await at_the_moment(next_morning).run(notifier.send, gated(second))
    again = await at_the_moment(next_morning + timedelta(days=7)).run(notifier.send, request)

    assert (deferred.status, deferred.rule, status) == ("deferred", "CN.quiet_hours", "released")
    assert (other.status, again.status) == ("sent", "sent")


async def test_a_us_customer_is_reached_only_in_hours_of_every_zone_they_may_be_in(
    pool: asyncpg.Pool,
):
    state = await open_case(
        pool,
        customer_id=new_loan_id("C"),
        jurisdiction="US",
        currency="USD",
        timezone="America/Los_Angeles",
        phone="+12127363100",
    )
    request = reminder(state).model_copy(
        update={
            "timezone": "America/Los_Angeles",
            "jurisdiction": "US",
            "gate": ContactGateFacts(),
        }
    )
    # 18:30 in Los Angeles, 21:30 in New York, where the phone's area code is.
    evening = datetime(2027, 3, 2, 2, 30, tzinfo=UTC)

    result = await at_the_moment(evening).run(Notifier(pool, OutboxProvider(pool)).send, request)

    assert result.status == "deferred"
    async with pool.acquire() as conn:
        question = ContactQuestion(
            customer_id=request.customer_id,
            loan_id=request.loan_id,
            jurisdiction="US",
            timezone="America/Los_Angeles",
            gate=ContactGateFacts(),
            channel="sms",
            now=evening,
        )
        for zone, expected in (("America/Los_Angeles", "defer"), (None, "defer")):
            verdict = await ContactGate().check(conn, replace(question, timezone=zone))
            assert verdict.decision == expected
        earlier = await ContactGate().check(
            conn, replace(question, now=evening - timedelta(hours=1))
        )
    assert earlier.allowed


def test_the_phone_adds_zones_only_for_the_us():
    assert candidate_timezones("America/Los_Angeles", "US", "+12127363100") == (
        "America/Los_Angeles",
        "America/New_York",
    )
    assert candidate_timezones("America/New_York", "US", "+12127363100") == ("America/New_York",)
    assert candidate_timezones("America/Los_Angeles", "US", "not a number") == (
        "America/Los_Angeles",
    )
    assert candidate_timezones("Asia/Shanghai", "CN", "+12127363100") == ("Asia/Shanghai",)
    # A foreign number says nothing of where in the US the customer is.
    assert candidate_timezones("America/New_York", "US", "+8613800138000") == ("America/New_York",)


async def test_check_counts_reservations_of_other_loans_and_reserves_nothing(
    pool: asyncpg.Pool,
):
    first, second = await two_cases_of_one_customer(pool)
    customer_id = first.opening.customer.customer_id
    facts = {
        "customer_id": customer_id,
        "jurisdiction": "CN",
        "timezone": "Asia/Shanghai",
        "gate": ContactGateFacts(),
        "channel": "call",
        "now": MORNING,
    }
    async with pool.acquire() as conn:
        before = await CAPPED_GATE.check(conn, ContactQuestion(loan_id=second.loan_id, **facts))
        again = await CAPPED_GATE.check(conn, ContactQuestion(loan_id=second.loan_id, **facts))
    await at_the_moment(MORNING).run(
        Notifier(pool, OutboxProvider(pool), CAPPED_GATE).send, gated(first, "call")
    )
    async with pool.acquire() as conn:
        after = await CAPPED_GATE.check(conn, ContactQuestion(loan_id=second.loan_id, **facts))

    assert (before.decision, again.decision) == ("allow", "allow")
    assert (after.decision, after.rule) == ("defer", "house.weekly_budget")
    rows = await rows_of(pool, customer_id)
    assert [(row["kind"], row["status"], row["outcome"]) for row in rows] == [
        ("call", "sent", None)
    ]


async def test_vulnerability_flagged_on_one_loan_protects_the_customers_other_loan(
    pool: asyncpg.Pool,
):
    first, second = await two_cases_of_one_customer(pool)
    pausing = ContactGate(
        profile_for=lambda jurisdiction: profile_for(jurisdiction, load(HOUSE_EXAMPLE))
    )
    notifier = Notifier(pool, OutboxProvider(pool), pausing)
    first.vulnerability = "illness"
    sync = CaseSync(
        view=first.view(), customer_id=first.opening.customer.customer_id, jurisdiction="CN"
    )
    await ActivityEnvironment().run(CaseStore(pool).sync_case, sync)

    held = await at_the_moment(MORNING).run(notifier.send, gated(second))
    notice = await at_the_moment(MORNING).run(
        notifier.send,
        gated(second, purpose="notice").model_copy(update={"idempotency_key": "notice:1"}),
    )

    assert (held.status, held.rule) == ("blocked", "house.vulnerability")
    assert notice.status == "sent"


async def test_a_wrong_number_and_a_stopped_channel_on_one_loan_hold_on_the_other(
    pool: asyncpg.Pool,
):
    first, second = await two_cases_of_one_customer(pool)
    notifier = Notifier(pool, OutboxProvider(pool))
    first.invalid_points.add("phone")
    first.ceased_channels.add("email")
    sync = CaseSync(
        view=first.view(), customer_id=first.opening.customer.customer_id, jurisdiction="CN"
    )
    await ActivityEnvironment().run(CaseStore(pool).sync_case, sync)

    sms = await at_the_moment(MORNING).run(notifier.send, gated(second))
    email = await at_the_moment(MORNING).run(
        notifier.send,
        gated(second, "email").model_copy(update={"idempotency_key": "email:1"}),
    )

    assert (sms.status, sms.rule) == ("blocked", "gate.point_invalid")
    assert (email.status, email.rule) == ("blocked", "CN.opted_out")
