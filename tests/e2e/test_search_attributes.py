"""Search attributes on a real dev server: a database made before some of them existed gets
them at `arrears dev` start, and a worker or API refuses a namespace that lacks them."""

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from temporalio.client import Client

from arrears import ids
from arrears.devstack.binaries import temporal_cli
from arrears.devstack.temporal_server import TemporalDevServer
from arrears.temporal import (
    SearchAttributesMissing,
    is_serving,
    missing_search_attributes,
    require_search_attributes,
)
from tests.conftest import free_port


@asynccontextmanager
async def bare_dev_server(database: Path, port: int) -> AsyncIterator[Client]:
    """A dev server on `database` that registers only `ArrearsStatus` itself, as one made
    by an earlier version of arrears did."""
    server = await asyncio.create_subprocess_exec(
        temporal_cli(),
        *("server", "start-dev", "--headless", "--port", str(port), "--log-level", "error"),
        *("--db-filename", str(database), "--search-attribute", f"{ids.STATUS.name}=Keyword"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(240):
            if await is_serving(f"127.0.0.1:{port}"):
                break
            await asyncio.sleep(0.25)
        yield await Client.connect(f"127.0.0.1:{port}")
    finally:
        server.terminate()
        await server.wait()


async def test_an_old_database_gets_the_new_search_attributes_at_start(tmp_path: Path):
    database = tmp_path / "temporal.db"
    async with bare_dev_server(database, free_port()) as client:
        assert ids.OVERDUE_SINCE in await missing_search_attributes(client)
    # A new port: the one just released may already be another socket's ephemeral port.
    server = TemporalDevServer(
        database, ip="127.0.0.1", port=free_port(), ui_port=None, log_path=tmp_path / "t.log"
    )
    try:
        await server.start()
        client = await Client.connect(server.address)
        assert await missing_search_attributes(client) == []
        await require_search_attributes(client)
    finally:
        server.stop()


async def test_a_namespace_without_them_is_refused_with_the_commands_to_fix_it(tmp_path: Path):
    async with bare_dev_server(tmp_path / "temporal.db", free_port()) as client:
        with pytest.raises(SearchAttributesMissing) as missing:
            await require_search_attributes(client)

    message = str(missing.value)
    assert ids.STATUS.name not in message
    assert (
        "temporal operator search-attribute create --namespace default "
        "--name ArrearsOverdueSince --type Datetime"
    ) in message
