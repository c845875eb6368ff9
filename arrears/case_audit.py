"""`arrears audit`: prove what happened to a case, and that the records say the same.

Three checks, each independent of the others' sources:

1. **Replay.** Every run of the case's workflow history (continue-as-new makes several) is
   replayed against the workflow code installed here. A history that replays is one this
   code produces, decision for decision: the code explains the history.
2. **Chain.** The case's rows in `audit_events` are re-hashed from the first; a row altered,
   removed or inserted out of order breaks the chain at that row.
3. **Agreement.** The events the workflow sent to be recorded (the inputs of its
   `sync_case` activities, read from the history and decrypted) are, sequence number for
   sequence number, the rows in `audit_events`: nothing missing, nothing added, nothing
   changed.

The report names the first problem of each check; it carries no personal data.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from arrears import ids
from arrears.contracts import CaseSync
from arrears.errors import CaseNotFoundError
from arrears.records import audit
from arrears.workflows.case import CollectionCase

SYNC_ACTIVITY = "sync_case"
_DECIDED = "workflow_task_completed_event_attributes"
REPLAY_TIMEOUT = timedelta(seconds=60)
"""A replay takes milliseconds; one that takes this long is reported, not waited for."""


@dataclass
class AuditReport:
    loan_id: str
    runs: list[str] = field(default_factory=list)
    history_events: int = 0
    replay_failures: dict[str, str] = field(default_factory=dict)
    """Run id → why that run's history does not replay."""
    chain_rows: int = 0
    chain_break: int | None = None
    """The sequence number of the first row that breaks the hash chain."""
    recorded_by_workflow: int = 0
    disagreements: list[str] = field(default_factory=list)
    """Where the history and `audit_events` disagree, by sequence number."""

    @property
    def ok(self) -> bool:
        return not self.replay_failures and self.chain_break is None and not self.disagreements

    def as_dict(self) -> dict[str, Any]:
        return {
            "loan_id": self.loan_id,
            "ok": self.ok,
            "runs": self.runs,
            "history_events": self.history_events,
            "replay_failures": self.replay_failures,
            "chain_rows": self.chain_rows,
            "chain_break": self.chain_break,
            "recorded_by_workflow": self.recorded_by_workflow,
            "disagreements": self.disagreements,
        }


async def fetch_histories(client: Client, loan_id: str) -> list[WorkflowHistory]:
    """Every run of the case's workflow, oldest first. `CaseNotFoundError` if it has none."""
    workflow_id = ids.case_workflow_id(loan_id)
    runs = [execution async for execution in client.list_workflows(f'WorkflowId = "{workflow_id}"')]
    if not runs:
        # Visibility may trail a case just opened; the current run answers directly.
        try:
            return [await client.get_workflow_handle(workflow_id).fetch_history()]
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise CaseNotFoundError(loan_id) from error
            raise
    runs.sort(key=lambda execution: execution.start_time)
    return [
        await client.get_workflow_handle(workflow_id, run_id=execution.run_id).fetch_history()
        for execution in runs
    ]


async def audit_case(client: Client, pool: asyncpg.Pool, loan_id: str) -> AuditReport:
    """Run the three checks on the case of `loan_id` (an `OpaqueRef`, checked by the
    caller: it goes into a visibility query)."""
    return await audit_histories(client, pool, loan_id, await fetch_histories(client, loan_id))


async def audit_histories(
    client: Client, pool: asyncpg.Pool, loan_id: str, histories: list[WorkflowHistory]
) -> AuditReport:
    """Run the three checks on `histories`, every run of the case of `loan_id`."""
    report = AuditReport(loan_id=loan_id)
    replayer = Replayer(workflows=[CollectionCase], data_converter=client.data_converter)
    for history in histories:
        run_id = history.run_id
        report.runs.append(run_id)
        report.history_events += len(history.events)
        if not any(event.HasField(_DECIDED) for event in history.events):
            # A run that has decided nothing yet (just continued as new, say) has nothing
            # to replay, and a replayer given no workflow task would wait for one.
            continue
        try:
            async with asyncio.timeout(REPLAY_TIMEOUT.total_seconds()):
                result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        except TimeoutError:
            report.replay_failures[run_id] = (
                f"replay did not finish within {REPLAY_TIMEOUT.seconds} s; a run caught in "
                "the middle of a workflow task may need auditing again once it is idle"
            )
            continue
        if result.replay_failure is not None:
            report.replay_failures[run_id] = str(result.replay_failure)
    recorded = await _recorded_by_workflow(client, histories)
    report.recorded_by_workflow = len(recorded)
    async with pool.acquire() as conn:
        rows = await audit.list_events(conn, loan_id=loan_id)
    report.chain_rows = len(rows)
    report.chain_break = audit.first_break(rows)
    report.disagreements = _disagreements(recorded, {row["seq"]: row["body"] for row in rows})
    return report


async def _recorded_by_workflow(
    client: Client, histories: list[WorkflowHistory]
) -> dict[int, dict[str, Any]]:
    """The events the workflow had `sync_case` record, by sequence number, as the audit
    table stores them. A sync still in flight does not count: it has not recorded yet."""
    recorded: dict[int, dict[str, Any]] = {}
    for history in histories:
        completed = {
            event.activity_task_completed_event_attributes.scheduled_event_id
            for event in history.events
            if event.HasField("activity_task_completed_event_attributes")
        }
        for event in history.events:
            if not event.HasField("activity_task_scheduled_event_attributes"):
                continue
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name != SYNC_ACTIVITY or event.event_id not in completed:
                continue
            sync = await _decode_sync(client, scheduled.input)
            for item in sync.events:
                recorded[item.seq] = item.event.model_dump(mode="json", exclude_none=True)
    return recorded


async def _decode_sync(client: Client, payloads: Payloads) -> CaseSync:
    (sync,) = await client.data_converter.decode(list(payloads.payloads), [CaseSync])
    return sync


def _disagreements(
    recorded: dict[int, dict[str, Any]], stored: dict[int, dict[str, Any]]
) -> list[str]:
    found: list[str] = []
    for seq in sorted(recorded.keys() | stored.keys()):
        if seq not in stored:
            found.append(f"seq {seq}: in the history, missing from audit_events")
        elif seq not in recorded:
            found.append(f"seq {seq}: in audit_events, never recorded by the workflow")
        elif recorded[seq] != stored[seq]:
            found.append(f"seq {seq}: audit_events differs from the history")
    return found
