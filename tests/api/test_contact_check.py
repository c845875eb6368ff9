"""`GET /v1/cases/{loan_id}/contact-check` against the real dev server and PostgreSQL: what
the contact gate would answer now, from the case's facts and the customer's ledger across
all their loans, so an agent knows before dialling."""

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.conftest import auth
from tests.api.test_case_lifecycle import open_case as open_a_case
from tests.api.test_commands import command
from tests.factories import new_loan_id

ZONES = [
    *("Pacific/Pago_Pago", "Pacific/Honolulu", "Pacific/Gambier", "Pacific/Pitcairn"),
    *("America/Phoenix", "America/Regina", "America/Bogota", "America/La_Paz"),
    *("America/Argentina/Buenos_Aires", "America/Noronha", "Atlantic/Cape_Verde"),
    *("Africa/Abidjan", "Africa/Lagos", "Africa/Johannesburg", "Europe/Moscow", "Asia/Dubai"),
    *("Asia/Tashkent", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo"),
    *("Australia/Brisbane", "Pacific/Guadalcanal", "Pacific/Tarawa", "Pacific/Kiritimati"),
]
"""Places without daylight saving, an hour apart: one of them is at any hour of the day."""


def zone_where_it_is(earliest: time, latest: time) -> str:
    """A zone whose clock now reads between `earliest` and `latest`."""
    now = datetime.now(UTC)
    for zone in ZONES:
        if earliest <= now.astimezone(ZoneInfo(zone)).time() <= latest:
            return zone
    raise AssertionError("every hour of the day is some zone's")


def daytime() -> str:
    return zone_where_it_is(time(10), time(18))


async def open_case(api: httpx.AsyncClient, **overrides) -> str:
    """A case of a customer of its own (their time zone differs from other tests')."""
    return await open_a_case(api, **{"customer_id": new_loan_id("C"), **overrides})


async def check(api: httpx.AsyncClient, loan_id: str, role: str = "agent", **params):
    return await api.get(f"/v1/cases/{loan_id}/contact-check", params=params, headers=auth(role))


async def answer(api: httpx.AsyncClient, loan_id: str, **params) -> dict:
    response = await check(api, loan_id, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def answer_until(api: httpx.AsyncClient, loan_id: str, rule: str, **params) -> dict:
    """The answer once it names `rule`: what the case records reaches the ledger when it
    next syncs, a moment after the command was answered."""
    for _ in range(200):
        found = await answer(api, loan_id, **params)
        if found["rule"] == rule:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the check never answered {rule}: {found}")


async def test_in_the_day_a_call_is_allowed_with_the_profile_that_decided(api):
    loan_id = await open_case(api, timezone=daytime())
    found = await answer(api, loan_id, channel="call")
    assert (found["decision"], found["rule"], found["profile"]) == (
        "allow",
        "gate.allow",
        "CN@2026.1",
    )
    assert (found["channel"], found["contact_point"], found["until"]) == ("call", "phone", None)


async def test_at_night_a_message_is_deferred_to_eight_in_the_customers_morning(api):
    zone = zone_where_it_is(time(1), time(6))
    loan_id = await open_case(api, timezone=zone)
    found = await answer(api, loan_id, channel="sms")
    assert (found["decision"], found["rule"]) == ("defer", "CN.quiet_hours")
    until = datetime.fromisoformat(found["until"]).astimezone(ZoneInfo(zone))
    checked = datetime.fromisoformat(found["checked_at"]).astimezone(ZoneInfo(zone))
    assert (until.date(), until.time()) == (checked.date(), time(8))


async def test_a_ceased_channel_and_a_wrong_number_are_blocked(api):
    loan_id = await open_case(api, timezone=daytime())
    ceased = await command(api, loan_id, "contact-preferences", {"channels": ["email"]}, "bank")
    assert ceased.status_code == 200, ceased.text
    assert (await answer(api, loan_id, channel="email"))["rule"] == "CN.opted_out"
    assert (await answer(api, loan_id, channel="email"))["decision"] == "block"

    wrong = await command(api, loan_id, "contact-outcomes", {"outcome": "wrong_number"})
    assert wrong.status_code == 200, wrong.text
    found = await answer(api, loan_id, channel="sms")
    assert (found["decision"], found["rule"]) == ("block", "gate.point_invalid")


async def test_a_paused_case_answers_block_with_the_pause(api):
    loan_id = await open_case(api, timezone=daytime())
    disputed = await command(api, loan_id, "disputes", {"reason": "amount_wrong"}, "bank")
    assert disputed.status_code == 200, disputed.text
    found = await answer(api, loan_id, channel="call")
    assert (found["decision"], found["rule"]) == ("block", "contact.paused_dispute")


async def test_three_conversations_on_one_loan_hold_back_calls_on_the_customers_other_loan(
    api,
):
    """CN: at most 3 connected calls per customer per day, across all their loans."""
    zone, customer_id = daytime(), new_loan_id("C")
    first = await open_case(api, timezone=zone, customer_id=customer_id)
    second = await open_case(api, timezone=zone, customer_id=customer_id)
    assert (await answer(api, second, channel="call"))["decision"] == "allow"
    for _ in range(3):
        talked = await command(api, first, "contact-outcomes", {"outcome": "conversation"})
        assert talked.status_code == 200, talked.text

    found = await answer_until(api, second, "CN.connected_calls_per_day", channel="call")
    assert found["decision"] == "defer"
    until = datetime.fromisoformat(found["until"]).astimezone(ZoneInfo(zone))
    checked = datetime.fromisoformat(found["checked_at"]).astimezone(ZoneInfo(zone))
    assert (until.date(), until.time()) == (checked.date() + timedelta(days=1), time(8))
    assert (await answer(api, second, channel="sms"))["decision"] == "allow"


async def test_a_us_call_after_a_conversation_waits_seven_days(api):
    """Regulation F 1006.14(b)(2)(i)(B): the conversation's day is the first of seven."""
    # A phone outside North America adds no zone: the customer is where the case says.
    zone = daytime()
    loan_id = await open_case(
        api, timezone=zone, jurisdiction="US", currency="USD", phone="+8613800138000"
    )
    talked = await command(api, loan_id, "contact-outcomes", {"outcome": "conversation"})
    assert talked.status_code == 200, talked.text

    found = await answer_until(api, loan_id, "US.after_conversation", channel="call")
    until = datetime.fromisoformat(found["until"]).astimezone(ZoneInfo(zone))
    checked = datetime.fromisoformat(found["checked_at"]).astimezone(ZoneInfo(zone))
    assert (found["decision"], until.date(), until.time()) == (
        "defer",
        checked.date() + timedelta(days=7),
        time(8),
    )


async def test_a_closed_case_is_409_and_an_unknown_loan_404(api):
    loan_id = await open_case(api, timezone=daytime())
    closed = await api.post(f"/v1/cases/{loan_id}/close", headers=auth("bank"))
    assert closed.status_code == 200, closed.text
    assert (await check(api, loan_id, channel="sms")).json()["error"] == "case_closed"
    assert (await check(api, "L-NO-SUCH-LOAN", channel="sms")).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "channel"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "call", "contact_point": "+8613800138000"}, "contact_point"),
    ],
)
async def test_a_bad_question_is_422_naming_the_parameter(api, params, field):
    loan_id = await open_case(api, timezone=daytime())
    response = await check(api, loan_id, **params)
    assert response.status_code == 422
    assert field in [problem["field"].split(".")[-1] for problem in response.json()["problems"]]


@pytest.mark.parametrize("role", ["bank", "auditor"])
async def test_only_agents_and_admins_check(api, role):
    loan_id = await open_case(api, timezone=daytime())
    assert (await check(api, loan_id, role, channel="sms")).status_code == 403


async def test_a_contact_person_may_be_called_only_once_the_debtor_is_lost(api):
    person = {"ref": "P-1", "relation": "sibling", "phone": "+8613900139000"}
    loan_id = await open_case(api, timezone=daytime(), contact_persons=[person])
    found = await answer(api, loan_id, channel="call", contact_point="person:P-1")
    assert (found["decision"], found["rule"]) == ("block", "CN.contact_person_not_lost")

    wrong = await command(api, loan_id, "contact-outcomes", {"outcome": "wrong_number"})
    assert wrong.status_code == 200, wrong.text
    found = await answer(api, loan_id, channel="call", contact_point="person:P-1")
    assert (found["decision"], found["rule"]) == ("allow", "gate.allow")


@pytest.mark.parametrize(
    ("channel", "contact_point"),
    [("email", "phone"), ("call", "email"), ("sms", "person:P-1"), ("email", "person:P-1")],
)
async def test_a_channel_that_cannot_reach_the_point_is_422(api, channel, contact_point):
    loan_id = await open_case(api, timezone=daytime())
    response = await check(api, loan_id, channel=channel, contact_point=contact_point)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "channel_mismatch"
    assert "contact_point" in response.json()["detail"]


async def test_a_message_with_no_address_on_file_is_blocked_as_the_send_would_skip_it(api):
    loan_id = await open_case(api, timezone=daytime(), email=None)
    found = await answer(api, loan_id, channel="email")
    assert (found["decision"], found["rule"], found["detail"]) == (
        "block",
        "contact.no_address",
        "no email on file",
    )
    assert (await answer(api, loan_id, channel="sms"))["decision"] == "allow"


async def test_no_phone_on_file_blocks_calls_even_at_night(api):
    loan_id = await open_case(api, timezone=zone_where_it_is(time(1), time(6)), phone=None)
    found = await answer(api, loan_id, channel="call")
    assert (found["decision"], found["rule"]) == ("block", "contact.no_address")


async def test_an_unknown_contact_person_is_422(api):
    loan_id = await open_case(api, timezone=daytime())
    response = await check(api, loan_id, channel="call", contact_point="person:NOPE")
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "unknown_contact_point"
