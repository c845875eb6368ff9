"""`arrears dev`: Temporal dev server, Postgres, migrations, worker and API, supervised.

The first start is all or nothing: if a process cannot start, the others are stopped and
the command exits non-zero. Once the stack is up, a process that dies is started again
with backoff while the rest keep running (`supervisor.py`). Ctrl-C or SIGTERM stops every
process it started, newest first.
"""

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from arrears import migrate
from arrears.codec import KeyRing
from arrears.devstack.postgres import EmbeddedPostgres, ensure_database
from arrears.devstack.processes import ManagedProcess
from arrears.devstack.supervisor import Journal, Supervisor
from arrears.devstack.temporal_server import TemporalDevServer
from arrears.settings import ROLES

DATABASE = "arrears"


@dataclass(frozen=True)
class DevOptions:
    home: Path
    host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int = 8233
    postgres_port: int = 5433
    database_url: str | None = None


def _persistent_secret(path: Path, make: Callable[[], str]) -> str:
    """Read a development secret from `path`, creating it on first use (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def dev_api_keys(home: Path) -> str:
    return _persistent_secret(
        home / "dev-api-keys",
        lambda: ",".join(
            f"dev-{role}:dev-{role}-{secrets.token_urlsafe(12)}={role}" for role in ROLES
        ),
    )


def dev_encryption_keys(home: Path) -> str:
    return _persistent_secret(home / "dev-encryption-keys", lambda: KeyRing.generate_entry("dev1"))


class DevStack:
    def __init__(self, options: DevOptions, console: Console) -> None:
        self.options = options
        self.console = console
        self.home = options.home.resolve()
        self.logs = self.home / "logs"
        self.started: list[ManagedProcess] = []

    async def run(self) -> int:
        self.home.mkdir(parents=True, exist_ok=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            env = await self._start_all()
            self._announce(env)
            return await self._supervise(stop)
        finally:
            self._stop_all()

    async def _start_all(self) -> dict[str, str]:
        options = self.options
        temporal = TemporalDevServer(
            self.home / "temporal.db",
            ip=options.host,
            port=options.temporal_port,
            ui_port=options.ui_port,
            log_path=self.logs / "temporal.log",
        )
        self.console.print(f"starting Temporal dev server on {temporal.address}")
        self.started.append(temporal.process)
        await temporal.start()

        database_url = options.database_url or os.environ.get("DATABASE_URL")
        if database_url is None:
            postgres = EmbeddedPostgres(
                self.home / "pgdata",
                port=options.postgres_port,
                log_path=self.logs / "postgres.log",
            )
            self.console.print(f"starting embedded PostgreSQL on 127.0.0.1:{options.postgres_port}")
            self.started.append(postgres.process)
            await postgres.start()
            await ensure_database(postgres.url(), DATABASE)
            database_url = postgres.url(DATABASE)
        applied = await migrate.migrate(database_url)
        self.console.print(f"migrations applied: {', '.join(applied) or 'none pending'}")

        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal.address,
            "TEMPORAL_NAMESPACE": "default",
            "DATABASE_URL": database_url,
            "ARREARS_API_KEYS": os.environ.get("ARREARS_API_KEYS") or dev_api_keys(self.home),
            "ARREARS_ENCRYPTION_KEYS": os.environ.get("ARREARS_ENCRYPTION_KEYS")
            or dev_encryption_keys(self.home),
        }
        for name, argv in (
            ("worker", ["worker"]),
            ("api", ["api", "--host", options.host, "--port", str(options.api_port)]),
        ):
            child = ManagedProcess(
                name,
                [sys.executable, "-m", "arrears", *argv],
                log_path=self.logs / f"{name}.log",
                env=env,
            )
            child.start()
            self.started.append(child)
        await self._wait_for_api()
        return env

    async def _wait_for_api(self, ready_within: float = 60.0) -> None:
        import httpx

        api = self.started[-1]
        url = f"http://{self.options.host}:{self.options.api_port}/healthz"
        async with httpx.AsyncClient() as http:
            for _ in range(int(ready_within / 0.25)):
                if api.exited() is not None:
                    raise RuntimeError(f"api exited:\n{api.log_tail()}")
                try:
                    if (await http.get(url, timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise TimeoutError(f"api not ready at {url}:\n{api.log_tail()}")

    async def _supervise(self, stop: asyncio.Event) -> int:
        journal = Journal(self.console, self.logs / "supervisor.log")
        await Supervisor(list(self.started), journal).run(stop)
        self.console.print("stopping…")
        return 0

    def _stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()
        self.started.clear()

    def _announce(self, env: dict[str, str]) -> None:
        options = self.options
        api = f"http://{options.host}:{options.api_port}"
        table = Table(title="arrears dev is running", show_header=False)
        table.add_row("API", f"{api}/v1  (docs: {api}/docs)")
        table.add_row("Temporal", env["TEMPORAL_ADDRESS"])
        table.add_row("Temporal Web UI", f"http://{options.host}:{options.ui_port}")
        table.add_row("PostgreSQL", env["DATABASE_URL"].split("@")[-1])
        table.add_row("Logs", str(self.logs))
        for entry in env["ARREARS_API_KEYS"].split(","):
            listed, _, role = entry.partition("=")
            key_id, colon, key = listed.partition(":")
            # The bearer key alone, named by its id (what the timeline names it by).
            name = f"{role}, id {key_id}" if colon else role
            table.add_row(f"API key ({name})", key if colon else listed)
        self.console.print(table)
        self.console.print("Ctrl-C stops everything.")
