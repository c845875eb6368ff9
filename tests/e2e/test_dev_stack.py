"""`arrears dev` as a user runs it: a subprocess, driven over HTTP, stopped, restarted."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from arrears.devstack.binaries import temporal_cli
from tests.conftest import free_port
from tests.factories import case_body


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
        entries = (self.home / "dev-api-keys").read_text().strip().split(",")
        return {role: key for key, _, role in (e.partition("=") for e in entries)}


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
            assert stack.stop(stop_with) == 0, stack.output()
        psutil.wait_procs(alive(stack.descendants), timeout=10)
        leftovers = alive(stack.descendants)
        for process in leftovers:
            process.kill()
        assert not leftovers, f"left running: {[p.cmdline()[:2] for p in leftovers]}"


@pytest.mark.timeout(600)
def test_dev_stack_runs_stops_cleanly_and_keeps_cases_across_restarts(tmp_path: Path):
    stack = DevStack(tmp_path / "home")
    stack.home.mkdir()
    body = case_body(principal=30_000, interest=0, fees=0)
    loan_id = body["loan_id"]

    with running(stack, signal.SIGINT):
        names = {p.name() for p in stack.descendants}
        assert {"temporal", "postgres"} <= names
        keys = stack.keys()
        bank = {"Authorization": f"Bearer {keys['bank']}"}
        created = httpx.post(f"{stack.base_url}/v1/cases", json=body, headers=bank, timeout=30)
        assert created.status_code == 201, created.text
        paid = httpx.post(
            f"{stack.base_url}/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-1", "amount": 10_000},
            headers={"Authorization": f"Bearer {keys['agent']}"},
            timeout=30,
        )
        assert paid.status_code == 200, paid.text
        assert paid.json()["case"]["balance"]["total"] == 20_000

        # The history is encrypted; the codec endpoint lets an auditor read it in clear.
        assert "张三" not in stack.case_input(loan_id)
        assert "张三" in stack.case_input(loan_id, codec_key=keys["auditor"])
        assert "张三" not in stack.case_input(loan_id, codec_key=keys["agent"])  # 403

    with running(stack, signal.SIGTERM):
        agent = {"Authorization": f"Bearer {stack.keys()['agent']}"}
        view = httpx.get(f"{stack.base_url}/v1/cases/{loan_id}", headers=agent, timeout=30)
        assert view.status_code == 200, view.text
        assert view.json()["paid"] == 10_000
        rest = httpx.post(
            f"{stack.base_url}/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-2", "amount": 20_000},
            headers=agent,
            timeout=30,
        )
        assert rest.json()["case"]["closed_reason"] == "paid"
