"""Zero-, two-, three- and four-decimal currencies end to end: a case opened through the API,
a payment taken, and the customer's message written with the currency's own decimals."""

import asyncio
from datetime import date

import asyncpg
import httpx
import pytest
from temporalio.testing import ActivityEnvironment

from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.contracts import NotificationRequest
from tests.api.conftest import auth
from tests.api.test_input_bounds import local_day
from tests.factories import case_body, new_loan_id


async def case_synced(pool: asyncpg.Pool, loan_id: str) -> None:
    """The case writes its row to PostgreSQL on its first step (its customer's row is
    there from the opening); wait for it."""
    for _ in range(200):
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT 1 FROM cases WHERE loan_id = $1", loan_id):
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {loan_id} was never written")


@pytest.mark.parametrize(
    ("currency", "principal", "paid", "left", "language"),
    [
        ("JPY", 512_000, 12_000, "500,000 JPY", "en"),
        ("KRW", 512_000, 12_000, "500,000 KRW", "en"),
        ("UGX", 512_000, 12_000, "500,000 UGX", "en"),
        ("IQD", 512_000, 12_000, "500,000 IQD", "en"),
        ("XOF", 512_000, 12_000, "500,000 XOF", "en"),
        ("CNY", 512_000, 12_000, "5,000.00 CNY", "zh-CN"),
        ("USD", 512_000, 12_000, "5,000.00 USD", "en"),
        ("KWD", 512_000, 12_000, "500.000 KWD", "en"),
        ("BHD", 512_000, 12_000, "500.000 BHD", "en"),
        ("CLF", 512_000, 12_000, "50.0000 CLF", "en"),
    ],
)
async def test_a_case_in_any_currency_tells_the_customer_the_right_amount(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    currency: str,
    principal: int,
    paid: int,
    left: str,
    language: str,
):
    customer_id = new_loan_id("C")
    body = case_body(
        customer_id=customer_id,
        currency=currency,
        principal=principal,
        interest=0,
        due_date=local_day(-5),
    )
    body["customer"]["language"] = language
    opened = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["currency"] == currency
    loan_id = body["loan_id"]

    payment = {"payment_id": "P-1", "amount": paid, "currency": currency}
    outcome = await api.post(f"/v1/cases/{loan_id}/payments", json=payment, headers=auth("agent"))
    assert outcome.status_code == 200, outcome.text
    case = outcome.json()["case"]
    assert case["balance"]["total"] == principal - paid

    await case_synced(pool, loan_id)
    request = NotificationRequest(
        idempotency_key=f"{loan_id}:reminder:test",
        loan_id=loan_id,
        customer_id=customer_id,
        channel="sms",
        template="reminder",
        currency=case["currency"],
        amount_due=case["balance"]["total"],
        due_date=date.fromisoformat(case["due_date"]),
    )
    result = await ActivityEnvironment().run(Notifier(pool, OutboxProvider(pool)).send, request)
    assert result.status == "sent"
    async with pool.acquire() as conn:
        text = await conn.fetchval(
            "SELECT body FROM outbound_messages WHERE idempotency_key = $1",
            request.idempotency_key,
        )
    assert left in text


@pytest.mark.parametrize("currency", ["XXX", "XXY", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR"])
async def test_a_code_that_is_no_loan_currency_opens_nothing(api: httpx.AsyncClient, currency: str):
    body = case_body(currency=currency, due_date=local_day(-5))
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))

    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("currency")
    lookup = await api.get(f"/v1/cases/{body['loan_id']}", headers=auth("auditor"))
    assert lookup.status_code == 404
