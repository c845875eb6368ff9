"""Short-lived commands end cleanly: run as the `arrears` program, time after time, each
exits with its own code and never with a crash of the Temporal SDK's native threads in the
interpreter's teardown (exit 134 or 139, `Fatal Python error` on stderr)."""

import asyncio
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from tests.factories import TEST_ENCRYPTION_KEYS

ARREARS = Path(sys.executable).with_name("arrears")
EXAMPLE = Path(__file__).parents[1] / "examples" / "scenario.json"
RUN_TIMEOUT = 120
"""Seconds one run may take before it counts as hung (a small one takes a second or two)."""
AT_ONCE = 2


@dataclass(frozen=True)
class Ended:
    code: int | None
    stdout: str
    stderr: str


async def run(*args: str, env: dict[str, str] | None = None) -> Ended:
    """Run `args` (the program first) in a process of its own; how it ended."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
    return Ended(process.returncode, stdout.decode(), stderr.decode())


async def run_many(
    times: int, args: Callable[[int], Sequence[str]], env: dict[str, str] | None = None
) -> list[Ended]:
    """`times` runs, the nth of `args(n)`, `AT_ONCE` at a time."""
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(n: int) -> Ended:
        async with gate:
            return await run(*args(n), env=env)

    return list(await asyncio.gather(*(one(n) for n in range(times))))


def assert_clean(runs: list[Ended], code: int) -> None:
    crashed = [r for r in runs if r.code != code or "Fatal Python error" in r.stderr]
    assert not crashed, [(r.code, r.stderr[-600:]) for r in crashed]


def small_scenario(folder: Path, cases: int) -> Path:
    """The example's first case, `cases` times over (distinct loans), for two days."""
    example = json.loads(EXAMPLE.read_text("utf-8"))
    first = example["cases"][0]
    scenario = {
        "start": example["start"],
        "days": 2,
        "cases": [
            {**first, "case": {**first["case"], "loan_id": f"L-EXIT-{n}"}} for n in range(cases)
        ],
    }
    path = folder / f"scenario-{cases}.json"
    path.write_text(json.dumps(scenario, ensure_ascii=False), "utf-8")
    return path


async def test_simulate_exits_0_run_after_run_with_its_output_written(tmp_path: Path):
    scenario = small_scenario(tmp_path, cases=1)

    def simulate(n: int) -> list[str]:
        out, summary = tmp_path / f"timeline-{n}.jsonl", tmp_path / f"summary-{n}.json"
        return [
            str(ARREARS),
            "simulate",
            str(scenario),
            "--out",
            str(out),
            "--summary",
            str(summary),
        ]

    runs = await run_many(16, simulate)

    assert_clean(runs, 0)
    timelines = {(tmp_path / f"timeline-{n}.jsonl").read_text() for n in range(16)}
    assert len(timelines) == 1  # every run wrote the whole timeline
    (timeline,) = timelines
    assert {json.loads(line)["loan_id"] for line in timeline.splitlines()} == {"L-EXIT-0"}
    assert all(
        json.loads((tmp_path / f"summary-{n}.json").read_text())["cases"] == 1 for n in range(16)
    )


async def test_simulation_processes_exit_cleanly_too(tmp_path: Path):
    # The command spreads shards over processes only for portfolios of a hundred cases and
    # more; the same code, asked for small shards, spreads three cases over two processes.
    scenario = small_scenario(tmp_path, cases=3)
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from arrears.cli_exit import end_process\n"
        "from arrears.simulation import load_scenario, simulate\n"
        "from arrears.strategy import load_default\n"
        "scenario = load_scenario(Path(sys.argv[1]))\n"
        "result = asyncio.run(simulate(scenario, load_default(), processes=2, shard_size=1))\n"
        "print(sorted(result.timelines))\n"
        "end_process(0)\n"
    )

    runs = await run_many(4, lambda n: [sys.executable, "-c", script, str(scenario)])

    assert_clean(runs, 0)
    assert all("['L-EXIT-0', 'L-EXIT-1', 'L-EXIT-2']" in r.stdout for r in runs)


async def test_commands_on_the_dev_server_exit_with_their_own_codes(
    dev_env: WorkflowEnvironment, database_url: str
):
    env = {
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": dev_env.client.namespace,
        "DATABASE_URL": database_url,
        "ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
    }
    migrate = ("strategy", "migrate", "--from-version", "2026.01-gone", "--change-ref", "CHG-0")

    audits = await run_many(4, lambda n: [str(ARREARS), "audit", "L-never-opened"], env)
    dry_runs = await run_many(4, lambda n: [str(ARREARS), *migrate, "--dry-run"], env)

    assert_clean(audits, 2)
    assert all("no case for loan L-never-opened" in r.stdout for r in audits)
    assert_clean(dry_runs, 0)
    assert all("0 running cases on 2026.01-gone would move" in r.stdout for r in dry_runs)
