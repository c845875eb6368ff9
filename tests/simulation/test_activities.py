"""The simulated send answers as the real one does: sent, skipped or deferred."""

import dataclasses
from datetime import UTC, date, datetime

import pytest
from temporalio.testing import ActivityEnvironment

from arrears.compliance.loader import from_data
from arrears.contracts import ContactGateFacts, NotificationRequest, NotificationResult
from arrears.simulation.activities import CaseFacts, SimulatedActivities, case_facts
from tests.factories import opening

FACTS = {
    "L-BOTH": CaseFacts(other_cases=0, has_phone=True, has_email=True),
    "L-NO-PHONE": CaseFacts(other_cases=0, has_phone=False, has_email=True),
    "L-NO-EMAIL": CaseFacts(other_cases=0, has_phone=True, has_email=False),
}
SHANGHAI_NOON = datetime(2026, 1, 5, 4, 0, tzinfo=UTC)


def request(
    loan_id: str, channel: str, *, timezone: str | None = None, jurisdiction: str | None = None
) -> NotificationRequest:
    return NotificationRequest(
        idempotency_key=f"{loan_id}:early.d0.{channel}",
        loan_id=loan_id,
        customer_id="C-1",
        channel=channel,
        template="collection_notice",
        currency="CNY",
        amount_due=512_000,
        due_date=date(2025, 12, 20),
        timezone=timezone,
        jurisdiction=jurisdiction,
    )


async def send(request: NotificationRequest, scheduled: datetime) -> NotificationResult:
    """The simulated send as a worker runs an attempt scheduled at `scheduled`."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, current_attempt_scheduled_time=scheduled)
    return await env.run(SimulatedActivities(FACTS).send, request)


@pytest.mark.parametrize("channel", ["sms", "email"])
async def test_a_customer_with_the_address_is_sent_the_message_named_by_its_key(channel):
    sent = await send(
        request("L-BOTH", channel, timezone="Asia/Shanghai", jurisdiction="CN"), SHANGHAI_NOON
    )
    assert (sent.status, sent.message_id) == ("sent", f"L-BOTH:early.d0.{channel}")
    assert (sent.until, sent.rule, sent.detail) == (None, None, None)


@pytest.mark.parametrize(
    ("loan_id", "channel", "detail"),
    [
        ("L-NO-PHONE", "sms", "no sms address on file"),
        ("L-NO-EMAIL", "email", "no email address on file"),
    ],
)
async def test_a_channel_without_an_address_on_file_is_skipped(loan_id, channel, detail):
    skipped = await send(request(loan_id, channel), SHANGHAI_NOON)
    assert (skipped.status, skipped.detail, skipped.message_id) == ("skipped", detail, None)
    # The customer's other channel still works.
    other = "email" if channel == "sms" else "sms"
    assert (await send(request(loan_id, other), SHANGHAI_NOON)).status == "sent"


async def test_an_agent_call_to_a_debtor_with_no_phone_is_skipped_as_the_real_send_does():
    """No agent can call a debtor with no phone on file: the call reaches no one."""
    call = await send(request("L-NO-PHONE", "call"), SHANGHAI_NOON)
    assert (call.status, call.detail, call.message_id) == ("skipped", "no phone on file", None)


@pytest.mark.parametrize(
    ("timezone", "jurisdiction", "scheduled", "until", "rule"),
    [
        # 23:00 in Shanghai: the quiet hours run until 08:00.
        (
            "Asia/Shanghai",
            "CN",
            datetime(2026, 1, 5, 15, 0, tzinfo=UTC),
            datetime(2026, 1, 6, 0, 0, tzinfo=UTC),
            "CN.quiet_hours",
        ),
        # 07:59 EDT on the first Monday of summer time: 08:00 EDT is 12:00 UTC, not 13:00.
        (
            "America/New_York",
            "US",
            datetime(2026, 3, 9, 11, 59, tzinfo=UTC),
            datetime(2026, 3, 9, 12, 0, tzinfo=UTC),
            "US.inconvenient_time",
        ),
        # 21:00 in London on the last day of summer time: the window opens at 08:00 GMT.
        (
            "Europe/London",
            "UK",
            datetime(2026, 10, 24, 20, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
            "UK.reasonable_hours",
        ),
    ],
)
async def test_a_closed_contact_window_at_the_scheduled_time_defers(
    timezone, jurisdiction, scheduled, until, rule
):
    deferred = await send(
        request("L-BOTH", "sms", timezone=timezone, jurisdiction=jurisdiction), scheduled
    )
    assert (deferred.status, deferred.until, deferred.rule) == ("deferred", until, rule)
    assert deferred.message_id is None
    # At the instant it named, the same request is sent.
    again = await send(
        request("L-BOTH", "sms", timezone=timezone, jurisdiction=jurisdiction), until
    )
    assert again.status == "sent"


async def test_the_window_is_asked_before_the_address_as_the_real_send_does():
    at_night = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    sms = request("L-NO-PHONE", "sms", timezone="Asia/Shanghai", jurisdiction="CN")
    assert (await send(sms, at_night)).status == "deferred"
    assert (await send(sms, SHANGHAI_NOON)).status == "skipped"


async def test_a_request_without_zone_or_jurisdiction_is_not_held_to_a_window():
    # Requests recorded before they carried the zone are sent as they were.
    at_night = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    assert (await send(request("L-BOTH", "sms", timezone="Asia/Shanghai"), at_night)).status == (
        "sent"
    )
    assert (await send(request("L-BOTH", "sms"), at_night)).status == "sent"


def test_facts_say_which_channels_each_case_has_on_file():
    facts = case_facts(
        [
            opening(loan_id="L-1", customer_id="C-1", phone=None),
            opening(loan_id="L-2", customer_id="C-1", email=None),
        ]
    )
    assert facts == {
        "L-1": CaseFacts(other_cases=1, has_phone=False, has_email=True),
        "L-2": CaseFacts(other_cases=1, has_phone=True, has_email=False),
    }


async def test_a_gated_send_carries_the_verdict_and_an_undelivered_one_takes_no_slot():
    budget = from_data(
        {
            "name": "house",
            "version": "one",
            "contacts_per_week": {"source": "s", "effective": "2026-01-01", "limit": 1},
        }
    )
    activities = SimulatedActivities(FACTS, budget)

    async def gated(loan_id: str, channel: str) -> NotificationResult:
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, current_attempt_scheduled_time=SHANGHAI_NOON)
        body = request(loan_id, channel, timezone="Asia/Shanghai", jurisdiction="CN")
        return await env.run(activities.send, body.model_copy(update={"gate": ContactGateFacts()}))

    skipped = await gated("L-NO-PHONE", "sms")
    sent = await gated("L-NO-PHONE", "email")
    held = await gated("L-BOTH", "sms")

    assert skipped.status == "skipped"
    assert (sent.status, sent.rule, sent.profile) == ("sent", "gate.allow", "CN@2026.1+house@one")
    assert (held.status, held.rule) == ("deferred", "house.weekly_budget")
