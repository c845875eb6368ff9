"""Keeps the children of `arrears dev` running: a child that dies is started again.

Each death and restart is told on the console, in `logs/supervisor.log` and in the child's
own log. Restarts back off exponentially (`RestartPolicy`); a child that keeps dying gets a
clear message naming its log and is still restarted at the capped interval, because the
cause usually lies outside it (PostgreSQL or Temporal down, a port held, an edit being
fixed) and an operator wants the stack to heal by itself once that is mended, not a part
of it missing until the whole stack is restarted.
"""

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from arrears.devstack.processes import ManagedProcess
from arrears.devstack.restarts import Restart, RestartHistory, RestartPolicy

# How often a child is looked at: a death is noticed within this many seconds.
POLL_INTERVAL = 0.25


def _shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, as a user typed it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Journal:
    """The supervisor's account: on the console, and with the time in `path`."""

    def __init__(self, console: Console, path: Path) -> None:
        self.console = console
        self.path = path

    def tell(self, message: str, *, style: str | None = None, detail: str = "") -> None:
        """Print `message` (in `style`) and `detail` (verbatim, e.g. a log tail); append both
        to the journal file with the UTC time."""
        text = escape(message)
        self.console.print(f"[{style}]{text}[/{style}]" if style else text, soft_wrap=True)
        if detail:
            self.console.print(detail, markup=False, highlight=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as journal:
                journal.write(f"{_now()} {message}\n")
                if detail:
                    journal.write(detail.rstrip("\n") + "\n")
        except OSError:
            pass  # a full disk must not stop the restarts; the console has the message


class Supervisor:
    """Restarts every child it is given, until `run`'s stop event is set.

    It never stops a child itself: the caller stops them all once `run` has returned, so no
    child is started after the stack began to stop.
    """

    def __init__(
        self,
        children: list[ManagedProcess],
        journal: Journal,
        policy: RestartPolicy | None = None,
    ) -> None:
        self.children = children
        self.journal = journal
        self.policy = policy or RestartPolicy()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch the children until `stop` is set; then return with none being restarted."""
        watchers = [asyncio.create_task(self._keep_alive(child)) for child in self.children]
        try:
            await stop.wait()
        finally:
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)

    async def _keep_alive(self, child: ManagedProcess) -> None:
        history = RestartHistory(self.policy)
        while True:
            await _ended(child)
            uptime = child.uptime()
            how = f"(pid {child.pid}) {child.describe_exit()} after {uptime:.0f} s"
            child.reap_session()
            restart = history.record_death(at=time.monotonic(), uptime=uptime)
            self._report_death(child, how, restart)
            while True:
                await asyncio.sleep(restart.delay)
                try:
                    child.start()
                    break
                except OSError as error:  # its binary gone, its log not writable, ...
                    restart = history.record_death(at=time.monotonic(), uptime=0.0)
                    self._report_death(child, f"could not be started ({error})", restart)
            self._tell(child, f"{child.name} restarted (pid {child.pid})", style="green")

    def _report_death(self, child: ManagedProcess, how: str, restart: Restart) -> None:
        self._tell(
            child,
            f"{child.name} {how}; restarting it in {restart.delay:g} s",
            style="yellow",
        )
        if restart.keeps_dying:
            self.journal.tell(
                f"the {child.name} keeps dying ({restart.recent_deaths} times within "
                f"{self.policy.alarm_window / 60:g} min); see {_shown(child.log_path)}. "
                f"arrears dev keeps restarting it every {self.policy.max_delay:g} s at "
                "most; Ctrl-C stops the stack.",
                style="bold red",
                detail=child.log_tail(),
            )

    def _tell(self, child: ManagedProcess, message: str, *, style: str) -> None:
        self.journal.tell(message, style=style)
        child.note(f"[arrears dev {_now()}] {message}")


async def _ended(child: ManagedProcess) -> None:
    """Return once `child` has ended (polled: it is a `Popen`, not an asyncio process)."""
    while True:
        if child.exited() is not None:
            return
        await asyncio.sleep(POLL_INTERVAL)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
