"""One door to the customer: every message, whatever asked for it, passes the contact window
at the moment it is sent, is deferred rather than dropped, and a notice the law requires
counts only once it reached the customer."""

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle

from arrears.commands import CeaseContact, PromiseToPay, RecordContactOutcome, ReportHardship
from arrears.compliance.verdicts import Verdict
from arrears.contracts import Customer, Payment, TimelineEvent
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.compliance import CONTACT_WINDOWS
from tests.workflows.harness import CaseRunner, eventually
from tests.workflows.story import assert_case_is_sound, idle

STRATEGY = load_default()
SHANGHAI = "Asia/Shanghai"
LOS_ANGELES = "America/Los_Angeles"


async def skip_to_local(runner: CaseRunner, zone: str, clock: time) -> date:
    """Skip the server clock to the next `clock` in `zone`; returns that local day."""
    tz = ZoneInfo(zone)
    now = (await runner.env.get_current_time()).astimezone(tz)
    target = datetime.combine(now.date(), clock, tzinfo=tz)
    if target <= now:
        target += timedelta(days=1)
    await runner.env.sleep(target - now)
    return target.date()


async def timeline(handle: WorkflowHandle) -> list[TimelineEvent]:
    return (await handle.query(CollectionCase.timeline)).events


def local(event: TimelineEvent, zone: str) -> datetime:
    return event.at.astimezone(ZoneInfo(zone))


def of_type(events: list[TimelineEvent], kind: str) -> list[TimelineEvent]:
    return [e for e in events if e.type == kind]


def assert_every_contact_in_window(events: list[TimelineEvent], zone: str, where: str) -> None:
    window = CONTACT_WINDOWS[where]
    for sent in of_type(events, "contact_sent"):
        assert window.opens <= local(sent, zone).time() < window.closes, sent


async def test_a_bureau_pre_notice_due_at_night_waits_for_the_window(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(2))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=70))
        await runner.env.sleep(timedelta(hours=12))
        events = await timeline(handle)

        (deferred,) = [e for e in of_type(events, "contact_deferred") if "bureau" in e.step]
        assert deferred.rule == "CN.quiet_hours"
        assert local(deferred, SHANGHAI).hour == 2
        until = datetime.fromisoformat(deferred.until)
        assert until.astimezone(ZoneInfo(SHANGHAI)).time() == time(8)
        (notice,) = of_type(events, "bureau_prenotice")
        assert local(notice, SHANGHAI).time() >= time(8)
        assert notice.message_id == f"{handle.id.removeprefix('case-')}:bureau_pre_notice.sms"
        assert_every_contact_in_window(events, SHANGHAI, "CN")
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_us_pre_notice_waits_for_eight_in_los_angeles(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, LOS_ANGELES, time(0, 27))
        handle = await runner.start(
            STRATEGY,
            due_date=today - timedelta(days=70),
            timezone=LOS_ANGELES,
            jurisdiction="US",
            currency="USD",
            phone="+14155550100",
        )
        await runner.env.sleep(timedelta(hours=12))
        events = await timeline(handle)

        (notice,) = of_type(events, "bureau_prenotice")
        assert local(notice, LOS_ANGELES).time() >= time(8)
        assert_every_contact_in_window(events, LOS_ANGELES, "US")
        assert any(e.rule == "US.inconvenient_time" for e in of_type(events, "contact_deferred"))


async def test_the_lawyers_letter_is_handed_off_at_midnight_and_written_in_the_window(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=74))
        await idle(handle)
        await handle.execute_update(
            CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="refused_to_pay")
        )
        await runner.env.sleep(timedelta(days=1))
        events = await timeline(handle)

        (letter,) = of_type(events, "lawyer_letter")
        assert local(letter, SHANGHAI).time() < time(1)
        (written,) = [e for e in of_type(events, "contact_sent") if e.template == "lawyer_letter"]
        assert local(written, SHANGHAI).time() >= time(8)
        assert_every_contact_in_window(events, SHANGHAI, "CN")


async def test_a_send_retried_after_the_window_closed_is_deferred_not_sent(runner: CaseRunner):
    """The SMS provider is down from 21:58 to 22:00:30: the messages decided at 21:58 must
    not leave at 22:01, they wait for 08:00."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(21, 58))
        back_up = datetime.combine(today, time(22, 0, 30), tzinfo=ZoneInfo(SHANGHAI))
        runner.fakes.provider_down_until = back_up
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=40))
        await runner.env.sleep(timedelta(hours=12))
        events = await timeline(handle)

        sent = of_type(events, "contact_sent")
        assert sent and all(local(e, SHANGHAI).time() >= time(8) for e in sent)
        assert all(local(e, SHANGHAI).date() > today for e in sent)
        deferred = of_type(events, "contact_deferred")
        assert deferred and all(e.rule == "CN.quiet_hours" for e in deferred)
        assert_every_contact_in_window(events, SHANGHAI, "CN")
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_deferred_message_taken_back_says_why(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(2))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=40))
        await eventually(lambda: bool(runner.fakes.syncs))
        await idle(handle)
        await handle.execute_update(
            CollectionCase.cease_contact, CeaseContact(channels=["sms", "email"])
        )
        await runner.env.sleep(timedelta(hours=12))
        events = await timeline(handle)

        deferred = {e.step for e in of_type(events, "contact_deferred")}
        blocked = {e.step for e in of_type(events, "contact_blocked")}
        assert deferred and deferred <= blocked
        assert all(e.rule == "contact.cease_request" for e in of_type(events, "contact_blocked"))
        assert not [e for e in of_type(events, "contact_sent") if e.channel != "call"]


async def test_a_notice_to_a_customer_with_every_written_channel_ceased_holds_the_report(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=60))
        await idle(handle)
        await handle.execute_update(
            CollectionCase.cease_contact, CeaseContact(channels=["sms", "email"])
        )
        await runner.env.sleep(timedelta(days=40))
        events = await timeline(handle)

        (undelivered,) = of_type(events, "notice_undelivered")
        assert undelivered.rule == "escalations.bureau_pre_notice.notice_required"
        assert not of_type(events, "bureau_prenotice") and not of_type(events, "bureau_reported")
        assert not [h for h in runner.fakes.handoffs if h.step == "bureau_report"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_notice_to_a_customer_with_no_address_on_file_holds_the_report(
    runner: CaseRunner,
):
    runner.fakes.no_address = {"sms", "email"}
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=70))
        await runner.env.sleep(timedelta(days=30))
        events = await timeline(handle)

        skipped = [e.step for e in of_type(events, "contact_skipped") if "bureau" in e.step]
        assert skipped == ["bureau_pre_notice.sms", "bureau_pre_notice.email"]
        assert len(of_type(events, "notice_undelivered")) == 1
        assert not of_type(events, "bureau_prenotice") and not of_type(events, "bureau_reported")
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_notice_falls_back_to_email_and_the_report_follows_it(runner: CaseRunner):
    runner.fakes.no_address = {"sms"}
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=70))
        await runner.env.sleep(timedelta(days=15))
        events = await timeline(handle)

        (notice,) = of_type(events, "bureau_prenotice")
        assert notice.channel == "email"
        assert notice.message_id.endswith(":bureau_pre_notice.email")
        (report,) = of_type(events, "bureau_reported")
        assert report.dpd == notice.dpd + 14
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_paid_in_full_while_the_first_message_is_on_its_way_stops_the_pre_notice(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        gate = runner.blocking.hold("send_notification")
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=76))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-all", amount=512_000)
        )
        runner.blocking.release_all()
        await idle(handle)
        events = await timeline(handle)

        kinds = [e.type for e in events]
        assert kinds.index("case_closed") < kinds.index("contact_sent")
        assert kinds.count("contact_sent") == 1 and len(runner.fakes.notifications) == 1
        assert runner.fakes.notifications[0].template != "bureau_pre_notice"
        assert "bureau_prenotice" not in kinds and not runner.fakes.handoffs
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_message_that_left_before_a_payment_arrived_is_told_before_it(
    runner: CaseRunner,
):
    """The message leaves, then the payment in full reaches the case, and only then does
    the case learn that the message left: the case records the closing first, yet tells
    the send at the instant it happened, so the timeline in time order tells the story as
    it was. Without the instant, it told a message sent after the case had closed."""
    runner.blocking.clock = runner.env.get_current_time
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        gate = runner.blocking.hold("send_notification", after=True)
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=76))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await asyncio.sleep(1)  # the server clock runs on while the message is held
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-all", amount=512_000)
        )
        runner.blocking.release_all()
        await idle(handle)
        timeline = await handle.query(CollectionCase.timeline)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)

    recorded = [e.type for e in timeline.events]
    told = [e.type for e in timeline.in_time_order().events]
    assert recorded.index("case_closed") < recorded.index("contact_sent")
    assert told.index("contact_sent") < told.index("payment_applied") < told.index("case_closed")


async def test_a_message_that_left_after_a_payment_arrived_is_told_after_it(
    runner: CaseRunner,
):
    """The payment reaches the case while the message is on its way, before it left: the
    message goes all the same (it was decided before the payment), and is told after it."""
    runner.blocking.clock = runner.env.get_current_time
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        gate = runner.blocking.hold("send_notification")
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=76))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-all", amount=512_000)
        )
        await asyncio.sleep(1)
        runner.blocking.release_all()
        await idle(handle)
        timeline = await handle.query(CollectionCase.timeline)

    told = timeline.in_time_order().events
    kinds = [e.type for e in told]
    assert kinds.index("case_closed") < kinds.index("contact_sent")
    (closed,) = of_type(told, "case_closed")
    (sent,) = of_type(told, "contact_sent")
    assert sent.at > closed.at


async def hardship_while_the_first_message_is_on_its_way(runner: CaseRunner) -> list:
    """A mid-stage case at 10:00 reports hardship while its first message is being sent;
    the message is then let go. Returns the case's timeline once it is idle."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        gate = runner.blocking.hold("send_notification")
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=40))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await handle.execute_update(
            CollectionCase.report_hardship, ReportHardship(reason="illness")
        )
        runner.blocking.release_all()
        await idle(handle)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
        return await timeline(handle)


async def test_a_message_on_its_way_when_collection_pauses_is_told_sent_not_taken_back(
    runner: CaseRunner,
):
    """Hardship pauses collection while the first message is on its way: the messages still
    waiting are taken back, each told so; the one on its way leaves and is told sent, never
    also taken back."""
    events = await hardship_while_the_first_message_is_on_its_way(runner)

    (sent,) = of_type(events, "contact_sent")
    withdrawn = {e.model_extra["step"] for e in of_type(events, "contact_withdrawn")}
    assert sent.model_extra["step"] not in withdrawn
    assert withdrawn, "the other waiting messages are taken back"
    assert len(runner.fakes.notifications) == 1


async def test_a_message_on_its_way_that_did_not_leave_is_told_taken_back(runner: CaseRunner):
    """The same pause, but the gate defers the message on its way (a cap reached at the
    moment of sending) and it does not leave: it is told taken back, once, never sent."""
    runner.fakes.gate_before = lambda request, now: Verdict(
        "defer", "CN.messages_per_day", "CN@2026.1", until=now + timedelta(hours=12)
    )
    events = await hardship_while_the_first_message_is_on_its_way(runner)

    assert of_type(events, "contact_sent") == [] and runner.fakes.notifications == []
    steps = [e.model_extra["step"] for e in of_type(events, "contact_withdrawn")]
    assert len(steps) == len(set(steps)) >= 1


async def test_a_command_answers_with_what_the_case_does_next(runner: CaseRunner):
    """Messages wait for 08:00; a promise takes them back, and the answer says so."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(2))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=40))
        await eventually(lambda: bool(runner.fakes.syncs))
        await idle(handle)
        waiting = await handle.query(CollectionCase.view)
        assert waiting.next_action.kind.startswith("contact_")

        promise = PromiseToPay(promise_id="PR-1", amount=1_000, due_date=today + timedelta(5))
        answer = await handle.execute_update(CollectionCase.promise_to_pay, promise)
        await idle(handle)
        later = await handle.query(CollectionCase.view)

    assert answer.case.next_action.kind == "paused_promise"
    assert answer.case.next_action == later.next_action


async def test_a_notice_that_reached_no_one_goes_once_the_customer_gives_a_phone(
    runner: CaseRunner,
):
    """No phone and no e-mail on file: the pre-notice reaches no one and the report waits.
    Days later the customer gives a phone number: the notice is sent to it, and the report
    follows 14 days after it."""
    runner.fakes.no_address = {"sms", "email"}
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=70))
        await runner.env.sleep(timedelta(days=3))
        assert len(of_type(await timeline(handle), "notice_undelivered")) == 1

        runner.fakes.no_address = {"email"}
        customer = Customer(
            customer_id="C-77", name="张三", phone="+8613900139000", timezone=SHANGHAI
        )
        await handle.signal(CollectionCase.update_customer, customer)
        await runner.env.sleep(timedelta(days=16))
        events = await timeline(handle)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)

    (updated,) = of_type(events, "customer_updated")
    (notice,) = of_type(events, "bureau_prenotice")
    assert notice.at > updated.at and notice.channel == "sms"
    assert notice.message_id.endswith(":bureau_pre_notice.sms")
    assert local(notice, SHANGHAI).time() >= time(8)
    (report,) = of_type(events, "bureau_reported")
    assert report.dpd == notice.dpd + 14


async def test_a_us_validation_notice_that_reached_no_one_goes_once_the_customer_gives_an_email(
    runner: CaseRunner,
):
    runner.fakes.no_address = {"sms", "email"}
    async with runner.worker():
        today = await skip_to_local(runner, LOS_ANGELES, time(10))
        handle = await runner.start(
            STRATEGY,
            due_date=today - timedelta(days=20),
            timezone=LOS_ANGELES,
            jurisdiction="US",
            currency="USD",
            phone="+14155550100",
        )
        await runner.env.sleep(timedelta(days=1))
        (undelivered,) = of_type(await timeline(handle), "notice_undelivered")
        assert undelivered.rule == "US.validation_notice"

        runner.fakes.no_address = {"sms"}
        customer = Customer(
            customer_id="C-77",
            name="张三",
            phone="+14155550100",
            email="new.address@example.com",
            timezone=LOS_ANGELES,
        )
        await handle.signal(CollectionCase.update_customer, customer)
        await runner.env.sleep(timedelta(days=2))
        events = await timeline(handle)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)

    (updated,) = of_type(events, "customer_updated")
    (sent,) = of_type(events, "validation_notice_sent")
    assert sent.at > updated.at and sent.channel == "email"
    assert_every_contact_in_window(events, LOS_ANGELES, "US")
