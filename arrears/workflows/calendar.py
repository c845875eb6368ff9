"""Customer-local calendar maths for the workflow.

Imported through the sandbox (`imports_passed_through`) because zoneinfo reads the tz
database from disk, which the sandbox forbids. Every function is pure: the same UTC instant
and zone give the same answer on every replay.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_date(instant: datetime, tz: str) -> date:
    """The customer's calendar date at `instant`."""
    return instant.astimezone(ZoneInfo(tz)).date()


def days_past_due(due_date: date, instant: datetime, tz: str, *, held_days: int = 0) -> int:
    """Days past due at `instant` in the customer's zone; 0 on the due date itself.
    `held_days` are days not counted (those an agreed plan performed under a strategy that
    freezes DPD while a plan performs)."""
    return max(0, (local_date(instant, tz) - due_date).days - held_days)


def next_local_midnight(instant: datetime, tz: str) -> datetime:
    """The first customer-local midnight strictly after `instant`, as a UTC instant."""
    zone = ZoneInfo(tz)
    tomorrow = instant.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC)


def local_time_window_start(instant: datetime, tz: str, start: time) -> datetime:
    """The next instant, at or after `instant`, when the customer's clock shows `start`."""
    zone = ZoneInfo(tz)
    day = instant.astimezone(zone).date()
    for candidate_day in (day, day + timedelta(days=1)):
        # Both passes of a wall-clock time that occurs twice (the hour repeated when clocks
        # go back), earlier first; compared as UTC instants, never as wall-clock readings.
        for fold in (0, 1):
            candidate = datetime.combine(candidate_day, start, tzinfo=zone).replace(fold=fold)
            if candidate.astimezone(UTC) >= instant:
                return candidate.astimezone(UTC)
    raise AssertionError("unreachable: the next day always has the start time")


def local_clock(instant: datetime, tz: str) -> time:
    return instant.astimezone(ZoneInfo(tz)).time()


def start_of_local_day(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` begins on the customer's clock."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def overdue_since(due_date: date, tz: str) -> datetime:
    """The UTC instant at which a debt due on `due_date` becomes one day past due: the
    customer-local midnight after its due date."""
    return start_of_local_day(due_date + timedelta(days=1), tz)


OLDEST_DUE_YEARS = 20
"""How many years back a case's due date may lie: older debts are beyond any limitation
period."""


def due_date_problem(due_date: date, instant: datetime, tz: str) -> str | None:
    """Why a case cannot open at `instant` for a debt due on `due_date`, or None: a debt is
    overdue from its due date on (not before it), and at most `OLDEST_DUE_YEARS` old."""
    today = local_date(instant, tz)
    if due_date > today:
        return f"due_date {due_date} is after the customer's today ({today}): not overdue yet"
    years_ago = today.year - OLDEST_DUE_YEARS
    oldest = (
        today.replace(year=years_ago, day=28)
        if (today.month, today.day) == (2, 29)
        else (today.replace(year=years_ago))
    )
    if due_date < oldest:
        return f"due_date {due_date} is more than {OLDEST_DUE_YEARS} years ago (before {oldest})"
    return None
