"""Why a case's workflow task is being tried again: it failed (the worker's code cannot run
the case: a bug, or code that cannot replay its history), or it timed out (a worker took it
and never finished: stopped, hung, killed mid-task). The first needs a fix; the second, a
worker that runs.

Temporal records how a task's first attempt ended (`WorkflowTaskFailed` or
`WorkflowTaskTimedOut`) and nothing of the attempts after it, and the Python SDK reports
only a task's first failure and lets later attempts time out. So the last outcome in the
history says which it is: a task that failed once and then timed out is failing; one that
timed out first and failed later reads as timing out.
"""

import asyncio
from datetime import timedelta
from typing import Literal

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseRequest
from temporalio.client import Client, WorkflowExecutionDescription
from temporalio.service import RPCError

RETRIED_AT_ATTEMPT = 2
"""A pending workflow task on this attempt or a later one has failed or timed out on every
try since the case last moved."""

Trouble = Literal["failing", "timing out"]

_OUTCOMES = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}
_PAGE = 100
_PAGES = 3
"""How far back (pages of `_PAGE` events, newest first) the last outcome is looked for;
only signals come between it and the end of the history."""


async def trouble(
    client: Client, description: WorkflowExecutionDescription, patience: timedelta
) -> tuple[Trouble, int] | None:
    """("failing" or "timing out", the attempt) when the case's pending workflow task has
    been tried again; None when it has not. Failing when the history does not say within
    `patience`: the safe side, for that one sends for an operator."""
    raw = description.raw_description
    if not raw.HasField("pending_workflow_task"):
        return None
    attempt = raw.pending_workflow_task.attempt
    if attempt < RETRIED_AT_ATTEMPT:
        return None
    outcome = await _last_outcome(client, description, patience)
    if outcome == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        return "timing out", attempt
    return "failing", attempt


async def _last_outcome(
    client: Client, description: WorkflowExecutionDescription, patience: timedelta
) -> "EventType.ValueType | None":
    """How the run's last recorded workflow task ended, from its history read newest
    first; None if not found, or not answered within `patience`."""
    request = GetWorkflowExecutionHistoryReverseRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=description.id, run_id=description.run_id),
        maximum_page_size=_PAGE,
    )
    try:
        async with asyncio.timeout(patience.total_seconds()):
            for _ in range(_PAGES):
                page = await client.workflow_service.get_workflow_execution_history_reverse(
                    request, timeout=patience
                )
                for event in page.history.events:
                    if event.event_type in _OUTCOMES:
                        return event.event_type
                if not page.next_page_token:
                    return None
                request.next_page_token = page.next_page_token
    except (TimeoutError, RPCError):
        return None
    return None
