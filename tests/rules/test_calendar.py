"""Customer-local calendar maths: due dates, local midnights and clock windows."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.workflows.calendar import (
    days_past_due,
    local_clock,
    local_date,
    local_time_window_start,
    next_local_midnight,
    start_of_local_day,
)

NEW_YORK = "America/New_York"
SHANGHAI = "Asia/Shanghai"
# Zones whose clocks never jump across midnight or inside the hours used below.
STEADY_ZONES = st.sampled_from(
    [SHANGHAI, NEW_YORK, "Europe/London", "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def in_zone(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def test_local_date_and_clock_follow_the_customer_zone() -> None:
    instant = utc(2026, 11, 20, 16, 30)

    assert local_date(instant, SHANGHAI) == date(2026, 11, 21)
    assert local_date(instant, NEW_YORK) == date(2026, 11, 20)
    assert local_clock(instant, SHANGHAI) == time(0, 30)
    assert local_clock(instant, NEW_YORK) == time(11, 30)


@pytest.mark.parametrize(
    ("instant", "tz", "dpd"),
    [
        (utc(2026, 11, 20, 16, 30), SHANGHAI, 1),
        (utc(2026, 11, 20, 16, 30), "UTC", 0),
        (utc(2026, 11, 20, 16, 30), NEW_YORK, 0),
        (utc(2026, 11, 20, 15, 59), SHANGHAI, 0),
        (utc(2026, 11, 20, 10, 0), "Pacific/Kiritimati", 1),
        (utc(2026, 11, 21, 10, 0), "Pacific/Pago_Pago", 0),
        (utc(2026, 12, 20, 16, 0), SHANGHAI, 31),
    ],
)
def test_days_past_due_counts_customer_local_dates(instant: datetime, tz: str, dpd: int) -> None:
    assert days_past_due(date(2026, 11, 20), instant, tz) == dpd


def test_days_past_due_is_zero_before_and_on_the_due_date() -> None:
    due = date(2026, 11, 20)

    assert days_past_due(due, utc(2026, 10, 1), SHANGHAI) == 0
    assert days_past_due(due, utc(2026, 11, 20, 12), SHANGHAI) == 0


@settings(deadline=None)
@given(due=st.dates(date(2000, 1, 1), date(2037, 12, 31)), instant=instants, tz=STEADY_ZONES)
def test_days_past_due_is_never_negative(due: date, instant: datetime, tz: str) -> None:
    dpd = days_past_due(due, instant, tz)

    assert dpd >= 0
    assert dpd == max(0, (in_zone(instant, tz).date() - due).days)


@settings(deadline=None)
@given(first=instants, second=instants, tz=STEADY_ZONES)
def test_days_past_due_never_decrease_as_time_passes(
    first: datetime, second: datetime, tz: str
) -> None:
    earlier, later = sorted((first, second))
    due = date(2010, 6, 15)

    assert days_past_due(due, earlier, tz) <= days_past_due(due, later, tz)


@pytest.mark.parametrize(
    ("instant", "tz", "midnight"),
    [
        (utc(2026, 11, 20, 16, 30), SHANGHAI, utc(2026, 11, 21, 16)),
        (utc(2026, 11, 20, 16, 0), SHANGHAI, utc(2026, 11, 21, 16)),
        (utc(2026, 11, 20, 15, 59), SHANGHAI, utc(2026, 11, 20, 16)),
        # America/New_York springs forward on 2026-03-08: that local day lasts 23 hours.
        (utc(2026, 3, 7, 12), NEW_YORK, utc(2026, 3, 8, 5)),
        (utc(2026, 3, 8, 12), NEW_YORK, utc(2026, 3, 9, 4)),
        # ... and falls back on 2026-11-01: that local day lasts 25 hours.
        (utc(2026, 10, 31, 12), NEW_YORK, utc(2026, 11, 1, 4)),
        (utc(2026, 11, 1, 5, 30), NEW_YORK, utc(2026, 11, 2, 5)),
        (utc(2026, 11, 1, 6, 30), NEW_YORK, utc(2026, 11, 2, 5)),
    ],
)
def test_next_local_midnight_is_the_next_customer_midnight(
    instant: datetime, tz: str, midnight: datetime
) -> None:
    assert next_local_midnight(instant, tz) == midnight


@settings(deadline=None)
@given(instant=instants, tz=STEADY_ZONES)
def test_next_local_midnight_is_strictly_after_and_on_the_local_midnight(
    instant: datetime, tz: str
) -> None:
    midnight = next_local_midnight(instant, tz)

    assert midnight > instant
    assert midnight - instant <= timedelta(hours=25)
    assert midnight.utcoffset() == timedelta(0)
    assert in_zone(midnight, tz).time() == time(0)
    assert in_zone(midnight, tz).date() == in_zone(instant, tz).date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("instant", "tz", "start", "expected"),
    [
        (utc(2026, 11, 20, 23, 59), SHANGHAI, time(8), utc(2026, 11, 21, 0)),
        (utc(2026, 11, 21, 0, 0), SHANGHAI, time(8), utc(2026, 11, 21, 0)),
        (utc(2026, 11, 21, 14, 0), SHANGHAI, time(8), utc(2026, 11, 22, 0)),
        # 09:00 EST on 2026-03-07; the next 08:00 is already daylight time.
        (utc(2026, 3, 7, 14), NEW_YORK, time(8), utc(2026, 3, 8, 12)),
        # 09:00 EDT on 2026-10-31; the next 08:00 is already standard time.
        (utc(2026, 10, 31, 13), NEW_YORK, time(8), utc(2026, 11, 1, 13)),
    ],
)
def test_local_time_window_start_is_the_next_time_the_clock_shows_start(
    instant: datetime, tz: str, start: time, expected: datetime
) -> None:
    assert local_time_window_start(instant, tz, start) == expected


@settings(deadline=None)
@given(
    instant=instants,
    tz=STEADY_ZONES,
    hour=st.sampled_from([0, *range(4, 24)]),
    minute=st.integers(0, 59),
)
def test_local_time_window_start_is_at_or_after_and_shows_the_start_time(
    instant: datetime, tz: str, hour: int, minute: int
) -> None:
    start = time(hour, minute)

    result = local_time_window_start(instant, tz, start)

    assert result >= instant
    assert result - instant <= timedelta(hours=25)
    assert result.utcoffset() == timedelta(0)
    assert in_zone(result, tz).time() == start


def test_local_time_window_start_is_never_before_the_instant_in_the_repeated_hour() -> None:
    instant = utc(2026, 11, 1, 6, 15)  # 01:15 EST, after the clocks fell back

    result = local_time_window_start(instant, NEW_YORK, time(1, 30))

    assert result >= instant
    assert result == utc(2026, 11, 1, 6, 30)  # 01:30 EST


@pytest.mark.parametrize(
    ("day", "tz", "start"),
    [
        (date(2026, 11, 21), SHANGHAI, utc(2026, 11, 20, 16)),
        (date(2026, 11, 21), "UTC", utc(2026, 11, 21)),
        (date(2026, 3, 8), NEW_YORK, utc(2026, 3, 8, 5)),
        (date(2026, 3, 9), NEW_YORK, utc(2026, 3, 9, 4)),
        (date(2026, 11, 1), NEW_YORK, utc(2026, 11, 1, 4)),
        (date(2026, 11, 2), NEW_YORK, utc(2026, 11, 2, 5)),
    ],
)
def test_start_of_local_day_is_the_customer_midnight_in_utc(
    day: date, tz: str, start: datetime
) -> None:
    assert start_of_local_day(day, tz) == start


@settings(deadline=None)
@given(day=st.dates(date(2000, 1, 2), date(2037, 12, 30)), tz=STEADY_ZONES)
def test_start_of_local_day_is_the_first_instant_of_that_local_date(day: date, tz: str) -> None:
    start = start_of_local_day(day, tz)

    assert start.utcoffset() == timedelta(0)
    assert in_zone(start, tz).date() == day
    assert in_zone(start, tz).time() == time(0)
    assert in_zone(start - timedelta(microseconds=1), tz).date() == day - timedelta(days=1)


@settings(deadline=None)
@given(instant=instants, tz=STEADY_ZONES)
def test_next_local_midnight_starts_the_next_local_day(instant: datetime, tz: str) -> None:
    tomorrow = local_date(instant, tz) + timedelta(days=1)

    assert next_local_midnight(instant, tz) == start_of_local_day(tomorrow, tz)
