"""The case's side of the contact gate: every contact carries the case's facts to the gate,
the gate's verdict lands in the timeline with its rule and profile, a blocked contact falls
back, a deferred one is asked again at `until`; a wrong number keeps SMS and calls off the
phone; vulnerability and Breathing Space show on the case and pause it."""

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowUpdateFailedError

from arrears.commands import (
    AdjustBalance,
    ClearVulnerability,
    FlagVulnerability,
    RecordContactOutcome,
    StartBreathingSpace,
)
from arrears.compliance import Verdict
from arrears.contracts import NotificationRequest
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from tests.factories import opening
from tests.workflows.harness import CaseRunner
from tests.workflows.story import assert_case_is_sound, idle
from tests.workflows.test_door import SHANGHAI, of_type, skip_to_local, timeline

STRATEGY = load_default()
LONDON = "Europe/London"
UK_CASE = {
    "jurisdiction": "UK",
    "timezone": LONDON,
    "currency": "GBP",
    "phone": "+447700900123",
}


def phone_requests(requests: list[NotificationRequest]) -> list[NotificationRequest]:
    return [r for r in requests if r.channel in ("sms", "call")]


async def outcome(handle, **fields):
    return await handle.execute_update(
        CollectionCase.record_contact_outcome, RecordContactOutcome(**fields)
    )


async def test_every_contact_carries_the_case_facts_and_the_verdict_is_recorded(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await runner.env.sleep(timedelta(hours=1))
        events = await timeline(handle)

        requests = runner.fakes.notifications
        assert requests and all(r.gate is not None for r in requests)
        assert all(r.gate.purpose == "collection" and r.gate.invalid_points == [] for r in requests)
        sent = of_type(events, "contact_sent")
        assert sent and all(e.rule == "gate.allow" and e.profile == "CN@2026.1" for e in sent)
        # What the case recorded reached PostgreSQL before each gated contact was asked.
        kinds = [e.type for e in events]
        first_sent = kinds.index("contact_sent")
        synced_before = {e.seq for sync in runner.fakes.syncs[:2] for e in sync.events}
        assert set(range(first_sent)) <= synced_before
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_gate_deferral_waits_for_the_next_window_and_asks_again(runner: CaseRunner):
    """A cap reached today: the gate defers the SMS to tomorrow's window; the case asks
    again then, on its durable timer, and sends."""
    asked: list[datetime] = []
    tomorrow_at_eight: list[datetime] = []

    def cap(request: NotificationRequest, now: datetime) -> Verdict | None:
        if request.channel != "sms":
            return None
        asked.append(now)
        if len(asked) == 1:
            return Verdict("defer", "CN.messages_per_day", "CN@2026.1", until=tomorrow_at_eight[0])
        return None

    runner.fakes.gate_before = cap
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        eight = datetime.combine(today + timedelta(days=1), time(8), tzinfo=ZoneInfo(SHANGHAI))
        tomorrow_at_eight.append(eight)
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await runner.env.sleep(timedelta(hours=23))
        events = await timeline(handle)

        (deferred,) = [e for e in of_type(events, "contact_deferred") if e.channel == "sms"]
        assert deferred.rule == "CN.messages_per_day" and deferred.profile == "CN@2026.1"
        until = datetime.fromisoformat(deferred.until)
        assert until == eight
        assert len(asked) == 2 and until <= asked[1] < until + timedelta(minutes=1)
        (sent,) = [e for e in of_type(events, "contact_sent") if e.channel == "sms"]
        assert until <= sent.at < until + timedelta(minutes=1)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_blocked_notice_is_recorded_and_falls_back_to_email(runner: CaseRunner):
    def no_sms(request: NotificationRequest, now: datetime) -> Verdict | None:
        if request.channel == "sms" and request.gate.purpose == "notice":
            return Verdict("block", "CN.contact_point_refused", "CN@2026.1")
        return None

    runner.fakes.gate_before = no_sms
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=70))
        await runner.env.sleep(timedelta(days=1))
        events = await timeline(handle)

        (blocked,) = of_type(events, "contact_blocked")
        assert blocked.step == "bureau_pre_notice.sms"
        assert blocked.rule == "CN.contact_point_refused" and blocked.profile == "CN@2026.1"
        (notice,) = of_type(events, "bureau_prenotice")
        assert notice.channel == "email"
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_wrong_number_keeps_sms_and_calls_off_the_phone_and_email_goes_instead(
    runner: CaseRunner,
):
    """Known failing input: the wrong number was recorded and SMS and calls went on."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await idle(handle)
        answer = await outcome(handle, outcome="wrong_number")
        assert answer.case.invalid_contact_points == ["phone"]
        before = len(runner.fakes.notifications)
        await runner.env.sleep(timedelta(days=12))
        events = await timeline(handle)
        after = runner.fakes.notifications[before:]

        assert phone_requests(after) == []
        assert [r.channel for r in after] and all(r.channel == "email" for r in after)
        assert all(r.gate.invalid_points == ["phone"] for r in after)
        (invalid,) = of_type(events, "contact_point_invalid")
        assert invalid.point == "phone" and invalid.rule == "contact.wrong_number"
        skipped = [e for e in of_type(events, "contact_skipped") if e.rule == "gate.point_invalid"]
        assert {e.channel for e in skipped} == {"sms", "call"}
        # The call of cadence day 2 went by e-mail instead.
        assert any(r.idempotency_key.endswith(".d2.email") for r in after)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)

        # A new phone number is a valid one: SMS go to it again.
        new_phone = opening().customer.model_copy(update={"phone": "+8613900139000"})
        await handle.signal(CollectionCase.update_customer, new_phone)
        await runner.env.sleep(timedelta(days=6))
        events = await timeline(handle)
        view = await handle.query(CollectionCase.view)

        assert view.invalid_contact_points == []
        (restored,) = of_type(events, "contact_point_restored")
        assert restored.point == "phone"
        assert phone_requests(runner.fakes.notifications[before + len(after) :])


async def test_a_waiting_call_is_blocked_and_goes_by_email(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(2))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await idle(handle)
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(hours=12))
        events = await timeline(handle)

        blocked = of_type(events, "contact_blocked")
        assert blocked and all(e.rule == "gate.point_invalid" for e in blocked)
        assert {e.step for e in blocked} == {"mid.d0.sms"}
        assert phone_requests(runner.fakes.notifications) == []
        assert [r.idempotency_key.rsplit(":", 1)[1] for r in runner.fakes.notifications] == [
            "mid.d0.email"
        ]


async def test_a_wrong_number_while_an_sms_is_on_its_way(runner: CaseRunner):
    """The SMS already on its way is recorded as it happened; no further one goes to the
    phone."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        gate = runner.blocking.hold("send_notification")
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await outcome(handle, outcome="wrong_number")
        runner.blocking.release_all()
        await runner.env.sleep(timedelta(days=8))
        events = await timeline(handle)

        kinds = [e.type for e in events]
        (first,) = [e for e in of_type(events, "contact_sent") if e.channel == "sms"]
        assert first.step == "mid.d0.sms"
        assert kinds.index("contact_point_invalid") < kinds.index("contact_sent")
        sms_and_calls = phone_requests(runner.fakes.notifications)
        assert [r.idempotency_key.rsplit(":", 1)[1] for r in sms_and_calls] == ["mid.d0.sms"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_an_outcome_reaches_the_ledger_before_the_next_contact_is_gated(
    runner: CaseRunner,
):
    """A conversation recorded while the SMS is on its way: the e-mail due next is gated only
    after the case has synced the outcome, which the gate counts from PostgreSQL."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        gate = runner.blocking.hold("send_notification")
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await outcome(handle, outcome="conversation")
        runner.blocking.release_all()
        await idle(handle)

        journal = runner.fakes.journal
        (told,) = [i for i, line in enumerate(journal) if "contact_outcome" in line]
        (email,) = [i for i, line in enumerate(journal) if line.endswith("mid.d0.email")]
        assert told < email, journal
        assert not any(line.startswith("sync") for line in journal[told + 1 : email]), journal


async def test_three_unanswered_calls_in_a_row_mark_the_debtor_lost(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await idle(handle)
        for result in ("no_answer", "no_answer", "conversation", "no_answer", "no_answer"):
            await outcome(handle, outcome=result)
        assert not of_type(await timeline(handle), "contact_lost")
        await outcome(handle, outcome="no_answer")
        await outcome(handle, outcome="no_answer")
        events = await timeline(handle)

        (lost,) = of_type(events, "contact_lost")
        assert lost.rule == "contact.repeated_no_answer"
        (path,) = of_type(events, "reason_path")
        assert (path.reason, path.path, path.rule) == (
            "lost_contact",
            "find_contact",
            "strategy.reasons.lost_contact",
        )
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


@pytest.mark.parametrize(
    ("reason", "path"),
    [("cannot_pay", "cooling_off"), ("disputes_debt", "dispute"), ("forgot", "remind")],
)
async def test_the_reason_decides_the_path(runner: CaseRunner, reason: str, path: str):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await idle(handle)
        answer = await outcome(handle, outcome="conversation", reason=reason)
        before = len(runner.fakes.notifications)
        await runner.env.sleep(timedelta(days=6))
        events = await timeline(handle)
        later = runner.fakes.notifications[before:]

        (taken,) = of_type(events, "reason_path")
        assert (taken.reason, taken.path, taken.rule) == (
            reason,
            path,
            f"strategy.reasons.{reason}",
        )
        if path == "cooling_off":
            (hardship,) = of_type(events, "hardship_reported")
            assert hardship.rule == "strategy.reasons.cannot_pay"
            assert answer.case.hardship_until == today + timedelta(days=14)
            assert answer.case.next_action.kind == "paused_hardship"
            assert later == []
        elif path == "dispute":
            assert answer.case.dispute is not None
            assert answer.case.next_action.kind == "paused_dispute"
            assert later == []
        else:
            assert answer.case.next_action.kind != "paused_hardship"
            assert any(r.channel == "sms" for r in later)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_vulnerability_is_shown_and_told_to_the_gate(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await idle(handle)
        flagged = await handle.execute_update(
            CollectionCase.flag_vulnerability,
            FlagVulnerability(kind="bereavement", note_ref="NOTE-1"),
        )
        again = await handle.execute_update(
            CollectionCase.flag_vulnerability, FlagVulnerability(kind="bereavement")
        )
        before = len(runner.fakes.notifications)
        await runner.env.sleep(timedelta(days=3))
        told = runner.fakes.notifications[before:]
        cleared = await handle.execute_update(
            CollectionCase.clear_vulnerability, ClearVulnerability()
        )
        events = await timeline(handle)

        assert flagged.accepted and flagged.case.vulnerability == "bereavement"
        assert not again.accepted
        assert told and all(r.gate.vulnerability == "bereavement" for r in told)
        assert cleared.accepted and cleared.case.vulnerability is None
        (event,) = of_type(events, "vulnerability_flagged")
        assert event.kind == "bereavement" and event.note_ref == "NOTE-1"
        assert len(of_type(events, "vulnerability_cleared")) == 1
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_breathing_space_pauses_collection_and_then_it_resumes(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, LONDON, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31), **UK_CASE)
        await idle(handle)
        answer = await handle.execute_update(
            CollectionCase.start_breathing_space,
            StartBreathingSpace(kind="standard", started_on=today, reference="BS-123"),
        )
        charge = AdjustBalance(
            adjustment_id="A-1",
            component="fees",
            direction="debit",
            amount=1_000,
            reason="charge",
            reference="R-1",
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(CollectionCase.adjust_balance, charge)
        before = len(runner.fakes.notifications)
        await runner.env.sleep(timedelta(days=59))
        during = runner.fakes.notifications[before:]
        view = await handle.query(CollectionCase.view)
        await runner.env.sleep(timedelta(days=3))
        events = await timeline(handle)

        assert answer.case.breathing_space_until == today + timedelta(days=60)
        assert answer.case.next_action.kind == "paused_breathing_space"
        assert refused.value.cause.type == "BreathingSpaceNoCharges"
        assert "reg 7" in refused.value.cause.message
        assert during == [] and not runner.fakes.handoffs
        assert view.breathing_space_until == today + timedelta(days=60)
        (started,) = of_type(events, "breathing_space_started")
        assert started.rule == "UK.breathing_space.standard" and started.reference == "BS-123"
        (ended,) = of_type(events, "breathing_space_ended")
        ended_on = ended.at.astimezone(ZoneInfo(LONDON)).date()
        assert ended_on == today + timedelta(days=60)
        assert [e for e in of_type(events, "contact_sent") if e.at > ended.at]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_breathing_space_is_for_uk_cases_only(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=31))
        await idle(handle)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                CollectionCase.start_breathing_space,
                StartBreathingSpace(kind="standard", started_on=today, reference="BS-1"),
            )
        assert refused.value.cause.type == "BreathingSpaceNotApplicable"
        assert "UK cases only" in refused.value.cause.message
