"""`arrears simulate` against the raw Temporal SDK on the same time-skipping test servers.

Two sides, one run, the same number of cases over the same days:

1. **arrears**: `simulate()` on a synthetic portfolio (`bench/portfolio.py`: payers,
   promisers, hardship and plans, disputes, refusers, silent customers) with the default
   strategy: the real CollectionCase workflow, its commands, in-memory activities.
2. **raw SDK**: the cheapest case that looks at itself every day: a bare loop that sleeps
   until the next midnight, for every day of the run, and does nothing else (no activity,
   no command), in shards of the same size on test servers of their own.

It prints wall time, CPU time (this process and its children: the test servers and the
simulation's processes) and peak RSS for each side, their ratios, and a markdown table.
It only measures; nothing here asserts on time.

    .venv/bin/python bench/bench_simulation.py --cases 1000 --days 180
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import time as clock_time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from portfolio import build  # bench/portfolio.py: the script's own folder is on the path
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from arrears.devstack.binaries import temporal_test_server
from arrears.simulation import loads_scenario, simulate
from arrears.simulation.pool import SHARDS_AT_ONCE
from arrears.simulation.runner import SHARD_SIZE
from arrears.simulation.server import Clock
from arrears.strategy import load_default


@workflow.defn(name="DailyLook")
class DailyLook:
    """A case reduced to a timer to every midnight (UTC) and nothing else. Timers fall
    on whole days, as a case's do on its customer's midnights, so that all cases of a shard
    wake together: timers that drift apart would make the server take them one at a time."""

    @workflow.run
    async def run(self, days: int) -> int:
        for _ in range(days):
            now = workflow.now()
            midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
            await workflow.sleep(midnight - now)
        return days


@dataclass
class Cost:
    wall: float
    cpu: float


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def measure(side) -> Cost:
    cpu, wall = cpu_seconds(), clock_time.perf_counter()
    await side()
    return Cost(wall=clock_time.perf_counter() - wall, cpu=cpu_seconds() - cpu)


async def raw_side(cases: int, days: int) -> None:
    semaphore = asyncio.Semaphore(SHARDS_AT_ONCE * (os.cpu_count() or 1))

    async def shard(size: int) -> None:
        async with semaphore:
            env = await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=temporal_test_server()
            )
            try:
                queue = f"raw-{uuid.uuid4()}"
                async with Worker(
                    env.client,
                    task_queue=queue,
                    workflows=[DailyLook],
                    workflow_runner=UnsandboxedWorkflowRunner(),
                ):
                    handles = [
                        await env.client.start_workflow(
                            DailyLook.run, days, id=f"raw-{uuid.uuid4()}", task_queue=queue
                        )
                        for _ in range(size)
                    ]
                    clock = Clock(env)  # steps a day at a time, with a long RPC timeout
                    await clock.settle(await clock.now() + timedelta(days=days, hours=1))
                    for handle in handles:
                        await handle.result()
            finally:
                await env.shutdown()

    sizes = [min(SHARD_SIZE, cases - start) for start in range(0, cases, SHARD_SIZE)]
    await asyncio.gather(*(shard(size) for size in sizes))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scenario = loads_scenario(json.dumps(build(args.cases, args.days, args.seed)))
    strategy = load_default()
    case_days = args.cases * args.days

    async def arrears_side() -> None:
        result = await simulate(scenario, strategy)
        events = sum(len(timeline) for timeline in result.timelines.values())
        print(f"arrears: {events} timeline events, {len(result.rejections)} refused commands")

    raw = await measure(lambda: raw_side(args.cases, args.days))
    ours = await measure(arrears_side)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.cases} cases x {args.days} days, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, peak RSS of this process {peak:.0f} MiB"
    )
    print()
    print("| measure | raw SDK, daily look | arrears simulate | arrears / raw |")
    print("|---|---:|---:|---:|")
    print(f"| wall time (s) | {raw.wall:.1f} | {ours.wall:.1f} | {ours.wall / raw.wall:.2f} |")
    print(f"| CPU time (s) | {raw.cpu:.1f} | {ours.cpu:.1f} | {ours.cpu / raw.cpu:.2f} |")
    print(
        f"| CPU per case-day (ms) | {raw.cpu / case_days * 1000:.2f} "
        f"| {ours.cpu / case_days * 1000:.2f} | |"
    )


if __name__ == "__main__":
    asyncio.run(main())
