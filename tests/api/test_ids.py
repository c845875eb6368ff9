"""Ids mean one thing over HTTP: the same id with another body is 409 `id_reused` naming the
fields, a repeat is answered the same way for every command, and `Idempotency-Key` makes a
resend of a command without an id of its own harmless."""

import httpx
import pytest

from tests.api.conftest import auth
from tests.api.test_case_lifecycle import timeline_until
from tests.api.test_cases import days_ago
from tests.api.test_commands import accepted_case, assert_rejected, command, days_ahead, view
from tests.factories import case_body, new_loan_id


async def open_case(api: httpx.AsyncClient, **overrides) -> str:
    body = case_body(**overrides)
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert response.status_code == 201, response.text
    return body["loan_id"]


def assert_id_reused(response: httpx.Response, fields: list[str]) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "id_reused"
    assert response.json()["fields"] == fields
    assert all(field in response.json()["detail"] for field in fields)


async def test_the_same_payment_id_with_another_amount_is_409_naming_it(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    path = f"/v1/cases/{loan_id}/payments"
    first = await api.post(path, json={"payment_id": "P-1", "amount": 4_000}, headers=auth("bank"))
    assert first.status_code == 200 and first.json()["applied"] is True

    same = await api.post(path, json={"payment_id": "P-1", "amount": 4_000}, headers=auth("bank"))
    assert same.status_code == 200 and same.json()["applied"] is False

    other = await api.post(path, json={"payment_id": "P-1", "amount": 5_000}, headers=auth("bank"))
    assert_id_reused(other, ["amount"])
    assert (await view(api, loan_id))["paid"] == 4_000


async def test_a_signalled_payment_with_a_reused_id_shows_as_rejected(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    path = f"/v1/cases/{loan_id}/payments"
    await api.post(path, json={"payment_id": "P-1", "amount": 4_000}, headers=auth("bank"))
    queued = await api.post(
        path,
        json={"payment_id": "P-1", "amount": 9_000},
        headers={**auth("bank"), "Prefer": "respond-async"},
    )
    assert queued.status_code == 202

    events = await timeline_until(api, loan_id, "payment_rejected")
    rejected = next(e for e in events if e["type"] == "payment_rejected")
    assert (rejected["rule"], rejected["fields"]) == ("payment.id_reused", ["amount"])
    assert (await view(api, loan_id))["paid"] == 4_000


async def test_the_same_promise_id_with_another_date_is_409_naming_it(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    promise = {"promise_id": "PR-1", "amount": 100_000, "due_date": days_ahead(7)}
    await accepted_case(await command(api, loan_id, "promises", promise))
    again = await command(api, loan_id, "promises", promise)
    assert again.status_code == 200 and again.json()["accepted"] is False

    moved = await command(api, loan_id, "promises", {**promise, "due_date": days_ahead(9)})
    assert_id_reused(moved, ["due_date"])
    assert (await view(api, loan_id))["promise"]["due_date"] == days_ahead(7)


async def test_opening_a_loan_again_with_other_facts_is_409_naming_them(api: httpx.AsyncClient):
    body = case_body(due_date=days_ago(8))
    assert (await api.post("/v1/cases", json=body, headers=auth("bank"))).status_code == 201

    same = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert same.status_code == 200 and same.json()["loan_id"] == body["loan_id"]

    usd = await api.post("/v1/cases", json={**body, "currency": "USD"}, headers=auth("bank"))
    assert_id_reused(usd, ["currency"])
    more = {**body, "due": {**body["due"], "principal": 1}, "jurisdiction": "US"}
    assert_id_reused(
        await api.post("/v1/cases", json=more, headers=auth("bank")),
        ["jurisdiction", "due.principal"],
    )
    case = await view(api, body["loan_id"])
    assert (case["currency"], case["balance"]["principal"]) == ("CNY", 500_000)


async def test_a_hardship_report_resent_with_its_key_is_recorded_once(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    body = {"reason": "illness"}
    first = await command(api, loan_id, "hardship", body, **{"Idempotency-Key": "H-1"})
    again = await command(api, loan_id, "hardship", body, **{"Idempotency-Key": '"H-1"'})
    assert first.status_code == again.status_code == 200, again.text
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == {**first.json(), "case": again.json()["case"]}
    assert again.json()["accepted"] is True

    other = await command(
        api, loan_id, "hardship", {"reason": "unemployment"}, **{"Idempotency-Key": "H-1"}
    )
    assert_rejected(other, "idempotency_key_reused", "Idempotency-Key")
    events = await timeline_until(api, loan_id, "hardship_reported")
    assert [e["type"] for e in events].count("hardship_reported") == 1


@pytest.mark.parametrize(
    "key",
    [
        "",
        "   ",
        "x" * 256,
        "x" * 10_000,
        "clé",
        "ab\x01cd",
        "ab\tcd",
        "ab\x1b[0m",
        "ab\x7f",
        '"ab\x00"',
    ],
    ids=[
        "empty",
        "blank",
        "256 characters",
        "10,000 characters",
        "not ascii",
        "control character",
        "tab inside",
        "escape sequence",
        "delete",
        "quoted NUL",
    ],
)
async def test_a_header_that_is_no_key_is_400_naming_it(api: httpx.AsyncClient, key: str):
    loan_id = await open_case(api)
    response = await api.post(
        f"/v1/cases/{loan_id}/contact-outcomes",
        json={"outcome": "no_answer"},
        headers={**auth("agent"), "Idempotency-Key": key.encode("utf-8")},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in response.json()["detail"]
    events = await timeline_until(api, loan_id, "case_opened")
    assert "contact_outcome" not in [e["type"] for e in events]


async def test_two_idempotency_key_headers_are_400_and_take_nothing(api: httpx.AsyncClient):
    """Which of two keys was meant is unknowable; keying on either could apply it twice."""
    loan_id = await open_case(api)
    headers = [*auth("agent").items(), ("Idempotency-Key", "kk-a1"), ("Idempotency-Key", "kk-b1")]
    response = await api.post(
        f"/v1/cases/{loan_id}/contact-outcomes", json={"outcome": "no_answer"}, headers=headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_idempotency_key"
    events = await timeline_until(api, loan_id, "case_opened")
    assert "contact_outcome" not in [e["type"] for e in events]


async def test_the_active_plan_sent_again_is_accepted_false(api: httpx.AsyncClient):
    loan_id = await open_case(api, due_date=days_ago(40))
    plan = {"kind": "instalments", "first_due_date": days_ahead(10), "instalments": 6}
    first = await accepted_case(await command(api, loan_id, "plans", plan))
    again = await command(api, loan_id, "plans", plan)
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] is False
    assert again.json()["case"]["plan"] == first["plan"]
    assert_rejected(
        await command(api, loan_id, "plans", {**plan, "instalments": 3}), "plan_active", "plan"
    )


async def test_every_command_sent_again_with_its_body_is_accepted_false(api: httpx.AsyncClient):
    loan_id = await open_case(api, due_date=days_ago(40))
    for path, body in [
        ("contact-preferences", {"channels": ["sms"]}),
        ("promises", {"promise_id": "PR-1", "amount": 1_000, "due_date": days_ahead(5)}),
        ("disputes", {"reason": "amount_wrong"}),
        (
            "disputes/resolve",
            {"outcome": "upheld", "corrected": {"principal": 1_000, "interest": 0, "fees": 0}},
        ),
    ]:
        await accepted_case(await command(api, loan_id, path, body, "admin"))
        again = await command(api, loan_id, path, body, "admin")
        assert again.status_code == 200, (path, again.text)
        assert again.json()["accepted"] is False, path
    events = await timeline_until(api, loan_id, "dispute_resolved")
    assert [e["type"] for e in events].count("dispute_resolved") == 1


@pytest.mark.parametrize(
    ("plan", "code", "detail"),
    [
        ({"kind": "extension", "first_due_date": days_ahead(45)}, "beyond_offer_horizon", "30"),
        (
            {"kind": "instalments", "first_due_date": days_ahead(10), "instalments": 5},
            "plan_not_offered",
            "not 5",
        ),
        ({"kind": "extension", "first_due_date": "2029-11-29"}, "plan_date_too_far", "days"),
        (
            {"kind": "instalments", "first_due_date": "2031-01-01", "instalments": 6},
            "plan_date_too_far",
            "days",
        ),
    ],
    ids=["extension past the offer", "term not offered", "extension to 2029", "plan in 2031"],
)
async def test_a_plan_the_strategy_does_not_offer_is_422(
    api: httpx.AsyncClient, plan: dict, code: str, detail: str
):
    # A customer of their own: medium risk, to whom the strategy offers extensions.
    customer_id = new_loan_id("C")
    loan_id = await open_case(api, due_date=days_ago(40), customer_id=customer_id)
    assert_rejected(await command(api, loan_id, "plans", plan), code, detail)
    assert (await view(api, loan_id))["plan"] is None


async def test_close_takes_an_empty_body_and_a_keyed_repeat_gets_the_first_answer(
    api: httpx.AsyncClient,
):
    loan_id = await open_case(api)
    path = f"/v1/cases/{loan_id}/close"
    keyed = {**auth("bank"), "Idempotency-Key": "RC-1"}
    closed = await api.post(path, headers=keyed)
    assert closed.status_code == 200, closed.text
    assert closed.json()["accepted"] is True
    assert closed.json()["case"]["closed_reason"] == "recalled"

    again = await api.post(path, headers=keyed)
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] is True
    assert again.headers["idempotent-replayed"] == "true"

    unkeyed = await api.post(path, json={}, headers=auth("bank"))
    assert unkeyed.status_code == 200 and unkeyed.json()["accepted"] is False
    other = await api.post(path, json={"reference": "RC-2"}, headers=keyed)
    assert_rejected(other, "idempotency_key_reused", "Idempotency-Key")


async def test_a_case_closed_otherwise_still_refuses_a_recall(api: httpx.AsyncClient):
    loan_id = await open_case(api, principal=1_000, interest=0, fees=0)
    paid = await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": "P-all", "amount": 1_000},
        headers=auth("bank"),
    )
    assert paid.json()["case"]["closed_reason"] == "paid"
    recall = await api.post(f"/v1/cases/{loan_id}/close", headers=auth("bank"))
    assert recall.status_code == 409
    assert recall.json()["error"] == "case_closed"
