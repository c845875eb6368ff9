"""Every field has a bound: what the API accepts can never make an activity fail for ever.

Each refused input gets a 4xx naming what is wrong, and changes nothing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.conftest import auth
from tests.factories import case_body, new_loan_id


def local_day(days: int = 0) -> str:
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    return str(today + timedelta(days=days))


async def open_case(api: httpx.AsyncClient) -> str:
    body = case_body(due_date=local_day(-40))
    assert (await api.post("/v1/cases", json=body, headers=auth("bank"))).status_code == 201
    return body["loan_id"]


def _opening(**changes) -> dict:
    body = case_body(due_date=local_day(-10))
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split(".")
        for part in parents:
            target = target[part]
        target[leaf] = value
    return body


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        pytest.param({"due.principal": 10**20}, "due.principal", id="principal beyond bound"),
        pytest.param({"due.fees": 10**15 + 1}, "due.fees", id="fees beyond bound"),
        pytest.param({"customer.name": "\u0000"}, "customer.name", id="control character"),
        pytest.param({"customer.name": "   "}, "customer.name", id="blank name"),
        pytest.param({"customer.name": "\u200b"}, "customer.name", id="zero-width name"),
        pytest.param({"customer.name": "\u202eabc"}, "customer.name", id="direction override"),
        pytest.param({"customer.timezone": "Factory"}, "customer.timezone", id="Factory"),
        pytest.param({"customer.timezone": "localtime"}, "customer.timezone", id="localtime"),
        pytest.param({"due_date": "9999-12-31"}, "due_date", id="far future"),
        pytest.param({"due_date": local_day(30)}, "due_date", id="not overdue yet"),
        pytest.param({"due_date": "1900-01-01"}, "due_date", id="centuries ago"),
    ],
)
async def test_an_opening_out_of_bounds_is_refused_and_opens_nothing(
    api: httpx.AsyncClient, changes: dict, named: str
):
    body = _opening(**changes)
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))

    assert response.status_code == 422, response.text
    assert named.split(".")[-1] in response.json()["detail"]
    assert response.json()["error"]
    lookup = await api.get(f"/v1/cases/{body['loan_id']}", headers=auth("auditor"))
    assert lookup.status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"payment_id": "P-huge", "amount": 10**20}, "invalid_request", id="amount"),
        pytest.param(
            {"payment_id": "P-later", "amount": 100, "paid_at": "9999-12-31T23:59:59Z"},
            "paid_at_in_future",
            id="paid in the future",
        ),
    ],
)
async def test_a_payment_out_of_bounds_is_refused(api: httpx.AsyncClient, body: dict, code: str):
    loan_id = await open_case(api)
    response = await api.post(f"/v1/cases/{loan_id}/payments", json=body, headers=auth("agent"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == code
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("auditor"))).json()
    assert view["paid"] == 0 and view["status"] == "open"


@pytest.mark.parametrize(
    "plan",
    [
        {"kind": "instalments", "instalments": 12, "first_due_date": "9999-06-01"},
        {"kind": "extension", "first_due_date": "9999-12-31"},
        {"kind": "extension", "first_due_date": "2200-01-01"},
    ],
    ids=["instalments in 9999", "extension to 9999", "extension to 2200"],
)
async def test_a_plan_starting_beyond_the_horizon_is_refused_and_the_case_answers(
    api: httpx.AsyncClient, plan: dict
):
    loan_id = await open_case(api)
    response = await api.post(f"/v1/cases/{loan_id}/plans", json=plan, headers=auth("agent"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "plan_date_too_far"
    view = await api.get(f"/v1/cases/{loan_id}", headers=auth("auditor"))
    assert view.status_code == 200 and view.json()["plan"] is None


@pytest.mark.parametrize("raw", [b"[[[[", b"{" * 5000, b"\xff\xfe"], ids=["nest", "deep", "bytes"])
async def test_a_body_that_cannot_be_read_gets_a_coded_error(api: httpx.AsyncClient, raw: bytes):
    headers = {**auth("bank"), "Content-Type": "application/json"}
    response = await api.post("/v1/cases", content=raw, headers=headers)

    assert 400 <= response.status_code < 500
    assert response.json()["error"] and response.json()["detail"]


async def test_auth_errors_carry_a_code(api: httpx.AsyncClient):
    response = await api.get(f"/v1/cases/{new_loan_id()}")
    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize("query", ["dpd_min=800000", "dpd_max=99999999999999999999"])
async def test_a_dpd_filter_beyond_any_case_is_refused(api: httpx.AsyncClient, query: str):
    response = await api.get(f"/v1/cases?{query}", headers=auth("auditor"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
