"""The FastAPI application."""

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from arrears import __version__, db
from arrears.api import docs, errors, openapi
from arrears.api.body_limit import BodyLimit
from arrears.api.case_records import CaseRecords
from arrears.api.contact_check import ContactChecker
from arrears.api.customers import CustomerDesk
from arrears.api.gateway import CaseGateway
from arrears.api.routes import (
    audit,
    cases,
    codec,
    commands,
    contact_check,
    customers,
    health,
    ledger,
    payments,
)
from arrears.codec import EncryptionCodec
from arrears.compliance.loader import profile_for
from arrears.contact_gate import ContactGate
from arrears.settings import Settings
from arrears.temporal import connect, require_search_attributes

log = logging.getLogger("arrears.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Settings are read here (not at import); the lifespan connects."""
    settings = settings or Settings()
    api_keys = settings.api_keys()
    strategy = settings.strategy()
    house_policy = settings.house_policy()
    key_ring = settings.key_ring()
    database_url = settings.database_url.get_secret_value() if settings.database_url else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = await connect(settings)
        await require_search_attributes(client)
        app.state.gateway = CaseGateway(client, strategy)
        # Lazy (no connection until one is needed): Postgres down at start-up delays nothing.
        pool = await db.create_pool(database_url, min_size=0) if database_url else None
        if pool is None:
            log.warning("DATABASE_URL is not set: openings cannot be checked against customers")
        app.state.customers = CustomerDesk(client, pool)
        gate = ContactGate(profile_for=functools.partial(profile_for, overlay=house_policy))
        app.state.contact_checks = ContactChecker(app.state.gateway, pool, gate)
        app.state.case_records = CaseRecords(client, pool, app.state.codec)
        try:
            yield
        finally:
            if pool is not None:
                await pool.close()

    # /docs and /redoc come from `docs`, with assets served here rather than from a CDN.
    app = FastAPI(
        title="arrears", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.api_keys = api_keys
    app.state.codec = EncryptionCodec(key_ring)
    app.state.namespace = settings.temporal_namespace
    # Added first, so it runs inside CORS: a 413 to the Web UI carries CORS headers too.
    app.add_middleware(BodyLimit)
    if settings.arrears_codec_origins:
        # The Web UI calls the codec endpoint from the browser, from its own origin.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.codec_origins(),
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            allow_credentials=True,
        )
    errors.install(app)
    v1 = APIRouter(prefix="/v1")
    v1.include_router(cases.router)
    v1.include_router(payments.router)
    v1.include_router(commands.router)
    v1.include_router(contact_check.router)
    v1.include_router(ledger.router)
    v1.include_router(audit.router)
    v1.include_router(codec.router)
    v1.include_router(customers.router)
    app.include_router(health.router)
    app.include_router(v1)
    docs.install(app)
    openapi.install(app)
    return app
