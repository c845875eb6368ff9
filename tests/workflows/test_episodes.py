"""A loan's next case on the time-skipping server: a new run of the same workflow id,
numbered, whose contacts are its own (their idempotency keys name the episode)."""

import asyncio

from temporalio.client import WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy

from arrears import ids
from arrears.contracts import Payment
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from tests.factories import opening
from tests.workflows.harness import CaseRunner, settled
from tests.workflows.story import assert_case_is_sound
from tests.workflows.test_strategy_paths import begin, events

STRATEGY = load_default()


async def completed(handle) -> None:
    """Until the run has completed, in real time: awaiting its result would let the
    time-skipping server skip ahead for as long as nothing else runs."""
    for _ in range(250):
        if (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the case did not complete")


async def test_the_next_episode_contacts_the_customer_afresh(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=10, principal=10_000, interest=0, fees=0)
        first_keys = {n.idempotency_key for n in runner.fakes.notifications}
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=10_000)
        )
        await completed(handle)
        loan_id = handle.id.removeprefix(ids.CASE_ID_PREFIX)
        case = opening(loan_id=loan_id, due_date=today, principal=5_000, interest=0, fees=0)
        second = await runner.env.client.start_workflow(
            CollectionCase.run,
            CaseStart(
                opening=case,
                received_at=await runner.env.get_current_time(),
                strategy=STRATEGY,
                episode=2,
            ),
            id=handle.id,
            task_queue=runner.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        runner.handles.append(second)
        view = await settled(second)
        timeline = await events(second)
        await assert_case_is_sound(second, runner.fakes.stored_event_types_of(2))
    assert second.result_run_id != handle.result_run_id
    assert view.episode == 2 and view.status == "open"
    assert timeline[0].type == "case_opened" and timeline[0].model_extra["episode"] == 2
    second_keys = {n.idempotency_key for n in runner.fakes.notifications} - first_keys
    assert first_keys and second_keys
    assert all(key.startswith(f"{loan_id}~2:") for key in second_keys)
    assert not any("~" in key for key in first_keys)
