"""Builds and runs the worker: the case workflow and every activity, on one task queue."""

import asyncio
import logging
import signal

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from arrears import db, ids
from arrears.activities.customers import CustomerRecords
from arrears.activities.escalations import Escalations
from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.activities.scoring import Scoring
from arrears.activities.store import CaseStore
from arrears.settings import Settings
from arrears.temporal import connect, require_search_attributes
from arrears.workflows.case import CollectionCase
from arrears.workflows.customer_update import CustomerUpdateWorkflow

log = logging.getLogger("arrears.worker")

WORKFLOWS = [CollectionCase, CustomerUpdateWorkflow]


def build_worker(client: Client, pool: asyncpg.Pool, *, task_queue: str = ids.TASK_QUEUE) -> Worker:
    store = CaseStore(pool)
    scoring = Scoring(pool)
    notifier = Notifier(pool, OutboxProvider(pool))
    escalations = Escalations(pool)
    customers = CustomerRecords(pool)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            store.sync_case,
            scoring.score_risk,
            notifier.send,
            escalations.hand_off,
            customers.update_record,
        ],
    )


async def run_worker(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then finish in-flight tasks and stop."""
    client = await connect(settings)
    await require_search_attributes(client)
    pool = await db.create_pool(settings.require_database_url())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        worker = build_worker(client, pool)
        async with worker:
            log.info("worker polling task queue %s", ids.TASK_QUEUE)
            await stop.wait()
    finally:
        await pool.close()
