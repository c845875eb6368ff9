"""CaseStore.sync_case against a real PostgreSQL: idempotent, append-only, hash-chained."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from arrears.activities.store import CaseStore
from arrears.contracts import (
    Allocation,
    CaseSync,
    PaymentRecord,
    RecordedEvent,
    TimelineEvent,
)
from arrears.records import audit
from arrears.workflows.case_state import CaseState
from tests.factories import opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def first_sync(state: CaseState) -> CaseSync:
    return CaseSync(
        view=state.view(),
        customer_id=state.opening.customer.customer_id,
        jurisdiction=state.opening.jurisdiction,
        customer=state.opening.customer,
        events=state.unsynced_events(),
    )


def payment(payment_id: str, amount: int) -> PaymentRecord:
    return PaymentRecord(
        payment_id=payment_id,
        amount=amount,
        currency="CNY",
        allocation=Allocation(principal=amount),
        paid_at=None,
        applied_at=NOW,
        via="update",
    )


async def test_retried_sync_writes_nothing_twice(pool: asyncpg.Pool):
    store = CaseStore(pool)
    state = CaseState.open(opening(), NOW)
    sync = first_sync(state)
    sync.payments.append(payment("P-1", 1_000))
    env = ActivityEnvironment()

    await env.run(store.sync_case, sync)
    await env.run(store.sync_case, sync)

    loan_id = state.loan_id
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM payments WHERE loan_id = $1", loan_id) == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM audit_events WHERE loan_id = $1", loan_id)
            == 1
        )
        row = await conn.fetchrow(
            "SELECT status, stage, currency FROM cases WHERE loan_id = $1", loan_id
        )
        assert dict(row) == {"status": "open", "stage": state.stage, "currency": "CNY"}
        name = await conn.fetchval(
            "SELECT name FROM customers WHERE customer_id = $1", state.opening.customer.customer_id
        )
        assert name == "张三"


async def test_audit_chain_links_every_event_and_detects_tampering(pool: asyncpg.Pool):
    store = CaseStore(pool)
    state = CaseState.open(opening(), NOW)
    env = ActivityEnvironment()
    await env.run(store.sync_case, first_sync(state))
    state.synced_events = len(state.timeline)
    state.record(NOW + timedelta(hours=1), "stage_changed", stage="early", rule="ladder.early")
    state.record(NOW + timedelta(hours=2), "case_closed", reason="recalled")
    later = CaseSync(
        view=state.view(),
        customer_id=state.opening.customer.customer_id,
        jurisdiction="CN",
        events=state.unsynced_events(),
    )
    await env.run(store.sync_case, later)

    async with pool.acquire() as conn:
        rows = await audit.list_events(conn, loan_id=state.loan_id)
        assert [r["seq"] for r in rows] == [0, 1, 2]
        assert [r["type"] for r in rows] == ["case_opened", "stage_changed", "case_closed"]
        assert rows[1]["prev_hash"] == rows[0]["hash"]
        assert rows[1]["body"]["rule"] == "ladder.early"
        assert await audit.verify_chain(conn, loan_id=state.loan_id)

        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute(
                "UPDATE audit_events SET type = 'x' WHERE loan_id = $1", state.loan_id
            )
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit_events WHERE loan_id = $1", state.loan_id)


async def test_events_out_of_order_are_refused_rather_than_leaving_a_gap(pool: asyncpg.Pool):
    store = CaseStore(pool)
    state = CaseState.open(opening(), NOW)
    sync = first_sync(state)
    sync.events = [
        RecordedEvent(seq=3, event=TimelineEvent(at=NOW, type="stage_changed", stage="early"))
    ]
    with pytest.raises(ValueError, match="audit gap"):
        await ActivityEnvironment().run(store.sync_case, sync)
    async with pool.acquire() as conn:
        # The whole transaction rolled back: not even the case row was written.
        assert (
            await conn.fetchval("SELECT count(*) FROM cases WHERE loan_id = $1", state.loan_id) == 0
        )
