"""A loan's whole life over HTTP, against the real dev server and PostgreSQL: disputes
that are upheld."""

import asyncio

import asyncpg
import httpx

from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_commands import accepted_case, assert_rejected, command


async def stored_case(pool: asyncpg.Pool, loan_id: str, status: str) -> asyncpg.Record:
    """The case row once PostgreSQL has it in `status`."""
    for _ in range(200):
        row = await pool.fetchrow("SELECT * FROM cases WHERE loan_id = $1", loan_id)
        if row is not None and row["status"] == status:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {loan_id} not stored as {status}")


async def test_upheld_amount_wrong_needs_the_corrected_amounts(api: httpx.AsyncClient):
    loan_id = await open_case(api, principal=500_000, interest=12_000, fees=0)
    await accepted_case(await command(api, loan_id, "disputes", {"reason": "amount_wrong"}))
    upheld = {"outcome": "upheld"}
    assert_rejected(
        await command(api, loan_id, "disputes/resolve", upheld, "bank"),
        "correction_required",
        "corrected",
    )
    too_much = {**upheld, "corrected": {"principal": 600_000}}
    assert_rejected(
        await command(api, loan_id, "disputes/resolve", too_much, "bank"),
        "correction_increases_debt",
        "corrected",
    )
    corrected = {**upheld, "corrected": {"principal": 450_000, "interest": 2_000}}
    case = await accepted_case(await command(api, loan_id, "disputes/resolve", corrected, "bank"))
    assert case["status"] == "open" and case["dispute"] is None
    assert case["balance"] == {"principal": 450_000, "interest": 2_000, "fees": 0, "total": 452_000}
    await timeline_until(api, loan_id, "balance_corrected")


async def test_upheld_fraud_closes_the_case_as_dispute_upheld(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    loan_id = await open_case(api)
    await accepted_case(await command(api, loan_id, "disputes", {"reason": "fraud"}))
    case = await accepted_case(
        await command(api, loan_id, "disputes/resolve", {"outcome": "upheld"}, "bank")
    )
    assert (case["status"], case["closed_reason"]) == ("closed", "dispute_upheld")
    row = await stored_case(pool, loan_id, "closed")
    assert row["closed_reason"] == "dispute_upheld"
    response = await command(api, loan_id, "payments", {"payment_id": "P-1", "amount": 100})
    assert (response.status_code, response.json()["error"]) == (409, "case_closed")
