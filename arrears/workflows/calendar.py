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


def days_past_due(due_date: date, instant: datetime, tz: str) -> int:
    """Days past due at `instant` in the customer's zone; 0 on the due date itself."""
    return max(0, (local_date(instant, tz) - due_date).days)


def next_local_midnight(instant: datetime, tz: str) -> datetime:
    """The first customer-local midnight strictly after `instant`, as a UTC instant."""
    zone = ZoneInfo(tz)
    tomorrow = instant.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC)


def local_time_window_start(instant: datetime, tz: str, start: time) -> datetime:
    """The next instant, at or after `instant`, when the customer's clock shows `start`."""
    zone = ZoneInfo(tz)
    local = instant.astimezone(zone)
    candidate = datetime.combine(local.date(), start, tzinfo=zone)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), start, tzinfo=zone)
    return candidate.astimezone(UTC)


def local_clock(instant: datetime, tz: str) -> time:
    return instant.astimezone(ZoneInfo(tz)).time()


def start_of_local_day(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` begins on the customer's clock."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
