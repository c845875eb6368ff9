"""The reversal of the payment that closed a case `paid`, on the time-skipping server: a new
run of the same workflow id carries the closed run's state and reopens the case, which
owes again exactly what the payment paid and collects as before."""

from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy

from arrears.commands import ReversePayment
from arrears.contracts import Payment
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from arrears.workflows.reopening import check_reopening
from tests.workflows.harness import CaseRunner, eventually, settled
from tests.workflows.story import assert_case_is_sound
from tests.workflows.test_episodes import completed
from tests.workflows.test_ledger_changes import refused
from tests.workflows.test_strategy_paths import begin, events


async def reopened_by(runner: CaseRunner, handle: WorkflowHandle, reversal: ReversePayment):
    """What the API does with a reversal the closed case's run can no longer take: start
    the case's next run, carrying the closed run's state and the reversal."""
    state = await handle.query(CollectionCase.closed_state)
    now = await runner.env.get_current_time()
    assert check_reopening(state, reversal, now) is False
    reopened = await runner.env.client.start_workflow(
        CollectionCase.run,
        CaseStart.reopening_of(state, reversal, now),
        id=handle.id,
        task_queue=runner.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    runner.handles.append(reopened)
    return reopened


async def test_reversing_the_payment_that_paid_in_full_reopens_the_case(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10, principal=10_000, interest=500, fees=200)
        owed = (await handle.query(CollectionCase.view)).balance
        paid = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=10_700)
        )
        assert paid.case.closed_reason == "paid"
        await completed(handle)
        await runner.env.sleep(timedelta(days=3))
        sent_before = len(runner.fakes.notifications)

        reversal = ReversePayment(payment_id="P-1", reason="returned")
        reopened = await reopened_by(runner, handle, reversal)
        view = await settled(reopened)
        assert (view.status, view.closed_reason, view.episode) == ("open", None, 1)
        assert view.balance == owed and view.paid == 0 and view.excess == 0
        assert view.dpd == 13  # from the original due date: 10 days then, 3 since
        assert view.due_date == paid.case.due_date

        # The same reversal again is a repeat on the reopened run; another reason is not.
        again = await reopened.execute_update(CollectionCase.reverse_payment, reversal)
        assert not again.accepted and again.case.balance == owed
        otherwise = reversal.model_copy(update={"reason": "charged_back"})
        assert await refused(reopened, CollectionCase.reverse_payment, otherwise) == "IdReused"
        # Ids keep their meaning: the reversed payment, resent, is no new payment.
        resent = await reopened.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=10_700)
        )
        assert not resent.applied and resent.case.balance == owed

        # Collection resumes: the cadence contacts the customer again, under the case's keys.
        await runner.env.sleep(timedelta(days=2))
        await eventually(lambda: len(runner.fakes.notifications) > sent_before)
        timeline = await events(reopened)
        await assert_case_is_sound(reopened, runner.fakes.stored_event_types)

        repaid = await reopened.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-2", amount=10_700)
        )
        assert repaid.case.closed_reason == "paid"
        await completed(reopened)
    kinds = [e.type for e in timeline]
    assert (
        kinds.index("case_closed") < kinds.index("payment_reversed") < kinds.index("case_reopened")
    )
    event = next(e for e in timeline if e.type == "case_reopened")
    extra = event.model_extra
    assert (event.rule, extra["payment_id"], extra["closed_reason"]) == (
        "payment.reversed",
        "P-1",
        "paid",
    )
    assert (extra["balance"], extra["dpd"]) == (owed.total, 13)
    reversed_ = next(e.model_extra for e in timeline if e.type == "payment_reversed")
    assert (reversed_["fees"], reversed_["interest"], reversed_["principal"]) == (200, 500, 10_000)
    new_keys = [n.idempotency_key for n in runner.fakes.notifications[sent_before:]]
    assert new_keys and not any("~" in key for key in new_keys)  # the same case, episode 1
    reversals = [(r.payment_id, r.reason) for sync in runner.fakes.syncs for r in sync.reversals]
    assert reversals == [("P-1", "returned")]
    # PostgreSQL is told the case closed, then that it is open again, then paid again.
    statuses = [(s.view.status, s.view.closed_reason) for s in runner.fakes.syncs]
    closed = statuses.index(("closed", "paid"))
    assert ("open", None) in statuses[closed:]
    assert statuses[-1] == ("closed", "paid")
