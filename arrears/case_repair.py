"""Bring back a case whose run no longer replays: reset it to its last workflow task that does.

A case whose history the current code cannot replay is stuck: every workflow task fails
(the API answers `case_stuck`, `arrears audit` reports the replay as failing). One known
cause lies outside arrears: a freshly started worker that takes a workflow task carrying
new events, updates and a query at once can write the updates' acceptance after commands
that its own replay puts before them (Temporal Python SDK 1.35, core). The cure Temporal
offers is a reset: a new run of the same workflow id that keeps the history up to a chosen
workflow task and receives again the signals and updates that came after it.

`plan_repair` replays the current run, finds the first event the replay disagrees with and
the last workflow task completed before the one that wrote it; `repair` resets there. The
events the case records again are new timeline events; the audit table keeps what the old
run recorded, and `arrears audit` reports where the two differ.
"""

import re
import uuid
from dataclasses import dataclass

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.worker import Replayer

from arrears import ids
from arrears.worker import WORKFLOWS

_EVENT_ID = re.compile(r"HistoryEvent\(id: (\d+)")


@dataclass(frozen=True)
class RepairPlan:
    """What repairing the case's current run `run_id` means. `failure` is None when the
    run replays (nothing to repair); `reset_to` is the event id of the workflow task
    completion to reset to, None when no such task can be named."""

    loan_id: str
    run_id: str
    failure: str | None
    reset_to: int | None


async def plan_repair(
    client: Client, loan_id: str, *, workflows: list[type] = WORKFLOWS
) -> RepairPlan:
    """Replay the current run of the case of `loan_id` against `workflows` and say where a
    reset would bring it back. Raises Temporal's `RPCError` (NOT_FOUND for no case)."""
    workflow_id = ids.case_workflow_id(loan_id)
    # The current run by its own id: a reset run's history begins with its base run's id.
    run_id = (await client.get_workflow_handle(workflow_id).describe()).run_id
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    replayer = Replayer(workflows=workflows, data_converter=client.data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    if result.replay_failure is None:
        return RepairPlan(loan_id, run_id, None, None)
    failure = str(result.replay_failure)
    found = _EVENT_ID.search(failure)
    completed = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    tasks = [e.event_id for e in history.events if e.event_type == completed]
    if found is not None:
        diverged = int(found.group(1))
        tasks = [task for task in tasks if task < diverged]
    # The last of `tasks` wrote what the replay disagrees with; the one before it replays.
    reset_to = tasks[-2] if len(tasks) >= 2 and found is not None else None
    return RepairPlan(loan_id, run_id, failure, reset_to)


async def repair(client: Client, plan: RepairPlan, *, reason: str) -> str:
    """Reset the run of `plan` to `plan.reset_to`; returns the new run's id. Signals and
    updates that came after that task are delivered to the new run again."""
    assert plan.reset_to is not None
    response = await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(
                workflow_id=ids.case_workflow_id(plan.loan_id), run_id=plan.run_id
            ),
            reason=reason,
            workflow_task_finish_event_id=plan.reset_to,
            request_id=str(uuid.uuid4()),
        )
    )
    return response.run_id
