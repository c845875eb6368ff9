"""Opening and reading cases over HTTP against the real dev server."""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import auth
from tests.factories import case_body


def days_ago(days: int) -> str:
    return str(
        (datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(days=days)).date()
    )


async def test_opening_twice_returns_the_existing_case(api: httpx.AsyncClient):
    body = case_body(due_date=days_ago(8))
    created = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert created.status_code == 201
    view = created.json()
    assert view["loan_id"] == body["loan_id"]
    assert (view["status"], view["stage"], view["dpd"]) == ("open", "early", 8)
    assert view["balance"] == {"principal": 500000, "interest": 12000, "fees": 0, "total": 512000}

    again = await api.post("/v1/cases", json=body, headers=auth("admin"))
    assert again.status_code == 200
    assert again.json()["loan_id"] == body["loan_id"]
    assert again.json()["opened_at"] == view["opened_at"]


async def test_case_view_has_risk_and_next_action_once_scored(api: httpx.AsyncClient):
    body = case_body(due_date=days_ago(1))
    await api.post("/v1/cases", json=body, headers=auth("bank"))
    for _ in range(100):
        view = (await api.get(f"/v1/cases/{body['loan_id']}", headers=auth("auditor"))).json()
        if view["risk"] is not None:
            break
        await asyncio.sleep(0.05)
    assert view["risk"]["tier"] in {"low", "medium", "high"}
    assert view["risk"]["reasons"]
    # What is next depends on the hour: a message waiting for the window, the next day of
    # the cadence once today's went out, or the end of the grace period.
    assert view["next_action"]["kind"] in {
        "grace_ends",
        "contact_sms",
        "contact_email",
        "contact_day",
    }
    assert view["strategy_version"] == "2026.12-1"
    assert "customer" not in view and "phone" not in str(view)


async def test_unknown_loan_is_404(api: httpx.AsyncClient):
    response = await api.get("/v1/cases/L-nothing-here", headers=auth("agent"))
    assert response.status_code == 404
    assert response.json() == {
        "detail": "no case for loan L-nothing-here",
        "error": "case_not_found",
    }


async def test_a_404_echoes_no_path_that_cannot_be_a_loan_id(api: httpx.AsyncClient):
    for path in ("L-" + "9" * 5_000, "L-%00nul", "a@b.com", "13800138000", "4111111111111111"):
        response = await api.get(f"/v1/cases/{path}", headers=auth("agent"))
        assert response.status_code == 404
        assert response.json()["detail"] == "no case for loan (not a loan_id)"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(loan_id="4111111111111111"), "loan_id"),
        (lambda b: b.update(loan_id="L-13800138000"), "loan_id"),
        (lambda b: b["customer"].update(timezone="Mars/Olympus"), "customer.timezone"),
        (lambda b: b["due"].update(principal=-1), "due.principal"),
        (lambda b: b["due"].update(principal=10.5), "due.principal"),
        (lambda b: b.update(currency="cny"), "currency"),
        (lambda b: b.update(jurisdiction="XX"), "jurisdiction"),
        (lambda b: b.pop("due_date"), "due_date"),
        (lambda b: b.update(surprise=1), "surprise"),
    ],
)
async def test_bad_case_body_is_422_naming_the_field(api: httpx.AsyncClient, change, field):
    body = case_body()
    change(body)
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert response.status_code == 422
    payload = response.json()
    assert field in payload["detail"]
    assert any(p["field"] == field for p in payload["problems"])


async def test_nothing_owed_is_422(api: httpx.AsyncClient):
    body = case_body(principal=0, interest=0, fees=0)
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("due: ")
    assert "nothing is owed" in response.json()["detail"]
    assert [p["field"] for p in response.json()["problems"]] == ["due"]


async def test_cases_are_searchable_by_status_stage_and_dpd(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    body = case_body(due_date=days_ago(40))
    await api.post("/v1/cases", json=body, headers=auth("bank"))
    query = (
        f'WorkflowId = "case-{body["loan_id"]}" AND ArrearsStatus = "open"'
        ' AND ArrearsStage = "mid" AND ArrearsDpd >= 31 AND ArrearsDpd <= 60'
    )
    for _ in range(100):
        found = [w.id async for w in dev_env.client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.1)
    assert found == [f"case-{body['loan_id']}"]
