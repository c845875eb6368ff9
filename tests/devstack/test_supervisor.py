"""The supervisor of `arrears dev` on real child processes: a child that dies is started
again and the others keep running; each death is told on the console, in the journal and
in the child's log; a child that keeps dying raises the alarm; nothing starts after stop."""

import asyncio
import io
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from rich.console import Console

from arrears.devstack.processes import ManagedProcess
from arrears.devstack.restarts import RestartPolicy
from arrears.devstack.supervisor import Journal, Supervisor

SLEEPS = [sys.executable, "-c", "import time; time.sleep(600)"]
FAILS = [sys.executable, "-c", "raise SystemExit(3)"]
QUICK = RestartPolicy(
    first_delay=0.05, max_delay=0.2, stable_after=60.0, alarm_deaths=3, alarm_window=60.0
)


async def until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@asynccontextmanager
async def supervised(tmp_path: Path, children: list[ManagedProcess]) -> AsyncIterator[Journal]:
    journal = Journal(Console(file=io.StringIO(), width=300), tmp_path / "supervisor.log")
    stop = asyncio.Event()
    for child in children:
        child.start()
    task = asyncio.create_task(Supervisor(children, journal, QUICK).run(stop))
    try:
        yield journal
    finally:
        stop.set()
        await task
        for child in children:
            child.stop()


def printed(journal: Journal) -> str:
    file = journal.console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


async def test_a_child_that_dies_is_restarted_and_the_others_keep_running(tmp_path: Path):
    worker = ManagedProcess("worker", SLEEPS, log_path=tmp_path / "worker.log")
    api = ManagedProcess("api", SLEEPS, log_path=tmp_path / "api.log")
    async with supervised(tmp_path, [worker, api]) as journal:
        first, api_pid = worker.pid, api.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await until(lambda: worker.pid != first and worker.exited() is None)
        assert (api.pid, api.exited()) == (api_pid, None)

        died = f"worker (pid {first}) killed by SIGKILL after"
        restarted = f"worker restarted (pid {worker.pid})"
        await until(lambda: restarted in printed(journal))
        assert died in printed(journal)
        for log in (tmp_path / "supervisor.log", tmp_path / "worker.log"):
            text = log.read_text()
            assert died in text and restarted in text, log
        assert "keeps dying" not in printed(journal)
        assert not (tmp_path / "api.log").read_text()


async def test_a_child_that_keeps_dying_raises_the_alarm_once_and_is_still_restarted(
    tmp_path: Path,
):
    worker = ManagedProcess("worker", FAILS, log_path=tmp_path / "worker.log")
    async with supervised(tmp_path, [worker]) as journal:
        await until(lambda: printed(journal).count("exited with code 3") >= 5)
        out = printed(journal)
        alarm = f"the worker keeps dying (3 times within 1 min); see {tmp_path / 'worker.log'}"
        assert out.count("keeps dying") == 1
        assert alarm in out
        assert alarm in (tmp_path / "supervisor.log").read_text()
        # The restarts go on, at the capped interval.
        assert "restarting it in 0.2 s" in out


async def test_nothing_is_started_after_the_stop(tmp_path: Path):
    worker = ManagedProcess("worker", SLEEPS, log_path=tmp_path / "worker.log")
    journal = Journal(Console(file=io.StringIO(), width=300), tmp_path / "supervisor.log")
    stop = asyncio.Event()
    worker.start()
    patient = RestartPolicy(first_delay=0.5, max_delay=0.5)
    task = asyncio.create_task(Supervisor([worker], journal, patient).run(stop))
    try:
        first = worker.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await until(lambda: "restarting it in" in printed(journal))
        stop.set()
        await task
        # Past the moment the restart was due: it must not have happened.
        await asyncio.sleep(1.0)
        assert worker.pid == first and worker.exited() is not None
        assert "restarted" not in printed(journal)
    finally:
        stop.set()
        await task
        worker.stop()


async def test_a_panicked_childs_log_tail_starts_at_the_cause(tmp_path: Path):
    trace = "".join(f"print('goroutine frame {n}'); " for n in range(40))
    child = ManagedProcess(
        "panics",
        [sys.executable, "-c", f"print('starting'); print('panic: port in use'); {trace}"],
        log_path=tmp_path / "panics.log",
    )
    child.start()
    await until(lambda: child.exited() is not None)
    await until(lambda: "goroutine frame 39" in (tmp_path / "panics.log").read_text())

    tail = child.log_tail().splitlines()
    assert tail[0] == "panic: port in use"
    assert len(tail) == 20
