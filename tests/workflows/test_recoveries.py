"""Money after a write-off, on the time-skipping server: recorded as a recovery, never
refused, until the recovery window ends."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from arrears.contracts import CaseView, Payment
from arrears.workflows.case import CollectionCase
from arrears.workflows.recoveries import RECOVERY_WINDOW
from tests.workflows.harness import CaseRunner, eventually
from tests.workflows.story import assert_case_is_sound, idle
from tests.workflows.test_strategy_paths import begin, events


async def written_off(runner: CaseRunner, handle) -> CaseView:
    """The case once the ladder wrote it off, a day at a time on the server's clock."""
    for _ in range(30):
        await idle(handle)
        view = await handle.query(CollectionCase.view)
        if view.status == "closed":
            assert view.closed_reason == "written_off"
            return view
        await runner.env.sleep(timedelta(days=1))
    raise AssertionError("case was not written off")


async def test_a_payment_after_write_off_is_recorded_as_a_recovery(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170, principal=500_000, interest=12_000, fees=3_000)
        before = await written_off(runner, handle)
        outcome = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="R-1", amount=10_000)
        )
        assert outcome.applied
        assert outcome.allocation.model_dump() == {
            "fees": 3_000,
            "interest": 7_000,
            "principal": 0,
            "excess": 0,
            "interest_waived": 0,
        }
        assert (outcome.case.status, outcome.case.closed_reason) == ("closed", "written_off")
        assert outcome.case.recovered == 10_000
        assert outcome.case.paid == before.paid
        assert outcome.case.balance.total == before.balance.total - 10_000
        again = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="R-1", amount=10_000)
        )
        assert not again.applied and again.case.recovered == 10_000
        # The same id for another amount is another payment: refused, by update and signal.
        other = Payment(payment_id="R-1", amount=10_001)
        with pytest.raises(WorkflowUpdateFailedError) as reused:
            await handle.execute_update(CollectionCase.record_payment, other)
        assert reused.value.cause.type == "IdReused"
        await handle.signal(CollectionCase.payment_received, other)
        await handle.signal(
            CollectionCase.payment_received, Payment(payment_id="R-2", amount=600_000)
        )
        await eventually(lambda: "R-2" in runner.fakes.synced_payment_ids())
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
        view = await handle.query(CollectionCase.view)
        timeline = await events(handle)
    # The whole written-off balance came back; what went beyond it is owed back.
    assert view.recovered == 515_000
    assert view.balance.total == 0
    assert view.excess == 600_000 - (515_000 - 10_000)
    recoveries = [e for e in timeline if e.type == "recovery_received"]
    assert [e.model_extra["payment_id"] for e in recoveries] == ["R-1", "R-2"]
    (rejected,) = [e for e in timeline if e.type == "payment_rejected"]
    assert (rejected.rule, rejected.model_extra["fields"]) == ("payment.id_reused", ["amount"])
    assert {e.rule for e in recoveries} == {"payment.recovery_after_write_off"}
    records = [p for sync in runner.fakes.syncs for p in sync.payments]
    assert [(p.payment_id, p.recovery) for p in records] == [("R-1", True), ("R-2", True)]


async def test_after_the_recovery_window_the_case_completes_and_refuses_payments(
    runner: CaseRunner,
):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170)
        await written_off(runner, handle)
        await runner.env.sleep(RECOVERY_WINDOW + timedelta(days=1))
        result = await handle.result()
        with pytest.raises(Exception) as refused:
            await handle.execute_update(
                CollectionCase.record_payment, Payment(payment_id="R-late", amount=100)
            )
    assert result.view.closed_reason == "written_off"
    assert not isinstance(refused.value, WorkflowUpdateFailedError) or (
        refused.value.cause.type == "CaseClosed"
    )


async def test_a_written_off_case_has_nothing_next(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170)
        view = await written_off(runner, handle)
    assert view.next_action is None
