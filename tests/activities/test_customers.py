"""Customers' facts in a real PostgreSQL: created by the first case, never overwritten by a
later one, changed on purpose by `update_customer_record`, which lists the open cases."""

import uuid
from datetime import UTC, datetime

import asyncpg
from temporalio.testing import ActivityEnvironment

from arrears.activities.customers import CustomerRecords
from arrears.activities.store import CaseStore
from arrears.customers import CustomerUpdate
from arrears.workflows.case_state import CaseState
from tests.activities.test_store import first_sync
from tests.factories import opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
LOS_ANGELES = "America/Los_Angeles"


def customer_id() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


async def test_a_later_case_never_overwrites_the_customer_and_learns_the_stored_facts(
    pool: asyncpg.Pool,
):
    store, env, who = CaseStore(pool), ActivityEnvironment(), customer_id()
    first = CaseState.open(opening(customer_id=who), NOW)
    second = CaseState.open(opening(customer_id=who, timezone=LOS_ANGELES), NOW)

    assert await env.run(store.sync_case, first_sync(first)) is None
    stored = await env.run(store.sync_case, first_sync(second))

    assert stored == first.opening.customer
    async with pool.acquire() as conn:
        zone = await conn.fetchval("SELECT timezone FROM customers WHERE customer_id = $1", who)
    assert zone == "Asia/Shanghai"


async def test_an_update_stores_the_facts_and_lists_the_open_cases_once(pool: asyncpg.Pool):
    store, env, who = CaseStore(pool), ActivityEnvironment(), customer_id()
    records = CustomerRecords(pool)
    cases = [CaseState.open(opening(customer_id=who), NOW) for _ in range(3)]
    cases[2].close(NOW, "recalled")
    for case in cases:
        await env.run(store.sync_case, first_sync(case))
    moved = cases[0].opening.customer.model_copy(update={"timezone": LOS_ANGELES, "language": None})

    update = CustomerUpdate(customer=moved)
    done = await env.run(records.update_record, update)
    again = await env.run(records.update_record, update)

    assert done.found and done.changed == ["timezone"]
    assert again.changed == []
    assert sorted(done.open_loans) == sorted(c.loan_id for c in cases[:2])
    assert done.customer.language == "zh-CN"  # none given: the stored one stands
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT timezone, language FROM customers WHERE customer_id = $1", who
        )
    assert dict(row) == {"timezone": LOS_ANGELES, "language": "zh-CN"}


async def test_an_unknown_customer_is_not_found_and_nothing_is_written(pool: asyncpg.Pool):
    records = CustomerRecords(pool)
    stranger = opening(customer_id=customer_id()).customer

    result = await ActivityEnvironment().run(
        records.update_record, CustomerUpdate(customer=stranger)
    )

    assert not result.found and result.customer is None
    async with pool.acquire() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM customers WHERE customer_id = $1", stranger.customer_id
        )
    assert count == 0


async def test_a_row_stored_under_looser_rules_still_reads_everywhere(pool: asyncpg.Pool):
    """A name with no letter, a zone no place's: stored before today's rules, they read back
    (first sync, update, messages) rather than fail an activity for ever."""
    store, env, who = CaseStore(pool), ActivityEnvironment(), customer_id()
    case = CaseState.open(opening(customer_id=who), NOW)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO customers (customer_id, name, phone, email, timezone, language)"
            " VALUES ($1, '123', NULL, NULL, 'EST5EDT', 'zh-CN')",
            who,
        )
    learned = await env.run(store.sync_case, first_sync(case))
    assert (learned.name, learned.timezone) == ("123", "EST5EDT")

    moved = case.opening.customer.model_copy(update={"timezone": LOS_ANGELES})
    done = await env.run(CustomerRecords(pool).update_record, CustomerUpdate(customer=moved))
    assert done.found and "timezone" in done.changed
