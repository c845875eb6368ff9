"""The API in-process against the real dev server, with a real worker and PostgreSQL."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from arrears import ids
from arrears.api.main import create_app
from arrears.settings import Settings
from arrears.strategy import load_default
from arrears.worker import build_worker
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from tests.factories import TEST_API_KEYS, TEST_ENCRYPTION_KEYS, opening

ID_KEY = ("ops-admin", "k-ops-admin", "admin")
"""A key listed with its id (`id:key=role`); the keys of `TEST_API_KEYS` are listed in the
older form, without one."""


def api_settings(env: WorkflowEnvironment, database_url: str | None = None) -> Settings:
    listed = [f"{key}={role}" for role, key in TEST_API_KEYS.items()]
    key_id, key, role = ID_KEY
    return Settings(
        temporal_address=env.client.service_client.config.target_host,
        temporal_namespace=env.client.namespace,
        database_url=database_url,
        arrears_api_keys=",".join([*listed, f"{key_id}:{key}={role}"]),
        arrears_encryption_keys=TEST_ENCRYPTION_KEYS,
    )


@pytest.fixture(scope="session")
async def running_worker(dev_env: WorkflowEnvironment, pool: asyncpg.Pool) -> AsyncIterator[None]:
    async with build_worker(dev_env.client, pool):
        yield


@pytest.fixture(scope="session")
async def api(
    dev_env: WorkflowEnvironment, running_worker: None, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api_settings(dev_env, database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://arrears.test") as client:
            yield client


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_API_KEYS[role]}"}


@asynccontextmanager
async def unserved_case(env: WorkflowEnvironment) -> AsyncIterator[str]:
    """A case started on a task queue no worker polls, so it holds only its start; its
    loan_id. Terminated on the way out."""
    case = opening()
    handle = await env.client.start_workflow(
        CollectionCase.run,
        CaseStart(opening=case, received_at=datetime.now(UTC), strategy=load_default()),
        id=ids.case_workflow_id(case.loan_id),
        task_queue="no-worker-polls-this",
    )
    try:
        yield case.loan_id
    finally:
        await handle.terminate("test finished")
