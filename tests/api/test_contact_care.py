"""Vulnerability, Breathing Space and call outcomes that decide the path, over HTTP."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.conftest import auth
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_commands import accepted_case, assert_rejected, command, view
from tests.factories import new_loan_id


def uk() -> dict:
    """A UK case's opening fields, for a customer of its own."""
    return {
        "customer_id": new_loan_id("C"),
        "jurisdiction": "UK",
        "timezone": "Europe/London",
        "currency": "GBP",
        "phone": "+447700900123",
    }


def london_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).date()


def breathing_space(**fields) -> dict:
    return {"kind": "standard", "started_on": str(london_today()), "reference": "BS-1", **fields}


async def uncover(api: httpx.AsyncClient, loan_id: str, role: str = "agent", **headers):
    return await api.delete(f"/v1/cases/{loan_id}/vulnerability", headers={**auth(role), **headers})


async def test_vulnerability_is_flagged_shown_and_cleared(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    body = {"kind": "mental_health_crisis", "note_ref": "NOTE-7"}
    case = await accepted_case(await command(api, loan_id, "vulnerability", body))
    assert case["vulnerability"] == "mental_health_crisis"
    again = await command(api, loan_id, "vulnerability", body)
    assert again.status_code == 200 and again.json()["accepted"] is False

    cleared = await uncover(api, loan_id)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["accepted"] is True
    assert cleared.json()["case"]["vulnerability"] is None
    none_left = await uncover(api, loan_id)
    assert none_left.json()["accepted"] is False
    events = await timeline_until(api, loan_id, "vulnerability_cleared")
    (flagged,) = [e for e in events if e["type"] == "vulnerability_flagged"]
    assert (flagged["kind"], flagged["note_ref"]) == ("mental_health_crisis", "NOTE-7")


async def test_vulnerability_with_a_key_is_applied_once(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    key = {"Idempotency-Key": "V-1"}
    first = await command(api, loan_id, "vulnerability", {"kind": "illness"}, **key)
    assert first.json()["accepted"] is True
    await uncover(api, loan_id)
    again = await command(api, loan_id, "vulnerability", {"kind": "illness"}, **key)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["accepted"] is True
    assert again.json()["case"]["vulnerability"] is None
    other = await command(api, loan_id, "vulnerability", {"kind": "bereavement"}, **key)
    assert_rejected(other, "idempotency_key_reused", "Idempotency-Key")
    cleared = await uncover(api, loan_id, **{"Idempotency-Key": "V-2"})
    replayed = await uncover(api, loan_id, **{"Idempotency-Key": "V-2"})
    assert cleared.json()["accepted"] is replayed.json()["accepted"] is False
    assert replayed.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("role", ["bank", "auditor"])
async def test_only_agents_and_admins_flag_vulnerability(api: httpx.AsyncClient, role: str):
    loan_id = await open_case(api)
    assert (
        await command(api, loan_id, "vulnerability", {"kind": "other"}, role)
    ).status_code == 403
    assert (await uncover(api, loan_id, role)).status_code == 403


async def test_breathing_space_pauses_a_uk_case_and_refuses_charges(api: httpx.AsyncClient):
    loan_id = await open_case(api, **uk())
    key = {"Idempotency-Key": "BS-key"}
    case = await accepted_case(
        await command(api, loan_id, "breathing-space", breathing_space(), "bank", **key)
    )
    until = london_today() + timedelta(days=60)
    assert case["breathing_space_until"] == str(until)
    assert case["next_action"]["kind"] == "paused_breathing_space"
    again = await command(api, loan_id, "breathing-space", breathing_space(), "bank", **key)
    assert again.headers["Idempotent-Replayed"] == "true"
    same = await command(api, loan_id, "breathing-space", breathing_space(), "admin")
    assert same.status_code == 200 and same.json()["accepted"] is False

    charge = {
        "adjustment_id": "A-fee",
        "component": "fees",
        "direction": "debit",
        "amount": 2_500,
        "reason": "charge",
        "reference": "R-1",
    }
    refused = await command(api, loan_id, "adjustments", charge, "bank")
    assert_rejected(refused, "breathing_space_no_charges", "reg 7")
    # Whatever the reason given, no interest or fee is added; a credit stands.
    for component, reason in (("fees", "correction"), ("interest", "interest_recalculation")):
        debit = {**charge, "adjustment_id": f"A-{reason}", "component": component}
        refused = await command(api, loan_id, "adjustments", {**debit, "reason": reason}, "bank")
        assert_rejected(refused, "breathing_space_no_charges", "reg 7")
    refund = {**charge, "adjustment_id": "A-refund", "direction": "credit", "amount": 0}
    refund["component"], refund["amount"] = "interest", 1_000
    assert (await command(api, loan_id, "adjustments", refund, "bank")).status_code == 200

    events = await timeline_until(api, loan_id, "breathing_space_started")
    (started,) = [e for e in events if e["type"] == "breathing_space_started"]
    assert started["rule"] == "UK.breathing_space.standard"
    assert started["until"] == str(until)
    assert (await view(api, loan_id))["breathing_space_until"] == str(until)


@pytest.mark.parametrize("role", ["agent", "auditor"])
async def test_only_banks_and_admins_note_breathing_space(api: httpx.AsyncClient, role: str):
    loan_id = await open_case(api, **uk())
    response = await command(api, loan_id, "breathing-space", breathing_space(), role)
    assert response.status_code == 403
    assert (await view(api, loan_id))["breathing_space_until"] is None


async def test_breathing_space_is_for_uk_cases_only(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    response = await command(api, loan_id, "breathing-space", breathing_space(), "bank")
    assert_rejected(response, "breathing_space_not_applicable", "UK cases only")
    assert (await view(api, loan_id))["breathing_space_until"] is None


@pytest.mark.parametrize(
    ("fields", "code", "detail"),
    [
        (
            {"started_on": str(london_today() + timedelta(days=2))},
            "breathing_space_not_started",
            "started_on",
        ),
        (
            {"started_on": str(london_today() - timedelta(days=70))},
            "breathing_space_over",
            "ended before today",
        ),
    ],
)
async def test_breathing_space_refused_by_date_names_the_field(
    api: httpx.AsyncClient, fields: dict, code: str, detail: str
):
    loan_id = await open_case(api, **uk())
    response = await command(api, loan_id, "breathing-space", breathing_space(**fields), "bank")
    assert_rejected(response, code, detail)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("vulnerability", {"kind": "sad"}, "kind"),
        ("vulnerability", {"kind": "illness", "note_ref": "+447700900123"}, "note_ref"),
        ("vulnerability", {"kind": "illness", "note": "free text"}, "note"),
        ("breathing-space", breathing_space(kind="forever"), "kind"),
        ("breathing-space", breathing_space(kind="mental_health_crisis"), "ends_on"),
        ("breathing-space", breathing_space(ends_on="2020-01-01"), "ends_on"),
        (
            "breathing-space",
            breathing_space(ends_on=str(london_today() + timedelta(days=90))),
            "ends_on",
        ),
        ("breathing-space", {"kind": "standard", "reference": "BS-1"}, "started_on"),
        ("breathing-space", breathing_space(reference="x" * 300), "reference"),
        ("contact-outcomes", {"outcome": "wrong_number", "contact_point": "fax"}, "contact_point"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(
    api: httpx.AsyncClient, path: str, body: dict, field: str
):
    loan_id = await open_case(api, **uk())
    response = await command(api, loan_id, path, body, "admin")
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert field in response.json()["detail"]


async def test_a_wrong_number_makes_the_phone_invalid(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    body = {"outcome": "wrong_number", "reason": "lost_contact"}
    case = await accepted_case(await command(api, loan_id, "contact-outcomes", body))
    assert case["invalid_contact_points"] == ["phone"]
    body = {"outcome": "conversation", "contact_point": "phone", "reason": "disputes_debt"}
    case = await accepted_case(await command(api, loan_id, "contact-outcomes", body))
    assert case["dispute"] is not None
    events = await timeline_until(api, loan_id, "dispute_opened")
    (invalid,) = [e for e in events if e["type"] == "contact_point_invalid"]
    assert (invalid["point"], invalid["rule"]) == ("phone", "contact.wrong_number")
    paths = [(e["path"], e["rule"]) for e in events if e["type"] == "reason_path"]
    assert paths == [
        ("find_contact", "strategy.reasons.lost_contact"),
        ("dispute", "strategy.reasons.disputes_debt"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "no_answer", "reason": "disputes_debt"}, "reason: disputes_debt"),
        ({"outcome": "wrong_number", "reason": "cannot_pay"}, "reason: cannot_pay"),
        ({"outcome": "conversation", "contact_point": "email"}, "contact_point:"),
        ({"outcome": "no_answer", "contact_point": "email"}, "contact_point:"),
    ],
)
async def test_an_outcome_that_cannot_have_happened_is_422_and_changes_nothing(
    api: httpx.AsyncClient, body: dict, field: str
):
    loan_id = await open_case(api)
    response = await command(api, loan_id, "contact-outcomes", body)
    assert_rejected(response, "impossible_outcome", field)
    case = await view(api, loan_id)
    assert (case["dispute"], case["hardship_until"], case["invalid_contact_points"]) == (
        None,
        None,
        [],
    )


async def test_the_new_commands_are_409_on_a_closed_case(api: httpx.AsyncClient):
    loan_id = await open_case(api, **uk())
    assert (await api.post(f"/v1/cases/{loan_id}/close", json={}, headers=auth("bank"))).is_success
    for path, body in (
        ("vulnerability", {"kind": "other"}),
        ("breathing-space", breathing_space()),
    ):
        response = await command(api, loan_id, path, body, "admin")
        assert response.status_code == 409, (path, response.text)
    assert (await uncover(api, loan_id, "admin")).status_code == 409
    assert (await uncover(api, "L-unknown", "admin")).status_code == 404


async def test_a_later_moratorium_never_cuts_short_the_one_in_force(api: httpx.AsyncClient):
    loan_id = await open_case(api, **uk())
    crisis = breathing_space(
        kind="mental_health_crisis",
        reference="MHC-1",
        ends_on=str(london_today() + timedelta(days=120)),
    )
    await accepted_case(await command(api, loan_id, "breathing-space", crisis, "bank"))

    shorter = await command(api, loan_id, "breathing-space", breathing_space(), "bank")
    assert_rejected(shorter, "breathing_space_active", "MHC-1")
    assert (await view(api, loan_id))["breathing_space_until"] == str(
        london_today() + timedelta(days=121)
    )
    ended = {**crisis, "ends_on": str(london_today() + timedelta(days=10))}
    case = await accepted_case(await command(api, loan_id, "breathing-space", ended, "bank"))
    assert case["breathing_space_until"] == str(london_today() + timedelta(days=11))
