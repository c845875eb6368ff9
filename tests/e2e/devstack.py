"""`arrears dev` as a user runs it, for the end-to-end tests: a subprocess on free ports,
its children found by role, stopped by a signal and checked for leftover processes."""

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from arrears.devstack.binaries import temporal_cli
from tests.conftest import free_port


class DevStack:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.ports = {
            "api": free_port(),
            "temporal": free_port(),
            "ui": free_port(),
            "postgres": free_port(),
        }
        self.process: subprocess.Popen | None = None
        self.descendants: list[psutil.Process] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ARREARS_", "DATABASE_"))}
        argv = [sys.executable, "-m", "arrears", "dev", "--home", str(self.home)]
        for name, port in self.ports.items():
            argv += [f"--{name}-port", str(port)]
        self.process = subprocess.Popen(
            argv,
            env=env,
            stdout=open(self.home.parent / "dev.out", "ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"arrears dev exited: {self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    self.descendants = psutil.Process(self.process.pid).children(recursive=True)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"arrears dev did not come up: {self.output()}")

    def note_descendants(self) -> None:
        """Add the stack's processes alive now (children it restarted too) to those that
        must all be gone once it has stopped."""
        assert self.process is not None
        known = set(self.descendants)
        for process in psutil.Process(self.process.pid).children(recursive=True):
            if process not in known:
                self.descendants.append(process)

    def child(self, role: str) -> psutil.Process:
        """The running child of `arrears dev` in `role`: temporal, postgres, worker or api."""
        assert self.process is not None
        for process in psutil.Process(self.process.pid).children():
            try:
                if _role(process.cmdline()) == role and process.status() != psutil.STATUS_ZOMBIE:
                    return process
            except psutil.NoSuchProcess:
                continue
        raise LookupError(f"no {role} running under arrears dev")

    def restarted(self, role: str, old_pid: int, within: float = 60) -> psutil.Process:
        """Wait up to `within` s for a child in `role` with another pid than `old_pid`."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                process = self.child(role)
                if process.pid != old_pid:
                    self.note_descendants()
                    return process
            except LookupError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"{role} was not restarted within {within} s: {self.output()}")

    def stop(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=90)

    def output(self) -> str:
        return (self.home.parent / "dev.out").read_text(errors="replace")[-4000:]

    def case_input(self, loan_id: str, codec_key: str | None = None) -> str:
        """The case's workflow input as `temporal workflow show` gives it, through the codec
        endpoint with `codec_key`; the raw bytes as text when it cannot be decoded."""
        argv = [temporal_cli(), "workflow", "show", "--workflow-id", f"case-{loan_id}"]
        argv += ["--address", f"127.0.0.1:{self.ports['temporal']}", "--output", "json"]
        if codec_key is not None:
            argv += ["--codec-endpoint", f"{self.base_url}/v1/codec"]
            argv += ["--codec-auth", f"Bearer {codec_key}"]
        shown = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if shown.returncode != 0:
            return shown.stderr
        started = json.loads(shown.stdout)["events"][0]
        (payload,) = started["workflowExecutionStartedEventAttributes"]["input"]["payloads"]
        return base64.b64decode(payload["data"]).decode(errors="replace")

    def keys(self) -> dict[str, str]:
        """{role: secret} from the dev keys (`id:secret=role`, or `secret=role` as older
        dev homes have them)."""
        entries = (self.home / "dev-api-keys").read_text().strip().split(",")
        pairs = (e.partition("=") for e in entries)
        return {role: key.rpartition(":")[2] for key, _, role in pairs}


def _role(cmdline: list[str]) -> str:
    """`worker` for `python -m arrears worker`, `postgres` for `.../bin/postgres -D ...`."""
    if cmdline[1:3] == ["-m", "arrears"] and len(cmdline) > 3:
        return cmdline[3]
    return Path(cmdline[0]).name if cmdline else ""


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            pass
    return left


@contextmanager
def running(stack: DevStack, stop_with: int) -> Iterator[DevStack]:
    stack.start()
    try:
        yield stack
    finally:
        if stack.process and stack.process.poll() is None:
            stack.note_descendants()
            assert stack.stop(stop_with) == 0, stack.output()
        psutil.wait_procs(alive(stack.descendants), timeout=10)
        leftovers = alive(stack.descendants)
        for process in leftovers:
            process.kill()
        assert not leftovers, f"left running: {[p.cmdline()[:2] for p in leftovers]}"
