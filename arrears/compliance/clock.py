"""Customer-local days and clock readings, always computed from UTC instants.

Pure. A wall-clock time that occurs twice (the hour repeated when clocks go back) is tried
at both passes (`fold`), one that does not occur (skipped when clocks go forward) at the
instant the clocks jump; comparisons are between UTC instants, never wall-clock readings.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def utc(instant: datetime) -> datetime:
    """`instant` as an aware UTC datetime; a naive one is refused (it names no instant)."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime names no instant: give it a time zone (UTC)")
    return instant.astimezone(UTC)


def local_day(instant: datetime, tz: str) -> date:
    """The customer's calendar date at `instant` in zone `tz`."""
    return instant.astimezone(zone(tz)).date()


def reading(instant: datetime, tz: str) -> time:
    """What the customer's clock in `tz` shows at `instant`."""
    return instant.astimezone(zone(tz)).time()


def instants_of(day: date, clock: time, tz: str) -> list[datetime]:
    """The UTC instants at which the clock in `tz` first reads `clock` on `day`, or passes
    it: both passes of a repeated reading, or the jump over a skipped one. Sorted."""
    found: set[datetime] = set()
    for fold in (0, 1):
        candidate = datetime.combine(day, clock, tzinfo=zone(tz)).replace(fold=fold)
        instant = candidate.astimezone(UTC)
        if instant.astimezone(zone(tz)).replace(tzinfo=None) == candidate.replace(tzinfo=None):
            found.add(instant)
    if not found:
        found.add(_jump_over(day, clock, tz))
    return sorted(found)


def _jump_over(day: date, clock: time, tz: str) -> datetime:
    """The instant the clock jumps over the skipped reading `clock` on `day`: the first
    minute whose reading is past it. The gap lies between the two folds' instants."""
    wall = datetime.combine(day, clock, tzinfo=zone(tz))
    early = wall.replace(fold=1).astimezone(UTC)
    late = wall.replace(fold=0).astimezone(UTC)
    early, late = min(early, late), max(early, late)
    instant = early.replace(second=0, microsecond=0)
    while instant < late:
        local = instant.astimezone(zone(tz))
        if local.date() == day and local.time() >= clock:
            return instant
        instant += MINUTE
    return late


def start_of_day(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` begins on the customer's clock (its first reading,
    if midnight itself is skipped)."""
    return instants_of(day, time(0), tz)[0]
