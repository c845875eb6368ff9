"""Agreements hold back every escalation, write-off included, and a plan can run to term.

Under the default strategy DPD is frozen while an agreed plan performs
(`dpd_during_plan: frozen`): no stage change or escalation falls due, so a 12-month plan
paid on time closes the case as paid; a broken plan counts on from where DPD stood.
"""

from datetime import date, time, timedelta

import pytest

from arrears.commands import AgreePlan, OpenDispute, PromiseToPay, ReportHardship
from arrears.contracts import Payment, TimelineEvent
from arrears.strategy import Strategy, load_default
from arrears.workflows.case import CollectionCase
from tests.strategy.builders import default_data
from tests.workflows.harness import CaseRunner, local_today, settled, sleep_until_local
from tests.workflows.story import assert_case_is_sound, idle
from tests.workflows.test_strategy_paths import begin

STRATEGY = load_default()


def counting() -> Strategy:
    """The default strategy with DPD counting on while a plan performs."""
    data = default_data()
    data["version"] = "2026.12-counting"
    data["dpd_during_plan"] = "counting"
    return Strategy.model_validate(data)


def of_type(events: list[TimelineEvent], kind: str) -> list[TimelineEvent]:
    return [e for e in events if e.type == kind]


async def sleep_until(runner: CaseRunner, day: date) -> None:
    """Skip to 10:00 Shanghai time on `day`."""
    today = await local_today(runner.env)
    await runner.env.sleep(timedelta(days=(day - today).days))


async def test_a_twelve_month_plan_paid_a_day_early_runs_to_term_and_closes_as_paid(
    runner: CaseRunner,
):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=100, principal=120_000, interest=0, fees=0)
        await handle.execute_update(
            CollectionCase.report_hardship, ReportHardship(reason="illness")
        )
        today = await local_today(runner.env)
        agreed = await handle.execute_update(
            CollectionCase.agree_plan,
            AgreePlan(kind="instalments", instalments=12, first_due_date=today + timedelta(days=7)),
        )
        assert agreed.case.dpd_frozen and agreed.case.dpd == 100
        for n, instalment in enumerate(agreed.case.plan.instalments):
            await sleep_until(runner, instalment.due_date - timedelta(days=1))
            view = await handle.query(CollectionCase.view)
            assert view.status == "open" and view.plan.status == "performing", n
            await handle.signal(
                CollectionCase.payment_received,
                Payment(payment_id=f"I-{n}", amount=instalment.amount),
            )
        result = await handle.result()
        events = (await handle.query(CollectionCase.timeline)).events

    assert result.view.closed_reason == "paid" and result.view.plan.status == "completed"
    assert result.view.dpd == 100
    after_plan = events[[e.type for e in events].index("plan_agreed") :]
    assert not {"stage_changed", "bureau_prenotice", "bureau_reported"} & {
        e.type for e in after_plan
    }
    assert not [e for e in after_plan if e.type == "contact_sent"]


async def test_a_broken_plan_counts_on_from_where_dpd_stood(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=40, principal=90_000, interest=0, fees=0)
        await handle.execute_update(
            CollectionCase.agree_plan,
            AgreePlan(kind="instalments", instalments=3, first_due_date=today + timedelta(days=10)),
        )
        # The first instalment is missed: the plan breaks after its tolerance (2 days).
        await runner.env.sleep(timedelta(days=20))
        view = await handle.query(CollectionCase.view)
        events = (await handle.query(CollectionCase.timeline)).events
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)

    (broken,) = of_type(events, "plan_broken")
    assert view.plan.status == "broken" and not view.dpd_frozen
    # Frozen for the 13 days from agreement to the break: DPD 40 then, and counting since.
    assert broken.dpd == 40 and view.dpd_held_days == 13
    assert view.dpd == 40 + (20 - 13)


@pytest.mark.parametrize("agreement", ["promise", "hardship", "dispute"])
async def test_an_agreement_holds_back_write_off(runner: CaseRunner, agreement: str):
    async with runner.worker():
        handle, today = await begin(runner, dpd=178, principal=90_000, interest=0, fees=0)
        if agreement == "promise":
            command = PromiseToPay(promise_id="PR-1", amount=90_000, due_date=today + timedelta(5))
            await handle.execute_update(CollectionCase.promise_to_pay, command)
        elif agreement == "hardship":
            await handle.execute_update(
                CollectionCase.report_hardship, ReportHardship(reason="unemployment")
            )
        else:
            await handle.execute_update(
                CollectionCase.open_dispute, OpenDispute(reason="amount_wrong")
            )
        await runner.env.sleep(timedelta(days=4))
        await idle(handle)
        view = await handle.query(CollectionCase.view)
        assert view.status == "open" and view.dpd >= 180
        assert "write_off" not in view.escalations


async def test_a_performing_plan_holds_back_write_off_while_dpd_counts_on(runner: CaseRunner):
    """Under `dpd_during_plan: counting` DPD passes 180 while a 12-month plan performs: the
    plan holds the write-off back, and paid to term the case closes as paid."""
    async with runner.worker():
        await sleep_until_local(runner.env, time(10))
        today = await local_today(runner.env)
        handle = await runner.start(
            counting(),
            due_date=today - timedelta(days=100),
            principal=120_000,
            interest=0,
            fees=0,
        )
        await settled(handle)
        await handle.execute_update(
            CollectionCase.report_hardship, ReportHardship(reason="illness")
        )
        agreed = await handle.execute_update(
            CollectionCase.agree_plan,
            AgreePlan(kind="instalments", instalments=12, first_due_date=today + timedelta(days=7)),
        )
        assert not agreed.case.dpd_frozen
        for n, instalment in enumerate(agreed.case.plan.instalments):
            await sleep_until(runner, instalment.due_date - timedelta(days=1))
            view = await handle.query(CollectionCase.view)
            assert view.status == "open" and view.plan.status == "performing", n
            assert "write_off" not in view.escalations, n
            await handle.signal(
                CollectionCase.payment_received,
                Payment(payment_id=f"I-{n}", amount=instalment.amount),
            )
        result = await handle.result()
        events = (await handle.query(CollectionCase.timeline)).events

    assert result.view.closed_reason == "paid" and result.view.plan.status == "completed"
    assert result.view.dpd > 180
    after_plan = events[[e.type for e in events].index("plan_agreed") :]
    assert not {"bureau_reported", "lawyer_letter", "litigation_referred"} & {
        e.type for e in after_plan
    }
    assert not [e for e in after_plan if e.type == "contact_sent"]
