"""The API in-process against the real dev server, with a real worker and PostgreSQL."""

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from arrears.api.main import create_app
from arrears.settings import Settings
from arrears.worker import build_worker
from tests.factories import TEST_API_KEYS, TEST_ENCRYPTION_KEYS


def api_settings(env: WorkflowEnvironment) -> Settings:
    return Settings(
        temporal_address=env.client.service_client.config.target_host,
        temporal_namespace=env.client.namespace,
        arrears_api_keys=",".join(f"{key}={role}" for role, key in TEST_API_KEYS.items()),
        arrears_encryption_keys=TEST_ENCRYPTION_KEYS,
    )


@pytest.fixture(scope="session")
async def running_worker(dev_env: WorkflowEnvironment, pool: asyncpg.Pool) -> AsyncIterator[None]:
    async with build_worker(dev_env.client, pool):
        yield


@pytest.fixture(scope="session")
async def api(
    dev_env: WorkflowEnvironment, running_worker: None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api_settings(dev_env))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://arrears.test") as client:
            yield client


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_API_KEYS[role]}"}
