"""Moving a scenario into the test server's future, and its results back.

The time-skipping server's clock starts at the real "now" and only goes forward, while a
scenario usually starts in the past. The whole scenario is moved forward by `offset`, a
whole number of 52-week spans, so weekdays and customer-local times of day stay as they
were: its start, every event instant and every date it carries (a case's `due_date`, a
promise's `due_date`, a plan's `first_due_date`, a payment's `paid_at`). The results are
moved back by the same offset: every event's `at` and its date-valued fields.

52 weeks rather than one: the offset then changes once a year of real time instead of once
a week, so a scenario in a zone with daylight-saving time gives the same output for longer.
Those zones may still see an hour's difference near a transition, which falls on another
day of the shifted year.
"""

import re
from datetime import date, datetime, timedelta
from typing import Any

from arrears.contracts import CaseOpening, Contract, TimelineEvent

SHIFT_STEP = timedelta(weeks=52)
MARGIN = timedelta(weeks=1)
"""The shifted start lies at least this far ahead of the server's clock."""

_DATE_FIELDS = ("due_date", "first_due_date", "paid_at")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def offset_for(start: datetime, now: datetime) -> timedelta:
    """The shift that moves `start` at least `MARGIN` past `now`: a whole number of
    `SHIFT_STEP`s, none if the start already lies that far ahead."""
    behind = now + MARGIN - start
    if behind <= timedelta(0):
        return timedelta(0)
    return -(-behind // SHIFT_STEP) * SHIFT_STEP


def shift_opening(opening: CaseOpening, offset: timedelta) -> CaseOpening:
    return opening.model_copy(update={"due_date": opening.due_date + offset})


def shift_command(command: Contract, offset: timedelta) -> Contract:
    """`command` with the dates and instants it carries moved by `offset`."""
    moved = {
        name: value + offset
        for name in _DATE_FIELDS
        if isinstance(value := getattr(command, name, None), date)
    }
    return command.model_copy(update=moved)


def unshift_event(event: TimelineEvent, offset: timedelta, *, at: datetime) -> TimelineEvent:
    """`event` in the scenario's time: `at` (already taken to the minute on the server's
    clock) and every date-valued field moved back by `offset`."""
    fields: dict[str, Any] = dict(event.model_extra or {})
    for name, value in fields.items():
        if _is_temporal(name) and isinstance(value, str):
            fields[name] = _unshift_value(value, offset)
    return TimelineEvent(at=at - offset, type=event.type, rule=event.rule, **fields)


def unshift_text(text: str, offset: timedelta) -> str:
    """`text` with every ISO date in it moved back by `offset` (for rejection reasons)."""

    def back(match: re.Match[str]) -> str:
        try:
            day = date(*(int(part) for part in match.groups()))
        except ValueError:
            return match.group(0)
        return (day - offset).isoformat()

    return _ISO_DATE.sub(back, text)


def _is_temporal(name: str) -> bool:
    return name == "until" or name.endswith(("_date", "_at", "_until"))


def _unshift_value(value: str, offset: timedelta) -> str:
    """A date or an instant as the workflow's JSON gives it, moved back by `offset`."""
    try:
        if len(value) == len("2026-01-05"):
            return (date.fromisoformat(value) - offset).isoformat()
        instant = datetime.fromisoformat(value) - offset
    except ValueError:
        return value
    return instant.isoformat().replace("+00:00", "Z")
