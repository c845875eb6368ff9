"""Run a scenario with the real CollectionCase workflow on the time-skipping test server.

Every case opens at the scenario's start (moved into the server's future: `timeshift`); the
clock then skips from one scenario instant to the next, the commands due are sent at each
(`delivery`), and after the last day each case's timeline is read (`shard`). Only a
customer's own cases affect one another (they share the customer's contact ledger), so a
portfolio runs in shards that keep each customer's cases together, each on a test server of
its own, and the shards are spread over one process per CPU (`pool`): the worker's share of
the work is Python, which one process runs on one core at a time.
"""

import asyncio
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from arrears.compliance.profile import Profile
from arrears.contracts import TimelineEvent
from arrears.simulation.activities import CaseFacts, SimulatedActivities, case_facts
from arrears.simulation.delivery import Rejection
from arrears.simulation.pool import SHARDS_AT_ONCE, run_in_processes
from arrears.simulation.scenario import PlannedCommand, Scenario, ScenarioCase
from arrears.simulation.server import simulation_server
from arrears.simulation.shard import Shard
from arrears.simulation.timeshift import offset_for
from arrears.strategy import Strategy

SHARD_SIZE = 50


@dataclass(frozen=True)
class SimulationResult:
    """Each case's timeline (by loan_id, in scenario order) and the refused commands, all in
    the scenario's time and to the minute."""

    scenario: Scenario
    strategy_version: str
    timelines: dict[str, list[TimelineEvent]]
    rejections: list[Rejection]


@dataclass(frozen=True)
class Portfolio:
    """Everything a process needs to run any shard of a scenario (it is pickled once)."""

    scenario: Scenario
    strategy: Strategy
    offset: timedelta
    facts: dict[str, CaseFacts]
    shards: list[list[ScenarioCase]]
    commands: dict[str, list[PlannedCommand]]
    house_policy: Profile | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # A strategy's generic rule classes cannot be pickled by reference: send its data.
        strategy = self.strategy.model_dump(mode="json")
        fields = (
            self.scenario,
            strategy,
            self.offset,
            self.facts,
            self.shards,
            self.commands,
            self.house_policy,
        )
        return (_portfolio, fields)

    async def run_shard(
        self,
        index: int,
        on_progress: Callable[[float], None],
        on_warning: Callable[[str], None],
    ) -> tuple[dict[str, list[TimelineEvent]], list[Rejection]]:
        """Run shard `index` on a test server of its own: its timelines and rejections."""
        cases = self.shards[index]
        async with simulation_server() as env:
            shard = Shard(
                env,
                self.scenario,
                self.strategy,
                self.offset,
                SimulatedActivities(self.facts, self.house_policy),
            )
            await shard.execute(
                cases,
                [c for case in cases for c in self.commands.get(case.case.loan_id, [])],
                on_progress=on_progress,
                on_warning=on_warning,
            )
        return shard.timelines, shard.rejections


def _portfolio(
    scenario: Scenario,
    strategy: dict[str, Any],
    offset: timedelta,
    facts: dict[str, CaseFacts],
    shards: list[list[ScenarioCase]],
    commands: dict[str, list[PlannedCommand]],
    house_policy: Profile | None,
) -> Portfolio:
    return Portfolio(
        scenario, Strategy.model_validate(strategy), offset, facts, shards, commands, house_policy
    )


def shards_by_customer(cases: list[ScenarioCase], shard_size: int) -> list[list[ScenarioCase]]:
    """`cases` in shards of about `shard_size`, in their order, with all of a customer's
    cases in one shard: they share the customer's contact ledger (`ledger`)."""
    by_customer: dict[str, list[ScenarioCase]] = {}
    for case in cases:
        by_customer.setdefault(case.case.customer.customer_id, []).append(case)
    shards: list[list[ScenarioCase]] = [[]]
    for group in by_customer.values():
        if shards[-1] and len(shards[-1]) + len(group) > shard_size:
            shards.append([])
        shards[-1].extend(group)
    return shards


async def simulate(
    scenario: Scenario,
    strategy: Strategy,
    *,
    on_progress: Callable[[float], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    processes: int | None = None,
    shard_size: int = SHARD_SIZE,
    not_before: datetime | None = None,
    house_policy: Profile | None = None,
) -> SimulationResult:
    """Run `scenario` under `strategy`. `on_progress` gets the days simulated so far (across
    the portfolio); `on_warning` hears, once, when a run may not be reproducible.

    The scenario runs moved onto its own calendar past this machine's clock, where a test
    server's clock starts, and past `not_before` when that is later (`timeshift.offset_for`);
    where it runs changes nothing in the output. Raises `ScenarioError` for a scenario that
    no such move keeps on its calendar.

    Shards of `shard_size` cases each run on a test server of their own (a test server slows
    down as its history grows, so small servers finish a large portfolio many times sooner
    than one would), `SHARDS_AT_ONCE` at a time in each of `processes` processes (default:
    one per CPU, at most one per pair of shards). The output does not depend on either.
    Every contact asks the contact gate, under the jurisdiction's profile with
    `house_policy` (a lender's overlay) on top.
    """
    now = datetime.now(UTC)
    commands: dict[str, list[PlannedCommand]] = defaultdict(list)
    for command in scenario.commands():
        commands[command.loan_id].append(command)
    portfolio = Portfolio(
        scenario=scenario,
        strategy=strategy,
        offset=offset_for(scenario, max(now, not_before) if not_before else now),
        facts=case_facts(case.case for case in scenario.cases),
        shards=shards_by_customer(scenario.cases, shard_size),
        commands=dict(commands),
        house_policy=house_policy,
    )
    reached = [0.0] * len(portfolio.shards)
    warned: list[str] = []

    def progress(shard: int, days: float) -> None:
        reached[shard] = days
        if on_progress:
            on_progress(sum(reached) / len(reached))

    def warn(message: str) -> None:
        if not warned and on_warning:
            on_warning(message)
        warned.append(message)

    wanted = processes or os.cpu_count() or 1
    processes = max(1, min(wanted, -(-len(portfolio.shards) // SHARDS_AT_ONCE)))
    if processes == 1:
        results = await _in_this_process(portfolio, progress, warn)
    else:
        results = await run_in_processes(portfolio, processes, progress, warn)
    found = {loan_id: events for shard, _ in results for loan_id, events in shard.items()}
    timelines = {c.case.loan_id: found[c.case.loan_id] for c in scenario.cases}
    return SimulationResult(
        scenario=scenario,
        strategy_version=strategy.version,
        timelines=timelines,
        rejections=sorted(
            (r for _, rejections in results for r in rejections),
            key=lambda r: (r.at, r.loan_id, r.index),
        ),
    )


async def _in_this_process(
    portfolio: Portfolio,
    progress: Callable[[int, float], None],
    warn: Callable[[str], None],
) -> list[tuple[dict[str, list[TimelineEvent]], list[Rejection]]]:
    semaphore = asyncio.Semaphore(SHARDS_AT_ONCE)

    async def one(index: int):
        async with semaphore:
            return await portfolio.run_shard(index, lambda days: progress(index, days), warn)

    return list(await asyncio.gather(*(one(k) for k in range(len(portfolio.shards)))))
