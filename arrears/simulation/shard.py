"""Some of a scenario's cases on one time-skipping test server, and what came of them.

The simulator works to the minute, so that the same scenario gives the same output on
every run although the server's clock runs at wall-clock pace while tasks are in flight
(see `server`):

- every instant is reported down to its minute;
- the workflow's own timers fall on whole minutes (customer-local midnights, contact
  windows), and a command is sent half a minute into its minute, once nothing is in flight:
  a command at 08:00 comes after what the case itself does at 08:00, on every run;
- several commands for one case in one minute go one after another, each once the one
  before it has settled.

This holds while the machine finishes each burst of work (all cases waking at one local
midnight, say) within half a minute; when it falls behind, a warning says so.

The workflows run outside the SDK's sandbox: it guards workflow code against
non-determinism, which the workflow tests and the replay of stored histories check, and
here it would cost a quarter of the run time.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from arrears import ids
from arrears.contracts import CaseOpening, TimelineEvent
from arrears.simulation.activities import SimulatedActivities
from arrears.simulation.delivery import Rejection, rounds, send
from arrears.simulation.scenario import PlannedCommand, Scenario, ScenarioCase, to_minute
from arrears.simulation.server import Clock
from arrears.simulation.timeshift import shift_opening, unshift_event
from arrears.strategy import Strategy
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart

TASK_QUEUE = "arrears-simulation"
CONCURRENCY = 64
COMMAND_DELAY = timedelta(seconds=30)
LATE_IN_MINUTE = timedelta(seconds=50)
"""A step stamped this far into its minute was nearly stamped in the next one."""
_ADVICE = "the machine was too busy for this many cases at once; another run may differ"

T = TypeVar("T")
R = TypeVar("R")


class Shard:
    """Some of a scenario's cases on one test server, and what came of them."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        scenario: Scenario,
        strategy: Strategy,
        offset: timedelta,
        activities: SimulatedActivities,
    ) -> None:
        self._env = env
        self._scenario = scenario
        self._strategy = strategy
        self._offset = offset
        self._activities = activities
        self.timelines: dict[str, list[TimelineEvent]] = {}
        self.rejections: list[Rejection] = []

    async def execute(
        self,
        cases: list[ScenarioCase],
        commands: list[PlannedCommand],
        *,
        on_progress: Callable[[float], None],
        on_warning: Callable[[str], None],
    ) -> None:
        scenario = self._scenario
        start = scenario.start + self._offset
        clock = Clock(self._env, on_step=lambda reached: on_progress(self._days(reached)))
        ahead = start - await clock.now()
        if ahead <= timedelta(0):
            raise RuntimeError(
                f"the scenario moved to {start:%Y-%m-%d %H:%M}Z starts before the test server's "
                "clock, which cannot go back"
            )
        await clock.sleep(ahead)
        loan_ids = [case.case.loan_id for case in cases]
        worker = Worker(
            self._env.client,
            task_queue=TASK_QUEUE,
            workflows=[CollectionCase],
            activities=self._activities.all,
            workflow_runner=UnsandboxedWorkflowRunner(),
            max_cached_workflows=len(loan_ids) + CONCURRENCY,
        )
        async with worker:
            try:
                await _each(cases, lambda case: self._open(case.case, start))
                for at, group in [(scenario.start, []), *rounds(commands), (scenario.end, [])]:
                    late = await clock.settle(at + self._offset + COMMAND_DELAY)
                    if late > COMMAND_DELAY / 2:
                        on_warning(
                            f"the simulation fell {late.total_seconds():.0f} s behind its clock "
                            f"at {at:%Y-%m-%d %H:%M}Z; {_ADVICE}"
                        )
                    await _each(group, self._send)
                timelines = await _each(loan_ids, self._timeline)
            finally:
                # A case left running with a task in flight would hold the server's clock.
                await _each(loan_ids, self._terminate)
        on_progress(scenario.days)
        for loan_id, events in zip(loan_ids, timelines, strict=True):
            if any(event.at - to_minute(event.at) >= LATE_IN_MINUTE for event in events):
                on_warning(f"case {loan_id} took a step late in its minute; {_ADVICE}")
            self.timelines[loan_id] = [
                unshift_event(event, self._offset, at=to_minute(event.at)) for event in events
            ]

    def _days(self, reached: datetime) -> float:
        days = (reached - self._offset - self._scenario.start) / timedelta(days=1)
        return max(0.0, min(days, self._scenario.days))

    def _handle(self, loan_id: str) -> WorkflowHandle[Any, Any]:
        """The case's current run, whichever run that is after continue-as-new."""
        return self._env.client.get_workflow_handle(ids.case_workflow_id(loan_id))

    async def _open(self, opening: CaseOpening, start: datetime) -> None:
        await self._env.client.start_workflow(
            CollectionCase.run,
            CaseStart(
                opening=shift_opening(opening, self._offset),
                received_at=start,
                strategy=self._strategy,
            ),
            id=ids.case_workflow_id(opening.loan_id),
            task_queue=TASK_QUEUE,
        )

    async def _send(self, planned: PlannedCommand) -> None:
        rejection = await send(self._handle(planned.loan_id), planned, self._offset)
        if rejection is not None:
            self.rejections.append(rejection)

    async def _timeline(self, loan_id: str) -> list[TimelineEvent]:
        """A running case answers the `timeline` query from memory. A closed one would
        replay its whole history to answer, so its timeline is the one it synced, which is
        the same: a case syncs everything it recorded before it completes."""
        synced = self._activities.synced_timeline(loan_id)
        if any(event.type == "case_closed" for event in synced):
            return synced
        return (await self._handle(loan_id).query(CollectionCase.timeline)).events

    async def _terminate(self, loan_id: str) -> None:
        try:
            await self._handle(loan_id).terminate("simulation finished")
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise


async def _each(items: Iterable[T], call: Callable[[T], Awaitable[R]]) -> list[R]:
    """`call` on every item, at most `CONCURRENCY` at a time; results in item order."""
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(item: T) -> R:
        async with semaphore:
            return await call(item)

    return await asyncio.gather(*(one(item) for item in items))
