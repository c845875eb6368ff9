"""Run a scenario with the real CollectionCase workflow on the time-skipping test server.

Every case opens at the scenario's start (moved into the server's future: `timeshift`); the
clock then skips from one scenario instant to the next, the commands due are sent at each
(`delivery`), and after the last day each case's timeline is read (`shard`). Cases do not
affect one another, so a portfolio runs in shards, each on a test server of its own.
"""

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from arrears.contracts import TimelineEvent
from arrears.simulation.activities import SimulatedActivities, case_facts
from arrears.simulation.delivery import Rejection
from arrears.simulation.scenario import PlannedCommand, Scenario, ScenarioCase
from arrears.simulation.server import simulation_server
from arrears.simulation.shard import Shard
from arrears.simulation.timeshift import offset_for
from arrears.strategy import Strategy

SHARD_SIZE = 50
PARALLEL_SHARDS = 4


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
    """Run `scenario` under `strategy`. `on_progress` gets the days simulated so far (across
    the portfolio); `on_warning` hears, once, when a run may not be reproducible.

    Cases do not affect one another, so they run in shards of `SHARD_SIZE`, each on a test
    server of its own, `PARALLEL_SHARDS` at a time. A test server slows down as its history
    grows (its work per timer grows with everything it has done), so small servers finish
    a large portfolio many times sooner than one server would.
    """
    offset = offset_for(scenario.start, datetime.now(UTC))
    facts = case_facts(case.case for case in scenario.cases)
    commands: dict[str, list[PlannedCommand]] = defaultdict(list)
    for command in scenario.commands():
        commands[command.loan_id].append(command)
    shards = [scenario.cases[i : i + SHARD_SIZE] for i in range(0, len(scenario.cases), SHARD_SIZE)]
    reached = [0.0] * len(shards)
    warned: list[str] = []

    def progress(shard: int, days: float) -> None:
        reached[shard] = days
        if on_progress:
            on_progress(sum(reached) / len(shards))

    def warn(message: str) -> None:
        if not warned and on_warning:
            on_warning(message)
        warned.append(message)

    semaphore = asyncio.Semaphore(PARALLEL_SHARDS)

    async def run(shard: int, cases: list[ScenarioCase]) -> Shard:
        async with semaphore, simulation_server() as env:
            run = Shard(env, scenario, strategy, offset, SimulatedActivities(facts))
            await run.execute(
                cases,
                [c for case in cases for c in commands[case.case.loan_id]],
                on_progress=lambda days: progress(shard, days),
                on_warning=warn,
            )
            return run

    runs = await asyncio.gather(*(run(k, cases) for k, cases in enumerate(shards)))
    return SimulationResult(
        scenario=scenario,
        strategy_version=strategy.version,
        timelines={loan_id: events for run in runs for loan_id, events in run.timelines.items()},
        rejections=sorted(
            (r for run in runs for r in run.rejections), key=lambda r: (r.at, r.loan_id, r.index)
        ),
    )
