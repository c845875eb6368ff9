"""Moving a scenario onto the test server's calendar, and its results back.

The time-skipping test server's clock starts at the machine's "now" and only goes forward;
it cannot be started at another instant (the standalone server takes a port and
`--enable-time-skipping`, nothing else; only the Java SDK's in-process server takes an
initial time). A scenario usually starts in the past, so the whole scenario is moved
forward by `offset`: its start, every event instant and every date it carries (a case's
`due_date`, a promise's `due_date`, a plan's `first_due_date`, a payment's `paid_at`). The
results are moved back by the same offset: every event's `at` and its date-valued fields.

The offset is a whole number of 28-year cycles. 28 Gregorian years hold exactly 7 leap
days when they do not cross a century year that is not a leap year (2100): 10,227 days,
1,461 weeks. Moved by that, every date keeps its day, month and weekday, so month ends,
29 February and the rule-based daylight-saving changes ("second Sunday of March") fall on
the same dates, and a simulated case takes the same decisions at the same local times as
a live case on the scenario's dates. A zone's own rule changes are not kept (the US moved
its changes in 2007), so `offset_for` checks that every minute of the scenario has the same
UTC offset in the cycle it moves to, takes a later cycle when it does not, and refuses the
scenario when no cycle the test server can reach will do.

Every offset `offset_for` accepts gives the same output, so the output does not depend on
the year the simulation runs in.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from arrears.contracts import CaseOpening, Contract, TimelineEvent
from arrears.simulation.loading import ScenarioError
from arrears.simulation.scenario import Scenario

CYCLE = timedelta(days=28 * 365 + 7)
"""28 Gregorian years (without a skipped leap day): dates, weekdays and leap days repeat."""
CYCLE_YEARS = 28
MARGIN = timedelta(weeks=1)
"""The shifted start lies at least this far ahead of the server's clock."""
REACH = timedelta(days=2)
"""How far beyond the scenario its instants are computed (a deferral until the next
morning, a local midnight), and so how far beyond it the time zones must agree."""

_HOUR = timedelta(hours=1)
_MINUTE = timedelta(minutes=1)
_DATE_FIELDS = ("due_date", "first_due_date", "paid_at")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def offset_for(scenario: Scenario, now: datetime) -> timedelta:
    """The shift that moves `scenario` at least `MARGIN` past `now` on its own calendar:
    the fewest whole `CYCLE`s for which every date keeps its day and month and every case's
    time zone its UTC offset at every minute (none if the start already lies that far ahead).

    Raises `ScenarioError` when no cycle the test server can reach (before the 28-year
    cycle breaks in 2100) will do: it names, for each zone whose UTC offsets differ in a
    cycle tried, the first case in it and the years tried.
    """
    cycles = max(0, -(-(now + MARGIN - scenario.start) // CYCLE))
    if cycles == 0:
        return timedelta(0)
    begin, end = scenario.start - REACH, scenario.end + REACH
    zones = _first_case_by_zone(scenario)
    tried: list[int] = []
    while _keeps_dates(begin.date(), end.date(), cycles):
        offset = cycles * CYCLE
        if all(_same_offsets(ZoneInfo(zone), begin, end, offset) for zone in zones):
            return offset
        tried.append(cycles)
        cycles += 1
    raise _unshiftable(scenario, zones, begin, end, tried)


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


def _keeps_dates(first: date, last: date, cycles: int) -> bool:
    """Whether `cycles` × `CYCLE` moves every date from `first` to `last` to the same day and
    month `cycles` × 28 years later (false once the span moved crosses 28 February 2100)."""
    offset = cycles * CYCLE
    for day in _days(first, last):
        try:
            if day + offset != day.replace(year=day.year + cycles * CYCLE_YEARS):
                return False
        except ValueError:  # 29 February moved into a year without one
            return False
    return True


def _same_offsets(zone: ZoneInfo, begin: datetime, end: datetime, offset: timedelta) -> bool:
    """Whether `zone` has the same UTC offset at every minute from `begin` to `end` as at
    that minute moved by `offset`. Compared hour by hour, and minute by minute within an
    hour in which either clock changes."""
    for hour in _steps(begin, end, _HOUR):
        ends_at = min(hour + _HOUR, end)
        here = (_utcoffset(zone, hour), _utcoffset(zone, ends_at))
        there = (_utcoffset(zone, hour + offset), _utcoffset(zone, ends_at + offset))
        if here != there:
            return False
        if here[0] != here[1] or there[0] != there[1]:
            for minute in _steps(hour, ends_at, _MINUTE):
                if _utcoffset(zone, minute) != _utcoffset(zone, minute + offset):
                    return False
    return True


def _utcoffset(zone: ZoneInfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _steps(begin: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    instant = begin
    while instant < end:
        yield instant
        instant += step


def _days(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _first_case_by_zone(scenario: Scenario) -> dict[str, int]:
    zones: dict[str, int] = {}
    for index, case in enumerate(scenario.cases):
        zones.setdefault(case.case.customer.timezone, index)
    return zones


def _unshiftable(
    scenario: Scenario, zones: dict[str, int], begin: datetime, end: datetime, tried: list[int]
) -> ScenarioError:
    """Why the scenario cannot be moved: each zone whose clock changes differ in a cycle
    tried, with the first case in it; with no cycle to try, the dates themselves."""
    year = scenario.start.year
    if not tried:
        return ScenarioError(
            f"start: {year} cannot be moved past the test server's clock by whole "
            f"{CYCLE_YEARS}-year cycles before 2100"
        )
    problems = []
    for zone, index in zones.items():
        differ = [
            str(year + cycles * CYCLE_YEARS)
            for cycles in tried
            if not _same_offsets(ZoneInfo(zone), begin, end, cycles * CYCLE)
        ]
        if differ:
            problems.append(
                f"case {index} (loan_id {scenario.cases[index].case.loan_id}): "
                f"case.customer.timezone: {zone} had other UTC offsets or clock changes in "
                f"{year} than in {', '.join(differ)}, the years the simulation could move "
                "the scenario to; its local times would not be the customer's"
            )
    return ScenarioError("\n".join(problems))


def _is_temporal(name: str) -> bool:
    """Event fields that hold a date or an instant: `until`, and names ending `_date`,
    `_at`, `_until` or `_ends` (a US validation notice's `period_ends`)."""
    return name == "until" or name.endswith(("_date", "_at", "_until", "_ends"))


def _unshift_value(value: str, offset: timedelta) -> str:
    """A date or an instant as the workflow's JSON gives it, moved back by `offset`; an
    instant taken down to its minute, as `at` is (the server's clock runs on by a few
    milliseconds while tasks are in flight, differently on every run)."""
    try:
        if len(value) == len("2026-01-05"):
            return (date.fromisoformat(value) - offset).isoformat()
        instant = datetime.fromisoformat(value).replace(second=0, microsecond=0) - offset
    except ValueError:
        return value
    return instant.isoformat().replace("+00:00", "Z")
