"""Run a scenario with the real CollectionCase workflow on the time-skipping test server.

Every case opens at the scenario's start (moved into the server's future, see `timeshift`).
The clock then skips from one scenario instant to the next, and at each the commands due
are sent: payments as the `payment_received` signal, everything else as the workflow's
updates, so a command the case refuses comes back with its reason. After the last day each
case's timeline is read and the cases still running are ended.

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
midnight, say) within half a minute; when it falls further behind, a warning says so.

The workflows run outside the SDK's sandbox: it guards workflow code against
non-determinism, which the workflow tests and the replay of stored histories check, and
here it would cost a quarter of the run time.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
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
from arrears.simulation.scenario import PlannedCommand, Scenario, to_minute
from arrears.simulation.server import Clock, simulation_server
from arrears.simulation.timeshift import (
    offset_for,
    shift_opening,
    unshift_event,
)
from arrears.strategy import Strategy
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart

TASK_QUEUE = "arrears-simulation"
CONCURRENCY = 64
COMMAND_DELAY = timedelta(seconds=30)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class SimulationResult:
    """Each case's timeline (by loan_id, in scenario order) and the refused commands, all in
    the scenario's time and to the minute."""

    scenario: Scenario
    strategy_version: str
    timelines: dict[str, list[TimelineEvent]]
    rejections: list[Rejection]


async def simulate(
    scenario: Scenario,
    strategy: Strategy,
    *,
    on_progress: Callable[[float], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Run `scenario` under `strategy` on a test server of its own. `on_progress` gets the
    days simulated so far; `on_warning` hears when a run may not be reproducible."""
    async with simulation_server() as env:
        return await _Run(env, scenario, strategy, on_progress, on_warning).execute()


class _Run:
    def __init__(
        self,
        env: WorkflowEnvironment,
        scenario: Scenario,
        strategy: Strategy,
        on_progress: Callable[[float], None] | None,
        on_warning: Callable[[str], None] | None,
    ) -> None:
        self._env = env
        self._scenario = scenario
        self._strategy = strategy
        self._on_progress = on_progress
        self._on_warning = on_warning
        self._clock = Clock(env, on_step=self._progress)
        self._activities = SimulatedActivities(case.case for case in scenario.cases)
        self._offset = timedelta(0)
        self._rejections: list[Rejection] = []
        self._warned = False

    async def execute(self) -> SimulationResult:
        scenario = self._scenario
        now = await self._clock.now()
        self._offset = offset_for(scenario.start, now)
        start = scenario.start + self._offset
        await self._clock.sleep(start - now)
        loan_ids = [case.case.loan_id for case in scenario.cases]
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
                await _each(scenario.cases, lambda case: self._open(case.case, start))
                for at, commands in rounds(scenario.commands()):
                    await self._settle(at)
                    await _each(commands, self._send)
                await self._settle(scenario.end)
                timelines = await _each(loan_ids, self._timeline)
            finally:
                # A case left running with a task in flight would hold the server's clock.
                await _each(loan_ids, self._terminate)
        return SimulationResult(
            scenario=scenario,
            strategy_version=self._strategy.version,
            timelines={
                loan_id: [
                    unshift_event(event, self._offset, at=to_minute(event.at)) for event in events
                ]
                for loan_id, events in zip(loan_ids, timelines, strict=True)
            },
            rejections=sorted(self._rejections, key=lambda r: (r.at, r.loan_id, r.index)),
        )

    async def _settle(self, at: datetime) -> None:
        """Bring the clock half a minute past `at` (scenario time), with nothing in flight."""
        late = await self._clock.settle(at + self._offset + COMMAND_DELAY)
        if late > COMMAND_DELAY / 2 and not self._warned and self._on_warning:
            self._warned = True
            self._on_warning(
                f"the simulation fell {late.total_seconds():.0f} s behind its clock at "
                f"{at:%Y-%m-%d %H:%M}Z; with this many cases on this machine, another run may "
                "differ slightly"
            )

    def _progress(self, reached: datetime) -> None:
        if self._on_progress:
            days = (reached - self._offset - self._scenario.start) / timedelta(days=1)
            self._on_progress(max(0.0, min(days, self._scenario.days)))

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
            self._rejections.append(rejection)

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
