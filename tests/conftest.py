"""Real servers for the suite: PostgreSQL, the time-skipping test server, the dev server.

PostgreSQL is the embedded one unless ARREARS_TEST_DATABASE_URL names a server; either way
the suite works in a fresh database of its own and drops it at the end.
"""

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from arrears import db, ids, migrate
from arrears.devstack.binaries import temporal_cli, temporal_test_server
from arrears.devstack.postgres import EmbeddedPostgres, ensure_database
from arrears.temporal import register_search_attributes
from tests.factories import TEST_KEY_RING, make_converter


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
async def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A URL of a PostgreSQL server (its `postgres` database)."""
    configured = os.environ.get("ARREARS_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    folder: Path = tmp_path_factory.mktemp("pg")
    server = EmbeddedPostgres(folder / "data", port=free_port(), log_path=folder / "pg.log")
    await server.start()
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def database_url(postgres_server: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test session, dropped afterwards."""
    name = f"arrears_test_{uuid.uuid4().hex[:12]}"
    await ensure_database(postgres_server, name)
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    await migrate.migrate(url)
    yield url
    conn = await asyncpg.connect(postgres_server)
    try:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(database_url)
    yield pool
    await pool.close()


@pytest.fixture
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server of the test's own: months of timers pass in milliseconds.

    One per test: a task left in flight holds that server's clock for good, so sharing one
    would let a single stray task stall every test after it.
    """
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=make_converter()
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (in memory), with our search attributes registered."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=make_converter(),
        search_attributes=ids.SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


@pytest.fixture
def key_ring():
    return TEST_KEY_RING
