"""Child processes that die with their parent and stop gracefully on request."""

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux only: if `arrears dev` is killed outright, the kernel signals its children.
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ManagedProcess:
    """A named child in its own session, with its output appended to a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = env
        self.user = user
        self.stop_signal = stop_signal
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None

    def start(self) -> None:
        """Start (or start again) the process; its output is appended to `log_path`."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                user=self.user,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            self.started_at = time.monotonic()
        finally:
            log.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exited(self) -> int | None:
        """The exit code if the process has ended, else None."""
        return self.process.poll() if self.process else None

    def uptime(self) -> float:
        """Seconds since the last start (0 if never started)."""
        return time.monotonic() - self.started_at if self.started_at is not None else 0.0

    def describe_exit(self) -> str:
        """How the process ended, e.g. `killed by SIGKILL` or `exited with code 1`."""
        code = self.exited()
        if code is None:
            return "running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    def reap_session(self) -> None:
        """Kill what is left of the session of a process that has ended: helpers it started
        that would otherwise hold its port or files when it is started again. Its session
        id stays reserved while any member lives, so the signal reaches only those."""
        if self.process is None or self.process.poll() is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # none left, or none of ours

    def note(self, line: str) -> None:
        """Append a line to the process's log, between its own lines (the supervisor's
        account of a death or a restart, where whoever reads the log will look)."""
        try:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(line.rstrip("\n") + "\n")
        except OSError:
            pass

    def stop(self, timeout: float = 20.0) -> None:
        """Ask the process to stop; kill its whole session if it has not after `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, self.stop_signal)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        """The last `lines` lines of the log; when the process panicked or died of a fatal
        error, from that line on instead, since the cause comes before the stack trace."""
        try:
            logged = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        for index, line in enumerate(logged):
            if line.startswith(("panic:", "fatal error:")):
                return "\n".join(logged[index : index + lines])
        return "\n".join(logged[-lines:])
