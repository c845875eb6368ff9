"""A running case moves to another strategy only on purpose, and says so on its timeline."""

from datetime import UTC, datetime, time, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from arrears.commands import PromiseToPay, StrategyMigration
from arrears.strategy import Strategy, from_data, load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.case_state import CaseState
from tests.factories import opening
from tests.strategy.builders import default_data
from tests.workflows.harness import (
    SHANGHAI,
    CaseRunner,
    eventually,
    local_today,
    sleep_until_local,
)
from tests.workflows.story import assert_case_is_sound, idle
from tests.workflows.test_strategy_paths import after, begin, events

DEFAULT = load_default()


def earlier_mid_stage() -> Strategy:
    """Version 2027.01-1: the mid stage (agent calls for everyone) from DPD 15, not 31."""
    data = default_data()
    data["version"] = "2027.01-1"
    next(stage for stage in data["stages"] if stage["name"] == "mid")["from_dpd"] = 15
    return from_data(data)


async def test_a_migrated_case_follows_the_new_strategy_from_its_next_step(runner: CaseRunner):
    new = earlier_mid_stage()
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        await runner.env.sleep(timedelta(days=1))
        outcome = await handle.execute_update(
            CollectionCase.migrate_strategy, StrategyMigration(strategy=new, change_ref="CHG-77")
        )
        again = await handle.execute_update(
            CollectionCase.migrate_strategy, StrategyMigration(strategy=new, change_ref="CHG-77")
        )
        await runner.env.sleep(timedelta(days=5))
        timeline = await events(handle)

    assert outcome.accepted and outcome.case.strategy_version == "2027.01-1"
    assert not again.accepted
    (migrated,) = [e for e in timeline if e.type == "strategy_migrated"]
    assert migrated.model_extra == {
        **migrated.model_extra,
        "from_version": "2026.12-1",
        "to_version": "2027.01-1",
        "change_ref": "CHG-77",
    }
    assert migrated.rule == "strategy.migration"
    later = after(timeline, "strategy_migrated")
    stage = next(e for e in later if e.type == "stage_changed")
    # Under 2026.12-1 the case would have stayed in `early` until DPD 31.
    assert stage.model_extra["stage"] == "mid" and stage.model_extra["dpd"] == 15
    assert stage.model_extra["strategy"] == "2027.01-1"
    assert all(
        e.model_extra.get("strategy") in (None, "2027.01-1")
        for e in later
        if e.type != "offer_made"
    )


async def test_an_agreed_promise_keeps_its_terms_across_a_migration(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=10)
        await handle.execute_update(
            CollectionCase.promise_to_pay,
            PromiseToPay(promise_id="PR-m", amount=10_000, due_date=today + timedelta(days=5)),
        )
        outcome = await handle.execute_update(
            CollectionCase.migrate_strategy,
            StrategyMigration(strategy=earlier_mid_stage(), change_ref="CHG-78"),
        )

    assert outcome.case.promise is not None
    assert outcome.case.promise.status == "active"
    assert outcome.case.next_action.kind == "paused_promise"


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        ("same_version_other_rules", "StrategyVersionConflict"),
        ("foundation", "StrategyNotMigratable"),
    ],
)
async def test_a_migration_the_case_cannot_take_leaves_no_trace(
    runner: CaseRunner, setup: str, kind: str
):
    data = default_data()
    data["promise_tolerance_days"] = 5
    target = from_data(data) if setup == "same_version_other_rules" else earlier_mid_stage()
    async with runner.worker():
        if setup == "foundation":
            handle = await runner.start()
        else:
            handle, _ = await begin(runner, dpd=10)
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await handle.execute_update(
                CollectionCase.migrate_strategy,
                StrategyMigration(strategy=target, change_ref="CHG-1"),
            )
        history = await handle.fetch_history()

    assert raised.value.cause.type == kind
    accepted = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert accepted == []


def test_a_closed_case_takes_no_migration():
    # Over Temporal a closed case has completed: the update finds no running case (409).
    state = CaseState.open(opening(), datetime(2026, 3, 1, tzinfo=UTC), DEFAULT)
    state.close(datetime(2026, 3, 2, tzinfo=UTC), "recalled")

    with pytest.raises(CommandRejected) as rejected:
        state.check_migration(StrategyMigration(strategy=earlier_mid_stage(), change_ref="C-1"))

    assert rejected.value.kind == "CaseClosed"


def calls_first_in_mid_stage() -> Strategy:
    """Version 2027.01-2: the mid stage starts with a call; its messages come two days in."""
    data = default_data()
    data["version"] = "2027.01-2"
    mid = next(stage for stage in data["stages"] if stage["name"] == "mid")
    mid["cadence"]["medium"] = [
        {"day": 0, "every_days": 7, "channels": ["call"]},
        {"day": 2, "every_days": 5, "channels": ["sms", "email"]},
    ]
    return from_data(data)


async def migrated_at_night(runner: CaseRunner, *, dpd: int, to: Strategy) -> list:
    """A case at `dpd` opened at 02:00, its messages waiting for 08:00, moved at 03:00 to
    the strategy `to`; its timeline 12 hours later."""
    async with runner.worker():
        await sleep_until_local(runner.env, time(2))
        today = await local_today(runner.env)
        handle = await runner.start(DEFAULT, due_date=today - timedelta(days=dpd))
        await eventually(lambda: bool(runner.fakes.syncs))
        await idle(handle)
        await runner.env.sleep(timedelta(hours=1))
        await handle.execute_update(
            CollectionCase.migrate_strategy,
            StrategyMigration(strategy=to, change_ref="CHG-night"),
        )
        await runner.env.sleep(timedelta(hours=12))
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
        return await events(handle)


async def test_messages_waiting_for_the_window_when_the_strategy_changes_are_taken_back_with_why(
    runner: CaseRunner,
):
    """Messages deferred at 02:00 to 08:00; at 03:00 the case moves to a strategy whose
    cadence no longer sends them: the case records that they are taken back, and why."""
    timeline = await migrated_at_night(runner, dpd=40, to=calls_first_in_mid_stage())

    def step(e) -> str | None:
        return (e.model_extra or {}).get("step")

    deferred = {step(e) for e in timeline if e.type == "contact_deferred"}
    assert deferred == {"mid.d0.sms", "mid.d0.email"}
    withdrawn = [e for e in timeline if e.type == "contact_withdrawn"]
    assert {step(e) for e in withdrawn} == deferred
    assert {e.rule for e in withdrawn} == {"strategy.migration"}
    sent = {step(e) for e in timeline if e.type == "contact_sent"}
    assert not sent & deferred


async def test_a_notice_waiting_for_the_window_is_decided_again_under_the_new_strategy(
    runner: CaseRunner,
):
    """The bureau pre-notice of a DPD-70 case waits at 02:00 for 08:00; the strategy changes
    at 03:00 and still asks for it: it is taken back, queued again and sent at 08:00."""
    timeline = await migrated_at_night(runner, dpd=70, to=earlier_mid_stage())

    withdrawn = [
        e
        for e in timeline
        if e.type == "contact_withdrawn" and e.model_extra["step"] == "bureau_pre_notice.sms"
    ]
    assert [e.rule for e in withdrawn] == ["strategy.migration"]
    (notice,) = [e for e in timeline if e.type == "bureau_prenotice"]
    assert notice.at > withdrawn[0].at
    assert notice.at.astimezone(SHANGHAI).time() >= time(8)
