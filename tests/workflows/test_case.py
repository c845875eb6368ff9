"""The CollectionCase workflow on the foundation ladder (cases opened without a strategy),
on the time-skipping server with fake activities."""

from datetime import UTC, datetime, time, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from arrears import ids
from arrears.contracts import CaseOutcome, CloseCase, Payment
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import (
    SHANGHAI,
    CaseRunner,
    eventually,
    local_today,
    settled,
    sleep_until_local,
)


async def test_grace_period_then_thirty_days_move_the_case_through_stages(runner: CaseRunner):
    await sleep_until_local(runner.env, time(10))
    due = await local_today(runner.env)
    async with runner.worker():
        handle = await runner.start(due_date=due)
        view = await settled(handle)
        assert (view.stage, view.dpd) == ("reminder", 0)
        assert view.next_action is not None and view.next_action.kind == "grace_ends"
        assert view.next_action.at == datetime.combine(
            due + timedelta(days=4), time(0), tzinfo=SHANGHAI
        ).astimezone(UTC)

        await runner.env.sleep(timedelta(days=4))
        view = await handle.query(CollectionCase.view)
        assert (view.stage, view.dpd) == ("early", 4)

        await runner.env.sleep(timedelta(days=30))
        view = await handle.query(CollectionCase.view)
        assert (view.stage, view.dpd) == ("mid", 34)
        assert view.risk is not None and view.risk.tier == "medium"

        description = await handle.describe()
        attributes = description.typed_search_attributes
        assert attributes.get(ids.STAGE) == "mid"
        assert attributes.get(ids.DPD) == 34
        assert attributes.get(ids.STATUS) == "open"

    types = runner.fakes.synced_event_types()
    assert types[:4] == ["case_opened", "risk_scored", "contact_sent", "stage_changed"]
    assert types.count("stage_changed") == 2
    assert [n.template for n in runner.fakes.notifications] == ["reminder"]


async def test_reminder_in_quiet_hours_waits_for_the_morning(runner: CaseRunner):
    await sleep_until_local(runner.env, time(2))
    async with runner.worker():
        handle = await runner.start(due_date=await local_today(runner.env))
        view = await settled(handle)
        assert view.next_action is not None and view.next_action.kind == "send_reminder"
        morning = view.next_action.at
        assert morning.astimezone(SHANGHAI).time() == time(8)
        assert runner.fakes.notifications == []

        await runner.env.sleep(timedelta(hours=7))
        assert len(runner.fakes.notifications) == 1

    events = [e.event for sync in runner.fakes.syncs for e in sync.events]
    deferred = next(e for e in events if e.type == "contact_deferred")
    sent = next(e for e in events if e.type == "contact_sent")
    assert deferred.rule == "CN.quiet_hours"
    assert datetime.fromisoformat(deferred.model_extra["until"]) == morning
    assert sent.at >= morning


async def test_duplicate_payments_apply_once_whichever_way_they_arrive(runner: CaseRunner):
    async with runner.worker():
        handle = await runner.start(principal=100_000, interest=5_000, fees=1_000)
        first = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=3_000)
        )
        assert first.applied
        assert first.allocation is not None
        assert (first.allocation.fees, first.allocation.interest) == (1_000, 2_000)
        assert first.case.balance.total == 103_000

        again = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=3_000)
        )
        assert not again.applied
        assert again.case.balance.total == 103_000

        await handle.signal(
            CollectionCase.payment_received, Payment(payment_id="P-1", amount=3_000)
        )
        await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-2", amount=500))
        await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-2", amount=500))
        via_update = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-2", amount=500)
        )
        assert not via_update.applied
        view = via_update.case
        assert view.balance.model_dump() == {
            "principal": 100_000,
            "interest": 2_500,
            "fees": 0,
            "total": 102_500,
        }
        assert view.paid == 3_500

        await eventually(lambda: len(runner.fakes.synced_payment_ids()) == 2)
    assert sorted(runner.fakes.synced_payment_ids()) == ["P-1", "P-2"]


async def test_paid_in_full_closes_the_case_as_paid(runner: CaseRunner):
    async with runner.worker():
        handle = await runner.start(principal=50_000, interest=1_000, fees=0)
        await handle.signal(
            CollectionCase.payment_received, Payment(payment_id="P-a", amount=20_000)
        )
        outcome = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-b", amount=31_000)
        )
        assert outcome.applied
        assert outcome.case.status == "closed"
        assert outcome.case.closed_reason == "paid"
        result = await handle.result()
    assert isinstance(result, CaseOutcome)
    assert result.view.closed_reason == "paid"
    assert result.view.balance.total == 0
    assert runner.fakes.synced_event_types()[-1] == "case_closed"
    assert runner.fakes.syncs[-1].view.status == "closed"


async def test_overpayment_is_kept_as_excess_and_closes_the_case(runner: CaseRunner):
    async with runner.worker():
        handle = await runner.start(principal=10_000, interest=0, fees=0)
        outcome = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-over", amount=12_345)
        )
        await handle.result()
    assert outcome.allocation is not None and outcome.allocation.excess == 2_345
    assert (outcome.case.paid, outcome.case.excess) == (10_000, 2_345)
    assert outcome.case.closed_reason == "paid"


async def test_update_validator_rejects_wrong_currency_and_closed_case(runner: CaseRunner):
    async with runner.worker():
        handle = await runner.start(principal=10_000, interest=0, fees=0)
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(
                CollectionCase.record_payment,
                Payment(payment_id="P-usd", amount=100, currency="USD"),
            )
        assert isinstance(rejected.value.cause, ApplicationError)
        assert rejected.value.cause.type == "CurrencyMismatch"

        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-all", amount=10_000)
        )
        await handle.result()
    history = await handle.fetch_history()
    # A rejected update leaves no trace in history.
    accepted = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert len(accepted) == 1


async def test_payment_signalled_while_no_worker_runs_is_applied_when_one_starts(
    runner: CaseRunner,
):
    handle = await runner.start(principal=20_000, interest=0, fees=0)
    await handle.signal(
        CollectionCase.payment_received, Payment(payment_id="P-night", amount=7_000)
    )
    async with runner.worker():
        view = await handle.query(CollectionCase.view)
        assert view.balance.total == 13_000
        assert view.paid == 7_000
        await eventually(lambda: runner.fakes.synced_payment_ids() != [])
    assert runner.fakes.synced_payment_ids() == ["P-night"]


async def test_case_is_written_off_at_180_days_past_due(runner: CaseRunner):
    due = await local_today(runner.env) - timedelta(days=170)
    async with runner.worker():
        handle = await runner.start(due_date=due)
        result = await handle.result()
    assert result.view.closed_reason == "written_off"
    assert result.view.dpd == 180
    assert result.view.status == "closed"


async def test_bank_recall_closes_the_case_and_stops_collection(runner: CaseRunner):
    async with runner.worker():
        handle = await runner.start()
        await settled(handle)
        recalled = await handle.execute_update(CollectionCase.close, CloseCase(reference="RC-7"))
        assert recalled.accepted
        assert (recalled.case.status, recalled.case.closed_reason) == ("closed", "recalled")
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(CollectionCase.close, CloseCase())
        assert rejected.value.cause.type == "CaseClosed"
        result = await handle.result()
    assert result.view.closed_reason == "recalled"
    closed = [
        e.event for s in runner.fakes.syncs for e in s.events if e.event.type == "case_closed"
    ]
    assert len(closed) == 1
    assert closed[0].model_extra == {"reason": "recalled", "reference": "RC-7"}
