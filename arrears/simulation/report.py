"""What a simulation writes: the timeline as JSON lines, and a summary of the portfolio.

Both are functions of the result alone (sorted, no wall-clock time, no random id), so the
same scenario gives byte-identical output on every run.
"""

import json
from datetime import timedelta
from typing import Any

from arrears.contracts import TimelineEvent
from arrears.simulation.runner import SimulationResult

CURE_DAYS = (30, 60, 90)
CURED = ("paid", "settled")


def timeline_lines(result: SimulationResult) -> list[str]:
    """One JSON object per timeline event, with `loan_id` added, ordered by time, then by
    loan_id, then by the event's position in its case's timeline."""
    rows = [
        (event.at, loan_id, position, event)
        for loan_id, events in _within_run(result).items()
        for position, event in enumerate(events)
    ]
    rows.sort(key=lambda row: row[:3])
    return [
        _dumps({**event.model_dump(mode="json", exclude_none=True), "loan_id": loan_id})
        for _, loan_id, _, event in rows
    ]


def summary(result: SimulationResult) -> dict[str, Any]:
    """The portfolio in numbers. Rates are shares of the cases (or of the promises made),
    rounded to 4 places; `contacts_per_case` counts the contacts sent, to 2 places.

    `cure_rate_by_day` is the share of cases closed as paid or settled no later than that
    many days after the start, None for a day the run does not reach; `promises_kept_rate`
    is None when no promise was made. `recoveries` counts the payments received after a
    write-off and `recovered` sums what they paid of the written-off balances (minor units,
    excess left out): money a write-off did not lose.
    """
    scenario = result.scenario
    timelines = _within_run(result)
    cases = len(timelines)
    closed = {
        loan_id: event
        for loan_id, events in timelines.items()
        for event in events
        if event.type == "case_closed"
    }
    reasons = sorted(str(_extra(event, "reason")) for event in closed.values())
    made = _count(timelines, "promise_made")
    kept = _count(timelines, "promise_kept")
    cured = [event.at for event in closed.values() if _extra(event, "reason") in CURED]
    return {
        "cases": cases,
        "days": scenario.days,
        "strategy_version": result.strategy_version,
        "closed_by_reason": {reason: reasons.count(reason) for reason in sorted(set(reasons))},
        "open_at_end": cases - len(closed),
        "contacts_per_case": round(_count(timelines, "contact_sent") / cases, 2),
        "promises_made": made,
        "promises_kept": kept,
        "promises_kept_rate": round(kept / made, 4) if made else None,
        "cure_rate_by_day": {
            str(days): round(
                sum(at <= scenario.start + timedelta(days=days) for at in cured) / cases, 4
            )
            if days <= scenario.days
            else None
            for days in CURE_DAYS
        },
        "commands_rejected": len(result.rejections),
        "recoveries": _count(timelines, "recovery_received"),
        "recovered": sum(
            _extra(event, "amount") - _extra(event, "excess")
            for events in timelines.values()
            for event in events
            if event.type == "recovery_received"
        ),
    }


def dumps_summary(numbers: dict[str, Any]) -> str:
    return json.dumps(numbers, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def _within_run(result: SimulationResult) -> dict[str, list[TimelineEvent]]:
    """Each case's events up to the end of the run. A case may stamp a step a moment past
    the last minute when the machine falls behind; it belongs to no simulated day."""
    end = result.scenario.end
    return {
        loan_id: [event for event in events if event.at <= end]
        for loan_id, events in result.timelines.items()
    }


def _count(timelines: dict[str, list[TimelineEvent]], event_type: str) -> int:
    return sum(event.type == event_type for events in timelines.values() for event in events)


def _extra(event: TimelineEvent, name: str) -> Any:
    return (event.model_extra or {}).get(name)


def _dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)
