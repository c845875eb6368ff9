"""The timeline is ordered by `at`, whatever order the case recorded its events in; events
of the same instant keep their recorded order.

The case below records its events out of time order on purpose. It runs under the real
workflow name on a task queue of its own, with a worker of its own, on the real dev
server; nothing of Temporal is imitated.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from arrears import ids
from arrears.contracts import CaseView, Timeline, TimelineEvent
from arrears.strategy import load_default
from arrears.workflows.case_state import CaseStart, CaseState
from tests.api.conftest import auth
from tests.factories import opening

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# (minutes after T0, type) in recorded order: two of them share an instant.
RECORDED = [(30, "third"), (0, "first"), (10, "second-a"), (40, "last"), (10, "second-b")]


# Not sandboxed: a test double that does nothing non-deterministic needs no guard.
@workflow.defn(name="CollectionCase", sandboxed=False)
class CaseRecordedOutOfOrder:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._state = CaseState.open(start.opening, start.received_at, start.strategy)
        self._events = [
            TimelineEvent(at=T0 + timedelta(minutes=minutes), type=type_)
            for minutes, type_ in RECORDED
        ]

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self._state.view()

    @workflow.query(name="timeline")
    def timeline(self) -> Timeline:
        return Timeline(events=self._events)


@asynccontextmanager
async def case_recorded_out_of_order(env: WorkflowEnvironment) -> AsyncIterator[str]:
    task_queue = f"out-of-order-{uuid.uuid4().hex[:8]}"
    case = opening()
    async with Worker(env.client, task_queue=task_queue, workflows=[CaseRecordedOutOfOrder]):
        handle = await env.client.start_workflow(
            CaseRecordedOutOfOrder.run,
            CaseStart(opening=case, received_at=datetime.now(UTC), strategy=load_default()),
            id=ids.case_workflow_id(case.loan_id),
            task_queue=task_queue,
        )
        try:
            yield case.loan_id
        finally:
            await handle.terminate("test finished")


async def test_the_timeline_is_ordered_by_at_and_ties_keep_recorded_order(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    async with case_recorded_out_of_order(dev_env) as loan_id:
        response = await api.get(f"/v1/cases/{loan_id}/timeline", headers=auth("auditor"))

    assert response.status_code == 200, response.text
    events = response.json()["events"]
    assert [event["type"] for event in events] == ["first", "second-a", "second-b", "third", "last"]
    assert [event["at"] for event in events] == sorted(event["at"] for event in events)


def test_in_time_order_is_stable_and_leaves_the_timeline_as_it_was():
    recorded = Timeline(
        events=[
            TimelineEvent(at=T0 + timedelta(minutes=minutes), type=type_)
            for minutes, type_ in RECORDED
        ]
    )
    ordered = recorded.in_time_order()
    assert [e.type for e in ordered.events] == ["first", "second-a", "second-b", "third", "last"]
    assert [e.type for e in recorded.events] == [type_ for _, type_ in RECORDED]
