"""Rolling a new strategy out to running cases, on purpose and in bulk.

A case keeps the strategy version it started with. When a collection manager approves a new
version for cases already running, `migrate_cases` finds the open cases on the old version
(visibility: `ArrearsStrategy`) and sends each the `migrate_strategy` update with the
strategy this installation serves. Each case records `strategy_migrated` with the change
reference; a rerun skips the cases already moved, so a rollout interrupted halfway is
finished by running it again.
"""

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids
from arrears.commands import StrategyMigration
from arrears.strategy import Strategy
from arrears.strategy.model import VERSION_PATTERN
from arrears.workflows.case import CollectionCase

CONCURRENCY = 16


@dataclass
class RolloutReport:
    """What came of a rollout, by loan id (no personal data)."""

    found: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Cases that refused, with why (closed meanwhile, opened before strategies, ...)."""


def cases_on_version(version: str) -> str:
    """The visibility query for the running cases that follow strategy `version`."""
    if not re.fullmatch(VERSION_PATTERN, version):
        raise ValueError(f"not a strategy version: {version!r}")
    return (
        f'WorkflowType = "CollectionCase" AND ExecutionStatus = "Running"'
        f' AND {ids.STRATEGY.name} = "{version}"'
    )


async def migrate_cases(
    client: Client,
    strategy: Strategy,
    *,
    from_version: str,
    change_ref: str,
    dry_run: bool = False,
    on_case: Callable[[str, str], None] | None = None,
) -> RolloutReport:
    """Move every running case on `from_version` to `strategy`; with `dry_run`, only list
    them. `on_case(loan_id, outcome)` hears each case as it is done."""
    report = RolloutReport()
    async for execution in client.list_workflows(cases_on_version(from_version)):
        report.found.append(execution.id.removeprefix(ids.CASE_ID_PREFIX))
    if dry_run:
        return report
    migration = StrategyMigration(strategy=strategy, change_ref=change_ref)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(loan_id: str) -> None:
        async with semaphore:
            outcome = await _migrate(client, loan_id, migration, report)
        if on_case:
            on_case(loan_id, outcome)

    await asyncio.gather(*(one(loan_id) for loan_id in report.found))
    return report


async def _migrate(
    client: Client, loan_id: str, migration: StrategyMigration, report: RolloutReport
) -> str:
    handle = client.get_workflow_handle(ids.case_workflow_id(loan_id))
    try:
        answer = await handle.execute_update(CollectionCase.migrate_strategy, migration)
    except WorkflowUpdateFailedError as error:
        report.refused[loan_id] = str(error.cause)
        return "refused"
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        report.refused[loan_id] = "CaseClosed: the case closed meanwhile"
        return "refused"
    if answer.accepted:
        report.migrated.append(loan_id)
        return "migrated"
    report.unchanged.append(loan_id)
    return "unchanged"
