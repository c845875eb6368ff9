"""Shared harness for workflow tests: a time-skipping server, fake activities, helpers."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from arrears import ids
from arrears.contracts import CaseView
from arrears.strategy import Strategy
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from tests.factories import opening
from tests.workflows.blocking import BlockingActivities
from tests.workflows.story import idle

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def local_today(env: WorkflowEnvironment):
    return (await env.get_current_time()).astimezone(SHANGHAI).date()


async def sleep_until_local(env: WorkflowEnvironment, clock: time) -> None:
    """Skip the server clock forward to the next `clock` time in Shanghai."""
    now = (await env.get_current_time()).astimezone(SHANGHAI)
    target = datetime.combine(now.date(), clock, tzinfo=SHANGHAI)
    if target <= now:
        target += timedelta(days=1)
    await env.sleep(target - now)


async def settled(handle: WorkflowHandle) -> CaseView:
    """The case view once scoring and the first contacts are done: nothing in flight."""
    for _ in range(200):
        view = await handle.query(CollectionCase.view)
        if view.next_action is None or view.next_action.kind != "score_risk":
            await idle(handle)
            return await handle.query(CollectionCase.view)
        await asyncio.sleep(0.02)
    raise AssertionError("case did not settle")


async def eventually(check, attempts: int = 250) -> None:
    """Wait (in real time) until `check()` is true: activities run outside the test clock."""
    for _ in range(attempts):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


class CaseRunner:
    def __init__(self, env: WorkflowEnvironment) -> None:
        self.env = env
        self.blocking = BlockingActivities()
        self.fakes = self.blocking.fakes
        self.task_queue = f"tq-{uuid.uuid4()}"
        self.handles: list[WorkflowHandle] = []

    @asynccontextmanager
    async def worker(self) -> AsyncIterator[Worker]:
        """Run a worker; on the way out, end the cases still running while it still runs.

        A case left with a workflow or activity task in flight when its worker stops holds
        the time-skipping server's clock, and the next test's timers would never fire.
        """
        worker = Worker(
            self.env.client,
            task_queue=self.task_queue,
            workflows=[CollectionCase],
            activities=self.blocking.all,
        )
        async with worker:
            try:
                yield worker
            finally:
                self.blocking.release_all()
                await self.terminate_running()

    async def start(self, strategy: Strategy | None = None, **overrides) -> WorkflowHandle:
        """Start a case; without `strategy` it follows the foundation ladder. The handle is
        bound to the first run: its `result()` follows continue-as-new, its queries do not
        (use `latest`)."""
        case = opening(**overrides)
        received_at = await self.env.get_current_time()
        handle = await self.env.client.start_workflow(
            CollectionCase.run,
            CaseStart(opening=case, received_at=received_at, strategy=strategy),
            id=ids.case_workflow_id(case.loan_id),
            task_queue=self.task_queue,
        )
        self.handles.append(handle)
        return handle

    def latest(self, handle: WorkflowHandle) -> WorkflowHandle:
        """A handle on the case's current run, whichever run that is."""
        return self.env.client.get_workflow_handle(handle.id)

    async def terminate_running(self) -> None:
        """A case left running without its worker would hold the test server's clock."""
        for handle in self.handles:
            handle = self.latest(handle)
            description = await handle.describe()
            if description.status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test finished")
