"""Checks that hold for every case at every quiet moment, whatever the timing: its workflow
tasks never failed, and its timeline tells the same story as its state."""

import asyncio
from collections import Counter
from collections.abc import Callable

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from arrears.contracts import CaseView, TimelineEvent
from arrears.workflows.case import CollectionCase

ESCALATION_OF_EVENT = {
    "bureau_prenotice": "bureau_pre_notice",
    "bureau_reported": "bureau_report",
    "lawyer_letter": "lawyer_letter",
    "litigation_referred": "litigation_referral",
}


_OPENED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: "workflow task",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activity",
}
_ENDED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow task",
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED: "workflow task",
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: "workflow task",
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity",
}


async def in_flight(handle: WorkflowHandle) -> Counter[str]:
    """Workflow tasks and activities the run's history shows scheduled and not yet ended.

    Read from the history rather than `describe`: the time-skipping server never reports a
    pending workflow task there, and the history records an activity's completion and the
    workflow task it schedules in one write, so no moment between them looks quiet.
    """
    open_ = Counter()
    async for event in handle.fetch_history_events():
        if event.event_type in _OPENED:
            open_[_OPENED[event.event_type]] += 1
        elif event.event_type in _ENDED:
            open_[_ENDED[event.event_type]] -= 1
    return +open_


async def idle(handle: WorkflowHandle) -> None:
    """Wait (in real time) until the case has no workflow task and no activity in flight."""
    for _ in range(500):
        if not await in_flight(handle):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("case did not become idle")


async def failed_workflow_tasks(handle: WorkflowHandle) -> list[str]:
    """The failures of the case's workflow tasks, if any ever failed."""
    failed = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    return [
        e.workflow_task_failed_event_attributes.failure.message
        async for e in handle.fetch_history_events()
        if e.event_type == failed
    ]


def assert_story_matches_state(view: CaseView, timeline: list[TimelineEvent]) -> None:
    """The state a reader would rebuild from the timeline is the state the case has."""
    kinds = [e.type for e in timeline]
    extra = [e.model_extra or {} for e in timeline]

    # A case closes once, or once more after each reversal that reopened it.
    closings, reopenings = kinds.count("case_closed"), kinds.count("case_reopened")
    assert (view.status == "closed") == (closings > reopenings)
    assert reopenings <= closings <= reopenings + 1

    applied = Counter(
        x["payment_id"] for e, x in zip(timeline, extra, strict=True) if e.type == "payment_applied"
    )
    assert all(n == 1 for n in applied.values()), f"a payment applied twice: {applied}"
    amounts = sum(
        x["amount"]
        for e, x in zip(timeline, extra, strict=True)
        if e.type in ("payment_applied", "recovery_received")
    )
    reversed_ = sum(
        x["amount"] for e, x in zip(timeline, extra, strict=True) if e.type == "payment_reversed"
    )
    assert view.paid + view.recovered + view.excess == amounts - reversed_

    opened = kinds.count("dispute_opened")
    # Every resolution that names the dispute's reason ends it, upheld or not; before
    # those, only a rejection did (an upheld dispute stayed open).
    rejected = sum(
        1
        for e, x in zip(timeline, extra, strict=True)
        if e.type == "dispute_resolved" and (x["outcome"] == "rejected" or "reason" in x)
    )
    assert (view.dispute is not None) == (opened > rejected)

    ceased = {
        c
        for e, x in zip(timeline, extra, strict=True)
        if e.type == "contact_ceased"
        for c in x["channels"]
    }
    assert set(view.ceased_channels) == ceased

    invalid: set[str] = set()
    vulnerability = None
    breathing_space = None
    for e, x in zip(timeline, extra, strict=True):
        if e.type == "contact_point_invalid":
            invalid.add(x["point"])
        elif e.type == "contact_point_restored":
            invalid.discard(x["point"])
        elif e.type == "vulnerability_flagged":
            vulnerability = x["kind"]
        elif e.type == "vulnerability_cleared":
            vulnerability = None
        elif e.type == "breathing_space_started":
            breathing_space = x["until"]
        elif e.type == "breathing_space_ended":
            breathing_space = None
    assert set(view.invalid_contact_points) == invalid
    assert view.vulnerability == vulnerability
    until = view.breathing_space_until
    assert (str(until) if until else None) == (str(breathing_space) if breathing_space else None)

    promise_events = [
        (e.type, x["promise_id"])
        for e, x in zip(timeline, extra, strict=True)
        if e.type in ("promise_made", "promise_kept", "promise_broken")
    ]
    if view.promise is not None:
        last_of_promise = [t for t, pid in promise_events if pid == view.promise.promise_id][-1]
        expected = {"promise_made": "active", "promise_kept": "kept", "promise_broken": "broken"}
        assert expected[last_of_promise] == view.promise.status
    else:
        assert not promise_events

    taken = {ESCALATION_OF_EVENT[e.type] for e in timeline if e.type in ESCALATION_OF_EVENT}
    if view.closed_reason == "written_off":
        taken.add("write_off")
    assert set(view.escalations) == taken

    stages = [
        x["stage"]
        for e, x in zip(timeline, extra, strict=True)
        if e.type in ("case_opened", "stage_changed")
    ]
    assert stages[-1] == view.stage

    migrations = [
        x["to_version"]
        for e, x in zip(timeline, extra, strict=True)
        if e.type == "strategy_migrated"
    ]
    if migrations:
        assert view.strategy_version == migrations[-1]


async def assert_case_is_sound(handle: WorkflowHandle, stored: Callable[[], list[str]]) -> None:
    """No failed workflow task; the timeline matches the state; Postgres got it all
    (`stored`: the event types Postgres keeps, read once the case is idle)."""
    await idle(handle)
    synced = stored()
    assert await failed_workflow_tasks(handle) == []
    view = await handle.query(CollectionCase.view)
    timeline = (await handle.query(CollectionCase.timeline)).events
    assert_story_matches_state(view, timeline)
    assert synced == [e.type for e in timeline]
