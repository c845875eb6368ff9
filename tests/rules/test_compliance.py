"""Contact-time rules: customer-local windows per jurisdiction, each decision named."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.workflows.compliance import CONTACT_WINDOWS, ContactDecision, check_contact_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def shanghai(*parts: int) -> datetime:
    """A Shanghai wall-clock time as a UTC instant."""
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(UTC)


def new_york(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK).astimezone(UTC)


def test_cn_contact_at_0759_is_deferred_until_0800_the_same_day() -> None:
    decision = check_contact_time(shanghai(2026, 11, 21, 7, 59), "Asia/Shanghai", "CN")

    assert decision == ContactDecision(
        allowed=False, rule="CN.quiet_hours", until=shanghai(2026, 11, 21, 8, 0)
    )


def test_cn_contact_at_0800_is_allowed() -> None:
    decision = check_contact_time(shanghai(2026, 11, 21, 8, 0), "Asia/Shanghai", "CN")

    assert decision == ContactDecision(allowed=True, rule="CN.quiet_hours", until=None)


def test_cn_contact_at_2159_is_allowed() -> None:
    decision = check_contact_time(shanghai(2026, 11, 21, 21, 59), "Asia/Shanghai", "CN")

    assert decision.allowed
    assert decision.rule == "CN.quiet_hours"
    assert decision.until is None


def test_cn_contact_at_2200_is_deferred_until_0800_the_next_day() -> None:
    decision = check_contact_time(shanghai(2026, 11, 21, 22, 0), "Asia/Shanghai", "CN")

    assert decision == ContactDecision(
        allowed=False, rule="CN.quiet_hours", until=shanghai(2026, 11, 22, 8, 0)
    )


def test_cn_contact_just_after_midnight_is_deferred_until_0800_that_morning() -> None:
    decision = check_contact_time(shanghai(2026, 11, 21, 0, 0), "Asia/Shanghai", "CN")

    assert not decision.allowed
    assert decision.until == shanghai(2026, 11, 21, 8, 0)


def test_cn_quiet_hours_use_the_customer_local_clock_not_utc() -> None:
    instant = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

    assert check_contact_time(instant, "Asia/Shanghai", "CN").allowed
    late_evening = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert not check_contact_time(late_evening, "Asia/Shanghai", "CN").allowed
    assert check_contact_time(late_evening, "Europe/London", "CN").allowed


def test_deferral_is_expressed_in_utc() -> None:
    decision = check_contact_time(shanghai(2026, 11, 21, 23, 0), "Asia/Shanghai", "CN")

    assert decision.until is not None
    assert decision.until.utcoffset() == timedelta(0)
    assert decision.until == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "allowed", "until"),
    [
        ((2026, 11, 20, 7, 59), False, (2026, 11, 20, 8, 0)),
        ((2026, 11, 20, 8, 0), True, None),
        ((2026, 11, 20, 20, 59), True, None),
        ((2026, 11, 20, 21, 0), False, (2026, 11, 21, 8, 0)),
    ],
)
def test_us_window_is_0800_to_2100_customer_local(
    local: tuple[int, ...], allowed: bool, until: tuple[int, ...] | None
) -> None:
    decision = check_contact_time(new_york(*local), "America/New_York", "US")

    assert decision.allowed is allowed
    assert decision.rule == "US.inconvenient_time"
    assert decision.until == (new_york(*until) if until else None)


def test_us_deferral_on_the_spring_forward_night_lands_on_0800_daylight_time() -> None:
    instant = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, before the clocks jump

    decision = check_contact_time(instant, "America/New_York", "US")

    assert not decision.allowed
    assert decision.until == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_us_deferral_on_the_fall_back_night_lands_on_0800_standard_time() -> None:
    instant = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, before the clocks fall back

    decision = check_contact_time(instant, "America/New_York", "US")

    assert not decision.allowed
    assert decision.until == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST


@pytest.mark.parametrize(
    ("jurisdiction", "rule", "closes"),
    [
        ("CN", "CN.quiet_hours", 22),
        ("US", "US.inconvenient_time", 21),
        ("UK", "UK.reasonable_hours", 21),
        ("EU", "EU.reasonable_hours", 20),
    ],
)
def test_each_jurisdiction_names_its_rule_and_closes_at_its_hour(
    jurisdiction: str, rule: str, closes: int
) -> None:
    window = CONTACT_WINDOWS[jurisdiction]
    last_minute = shanghai(2026, 11, 20, closes - 1, 59)
    closing = shanghai(2026, 11, 20, closes, 0)

    assert (window.opens, window.closes, window.rule) == (time(8), time(closes), rule)
    assert check_contact_time(last_minute, "Asia/Shanghai", jurisdiction).allowed
    refused = check_contact_time(closing, "Asia/Shanghai", jurisdiction)
    assert (refused.allowed, refused.rule) == (False, rule)
    assert refused.until == shanghai(2026, 11, 21, 8, 0)


@settings(deadline=None)
@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    tz=st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Asia/Tokyo"]),
    jurisdiction=st.sampled_from(sorted(CONTACT_WINDOWS)),
)
def test_contact_is_allowed_exactly_inside_the_window_and_deferred_to_its_opening(
    instant: datetime, tz: str, jurisdiction: str
) -> None:
    window = CONTACT_WINDOWS[jurisdiction]
    clock = instant.astimezone(ZoneInfo(tz)).time()

    decision = check_contact_time(instant, tz, jurisdiction)

    assert decision.rule == window.rule
    assert decision.allowed is (window.opens <= clock < window.closes)
    if decision.allowed:
        assert decision.until is None
    else:
        assert decision.until is not None
        assert instant < decision.until <= instant + timedelta(hours=13)
        assert decision.until.astimezone(ZoneInfo(tz)).time() == window.opens
        between = decision.until - timedelta(minutes=1)
        assert between <= instant or not check_contact_time(between, tz, jurisdiction).allowed
