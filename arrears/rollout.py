"""Rolling a new strategy out to running cases, on purpose and in bulk.

A case keeps the strategy version it started with. When a collection manager approves a new
version for cases already running, `migrate_cases` finds the open cases on the old version
(visibility: `ArrearsStrategy`) and sends each the `migrate_strategy` update with the
strategy this installation serves. Each case records `strategy_migrated` with the change
reference; a rerun leaves the cases already moved as they are, so a rollout interrupted
halfway, or one that some cases could not take, is finished by running it again.

One case never stops the others: each gets an outcome of its own (moved, already moved,
refused with the case's reason, unreachable with why), `CONCURRENCY` cases are asked at a
time, and a case that does not answer within the case timeout is given up on for this run.
"""

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids, workflow_tasks
from arrears.commands import StrategyMigration
from arrears.strategy import Strategy
from arrears.strategy.model import VERSION_PATTERN
from arrears.workflows.case import CollectionCase

CONCURRENCY = 16
"""Cases asked at a time: an update takes about 0.1 s on a dev server, so 1,000 cases take
seconds, while the workers and the server keep room for the cases' own work."""
CASE_TIMEOUT = timedelta(seconds=20)
"""How long one case may take to answer before the rollout reports it unreachable."""

_TASK_FAILING = "Workflow Task in failed state"
"""How the server refuses an update to a workflow whose workflow task keeps failing."""


class Outcome(StrEnum):
    MOVED = "moved"
    ALREADY_MOVED = "already moved"
    REFUSED = "refused"
    """The case answered no (its update validator), with its reason."""
    UNREACHABLE = "unreachable"
    """The case could not be asked or did not answer: timeout, workflow task failing, not
    found. It may move on a later run."""


@dataclass(frozen=True)
class CaseOutcome:
    """What came of one case: `why` says it for refused and unreachable cases."""

    loan_id: str
    outcome: Outcome
    why: str | None = None


@dataclass
class RolloutReport:
    """What came of a rollout, by loan id (no personal data)."""

    found: list[str] = field(default_factory=list)
    """The running cases on the old version, as visibility listed them."""
    outcomes: dict[str, CaseOutcome] = field(default_factory=dict)
    """Each case's outcome, in the order they came (none for a dry run)."""

    def loan_ids(self, outcome: Outcome) -> list[str]:
        return [o.loan_id for o in self.outcomes.values() if o.outcome == outcome]

    def reasons(self, outcome: Outcome) -> dict[str, str]:
        return {o.loan_id: o.why or "" for o in self.outcomes.values() if o.outcome == outcome}

    @property
    def migrated(self) -> list[str]:
        return self.loan_ids(Outcome.MOVED)

    @property
    def unchanged(self) -> list[str]:
        """Cases that were on the new strategy already (moved by an earlier run)."""
        return self.loan_ids(Outcome.ALREADY_MOVED)

    @property
    def refused(self) -> dict[str, str]:
        """Cases that refused, with why (closed meanwhile, opened before strategies, ...)."""
        return self.reasons(Outcome.REFUSED)

    @property
    def unreachable(self) -> dict[str, str]:
        """Cases that could not be asked or did not answer, with why."""
        return self.reasons(Outcome.UNREACHABLE)

    @property
    def complete(self) -> bool:
        """Whether every case found is on the new strategy now."""
        return len(self.outcomes) == len(self.found) and all(
            o.outcome in (Outcome.MOVED, Outcome.ALREADY_MOVED) for o in self.outcomes.values()
        )


def cases_on_version(version: str) -> str:
    """The visibility query for the running cases that follow strategy `version`, less
    those closed (a written-off case's run lingers to take recoveries; it has no strategy
    to follow any more). `ValueError` if `version` is not a strategy version (it goes into
    the query)."""
    if not re.fullmatch(VERSION_PATTERN, version):
        raise ValueError(f"not a strategy version: {version!r}")
    return (
        f'WorkflowType = "CollectionCase" AND ExecutionStatus = "Running"'
        f' AND {ids.STRATEGY.name} = "{version}"'
        f' AND ({ids.STATUS.name} IS NULL OR {ids.STATUS.name} != "closed")'
    )


async def migrate_cases(
    client: Client,
    strategy: Strategy,
    *,
    from_version: str,
    change_ref: str,
    dry_run: bool = False,
    concurrency: int = CONCURRENCY,
    case_timeout: timedelta = CASE_TIMEOUT,
    on_case: Callable[[CaseOutcome], None] | None = None,
) -> RolloutReport:
    """Move every running case on `from_version` to `strategy`; with `dry_run`, only list
    them. `concurrency` cases are asked at a time, each for at most `case_timeout`;
    `on_case` hears each outcome as it comes. Every case found gets an outcome: no failure
    of one case ends the rollout. Raises `RPCError` only if the cases cannot be listed."""
    report = RolloutReport()
    async for execution in client.list_workflows(cases_on_version(from_version)):
        report.found.append(execution.id.removeprefix(ids.CASE_ID_PREFIX))
    report.found = list(dict.fromkeys(report.found))
    if dry_run:
        return report
    migration = StrategyMigration(strategy=strategy, change_ref=change_ref)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(loan_id: str) -> None:
        async with semaphore:
            outcome = await _migrate(client, loan_id, migration, case_timeout)
        report.outcomes[loan_id] = outcome
        if on_case:
            on_case(outcome)

    await asyncio.gather(*(one(loan_id) for loan_id in report.found))
    return report


async def _migrate(
    client: Client, loan_id: str, migration: StrategyMigration, patience: timedelta
) -> CaseOutcome:
    handle = client.get_workflow_handle(ids.case_workflow_id(loan_id))
    try:
        # The SDK bounds each call by `rpc_timeout` but keeps asking while the server has
        # not taken the update; the outer timeout bounds the whole.
        async with asyncio.timeout(patience.total_seconds()):
            answer = await handle.execute_update(
                CollectionCase.migrate_strategy, migration, rpc_timeout=patience
            )
    except WorkflowUpdateFailedError as error:
        return CaseOutcome(loan_id, Outcome.REFUSED, _rejection(error))
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        return CaseOutcome(loan_id, Outcome.UNREACHABLE, await _silence(client, handle, patience))
    except RPCError as error:
        return CaseOutcome(
            loan_id, Outcome.UNREACHABLE, await _rpc_failure(client, handle, error, patience)
        )
    except Exception as error:  # reported for this case; the others go on
        return CaseOutcome(loan_id, Outcome.UNREACHABLE, f"{type(error).__name__}: {error}")
    return CaseOutcome(loan_id, Outcome.MOVED if answer.accepted else Outcome.ALREADY_MOVED)


def _rejection(error: WorkflowUpdateFailedError) -> str:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type:
        return f"{cause.type}: {cause.message}"
    return str(cause) if cause else "the case rejected the update"


async def _rpc_failure(
    client: Client, handle: WorkflowHandle, error: RPCError, patience: timedelta
) -> str:
    if error.status == RPCStatusCode.NOT_FOUND:
        return "not found: no running workflow for the case (it ended meanwhile?)"
    if error.status == RPCStatusCode.FAILED_PRECONDITION and _TASK_FAILING in error.message:
        # The server's words for a task retried, whether it failed or timed out.
        try:
            async with asyncio.timeout(patience.total_seconds()):
                description = await handle.describe(rpc_timeout=patience)
        except (RPCError, TimeoutError):
            return f"workflow task failing: {error.message}"
        return await _task_trouble(client, description, patience) or (
            f"workflow task failing: {error.message}"
        )
    return f"{error.status.name}: {error.message}"


async def _silence(client: Client, handle: WorkflowHandle, patience: timedelta) -> str:
    """Why a case did not answer within `patience`, as far as the server can tell."""
    waited = f"no answer within {patience.total_seconds():g} s"
    try:
        async with asyncio.timeout(patience.total_seconds()):
            description = await handle.describe(rpc_timeout=patience)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return await _rpc_failure(client, handle, error, patience)
        return waited
    except TimeoutError:
        return waited
    status = description.status
    if status is not None and status != WorkflowExecutionStatus.RUNNING:
        return f"not found: its workflow ended meanwhile ({status.name.lower()})"
    trouble = await _task_trouble(client, description, patience)
    if trouble is not None:
        return f"{trouble}; {waited}"
    return f"timeout: {waited}"


async def _task_trouble(
    client: Client, description: WorkflowExecutionDescription, patience: timedelta
) -> str | None:
    """What a retried workflow task of the case says (`workflow_tasks`): failing, the
    case's code cannot run it; timing out, a worker took it and never finished."""
    found = await workflow_tasks.trouble(client, description, patience)
    if found is None:
        return None
    kind, attempt = found
    if kind == "timing out":
        return (
            f"workflow task timing out (attempt {attempt}): a worker took it and never "
            "finished; is every worker running?"
        )
    return f"workflow task failing (attempt {attempt})"
