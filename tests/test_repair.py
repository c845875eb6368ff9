"""`arrears repair` on the real dev server: a run that no longer replays is reset to its last
workflow task that does, and carries on with the signals that came after it."""

import asyncio
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from arrears import ids
from arrears.case_repair import plan_repair, repair
from tests.factories import new_loan_id


@activity.defn(name="repair_probe_step")
async def step() -> str:
    return "done"


@workflow.defn(name="RepairProbe", sandboxed=False)
class Before:
    """What the run was written by: on `go`, straight to the step."""

    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go, timeout=timedelta(hours=1))
        return await workflow.execute_activity(step, start_to_close_timeout=timedelta(seconds=10))

    @workflow.signal(name="go")
    def signal_go(self) -> None:
        self.go = True


@workflow.defn(name="RepairProbe", sandboxed=False)
class After(Before):
    """The code now: on `go`, a pause before the step, so the old run no longer replays."""

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go, timeout=timedelta(hours=1))
        await workflow.sleep(timedelta(milliseconds=10))
        return await workflow.execute_activity(step, start_to_close_timeout=timedelta(seconds=10))


async def test_a_run_that_no_longer_replays_is_reset_and_carries_on(dev_env: WorkflowEnvironment):
    client = dev_env.client
    loan_id = new_loan_id()
    task_queue = f"repair-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Before], activities=[step]):
        handle = await client.start_workflow(
            Before.run, id=ids.case_workflow_id(loan_id), task_queue=task_queue
        )
        await asyncio.sleep(0.5)
        await handle.signal(Before.signal_go)
        assert await handle.result() == "done"

    healthy = await plan_repair(client, loan_id, workflows=[Before])
    assert healthy.failure is None and healthy.reset_to is None

    plan = await plan_repair(client, loan_id, workflows=[After])
    assert plan.failure is not None and "Nondeterminism" in plan.failure
    history = await handle.fetch_history()
    first_task = next(
        e.event_id
        for e in history.events
        if e.workflow_task_completed_event_attributes.ByteSize() or e.event_type == 7
    )
    assert plan.reset_to == first_task

    async with Worker(client, task_queue=task_queue, workflows=[After], activities=[step]):
        new_run = await repair(client, plan, reason="arrears repair: INC-1")
        latest = client.get_workflow_handle(handle.id, run_id=new_run)
        assert await latest.result() == "done"
    assert (await plan_repair(client, loan_id, workflows=[After])).failure is None
