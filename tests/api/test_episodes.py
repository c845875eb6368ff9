"""A loan's cases over time, against the real dev server and PostgreSQL: a loan that cured
and fell behind again gets a new case (the next episode of `case-<loan_id>`), a repeat of
the old opening does not, and listing and audit see every episode."""

import asyncio

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from arrears import ids
from arrears.case_audit import audit_case
from tests.api.conftest import auth
from tests.api.test_audit import idle
from tests.api.test_case_lifecycle import timeline_until
from tests.api.test_cases import days_ago
from tests.factories import case_body


async def post_case(api: httpx.AsyncClient, body: dict) -> httpx.Response:
    return await api.post("/v1/cases", json=body, headers=auth("bank"))


async def cured(api: httpx.AsyncClient, body: dict) -> None:
    """Open the case of `body` and pay it in full: it closes as paid."""
    assert (await post_case(api, body)).status_code == 201
    total = sum(body["due"].values())
    paid = await api.post(
        f"/v1/cases/{body['loan_id']}/payments",
        json={"payment_id": "P-1", "amount": total},
        headers=auth("bank"),
    )
    assert paid.json()["case"]["closed_reason"] == "paid", paid.text


async def test_a_loan_that_falls_behind_again_gets_a_new_case(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    first = case_body(due_date=days_ago(10), principal=10_000, interest=0, fees=0)
    loan_id = first["loan_id"]
    await cured(api, first)

    repeat = await post_case(api, first)
    assert repeat.status_code == 200, repeat.text
    assert (repeat.json()["status"], repeat.json()["episode"]) == ("closed", 1)

    again = {**first, "due_date": days_ago(2)}
    second = await post_case(api, again)
    assert second.status_code == 201, second.text
    assert (second.json()["status"], second.json()["episode"]) == ("open", 2)
    running = await post_case(api, again)
    assert running.status_code == 200 and running.json()["episode"] == 2

    # A payment id means one payment of the loan: the first case's payment, retried, is a
    # repeat (another body for it is id_reused); the new case collects new payments.
    retried = await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": "P-1", "amount": 10_000},
        headers=auth("bank"),
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["applied"] is False and retried.json()["case"]["episode"] == 2
    assert retried.json()["case"]["paid"] == 0
    reused = await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": "P-1", "amount": 4_000},
        headers=auth("bank"),
    )
    assert (reused.status_code, reused.json()["fields"]) == (409, ["amount"]), reused.text
    # The first case's opening, resent while the second runs, is a repeat too.
    resent = await post_case(api, first)
    assert resent.status_code == 200, resent.text
    assert resent.json()["episode"] == 2
    paid = await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": "P-2", "amount": 4_000},
        headers=auth("bank"),
    )
    assert paid.json()["applied"] is True and paid.json()["case"]["episode"] == 2
    events = await timeline_until(api, loan_id, "payment_applied")
    assert events[0]["type"] == "case_opened" and events[0]["episode"] == 2

    # Visibility lists both runs; PostgreSQL keeps both cases' payments and chains.
    workflow_id = ids.case_workflow_id(loan_id)
    for _ in range(100):
        runs = [r async for r in dev_env.client.list_workflows(f'WorkflowId = "{workflow_id}"')]
        if len(runs) == 2:
            break
        await asyncio.sleep(0.1)
    assert len({run.run_id for run in runs}) == 2
    for _ in range(100):
        await idle(dev_env, loan_id)
        report = await audit_case(dev_env.client, pool, loan_id)
        if report.ok and report.recorded_by_workflow == report.chain_rows:
            break
        await asyncio.sleep(0.1)
    assert report.ok, report.as_dict()
    assert report.episodes == [1, 2] and len(report.runs) == 2
    payments = await pool.fetch(
        "SELECT episode, payment_id, amount FROM payments WHERE loan_id = $1 ORDER BY episode",
        loan_id,
    )
    assert [tuple(p) for p in payments] == [(1, "P-1", 10_000), (2, "P-2", 4_000)]
    row = await pool.fetchrow("SELECT episode, status FROM cases WHERE loan_id = $1", loan_id)
    assert tuple(row) == (2, "open")


async def test_an_opening_with_an_earlier_due_date_starts_nothing(api: httpx.AsyncClient):
    """No new delinquency: the loan_id names a case opened with another due date."""
    first = case_body(due_date=days_ago(10), principal=10_000, interest=0, fees=0)
    await cured(api, first)
    stale = await post_case(api, {**first, "due_date": days_ago(12)})
    assert stale.status_code == 409, stale.text
    assert (stale.json()["error"], stale.json()["fields"]) == ("id_reused", ["due_date"])
    view = (await api.get(f"/v1/cases/{first['loan_id']}", headers=auth("auditor"))).json()
    assert (view["closed_reason"], view["episode"]) == ("paid", 1)


async def test_a_next_case_in_another_money_or_for_another_borrower_is_id_reused(
    api: httpx.AsyncClient,
):
    """A loan's next delinquency is owed in the same money, under the same law, by the same
    borrower: an opening that changes any of them names another loan, and starts nothing."""
    first = case_body(due_date=days_ago(10), principal=10_000, interest=0, fees=0)
    await cured(api, first)
    other = {
        **first,
        "due_date": days_ago(2),
        "currency": "USD",
        "customer": {**first["customer"], "customer_id": f"{first['customer']['customer_id']}-B"},
    }
    refused = await post_case(api, other)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert (body["error"], body["fields"]) == ("id_reused", ["currency", "customer.customer_id"])
    view = (await api.get(f"/v1/cases/{first['loan_id']}", headers=auth("auditor"))).json()
    assert (view["status"], view["episode"]) == ("closed", 1)


async def test_listing_names_each_run(api: httpx.AsyncClient):
    body = case_body(due_date=days_ago(10))
    assert (await post_case(api, body)).status_code == 201
    for _ in range(100):
        response = await api.get(
            "/v1/cases", params={"dpd_min": 10, "dpd_max": 10}, headers=auth("auditor")
        )
        found = [c for c in response.json()["cases"] if c["loan_id"] == body["loan_id"]]
        if found:
            break
        await asyncio.sleep(0.1)
    assert found and found[0]["run_id"]


async def test_a_keyed_recall_retried_after_the_loan_fell_behind_again_is_a_repeat(
    api: httpx.AsyncClient,
):
    """The key was answered by the loan's first case: the second case answers it as then,
    and stays open."""
    first = case_body(due_date=days_ago(10), principal=10_000, interest=0, fees=0)
    loan_id = first["loan_id"]
    assert (await post_case(api, first)).status_code == 201
    close = f"/v1/cases/{loan_id}/close"
    keyed = {**auth("bank"), "Idempotency-Key": "recall-1"}
    recalled = await api.post(close, headers=keyed)
    assert recalled.json()["accepted"] is True, recalled.text
    assert recalled.json()["case"]["closed_reason"] == "recalled"

    second = await post_case(api, {**first, "due_date": days_ago(2)})
    assert second.status_code == 201 and second.json()["episode"] == 2, second.text
    again = await api.post(close, headers=keyed)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["accepted"] is True
    assert (again.json()["case"]["episode"], again.json()["case"]["status"]) == (2, "open")


async def test_a_written_off_loan_gets_no_new_case(api: httpx.AsyncClient):
    """Charged off, the loan's case takes recoveries; a later delinquency is no new case."""
    first = case_body(due_date=days_ago(200))
    loan_id = first["loan_id"]
    assert (await post_case(api, first)).status_code == 201
    for _ in range(200):
        view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("auditor"))).json()
        if view["status"] == "closed":
            break
        await asyncio.sleep(0.05)
    assert view["closed_reason"] == "written_off"
    resent = await post_case(api, first)
    assert resent.status_code == 200, resent.text
    assert (resent.json()["closed_reason"], resent.json()["episode"]) == ("written_off", 1)
    later = await post_case(api, {**first, "due_date": days_ago(5)})
    assert later.status_code == 409, later.text
    assert (later.json()["error"], later.json()["fields"]) == ("id_reused", ["due_date"])


async def test_reversals_of_an_earlier_case_mean_what_they_meant(api: httpx.AsyncClient):
    first = case_body(due_date=days_ago(10), principal=10_000, interest=0, fees=0)
    loan_id = first["loan_id"]
    assert (await post_case(api, first)).status_code == 201
    payments = f"/v1/cases/{loan_id}/payments"
    bank = auth("bank")
    await api.post(payments, json={"payment_id": "P-1", "amount": 3_000}, headers=bank)
    reversal = {"reason": "returned"}
    reversed_ = await api.post(f"{payments}/P-1/reversal", json=reversal, headers=bank)
    assert reversed_.json()["accepted"] is True, reversed_.text
    closing = await api.post(payments, json={"payment_id": "P-9", "amount": 10_000}, headers=bank)
    assert closing.json()["case"]["closed_reason"] == "paid", closing.text
    second = await post_case(api, {**first, "due_date": days_ago(2)})
    assert second.status_code == 201 and second.json()["episode"] == 2, second.text

    again = await api.post(f"{payments}/P-1/reversal", json=reversal, headers=bank)
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] is False and again.json()["case"]["episode"] == 2
    earlier = await api.post(f"{payments}/P-9/reversal", json=reversal, headers=bank)
    assert earlier.status_code == 422, earlier.text
    assert earlier.json()["error"] == "payment_not_reversible"
    assert "earlier case" in earlier.json()["detail"]
