"""Regulation F for US cases, on the time-skipping server: the validation notice is the first
communication and states its validation period's end (12 CFR 1006.34), a dispute within the
period is marked (1006.34(c)(4)), and the bureau report waits for a conversation or 14 days
after a notice (1006.30(a)(1)). CN cases are unchanged."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle

from arrears.commands import OpenDispute, PromiseToPay, RecordContactOutcome, ResolveDispute
from arrears.contracts import TimelineEvent
from arrears.strategy import from_data, load_default
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner, local_today, sleep_until_local
from tests.workflows.story import assert_case_is_sound, idle

STRATEGY = load_default()
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
US_CASE = {
    "timezone": "America/Los_Angeles",
    "jurisdiction": "US",
    "currency": "USD",
    "phone": "+14155550100",
    "email": "jane.roe@example.com",
}


def quick_report_strategy():
    """The default strategy with the bureau report a day after the pre-notice: passive
    collection, not the strategy, is then what holds it back."""
    data = STRATEGY.model_dump(mode="json")
    data["version"] = "us-quick-report"
    report = data["escalations"]["bureau_report"]
    report["dpd"] = {"low": 76, "medium": 66, "high": 62}
    report["after"]["wait_days"] = 1
    return from_data(data)


async def skip_to(runner: CaseRunner, moment: datetime) -> None:
    await runner.env.sleep(moment - await runner.env.get_current_time())


async def skip_to_local(runner: CaseRunner, clock: time) -> date:
    now = (await runner.env.get_current_time()).astimezone(LOS_ANGELES)
    target = datetime.combine(now.date(), clock, tzinfo=LOS_ANGELES)
    if target <= now:
        target += timedelta(days=1)
    await skip_to(runner, target)
    return target.date()


async def timeline(handle: WorkflowHandle) -> list[TimelineEvent]:
    return (await handle.query(CollectionCase.timeline)).events


def of_type(events: list[TimelineEvent], kind: str) -> list[TimelineEvent]:
    return [e for e in events if e.type == kind]


def extra(event: TimelineEvent) -> dict:
    return event.model_extra or {}


async def test_a_us_case_sends_the_validation_notice_first_with_its_period(runner: CaseRunner):
    # A Thursday 2 July: Independence Day falls on the Saturday and is observed on Friday
    # 3 July, so receipt is assumed on Friday 10 July and the period ends on 9 August.
    year = (await runner.env.get_current_time()).year + 1
    while date(year, 7, 2).weekday() != 3:
        year += 1
    async with runner.worker():
        await skip_to(runner, datetime(year, 7, 2, 10, tzinfo=LOS_ANGELES))
        handle = await runner.start(STRATEGY, due_date=date(year, 7, 1), **US_CASE)
        await idle(handle)
        await runner.env.sleep(timedelta(hours=1))
        events = await timeline(handle)

        first, *others = runner.fakes.notifications
        assert (first.template, first.channel) == ("validation_notice", "email")
        assert first.validation_period_ends == date(year, 8, 9)
        assert others and all(n.validation_period_ends is None for n in others)
        (sent,) = of_type(events, "validation_notice_sent")
        loan_id = handle.id.removeprefix("case-")
        assert extra(sent) == {
            "channel": "email",
            "message_id": f"{loan_id}:validation_notice.email",
            "period_ends": f"{year}-08-09",
        }
        assert sent.rule == "US.validation_notice"
        contacts = of_type(events, "contact_sent")
        assert contacts[0].template == "validation_notice"
        assert events.index(sent) < events.index(contacts[1])
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_without_e_mail_the_validation_notice_goes_by_sms_still_first(runner: CaseRunner):
    runner.fakes.no_address = {"email"}
    async with runner.worker():
        today = await skip_to_local(runner, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=1), **US_CASE)
        await idle(handle)
        events = await timeline(handle)

        sent = [(n.template, n.channel) for n in runner.fakes.notifications]
        assert sent[:2] == [("validation_notice", "email"), ("validation_notice", "sms")]
        assert extra(of_type(events, "validation_notice_sent")[0])["channel"] == "sms"
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_us_case_reached_on_no_written_channel_records_the_notice_undelivered(
    runner: CaseRunner,
):
    runner.fakes.no_address = {"email", "sms"}
    async with runner.worker():
        today = await skip_to_local(runner, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=1), **US_CASE)
        await idle(handle)
        events = await timeline(handle)

        undelivered = of_type(events, "notice_undelivered")
        assert [(e.step, e.rule) for e in undelivered if e.step == "validation_notice"] == [
            ("validation_notice", "US.validation_notice")
        ]
        assert not of_type(events, "validation_notice_sent")
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_cn_case_sends_no_validation_notice(runner: CaseRunner):
    async with runner.worker():
        await sleep_until_local(runner.env, time(10))
        today = await local_today(runner.env)
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=1))
        await idle(handle)
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="other"))
        events = await timeline(handle)

        assert runner.fakes.notifications
        assert "validation_notice" not in {n.template for n in runner.fakes.notifications}
        assert all(n.validation_period_ends is None for n in runner.fakes.notifications)
        assert not of_type(events, "validation_notice_sent")
        (opened,) = of_type(events, "dispute_opened")
        assert "within_validation_period" not in extra(opened)


async def test_the_bureau_report_waits_14_days_after_the_first_notice(runner: CaseRunner):
    """The default strategy reports 14 days of DPD after the pre-notice, at the customer's
    midnight; the 14 days after the notice end at the hour it was sent."""
    async with runner.worker():
        today = await skip_to_local(runner, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=80), **US_CASE)
        await idle(handle)
        await runner.env.sleep(timedelta(days=15))
        await idle(handle)
        events = await timeline(handle)

        (notice,) = of_type(events, "validation_notice_sent")
        ends = notice.at + timedelta(days=14)
        (held,) = of_type(events, "bureau_report_held")
        assert held.rule == "US.passive_collection"
        assert datetime.fromisoformat(extra(held)["until"]) == ends
        assert held.at.astimezone(LOS_ANGELES).time() < time(0, 1)
        assert held.at < ends
        (reported,) = of_type(events, "bureau_reported")
        assert ends <= reported.at < ends + timedelta(minutes=1)
        assert [h.step for h in runner.fakes.handoffs] == ["bureau_report"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_after_a_conversation_a_held_bureau_report_is_handed_off_at_once(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, time(10))
        handle = await runner.start(
            quick_report_strategy(), due_date=today - timedelta(days=80), **US_CASE
        )
        await idle(handle)
        await runner.env.sleep(timedelta(days=2))
        await idle(handle)
        events = await timeline(handle)
        assert of_type(events, "bureau_report_held") and not runner.fakes.handoffs
        view = await handle.query(CollectionCase.view)
        (notice,) = of_type(events, "validation_notice_sent")
        assert view.next_action.at <= notice.at + timedelta(days=14)

        await handle.execute_update(
            CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="conversation")
        )
        await idle(handle)
        events = await timeline(handle)

        (spoke,) = of_type(events, "contact_outcome")
        (reported,) = of_type(events, "bureau_reported")
        assert timedelta(0) <= reported.at - spoke.at < timedelta(minutes=1)
        assert len(of_type(events, "bureau_report_held")) == 1
        assert [h.step for h in runner.fakes.handoffs] == ["bureau_report"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_dispute_within_the_validation_period_is_marked_and_verified(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, time(10))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=1), **US_CASE)
        await idle(handle)
        await runner.env.sleep(timedelta(days=3))
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
        await handle.execute_update(
            CollectionCase.resolve_dispute, ResolveDispute(outcome="rejected")
        )
        await runner.env.sleep(timedelta(days=60))
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="other"))
        events = await timeline(handle)

        inside, after = of_type(events, "dispute_opened")
        assert extra(inside)["within_validation_period"] is True
        assert extra(after)["within_validation_period"] is False
        (resolved,) = of_type(events, "dispute_resolved")
        assert resolved.rule == "US.dispute_in_validation_period"
        assert extra(resolved)["within_validation_period"] is True
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_promise_made_before_the_notice_went_does_not_take_it_back(runner: CaseRunner):
    """Opened at 22:00 Los Angeles time the notice waits for the morning; a promise that
    night pauses collection, yet the notice the law requires still goes at 08:00."""
    async with runner.worker():
        today = await skip_to_local(runner, time(22))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=1), **US_CASE)
        await idle(handle)
        await handle.execute_update(
            CollectionCase.promise_to_pay,
            PromiseToPay(promise_id="PR-1", amount=1_000, due_date=today + timedelta(days=7)),
        )
        await skip_to_local(runner, time(9))
        await idle(handle)
        events = await timeline(handle)

        (sent,) = of_type(events, "validation_notice_sent")
        assert sent.at.astimezone(LOS_ANGELES).time() >= time(8)
        withdrawn = of_type(events, "contact_withdrawn")
        assert withdrawn and all(not e.step.startswith("validation_notice") for e in withdrawn)
        assert [n.template for n in runner.fakes.notifications] == ["validation_notice"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
