"""Commands on a case over HTTP: promises, hardship, plans, disputes, cease, call outcomes."""

import asyncio

import httpx
import pytest

from tests.api.conftest import auth
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_cases import days_ago

ROLES = ("bank", "agent", "auditor", "admin")


def days_ahead(days: int) -> str:
    """A date `days` after today in Asia/Shanghai, the customer's zone in `case_body`."""
    return days_ago(-days)


def promise(promise_id: str = "PR-1", amount: int = 100_000, days: int = 7) -> dict:
    return {"promise_id": promise_id, "amount": amount, "due_date": days_ahead(days)}


def plan(instalments: int = 12, days: int = 10) -> dict:
    return {"kind": "instalments", "first_due_date": days_ahead(days), "instalments": instalments}


def every_command() -> list[tuple[str, dict, set[str]]]:
    """(path, body, roles allowed) for every command, in an order a fresh case takes."""
    return [
        ("promises", promise(), {"bank", "agent", "admin"}),
        ("hardship", {"reason": "illness"}, {"agent", "admin"}),
        ("plans", plan(), {"agent", "admin"}),
        ("contact-outcomes", {"outcome": "no_answer"}, {"agent", "admin"}),
        ("contact-preferences", {"channels": ["sms"]}, {"bank", "agent", "admin"}),
        ("disputes", {"reason": "amount_wrong"}, {"bank", "agent", "admin"}),
        ("disputes/resolve", {"outcome": "rejected"}, {"bank", "admin"}),
    ]


async def command(
    api: httpx.AsyncClient, loan_id: str, path: str, body: dict, role: str = "agent", **headers
) -> httpx.Response:
    return await api.post(
        f"/v1/cases/{loan_id}/{path}", json=body, headers={**auth(role), **headers}
    )


async def accepted_case(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] is True
    return response.json()["case"]


def assert_rejected(response: httpx.Response, code: str, detail: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == code
    assert detail in response.json()["detail"]


async def view(api: httpx.AsyncClient, loan_id: str) -> dict:
    return (await api.get(f"/v1/cases/{loan_id}", headers=auth("auditor"))).json()


async def test_promise_pauses_collection_and_only_one_is_active(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    case = await accepted_case(await command(api, loan_id, "promises", promise(), "bank"))
    assert case["promise"]["promise_id"] == "PR-1"
    assert (case["promise"]["status"], case["promise"]["amount"]) == ("active", 100_000)
    assert case["promise"]["due_date"] == days_ahead(7)
    assert case["next_action"]["kind"] == "paused_promise"

    again = await command(api, loan_id, "promises", promise())
    assert again.status_code == 200
    assert again.json()["accepted"] is False

    second = await command(api, loan_id, "promises", promise("PR-2"))
    assert_rejected(second, "promise_active", "one active promise per case")
    assert (await view(api, loan_id))["promise"]["promise_id"] == "PR-1"


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        (promise(days=45), "promise_date_out_of_range", "due_date must be between"),
        (promise(days=-1), "promise_date_out_of_range", "due_date must be between"),
        (promise(amount=10**9), "promise_too_large", "exceeds the balance"),
    ],
)
async def test_promise_the_case_cannot_take_is_422(
    api: httpx.AsyncClient, body: dict, code: str, detail: str
):
    loan_id = await open_case(api)
    assert_rejected(await command(api, loan_id, "promises", body), code, detail)
    assert (await view(api, loan_id))["promise"] is None


async def test_async_promise_is_accepted_at_once_then_made(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    accepted = await command(api, loan_id, "promises", promise(), Prefer="respond-async")
    assert accepted.status_code == 202
    assert accepted.json() == {"accepted": True, "promise_id": "PR-1"}
    assert accepted.headers["preference-applied"] == "respond-async"
    await timeline_until(api, loan_id, "promise_made")

    late = await command(api, loan_id, "promises", promise("PR-2"), Prefer="respond-async")
    assert late.status_code == 202
    events = await timeline_until(api, loan_id, "promise_rejected")
    rejected = next(e for e in events if e["type"] == "promise_rejected")
    assert (rejected["promise_id"], rejected["rule"]) == ("PR-2", "promise.PromiseActive")
    assert (await view(api, loan_id))["promise"]["promise_id"] == "PR-1"


async def test_hardship_starts_the_cooling_off_pause(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    body = {"reason": "unemployment", "note_ref": "N-1"}
    case = await accepted_case(await command(api, loan_id, "hardship", body))
    assert case["hardship_until"] == days_ahead(14)
    assert case["next_action"]["kind"] == "paused_hardship"
    events = await timeline_until(api, loan_id, "hardship_reported")
    reported = next(e for e in events if e["type"] == "hardship_reported")
    assert (reported["reason"], reported["rule"]) == ("unemployment", "hardship.cooling_off")


async def test_plan_pauses_collection_within_the_legal_length(api: httpx.AsyncClient):
    # The default strategy offers 60 months in the mid and late stages, on hardship.
    loan_id = await open_case(api, due_date=days_ago(40))
    await accepted_case(await command(api, loan_id, "hardship", {"reason": "illness"}))
    too_long = await command(api, loan_id, "plans", plan(61))
    assert_rejected(too_long, "plan_not_allowed", "1 to 60 months")
    assert_rejected(
        await command(api, loan_id, "plans", plan(days=-1)), "plan_date_in_past", "in the past"
    )

    case = await accepted_case(await command(api, loan_id, "plans", plan(60), "admin"))
    assert case["plan"]["status"] == "performing"
    assert len(case["plan"]["instalments"]) == 60
    assert sum(i["amount"] for i in case["plan"]["instalments"]) == case["balance"]["total"]
    assert case["next_action"]["kind"] == "paused_plan"
    assert_rejected(await command(api, loan_id, "plans", plan(6)), "plan_active", "performing")


async def test_plan_of_more_instalments_than_minor_units_is_422(api: httpx.AsyncClient):
    loan_id = await open_case(api, principal=5, interest=0, fees=0)
    assert_rejected(await command(api, loan_id, "plans", plan(6)), "plan_too_long", "minor units")


async def test_dispute_stops_collection_until_resolved(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    resolve = {"outcome": "rejected"}
    assert_rejected(
        await command(api, loan_id, "disputes/resolve", resolve, "bank"),
        "no_dispute",
        "no open dispute",
    )

    case = await accepted_case(await command(api, loan_id, "disputes", {"reason": "fraud"}))
    assert case["dispute"]["reason"] == "fraud"
    assert case["next_action"]["kind"] == "paused_dispute"
    for path, body in [
        ("disputes", {"reason": "other"}),
        ("promises", promise()),
        ("plans", plan()),
    ]:
        assert_rejected(await command(api, loan_id, path, body), "dispute_open", "dispute")

    resolved = await accepted_case(await command(api, loan_id, "disputes/resolve", resolve, "bank"))
    assert resolved["dispute"] is None
    await timeline_until(api, loan_id, "dispute_resolved")


async def test_cease_contact_names_channels_or_all(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    sms = {"channels": ["sms"]}
    case = await accepted_case(await command(api, loan_id, "contact-preferences", sms, "bank"))
    assert case["ceased_channels"] == ["sms"]

    again = await command(api, loan_id, "contact-preferences", sms)
    assert again.status_code == 200
    assert again.json()["accepted"] is False

    every = {"channels": "all"}
    case = await accepted_case(await command(api, loan_id, "contact-preferences", every))
    assert case["ceased_channels"] == ["call", "email", "sms"]


async def test_refusal_on_a_call_marks_the_customer_refusing(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    body = {"outcome": "refused_to_pay", "reason": "cannot_pay"}
    case = await accepted_case(await command(api, loan_id, "contact-outcomes", body))
    assert case["refused"] is True
    events = await timeline_until(api, loan_id, "contact_outcome")
    outcome = next(e for e in events if e["type"] == "contact_outcome")
    assert (outcome["outcome"], outcome["reason"]) == ("refused_to_pay", "cannot_pay")


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_sends_only_its_commands(api: httpx.AsyncClient, role: str):
    loan_id = await open_case(api)
    for path, body, allowed in every_command():
        response = await command(api, loan_id, path, body, role)
        if role in allowed:
            assert response.status_code == 200, (path, response.text)
        else:
            assert response.status_code == 403, (path, response.text)
            assert role in response.json()["detail"]
    if role == "auditor":
        queued = await command(api, loan_id, "promises", promise(), role, Prefer="respond-async")
        assert queued.status_code == 403
        case = await view(api, loan_id)
        assert (case["promise"], case["plan"], case["dispute"]) == (None, None, None)
        assert (case["hardship_until"], case["ceased_channels"]) == (None, [])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("promises", {**promise(), "amount": 0}, "amount"),
        ("promises", {"promise_id": "PR-1", "amount": 100}, "due_date"),
        ("promises", {**promise(), "promise_id": "4111111111111111"}, "promise_id"),
        ("hardship", {"reason": "boredom"}, "reason"),
        ("plans", {**plan(), "kind": "extension", "instalments": 3}, "instalments"),
        ("plans", {**plan(), "instalments": 0}, "instalments"),
        ("disputes", {}, "reason"),
        ("disputes/resolve", {"outcome": "maybe"}, "outcome"),
        ("contact-preferences", {"channels": []}, "channels"),
        ("contact-preferences", {"channels": ["fax"]}, "channels"),
        ("contact-outcomes", {"outcome": "no_answer", "mood": "bad"}, "mood"),
    ],
)
async def test_bad_command_body_is_422_naming_the_field(
    api: httpx.AsyncClient, path: str, body: dict, field: str
):
    loan_id = await open_case(api)
    response = await command(api, loan_id, path, body, "admin")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert field in response.json()["detail"]
    if path == "promises":
        queued = await command(api, loan_id, path, body, "admin", Prefer="respond-async")
        assert queued.status_code == 422
        assert field in queued.json()["detail"]


async def test_commands_to_an_unknown_loan_are_404(api: httpx.AsyncClient):
    for path, body, _ in every_command():
        response = await command(api, "L-unknown", path, body, "admin")
        assert response.status_code == 404, path
        assert response.json()["error"] == "case_not_found"
    queued = await command(api, "L-unknown", "promises", promise(), Prefer="respond-async")
    assert queued.status_code == 404


async def test_commands_to_a_closed_case_are_409(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    closed = await api.post(f"/v1/cases/{loan_id}/close", json={}, headers=auth("bank"))
    assert closed.status_code == 200
    for path, body, _ in every_command():
        response = await command(api, loan_id, path, body, "admin")
        assert response.status_code == 409, (path, response.text)
        assert response.json()["error"] == "case_closed"
    for _ in range(100):
        queued = await command(api, loan_id, "promises", promise(), Prefer="respond-async")
        if queued.status_code != 202:
            break
        await asyncio.sleep(0.05)
    assert queued.status_code == 409
