"""Builds and runs the worker: the case workflow and every activity, on one task queue."""

import asyncio
import functools
import logging
import signal
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from arrears import db, ids
from arrears.activities.customers import CustomerRecords
from arrears.activities.escalations import Escalations
from arrears.activities.messages import DEFAULT_INSTITUTION
from arrears.activities.notifications import Notifier, OutboxProvider
from arrears.activities.scoring import Scoring
from arrears.activities.store import CaseStore
from arrears.compliance.lint import lint_shipped
from arrears.compliance.loader import profile_for
from arrears.compliance.profile import Profile
from arrears.contact_gate import ContactGate
from arrears.settings import ConfigError, Settings
from arrears.temporal import connect, require_search_attributes
from arrears.workflows.case import CollectionCase
from arrears.workflows.customer_update import CustomerUpdateWorkflow

log = logging.getLogger("arrears.worker")

WORKFLOWS = [CollectionCase, CustomerUpdateWorkflow]
TEMPLATES = resources.files("arrears") / "templates"


def build_worker(
    client: Client,
    pool: asyncpg.Pool,
    *,
    task_queue: str = ids.TASK_QUEUE,
    house_policy: Profile | None = None,
    institution: str = DEFAULT_INSTITUTION,
) -> Worker:
    """The worker of every workflow and activity. Contacts are gated by each jurisdiction's
    profile with `house_policy` on top; messages sign with `institution`."""
    store = CaseStore(pool)
    scoring = Scoring(pool)
    gate = ContactGate(profile_for=functools.partial(profile_for, overlay=house_policy))
    notifier = Notifier(pool, OutboxProvider(pool), gate, institution=institution)
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


def check_templates(house_policy: Profile | None, templates: Traversable = TEMPLATES) -> None:
    """Refuse to start with a message template the law or the house policy forbids: raises
    `ConfigError` naming each template and the rule it breaks."""
    problems = lint_shipped(str(templates), house_policy)
    if problems:
        lines = "\n".join(f"  {p.template}: {p.rule}: {p.message}" for p in problems)
        raise ConfigError(f"message templates refused by the contact rules:\n{lines}")


async def run_worker(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then finish in-flight tasks and stop. Raises
    `ConfigError` before connecting when a setting or a message template is refused."""
    house_policy = settings.house_policy()
    check_templates(house_policy)
    client = await connect(settings)
    await require_search_attributes(client)
    pool = await db.create_pool(settings.require_database_url())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        worker = build_worker(
            client, pool, house_policy=house_policy, institution=settings.arrears_institution
        )
        async with worker:
            log.info("worker polling task queue %s", ids.TASK_QUEUE)
            await stop.wait()
    finally:
        await pool.close()
