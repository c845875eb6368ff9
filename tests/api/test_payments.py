"""Payments over HTTP: answered by update, or accepted at once by signal."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from arrears.api import gateway
from tests.api.conftest import auth, unserved_case
from tests.api.test_cases import days_ago
from tests.factories import case_body


async def open_case(api: httpx.AsyncClient, **overrides) -> str:
    body = case_body(**overrides)
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert response.status_code == 201
    return body["loan_id"]


async def pay(api: httpx.AsyncClient, loan_id: str, body: dict, **headers) -> httpx.Response:
    return await api.post(
        f"/v1/cases/{loan_id}/payments", json=body, headers={**auth("agent"), **headers}
    )


async def test_payment_flow_applies_once_and_closes_when_paid(api: httpx.AsyncClient):
    # In the reminder stage no interest waiver is offered: the plain waterfall.
    loan_id = await open_case(api, principal=10_000, interest=500, fees=200, due_date=days_ago(2))

    first = await pay(api, loan_id, {"payment_id": "P-1", "amount": 4_000})
    assert first.status_code == 200
    assert first.json()["applied"] is True
    assert first.json()["allocation"] == {
        "fees": 200,
        "interest": 500,
        "principal": 3300,
        "excess": 0,
        "interest_waived": 0,
    }
    assert first.json()["case"]["balance"]["total"] == 6_700

    duplicate = await pay(api, loan_id, {"payment_id": "P-1", "amount": 4_000})
    assert duplicate.status_code == 200
    assert duplicate.json()["applied"] is False
    assert duplicate.json()["case"]["balance"]["total"] == 6_700

    rest = await pay(api, loan_id, {"payment_id": "P-2", "amount": 6_700, "currency": "CNY"})
    closed = rest.json()["case"]
    assert (closed["status"], closed["closed_reason"]) == ("closed", "paid")

    after = await pay(api, loan_id, {"payment_id": "P-3", "amount": 1})
    assert after.status_code == 409
    assert after.json()["error"] == "case_closed"
    # The payment that closed it, retried after a timeout, is the repeat it always was.
    again = await pay(api, loan_id, {"payment_id": "P-2", "amount": 6_700, "currency": "CNY"})
    assert again.status_code == 200, again.text
    assert again.json()["applied"] is False and again.json()["case"]["closed_reason"] == "paid"
    other = await pay(api, loan_id, {"payment_id": "P-2", "amount": 6_701})
    assert (other.status_code, other.json()["error"]) == (409, "id_reused")
    assert other.json()["fields"] == ["amount"]


async def test_async_payment_is_accepted_at_once_then_applied(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    accepted = await pay(
        api, loan_id, {"payment_id": "P-async", "amount": 12_000}, Prefer="respond-async"
    )
    assert accepted.status_code == 202
    assert accepted.json() == {"accepted": True, "payment_id": "P-async"}
    for _ in range(100):
        view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
        if view["paid"]:
            break
        await asyncio.sleep(0.05)
    assert view["paid"] == 12_000
    assert view["balance"]["interest"] == 0


async def test_bad_payment_bodies_are_422_naming_the_field(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    for body, field in [
        ({"payment_id": "P", "amount": 0}, "amount"),
        ({"payment_id": "P", "amount": -5}, "amount"),
        ({"payment_id": "P", "amount": 10.5}, "amount"),
        ({"payment_id": "P", "amount": "100"}, "amount"),
        ({"amount": 100}, "payment_id"),
        ({"payment_id": "P", "amount": 100, "paid_at": "2026-11-20T10:00:00"}, "paid_at"),
    ]:
        for headers in ({}, {"Prefer": "respond-async"}):
            response = await pay(api, loan_id, body, **headers)
            assert response.status_code == 422, (body, headers)
            assert field in response.json()["detail"]
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
    assert view["paid"] == 0


async def test_wrong_currency_is_422_and_changes_nothing(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    response = await pay(api, loan_id, {"payment_id": "P-usd", "amount": 100, "currency": "USD"})
    assert response.status_code == 422
    assert response.json()["error"] == "currency_mismatch"
    assert "USD" in response.json()["detail"]
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))).json()
    assert view["paid"] == 0


async def test_payment_to_unknown_loan_is_404(api: httpx.AsyncClient):
    for headers in ({}, {"Prefer": "respond-async"}):
        response = await pay(api, "L-unknown", {"payment_id": "P", "amount": 1}, **headers)
        assert response.status_code == 404
        assert response.json()["error"] == "case_not_found"


async def test_async_payment_to_closed_case_is_409(api: httpx.AsyncClient):
    loan_id = await open_case(api, principal=1_000, interest=0, fees=0)
    assert (await pay(api, loan_id, {"payment_id": "P-all", "amount": 1_000})).status_code == 200
    for _ in range(100):
        response = await pay(
            api, loan_id, {"payment_id": "P-late", "amount": 1}, Prefer="respond-async"
        )
        if response.status_code != 202:
            break
        await asyncio.sleep(0.05)
    assert response.status_code == 409


async def test_a_case_no_worker_answers_is_a_503_in_bounded_time(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(gateway, "ANSWER_TIMEOUT", timedelta(seconds=1))
    async with unserved_case(dev_env) as loan_id:
        response = await pay(api, loan_id, {"payment_id": "P-w", "amount": 100})

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert "safe to send again" in response.json()["detail"]
    assert response.headers["retry-after"] == "5"
