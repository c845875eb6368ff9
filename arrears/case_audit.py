"""`arrears audit`: prove what happened to a case, and that the records say the same.

Three checks, each independent of the others' sources:

1. **Replay.** Every run of the case's workflow history (continue-as-new makes several) is
   replayed against the workflow code installed here. A history that replays is one this
   code produces, decision for decision: the code explains the history.
2. **Chain.** The case's rows in `audit_events` are re-hashed from the first; each hash
   covers every column of its row (`records.audit`), so a row altered in any column,
   removed or inserted out of order breaks the chain at that row.
3. **Agreement.** The events the workflow sent to be recorded (the inputs of its
   `sync_case` activities, read from the history and decrypted) are, sequence number for
   sequence number, the rows in `audit_events`: nothing missing, nothing added, nothing
   changed. And every event the workflow *recorded* (its timeline as the replay rebuilds
   it: what its `timeline` query answers, with no worker needed) has reached
   `audit_events`: an event the workflow recorded but whose `sync_case` has not completed
   (PostgreSQL down, a sync that keeps failing) leaves the check **pending**, not holding.

A loan that cured and fell behind again has had several cases (episodes) under the same
workflow id: each is checked on its own, its runs against its own audit chain, and the
report covers them all (problems of a later episode name it).

The verdict is `holds` (all three hold), `fails` (one does not) or `pending` (nothing is
wrong yet, but events the workflow recorded have not all reached PostgreSQL: audit again
once its syncs complete). The report names the first problems of each check; it carries no
personal data.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import asyncpg
from temporalio import workflow
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    Replayer,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from arrears import ids
from arrears.contracts import CaseSync, TimelineEvent
from arrears.errors import CaseNotFoundError
from arrears.records import audit
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from arrears.workflows.customer_update import CustomerUpdateWorkflow

SYNC_ACTIVITY = "sync_case"
_DECIDED = "workflow_task_completed_event_attributes"
REPLAY_TIMEOUT = timedelta(seconds=60)
"""A replay takes milliseconds; one that takes this long is reported, not waited for."""
DESCRIBE_TIMEOUT = timedelta(seconds=10)
"""How long the audit waits to learn why a sync is pending; it reports without it."""

REPLAYED = [CollectionCase, CustomerUpdateWorkflow]
"""The workflows an exported history may be of (the worker's)."""

Verdict = Literal["holds", "fails", "pending"]


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
    chain_break_episode: int | None = None
    """The episode whose chain breaks at `chain_break`."""
    episodes: list[int] = field(default_factory=list)
    """The loan's cases audited, by episode number."""
    recorded_by_workflow: int = 0
    """Events the workflow's completed `sync_case` activities recorded."""
    timeline_events: int | None = None
    """Events in the workflow's timeline as replayed; None when no run decided anything
    (nothing recorded yet) or its replay failed."""
    disagreements: list[str] = field(default_factory=list)
    """Where the history and `audit_events` disagree, by sequence number."""
    pending: list[str] = field(default_factory=list)
    """Events the workflow recorded that `audit_events` cannot yet be checked against,
    by sequence number: not yet written, or written by a sync not yet complete."""
    sync_retrying: str | None = None
    """Why the case's current `sync_case` has not completed, when Temporal says: its
    attempt and the type of its last failure."""

    @property
    def verdict(self) -> Verdict:
        if self.replay_failures or self.chain_break is not None or self.disagreements:
            return "fails"
        return "pending" if self.pending else "holds"

    @property
    def ok(self) -> bool:
        return self.verdict == "holds"

    def as_dict(self) -> dict[str, Any]:
        return {
            "loan_id": self.loan_id,
            "verdict": self.verdict,
            "ok": self.ok,
            "runs": self.runs,
            "history_events": self.history_events,
            "replay_failures": self.replay_failures,
            "chain_rows": self.chain_rows,
            "chain_break": self.chain_break,
            "chain_break_episode": self.chain_break_episode,
            "episodes": self.episodes,
            "recorded_by_workflow": self.recorded_by_workflow,
            "timeline_events": self.timeline_events,
            "disagreements": self.disagreements,
            "pending": self.pending,
            "sync_retrying": self.sync_retrying,
        }


async def fetch_histories(client: Client, loan_id: str) -> list[WorkflowHistory]:
    """Every run of the case's workflow, oldest first. `CaseNotFoundError` if it has none."""
    return [await fetch_run(client, loan_id, run_id) for run_id in await list_runs(client, loan_id)]


async def list_runs(client: Client, loan_id: str) -> list[str | None]:
    """The run ids of every run of the case's workflow (every episode, every continuation),
    oldest first; `[None]` (its current run) when visibility does not list it yet.
    `CaseNotFoundError` if it has none."""
    workflow_id = ids.case_workflow_id(loan_id)
    runs = [execution async for execution in client.list_workflows(f'WorkflowId = "{workflow_id}"')]
    if not runs:
        # Visibility may trail a case just opened; the current run answers directly.
        try:
            await client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise CaseNotFoundError(loan_id) from error
            raise
        return [None]
    runs.sort(key=lambda execution: execution.start_time)
    return [execution.run_id for execution in runs]


async def fetch_run(client: Client, loan_id: str, run_id: str | None) -> WorkflowHistory:
    """The history of one run of the case's workflow (None: its current run)."""
    handle = client.get_workflow_handle(ids.case_workflow_id(loan_id), run_id=run_id)
    return await handle.fetch_history()


async def audit_case(client: Client, pool: asyncpg.Pool, loan_id: str) -> AuditReport:
    """Run the three checks on the case of `loan_id` (an `OpaqueRef`, checked by the
    caller: it goes into a visibility query)."""
    return await audit_histories(client, pool, loan_id, await fetch_histories(client, loan_id))


async def audit_histories(
    client: Client, pool: asyncpg.Pool, loan_id: str, histories: list[WorkflowHistory]
) -> AuditReport:
    """Run the three checks on `histories`, every run of the case of `loan_id`, episode by
    episode."""
    report = AuditReport(loan_id=loan_id)
    instances = _ReplayedInstances()
    replayer = Replayer(
        workflows=[CollectionCase], data_converter=client.data_converter, interceptors=[instances]
    )
    by_episode: dict[int, list[WorkflowHistory]] = {}
    for history in histories:
        by_episode.setdefault(await _episode_of(client, history), []).append(history)
    async with pool.acquire() as conn:
        stored_episodes = await audit.list_episodes(conn, loan_id=loan_id)
    for episode in sorted(by_episode.keys() | set(stored_episodes)):
        report.episodes.append(episode)
        await _audit_episode(
            report, client, pool, replayer, instances, episode, by_episode.get(episode, [])
        )
    if report.pending:
        report.sync_retrying = await _sync_retrying(client, loan_id)
    return report


async def audit_every_case(
    client: Client, pool: asyncpg.Pool
) -> AsyncIterator[tuple[str, AuditReport | str]]:
    """(loan id, its audit) for every loan that has audit rows, by loan id; in place of the
    audit, why it could not be made (Temporal refused, a history that is no case's). A
    loan whose workflow Temporal no longer holds (past its retention) is audited on its
    rows alone: its chain is checked, and its agreement fails (no history vouches for
    them)."""
    async with pool.acquire() as conn:
        loans = await audit.list_loans(conn)
    for loan_id in loans:
        try:
            try:
                histories = await fetch_histories(client, loan_id)
            except CaseNotFoundError:
                histories = []
            yield loan_id, await audit_histories(client, pool, loan_id, histories)
        except RPCError as error:
            yield loan_id, f"Temporal refused ({error.status.name if error.status else error})"
        except ValueError as error:  # an input that is no case's start
            yield loan_id, f"its history is no case's: {type(error).__name__}"


def exported_histories(path: Path) -> list[WorkflowHistory]:
    """The histories of an exported file: one Temporal JSON history (`{"events": [...]}`,
    as `temporal workflow show --output json` or `arrears audit --out` writes it), or the
    answer of `GET /v1/cases/{loan_id}/history` (every run). `OSError` if it cannot be
    read, `ValueError` if it is neither."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("runs"), list):
        workflow_id = ids.case_workflow_id(str(data.get("loan_id", path.stem)))
        runs = [run.get("history") if isinstance(run, dict) else None for run in data["runs"]]
    else:
        workflow_id, runs = ids.case_workflow_id(path.stem), [data]
    if not runs or not all(isinstance(run, dict) and run.get("events") for run in runs):
        raise ValueError("not a Temporal JSON history (no events)")
    try:
        return [WorkflowHistory.from_json(workflow_id, run) for run in runs]
    except Exception as error:  # the protobuf parser's own errors have no common base
        raise ValueError(f"not a Temporal JSON history ({error})") from error


async def replay_exported(history: WorkflowHistory, data_converter: DataConverter) -> str | None:
    """Why an exported history (payloads encrypted or already decoded) does not replay
    against the workflow code installed here; None when it does."""
    if not any(event.HasField(_DECIDED) for event in history.events):
        return None  # nothing decided: nothing to replay (see `_audit_episode`)
    replayer = Replayer(workflows=REPLAYED, data_converter=data_converter)
    try:
        async with asyncio.timeout(REPLAY_TIMEOUT.total_seconds()):
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    except TimeoutError:
        return f"replay did not finish within {REPLAY_TIMEOUT.seconds} s"
    return None if result.replay_failure is None else str(result.replay_failure)


async def _audit_episode(
    report: AuditReport,
    client: Client,
    pool: asyncpg.Pool,
    replayer: Replayer,
    instances: "_ReplayedInstances",
    episode: int,
    histories: list[WorkflowHistory],
) -> None:
    """The three checks on one case of the loan, added to `report`."""
    timeline: dict[int, dict[str, Any]] | None = None
    for history in histories:
        run_id = history.run_id
        report.runs.append(run_id)
        report.history_events += len(history.events)
        if not any(event.HasField(_DECIDED) for event in history.events):
            # A run that has decided nothing yet (just continued as new, say) has nothing
            # to replay, and a replayer given no workflow task would wait for one. It has
            # recorded nothing either: what it carries, its predecessor recorded.
            continue
        timeline = None
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
            continue
        timeline = instances.timeline(run_id)
    recorded = await _recorded_by_workflow(client, histories)
    report.recorded_by_workflow += len(recorded)
    if timeline is not None:
        report.timeline_events = (report.timeline_events or 0) + len(timeline)
    async with pool.acquire() as conn:
        rows = await audit.list_events(conn, loan_id=report.loan_id, episode=episode)
    report.chain_rows += len(rows)
    broken = audit.first_break(rows)
    if broken is not None and report.chain_break is None:
        report.chain_break, report.chain_break_episode = broken, episode
    stored = {row["seq"]: row["body"] for row in rows}
    disagreements, pending = _compare(recorded, timeline or {}, stored)
    # The first case's problems read as before; a later one's name their episode.
    prefix = f"episode {episode}, " if episode > 1 else ""
    report.disagreements += [prefix + problem for problem in disagreements]
    report.pending += [prefix + problem for problem in pending]


async def _episode_of(client: Client, history: WorkflowHistory) -> int:
    """The episode a run belongs to, from its input (a continued run carries it)."""
    started = history.events[0].workflow_execution_started_event_attributes
    (start,) = await client.data_converter.decode(list(started.input.payloads), [CaseStart])
    return start.carried.episode if start.carried is not None else start.episode


class _ReplayedInstances(Interceptor):
    """Keeps each replayed run's workflow instance, to read what it had recorded once its
    history has replayed: the answer its `timeline` query would give."""

    def __init__(self) -> None:
        self._instances: dict[str, Any] = {}

    def timeline(self, run_id: str) -> dict[int, dict[str, Any]] | None:
        """The replayed run's timeline by sequence number, as `audit_events` stores it."""
        instance = self._instances.get(run_id)
        if instance is None:
            return None
        events = instance.timeline().events
        return {seq: _stored_form(event) for seq, event in enumerate(events)}

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        instances = self._instances

        class KeepInstance(WorkflowInboundInterceptor):
            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                instances[workflow.info().run_id] = workflow.instance()
                return await super().execute_workflow(input)

        return KeepInstance


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
                recorded[item.seq] = _stored_form(item.event)
    return recorded


def _stored_form(event: TimelineEvent) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude_none=True)


async def _sync_retrying(client: Client, loan_id: str) -> str | None:
    """The attempt and last failure type of the case's pending `sync_case`, if any."""
    handle = client.get_workflow_handle(ids.case_workflow_id(loan_id))
    try:
        async with asyncio.timeout(DESCRIBE_TIMEOUT.total_seconds()):
            description = await handle.describe(rpc_timeout=DESCRIBE_TIMEOUT)
    except (RPCError, TimeoutError):
        return None
    for activity in description.raw_description.pending_activities:
        if activity.activity_type.name != SYNC_ACTIVITY:
            continue
        # The failure's type only: its message is encrypted and may quote personal data.
        failure = activity.last_failure.application_failure_info.type or "none yet"
        return f"{SYNC_ACTIVITY} attempt {activity.attempt}, last failure: {failure}"
    return None


async def _decode_sync(client: Client, payloads: Payloads) -> CaseSync:
    (sync,) = await client.data_converter.decode(list(payloads.payloads), [CaseSync])
    return sync


def _compare(
    recorded: dict[int, dict[str, Any]],
    timeline: dict[int, dict[str, Any]],
    stored: dict[int, dict[str, Any]],
) -> tuple[list[str], list[str]]:
    """(disagreements, pending) between what the workflow's completed syncs `recorded`,
    its `timeline` and the `stored` rows, each by sequence number."""
    disagreements: list[str] = []
    pending: list[str] = []
    for seq in sorted(recorded.keys() | timeline.keys() | stored.keys()):
        if seq in recorded:
            if seq not in stored:
                disagreements.append(f"seq {seq}: in the history, missing from audit_events")
            elif recorded[seq] != stored[seq]:
                disagreements.append(f"seq {seq}: audit_events differs from the history")
            elif seq in timeline and timeline[seq] != recorded[seq]:
                disagreements.append(f"seq {seq}: the timeline differs from what was synced")
        elif seq not in timeline:
            disagreements.append(f"seq {seq}: in audit_events, never recorded by the workflow")
        elif seq not in stored:
            pending.append(f"seq {seq}: recorded by the workflow, not yet in audit_events")
        elif stored[seq] != timeline[seq]:
            disagreements.append(f"seq {seq}: audit_events differs from the workflow's timeline")
        else:
            # Written by a sync whose completion the history did not show yet.
            pending.append(f"seq {seq}: in audit_events, its sync not yet complete")
    return disagreements, pending
