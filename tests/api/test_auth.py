"""Who may do what: 401 without a known key, 403 with the wrong role."""

import httpx
import pytest

from tests.api.conftest import auth
from tests.factories import case_body


async def test_health_needs_no_key(api: httpx.AsyncClient):
    response = await api.get("/healthz")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic k-bank"},
        {"Authorization": "Bearer "},
    ],
)
async def test_missing_or_unknown_key_is_401(api: httpx.AsyncClient, headers: dict[str, str]):
    response = await api.get("/v1/cases/L-1", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert isinstance(response.json()["detail"], str)
    assert response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize(
    ("role", "allowed"), [("bank", True), ("admin", True), ("agent", False), ("auditor", False)]
)
async def test_only_banks_and_admins_open_cases(api: httpx.AsyncClient, role: str, allowed: bool):
    response = await api.post("/v1/cases", json=case_body(), headers=auth(role))
    assert response.status_code == (201 if allowed else 403)
    if not allowed:
        assert role in response.json()["detail"]
        assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("bank", True), ("agent", True), ("admin", True), ("auditor", False)],
)
async def test_auditors_read_but_do_not_post_payments(
    api: httpx.AsyncClient, role: str, allowed: bool
):
    body = case_body()
    assert (await api.post("/v1/cases", json=body, headers=auth("bank"))).status_code == 201
    loan_id = body["loan_id"]
    read = await api.get(f"/v1/cases/{loan_id}", headers=auth(role))
    assert read.status_code == 200
    pay = await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": f"P-{role}", "amount": 100},
        headers=auth(role),
    )
    assert pay.status_code == (200 if allowed else 403)
