"""Shards of a simulation spread over processes, so the portfolio uses every CPU.

Each process takes shard numbers from a shared queue, runs `SHARDS_AT_ONCE` of them at a
time, and reports progress, warnings and each shard's result on a second queue, which the
caller's process reads. Processes are spawned (not forked): the parent runs an event loop
and Temporal's runtime threads, neither of which survives a fork.
"""

import asyncio
import multiprocessing
import queue
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arrears.cli_exit import end_process
from arrears.contracts import TimelineEvent
from arrears.simulation.delivery import Rejection

if TYPE_CHECKING:
    from arrears.simulation.runner import Portfolio

SHARDS_AT_ONCE = 2
"""Shards one process runs at a time: while one waits on its server, the other works."""

ShardResult = tuple[dict[str, list[TimelineEvent]], list[Rejection]]


class SimulationProcessError(RuntimeError):
    """A simulation process died or failed; the message says which shard and why."""


async def run_in_processes(
    portfolio: "Portfolio",
    processes: int,
    on_progress: Callable[[int, float], None],
    on_warning: Callable[[str], None],
) -> list[ShardResult]:
    """Run every shard of `portfolio` in `processes` processes; results in shard order."""
    context = multiprocessing.get_context("spawn")
    todo = context.Queue()
    events = context.Queue()
    for index in range(len(portfolio.shards)):
        todo.put(index)
    for _ in range(processes * SHARDS_AT_ONCE):
        todo.put(None)  # one "stop" for each taker of shards
    workers = [
        context.Process(target=_serve, args=(portfolio, todo, events), daemon=True)
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results: dict[int, ShardResult] = {}
    try:
        while len(results) < len(portfolio.shards):
            try:
                kind, index, payload = await asyncio.to_thread(events.get, True, 0.5)
            except queue.Empty:
                if all(not worker.is_alive() for worker in workers):
                    raise SimulationProcessError("every simulation process ended early") from None
                continue
            if kind == "progress":
                on_progress(index, payload)
            elif kind == "warning":
                on_warning(payload)
            elif kind == "failed":
                raise SimulationProcessError(f"shard {index} failed: {payload}")
            else:
                results[index] = payload
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.join, 10)
            if worker.is_alive():
                worker.terminate()
    return [results[index] for index in range(len(portfolio.shards))]


def _serve(portfolio: "Portfolio", todo: Any, events: Any) -> None:
    """A simulation process: run shards from `todo` until it says stop (None)."""

    async def take_shards() -> None:
        while (index := await asyncio.to_thread(todo.get)) is not None:
            try:
                result = await portfolio.run_shard(
                    index,
                    lambda days, index=index: events.put(("progress", index, days)),
                    lambda message: events.put(("warning", index, message)),
                )
            except Exception as error:  # reported to the parent, which stops the run
                events.put(("failed", index, f"{type(error).__name__}: {error}"))
                return
            events.put(("result", index, result))

    async def main() -> None:
        await asyncio.gather(*(take_shards() for _ in range(SHARDS_AT_ONCE)))

    asyncio.run(main())
    # Hands over what is still queued for the parent, then ends without the teardown in
    # which the SDK's native threads can crash this process (see `arrears.cli_exit`).
    end_process(0)
