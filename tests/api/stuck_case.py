"""A case whose workflow code has a bug: it serves the case until its first payment, then
its workflow task fails on every attempt, as a bug raising in the real workflow would. And a
sound case whose worker hangs: it takes the case's workflow task and never answers.

Each runs on a task queue of its own on the real dev server; nothing of Temporal is
imitated (the hung worker polls Temporal's own worker API and drops what it takes).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from arrears import ids
from arrears.commands import ActedPayment
from arrears.contracts import CaseView, Timeline
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart, CaseState
from tests.factories import opening


# Not sandboxed: a test double that does nothing non-deterministic needs no guard, and its
# module imports test helpers the sandbox would re-import.
@workflow.defn(name="CollectionCase", sandboxed=False)
class CaseThatBreaksOnPayment:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._state = CaseState.open(start.opening, start.received_at, start.strategy)
        self._paid = False

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await workflow.wait_condition(lambda: self._paid)
        # Not an ApplicationError: it fails the workflow task, again on every attempt,
        # rather than the workflow.
        raise RuntimeError("a bug in the workflow code")

    @workflow.signal(name="payment_received")
    def payment_received(self, payment: ActedPayment) -> None:
        self._paid = True

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self._state.view()

    @workflow.query(name="timeline")
    def timeline(self) -> Timeline:
        return Timeline(events=self._state.timeline)


@asynccontextmanager
async def case_that_breaks_on_payment(env: WorkflowEnvironment) -> AsyncIterator[str]:
    """A `CaseThatBreaksOnPayment` with its worker running; its loan_id. Terminated on the
    way out."""
    task_queue = f"breaks-on-payment-{uuid.uuid4().hex[:8]}"
    case = opening()
    async with Worker(env.client, task_queue=task_queue, workflows=[CaseThatBreaksOnPayment]):
        handle = await env.client.start_workflow(
            CaseThatBreaksOnPayment.run,
            CaseStart(opening=case, received_at=datetime.now(UTC), strategy=load_default()),
            id=ids.case_workflow_id(case.loan_id),
            task_queue=task_queue,
            # Each failing attempt after the first times out rather than reports: a short
            # task timeout brings the server's own refusals (from the third attempt) sooner.
            task_timeout=timedelta(seconds=1),
        )
        try:
            yield case.loan_id
        finally:
            await handle.terminate("test finished")


async def take_and_drop(client: Client, task_queue: str) -> int:
    """Take the next workflow task on `task_queue` as a worker would, and never answer it
    (a hung worker: stopped, swapping, blocked); its attempt."""
    request = PollWorkflowTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        identity="a worker that hangs",
    )
    while True:
        task = await client.workflow_service.poll_workflow_task_queue(request)
        if task.task_token:  # an empty answer: the long poll ended with nothing to take
            return task.attempt


@asynccontextmanager
async def case_whose_worker_hangs(
    env: WorkflowEnvironment, attempts: int = 3
) -> AsyncIterator[str]:
    """A real case whose workflow task a worker takes and never finishes, until the task is
    on attempt `attempts`: each one timed out, none failed. Its code is sound; its worker
    is not answering. Its loan_id; terminated on the way out."""
    task_queue = f"worker-hangs-{uuid.uuid4().hex[:8]}"
    case = opening()
    handle = await env.client.start_workflow(
        CollectionCase.run,
        CaseStart(opening=case, received_at=datetime.now(UTC), strategy=load_default()),
        id=ids.case_workflow_id(case.loan_id),
        task_queue=task_queue,
        task_timeout=timedelta(seconds=1),
    )
    try:
        while await take_and_drop(env.client, task_queue) < attempts:
            pass
        yield case.loan_id
    finally:
        await handle.terminate("test finished")
