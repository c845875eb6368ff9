"""A loan's whole life over HTTP, against the real dev server and PostgreSQL: disputes
that are upheld, and money after a write-off."""

import asyncio

import asyncpg
import httpx

from tests.api.conftest import auth
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_cases import days_ago
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
    partial = {**upheld, "corrected": {"principal": 450_000, "interest": 2_000}}
    missing = await command(api, loan_id, "disputes/resolve", partial, "bank")
    assert missing.status_code == 422 and "corrected.fees" in missing.json()["detail"]
    too_much = {**upheld, "corrected": {"principal": 600_000, "interest": 0, "fees": 0}}
    assert_rejected(
        await command(api, loan_id, "disputes/resolve", too_much, "bank"),
        "correction_increases_debt",
        "corrected",
    )
    corrected = {**upheld, "corrected": {"principal": 450_000, "interest": 2_000, "fees": 0}}
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
    again = await command(api, loan_id, "disputes/resolve", {"outcome": "upheld"}, "bank")
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] is False
    assert again.json()["case"]["closed_reason"] == "dispute_upheld"
    rejected = await command(api, loan_id, "disputes/resolve", {"outcome": "rejected"}, "bank")
    assert (rejected.status_code, rejected.json()["error"]) == (409, "case_closed")
    response = await command(api, loan_id, "payments", {"payment_id": "P-1", "amount": 100})
    assert (response.status_code, response.json()["error"]) == (409, "case_closed")


async def closed_view(api: httpx.AsyncClient, loan_id: str) -> dict:
    for _ in range(200):
        case = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
        if case["status"] == "closed":
            return case
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {loan_id} did not close")


async def test_a_payment_after_write_off_is_a_recovery(api: httpx.AsyncClient, pool: asyncpg.Pool):
    loan_id = await open_case(api, due_date=days_ago(185), principal=50_000, interest=0, fees=0)
    assert (await closed_view(api, loan_id))["closed_reason"] == "written_off"
    body = {"payment_id": "R-1", "amount": 20_000}
    response = await command(api, loan_id, "payments", body, "bank")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["applied"] is True
    assert answer["allocation"]["principal"] == 20_000
    assert (answer["case"]["closed_reason"], answer["case"]["recovered"]) == ("written_off", 20_000)
    await timeline_until(api, loan_id, "recovery_received")
    for _ in range(200):
        row = await pool.fetchrow(
            "SELECT recovery, to_principal FROM payments WHERE loan_id = $1 AND payment_id = $2",
            loan_id,
            "R-1",
        )
        stored = await pool.fetchval("SELECT recovered FROM cases WHERE loan_id = $1", loan_id)
        if row is not None and stored == 20_000:
            break
        await asyncio.sleep(0.05)
    assert row is not None and (row["recovery"], row["to_principal"]) == (True, 20_000)
    assert stored == 20_000


async def test_a_settlement_over_http_forgives_interest_only(api: httpx.AsyncClient):
    """Once the early stage's 50 % waiver is offered, the waived interest is paid last and
    the settling payment's allocation names the interest it forgave."""
    loan_id = await open_case(api, principal=500_000, interest=12_000, fees=0)
    await timeline_until(api, loan_id, "offer_made")
    first = await command(api, loan_id, "payments", {"payment_id": "P-1", "amount": 300_000})
    assert first.json()["allocation"] == {
        "fees": 0,
        "interest": 6_000,
        "principal": 294_000,
        "excess": 0,
        "interest_waived": 0,
    }
    last = await command(api, loan_id, "payments", {"payment_id": "P-2", "amount": 206_000})
    assert last.json()["allocation"] == {
        "fees": 0,
        "interest": 0,
        "principal": 206_000,
        "excess": 0,
        "interest_waived": 6_000,
    }
    assert last.json()["case"]["closed_reason"] == "settled"
    events = await timeline_until(api, loan_id, "interest_waived")
    waived = next(e for e in events if e["type"] == "interest_waived")
    assert (waived["interest"], waived["principal"], waived["fees"]) == (6_000, 0, 0)


def adjustment(adjustment_id: str, component: str, direction: str, amount: int) -> dict:
    return {
        "adjustment_id": adjustment_id,
        "component": component,
        "direction": direction,
        "amount": amount,
        "reason": "correction",
        "reference": f"REF-{adjustment_id}",
    }


async def test_the_bank_adjusts_a_balance_once_per_adjustment_id(api: httpx.AsyncClient):
    loan_id = await open_case(api, principal=500_000, interest=12_000, fees=3_000)
    body = adjustment("A-1", "fees", "credit", 3_000)
    assert (await command(api, loan_id, "adjustments", body, "agent")).status_code == 403
    case = await accepted_case(await command(api, loan_id, "adjustments", body, "bank"))
    assert case["balance"]["fees"] == 0
    repeat = await command(api, loan_id, "adjustments", body, "bank")
    assert repeat.status_code == 200 and repeat.json()["accepted"] is False
    assert_rejected(
        await command(api, loan_id, "adjustments", adjustment("A-2", "fees", "credit", 1), "bank"),
        "adjustment_too_large",
        "below zero",
    )
    bad = {**adjustment("A-3", "fees", "credit", 1), "direction": "sideways"}
    response = await command(api, loan_id, "adjustments", bad, "bank")
    assert response.status_code == 422 and "direction" in response.text
    await timeline_until(api, loan_id, "balance_adjusted")
    cleared = [
        adjustment("A-4", "interest", "credit", 12_000),
        adjustment("A-5", "principal", "credit", 500_000),
    ]
    for body in cleared:
        case = await accepted_case(await command(api, loan_id, "adjustments", body, "admin"))
    assert (case["status"], case["closed_reason"]) == ("closed", "adjusted")
    # The adjustment that closed it, sent again: a repeat, not a 409.
    again = await command(api, loan_id, "adjustments", cleared[-1], "bank")
    assert again.status_code == 200 and again.json()["accepted"] is False, again.text
    other = await command(api, loan_id, "adjustments", {**cleared[-1], "amount": 1}, "bank")
    assert (other.status_code, other.json()["fields"]) == (409, ["amount"]), other.text


async def test_a_reversed_payment_is_owed_again_and_stored_as_reversed(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    loan_id = await open_case(api, principal=500_000, interest=12_000, fees=3_000)
    paid = await command(api, loan_id, "payments", {"payment_id": "P-1", "amount": 20_000}, "bank")
    assert paid.status_code == 200, paid.text
    reversal = {"reason": "returned"}
    assert_rejected(
        await command(api, loan_id, "payments/P-9/reversal", reversal, "bank"),
        "payment_not_found",
        "P-9",
    )
    reversed_ = await command(api, loan_id, "payments/P-1/reversal", reversal, "bank")
    case = await accepted_case(reversed_)
    assert case["balance"]["total"] == 515_000 and case["paid"] == 0
    card = await command(api, loan_id, "payments/4111111111111111/reversal", reversal, "bank")
    assert card.status_code == 422 and "payment_id" in card.text
    bad = await command(api, loan_id, "payments/P-1/reversal", {"reason": "bounced"}, "bank")
    assert bad.status_code == 422 and "reason" in bad.text
    await timeline_until(api, loan_id, "payment_reversed")
    for _ in range(200):
        row = await pool.fetchrow(
            "SELECT reversal_reason, reversed_at FROM payments WHERE loan_id = $1", loan_id
        )
        if row is not None and row["reversal_reason"] is not None:
            break
        await asyncio.sleep(0.05)
    assert row["reversal_reason"] == "returned" and row["reversed_at"] is not None
