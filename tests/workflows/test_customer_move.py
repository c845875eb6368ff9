"""A case follows its customer: when their time zone changes, the contact window, DPD and
the calendar are the new zone's from then on, and contacts waiting for the old zone's
window are timed again."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.contracts import Customer, TimelineEvent
from arrears.workflows.case import CollectionCase
from tests.factories import opening
from tests.workflows.harness import CaseRunner
from tests.workflows.story import assert_case_is_sound, idle
from tests.workflows.test_door import (
    LOS_ANGELES,
    SHANGHAI,
    STRATEGY,
    assert_every_contact_in_window,
    local,
    of_type,
    skip_to_local,
    timeline,
)


def moved_to(zone: str, **overrides) -> Customer:
    """The factories' customer, now living in `zone`."""
    return opening(**overrides).customer.model_copy(update={"timezone": zone})


def after_the_move(events: list[TimelineEvent]) -> list[TimelineEvent]:
    moved = next(i for i, e in enumerate(events) if e.type == "customer_updated")
    return events[moved + 1 :]


async def test_a_customer_moving_to_los_angeles_hears_from_the_case_in_los_angeles_hours(
    runner: CaseRunner,
):
    """02:00 in Shanghai is 10:00 in Los Angeles: the messages deferred to 08:00 Shanghai go
    at once after the move, within the Los Angeles window."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(2))
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=40))
        await idle(handle)
        deferred = of_type(await timeline(handle), "contact_deferred")
        assert deferred and not of_type(await timeline(handle), "contact_sent")

        await handle.signal(CollectionCase.update_customer, moved_to(LOS_ANGELES))
        await idle(handle)
        events = await timeline(handle)

        (moved,) = of_type(events, "customer_updated")
        assert moved.model_extra == {"fields": ["timezone"]}
        assert moved.rule == "customer.contact_facts"
        sent = of_type(after_the_move(events), "contact_sent")
        assert sent, events
        shanghai_opens = datetime.combine(today, time(8), tzinfo=ZoneInfo(SHANGHAI))
        assert all(e.at < shanghai_opens for e in sent)
        assert_every_contact_in_window(events, LOS_ANGELES, "CN")
        assert {n.timezone for n in runner.fakes.notifications} == {LOS_ANGELES}
        view = await handle.query(CollectionCase.view)
        assert view.timezone == LOS_ANGELES
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_customer_moving_to_shanghai_is_not_contacted_in_the_shanghai_night(
    runner: CaseRunner,
):
    """07:00 in Los Angeles is 23:00 in Shanghai: the messages waiting for 08:00 Los Angeles
    (midnight in Shanghai) wait for 08:00 Shanghai instead."""
    async with runner.worker():
        today = await skip_to_local(runner, LOS_ANGELES, time(7))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=40), timezone=LOS_ANGELES
        )
        await idle(handle)
        await handle.signal(CollectionCase.update_customer, moved_to(SHANGHAI))
        await runner.env.sleep(timedelta(hours=12))
        events = await timeline(handle)

        later = after_the_move(events)
        (deferred, *_) = of_type(later, "contact_deferred")
        assert deferred.rule == "CN.quiet_hours"
        until = datetime.fromisoformat(deferred.until).astimezone(ZoneInfo(SHANGHAI))
        assert until.time() == time(8)
        sent = of_type(later, "contact_sent")
        assert sent and all(local(e, SHANGHAI).time() >= time(8) for e in sent)
        assert not of_type(events[: len(events) - len(later)], "contact_sent")
        assert_every_contact_in_window(events, SHANGHAI, "CN")
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_the_days_past_due_are_counted_from_the_new_zones_midnight(runner: CaseRunner):
    """At 10:00 on the 1st in Los Angeles it is already 02:00 on the 2nd in Shanghai: a
    customer moving there is a day further past due at once."""
    async with runner.worker():
        today = await skip_to_local(runner, LOS_ANGELES, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=10), timezone=LOS_ANGELES
        )
        await idle(handle)
        before = await handle.query(CollectionCase.view)

        await handle.signal(CollectionCase.update_customer, moved_to(SHANGHAI))
        await idle(handle)
        after = await handle.query(CollectionCase.view)

        assert (before.dpd, after.dpd) == (10, 11)
        assert after.timezone == SHANGHAI


async def test_facts_of_another_customer_or_the_same_facts_change_nothing(runner: CaseRunner):
    async with runner.worker():
        handle = await runner.start(STRATEGY)
        await idle(handle)

        await handle.signal(CollectionCase.update_customer, opening().customer)
        stranger = opening(customer_id="C-other").customer
        await handle.signal(
            CollectionCase.update_customer, stranger.model_copy(update={"timezone": LOS_ANGELES})
        )
        await idle(handle)

        assert not of_type(await timeline(handle), "customer_updated")
        assert (await handle.query(CollectionCase.view)).timezone == SHANGHAI


async def test_a_case_that_opened_while_its_customer_moved_follows_the_records(
    runner: CaseRunner,
):
    """The customer moved while the case opened, so the update did not find the case among
    their open ones: its first sync finds the facts on record and the case follows them."""
    runner.fakes.stored_customer = moved_to(LOS_ANGELES)
    async with runner.worker():
        handle = await runner.start(STRATEGY)
        await idle(handle)

        (moved,) = of_type(await timeline(handle), "customer_updated")
        assert moved.model_extra == {"fields": ["timezone"]}
        assert (await handle.query(CollectionCase.view)).timezone == LOS_ANGELES
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
