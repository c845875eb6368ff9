"""The reversal of the payment that closed a case, over HTTP against the real dev server and
PostgreSQL: the case reopens (a new run of `case-<loan_id>` carrying the closed run's
state), owes again what the payment paid, and is stored and listed open; repeats, reused
ids, the window and the other closings."""

import asyncio
from datetime import timedelta

import asyncpg
import httpx
from temporalio.common import WorkflowIDReusePolicy
from temporalio.testing import WorkflowEnvironment

from arrears import ids
from arrears.case_audit import audit_case
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from arrears.workflows.reopening import REVERSAL_WINDOW
from tests.api.conftest import auth
from tests.api.test_audit import idle
from tests.api.test_case_life import stored_case
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_cases import days_ago
from tests.api.test_commands import command

RETURNED = {"reason": "returned"}


async def paid_in_full(api: httpx.AsyncClient, **due: int) -> str:
    """A case 10 days past due, paid in full by P-1: closed `paid`; its loan_id."""
    amounts = {"principal": 10_000, "interest": 500, "fees": 200} | due
    loan_id = await open_case(api, due_date=days_ago(10), **amounts)
    paid = await command(
        api, loan_id, "payments", {"payment_id": "P-1", "amount": sum(amounts.values())}, "bank"
    )
    assert paid.json()["case"]["closed_reason"] == "paid", paid.text
    return loan_id


async def reverse(api: httpx.AsyncClient, loan_id: str, body: dict = RETURNED) -> httpx.Response:
    return await command(api, loan_id, "payments/P-1/reversal", body, "bank")


async def listed_open(api: httpx.AsyncClient, loan_id: str) -> dict:
    params = {"status": "open", "dpd_min": 10, "dpd_max": 10}
    for _ in range(200):
        listing = await api.get("/v1/cases", params=params, headers=auth("auditor"))
        found = [c for c in listing.json()["cases"] if c["loan_id"] == loan_id]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {loan_id} not listed open")


async def test_reversing_the_payment_that_paid_in_full_reopens_the_case(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    loan_id = await paid_in_full(api)
    await stored_case(pool, loan_id, "closed")

    reversed_ = await reverse(api, loan_id)
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["accepted"] is True
    case = reversed_.json()["case"]
    assert (case["status"], case["closed_reason"], case["episode"]) == ("open", None, 1)
    assert case["balance"] == {"principal": 10_000, "interest": 500, "fees": 200, "total": 10_700}
    assert (case["paid"], case["dpd"]) == (0, 10)
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
    assert (view["status"], view["balance"], view["dpd"]) == ("open", case["balance"], 10)

    # Sent again: a repeat on the reopened run; with another reason, the id is reused.
    again = await reverse(api, loan_id)
    assert again.status_code == 200 and again.json()["accepted"] is False, again.text
    assert again.json()["case"]["status"] == "open"
    other = await reverse(api, loan_id, {"reason": "charged_back"})
    assert (other.status_code, other.json()["error"]) == (409, "id_reused"), other.text
    assert other.json()["fields"] == ["reason"]

    events = await timeline_until(api, loan_id, "case_reopened")
    reopened = next(e for e in events if e["type"] == "case_reopened")
    assert (reopened["rule"], reopened["payment_id"], reopened["closed_reason"]) == (
        "payment.reversed",
        "P-1",
        "paid",
    )
    row = await stored_case(pool, loan_id, "open")
    assert (row["closed_reason"], row["paid"], row["episode"]) == (None, 0, 1)
    assert (row["principal_due"], row["interest_due"], row["fees_due"]) == (10_000, 500, 200)
    payment = await pool.fetchrow(
        "SELECT reversal_reason, reversed_at FROM payments WHERE loan_id = $1", loan_id
    )
    assert payment["reversal_reason"] == "returned" and payment["reversed_at"] is not None
    listed = await listed_open(api, loan_id)
    assert listed["status"] == "open"

    # The reopened case collects; paid again, its reversal of P-1 is still a repeat.
    repaid = await command(api, loan_id, "payments", {"payment_id": "P-2", "amount": 10_700})
    assert repaid.json()["case"]["closed_reason"] == "paid", repaid.text
    await stored_case(pool, loan_id, "closed")
    late = await reverse(api, loan_id)
    assert late.status_code == 200 and late.json()["accepted"] is False, late.text
    assert late.json()["case"]["closed_reason"] == "paid"

    # Both runs are the loan's one case: its history replays and its chain holds.
    for _ in range(100):
        await idle(dev_env, loan_id)
        report = await audit_case(dev_env.client, pool, loan_id)
        if report.ok and report.recorded_by_workflow == report.chain_rows:
            break
        await asyncio.sleep(0.1)
    assert report.ok, report.as_dict()
    assert report.episodes == [1] and len(report.runs) == 2


async def test_a_case_closed_otherwise_is_not_reopened(api: httpx.AsyncClient):
    """Recalled: a reversal is 409 `case_closed`, but one sent again is still a repeat."""
    loan_id = await open_case(api, due_date=days_ago(10), principal=10_000, interest=0, fees=0)
    for payment_id, amount in (("P-1", 4_000), ("P-2", 1_000)):
        body = {"payment_id": payment_id, "amount": amount}
        assert (await command(api, loan_id, "payments", body, "bank")).status_code == 200
    reversal = "payments/P-2/reversal"
    assert (await command(api, loan_id, reversal, RETURNED, "bank")).json()["accepted"] is True
    recalled = await command(api, loan_id, "close", {}, "bank")
    assert recalled.json()["case"]["closed_reason"] == "recalled", recalled.text

    refused = await reverse(api, loan_id)
    assert (refused.status_code, refused.json()["error"]) == (409, "case_closed"), refused.text
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
    assert (view["status"], view["closed_reason"], view["paid"]) == ("closed", "recalled", 4_000)
    again = await command(api, loan_id, reversal, RETURNED, "bank")
    assert again.status_code == 200 and again.json()["accepted"] is False, again.text
    other = await command(api, loan_id, reversal, {"reason": "error"}, "bank")
    assert (other.status_code, other.json()["error"]) == (409, "id_reused"), other.text


async def test_an_unknown_payment_of_a_paid_case_is_not_found(api: httpx.AsyncClient):
    loan_id = await paid_in_full(api)
    unknown = await command(api, loan_id, "payments/P-9/reversal", RETURNED, "bank")
    assert (unknown.status_code, unknown.json()["error"]) == (422, "payment_not_found")


async def test_a_reversal_after_the_window_leaves_the_case_closed(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    """The dev server's clock cannot move: the closed case is carried into a run whose
    state says it closed longer ago than the window (as a case paid then would have)."""
    loan_id = await paid_in_full(api)
    handle = dev_env.client.get_workflow_handle(ids.case_workflow_id(loan_id))
    await handle.result()
    state = await handle.query(CollectionCase.closed_state)
    closing = next(e for e in state.timeline if e.type == "case_closed")
    closing.at -= REVERSAL_WINDOW + timedelta(days=1)
    earlier = await dev_env.client.start_workflow(
        CollectionCase.run,
        CaseStart(opening=state.opening, received_at=closing.at, carried=state),
        id=handle.id,
        task_queue=ids.TASK_QUEUE,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    await earlier.result()

    late = await reverse(api, loan_id)
    assert (late.status_code, late.json()["error"]) == (409, "reversal_window_over"), late.text
    assert "120 days" in late.json()["detail"]
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
    assert (view["status"], view["closed_reason"]) == ("closed", "paid")
