"""Moving a scenario onto the test server's calendar and back. No server needed."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from arrears.cli import app
from arrears.commands import AgreePlan
from arrears.contracts import TimelineEvent
from arrears.simulation import Scenario, ScenarioError, loads_scenario
from arrears.simulation.timeshift import (
    CYCLE,
    MARGIN,
    offset_for,
    shift_command,
    unshift_event,
    unshift_text,
)
from tests.factories import case_body


def scenario_data(start: str, *zones: str, days: int = 180) -> dict[str, Any]:
    # Overdue at the start, as the API would have it.
    due_date = date.fromisoformat(start[:10]) - timedelta(days=30)
    cases = [
        {"case": case_body(loan_id=f"L-{n}", due_date=due_date, timezone=zone)}
        for n, zone in enumerate(zones)
    ]
    return {"start": start, "days": days, "cases": cases}


def scenario(start: str, *zones: str, days: int = 180) -> Scenario:
    return loads_scenario(json.dumps(scenario_data(start, *zones, days=days)))


NEW_YORK = ZoneInfo("America/New_York")
SPRING_2026 = scenario("2026-03-01T12:00:00Z", "America/New_York", "Australia/Sydney")


def test_a_cycle_is_28_gregorian_years_of_whole_weeks():
    assert CYCLE == timedelta(weeks=1461)
    assert date(2026, 3, 1) + CYCLE == date(2054, 3, 1)
    assert date(2024, 2, 29) + CYCLE == date(2052, 2, 29)
    assert date(2026, 11, 1) + CYCLE == date(2054, 11, 1)  # still the first Sunday


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 29, tzinfo=UTC),
        datetime(2031, 6, 1, tzinfo=UTC),
        datetime(2054, 2, 25, tzinfo=UTC),  # too close to the first cycle's start
        datetime(2070, 1, 1, tzinfo=UTC),
    ],
)
def test_the_offset_is_the_fewest_cycles_that_put_the_start_ahead_of_now(now):
    offset = offset_for(SPRING_2026, now)
    assert offset % CYCLE == timedelta(0)
    assert SPRING_2026.start + offset >= now + MARGIN
    assert SPRING_2026.start + offset - CYCLE < now + MARGIN


def test_a_start_ahead_of_now_is_not_moved():
    ahead = scenario("2031-03-01T12:00:00Z", "America/New_York")
    assert offset_for(ahead, datetime(2026, 11, 29, tzinfo=UTC)) == timedelta(0)


@pytest.mark.parametrize(
    "now", [datetime(2026, 11, 29, tzinfo=UTC), datetime(2060, 1, 1, tzinfo=UTC)]
)
def test_whatever_the_year_a_moved_instant_shows_the_same_local_clock(now):
    offset = offset_for(SPRING_2026, now)
    # 08:00 EST on Saturday 7 March, 08:00 EDT on Monday 9 March 2026, in any cycle.
    for instant in (datetime(2026, 3, 7, 13, tzinfo=UTC), datetime(2026, 3, 9, 12, tzinfo=UTC)):
        here, there = instant.astimezone(NEW_YORK), (instant + offset).astimezone(NEW_YORK)
        assert (there.month, there.day, there.weekday(), there.time()) == (
            here.month,
            here.day,
            here.weekday(),
            here.time(),
        )
        assert there.utcoffset() == here.utcoffset()


def test_a_zone_whose_rules_were_different_then_is_refused_with_the_case_named():
    # The US moved its clock changes in 2007: in 2006 summer time began on 2 April, in 2034,
    # 2062 and 2090 (the years 2006 moves to) it begins in March.
    old = scenario("2006-03-01T12:00:00Z", "Asia/Shanghai", "America/New_York")
    with pytest.raises(ScenarioError) as refused:
        offset_for(old, datetime(2026, 11, 29, tzinfo=UTC))
    assert str(refused.value) == (
        "case 1 (loan_id L-1): case.customer.timezone: America/New_York had other UTC offsets "
        "or clock changes in 2006 than in 2034, 2062, 2090, the years the simulation could "
        "move the scenario to; its local times would not be the customer's"
    )


def test_a_zone_without_clock_changes_moves_from_any_year():
    old = scenario("2006-03-01T12:00:00Z", "Asia/Shanghai")
    assert offset_for(old, datetime(2026, 11, 29, tzinfo=UTC)) == CYCLE


def test_a_scenario_that_would_cross_2100_is_refused():
    # 28 years after 2080 is 2108, but 2100 has no 29 February: the cycle does not hold.
    late = scenario("2080-03-01T12:00:00Z", "Asia/Shanghai")
    with pytest.raises(ScenarioError, match=r"^start: 2080 cannot be moved past the test server"):
        offset_for(late, datetime(2090, 1, 1, tzinfo=UTC))


def test_the_cli_refuses_such_a_scenario_with_exit_2_and_writes_nothing(tmp_path: Path):
    path = tmp_path / "scenario.json"
    data = scenario_data("2006-03-01T12:00:00Z", "America/New_York", days=30)
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "timeline.jsonl"
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "case 0 (loan_id L-0): case.customer.timezone: America/New_York" in result.output
    assert not out.exists()


def test_dates_go_forward_in_commands_and_back_in_events():
    plan = AgreePlan(kind="instalments", instalments=6, first_due_date=date(2026, 3, 1))
    assert shift_command(plan, CYCLE).first_due_date == date(2054, 3, 1)
    event = TimelineEvent(
        at=datetime(2054, 3, 9, 11, 59, tzinfo=UTC),
        type="contact_deferred",
        until="2054-03-09T12:00:00Z",
        due_date="2054-02-28",
        channel="sms",
    )
    back = unshift_event(event, CYCLE, at=event.at)
    assert back.at == datetime(2026, 3, 9, 11, 59, tzinfo=UTC)
    assert back.model_extra == {
        "until": "2026-03-09T12:00:00Z",
        "due_date": "2026-02-28",
        "channel": "sms",
    }
    assert unshift_text("active until 2054-02-28; one", CYCLE) == "active until 2026-02-28; one"


def test_instants_in_events_are_taken_to_their_minute_like_at():
    """The server's clock runs on by a few milliseconds while tasks are in flight, by a
    different amount on every run: an instant a case computed from it (a bureau report held
    until 14 days after the notice left) is reported to its minute, so runs agree."""
    event = TimelineEvent(
        at=datetime(2054, 3, 9, 16, 0, tzinfo=UTC),
        type="bureau_report_held",
        until="2054-03-23T16:00:00.017000Z",
    )
    back = unshift_event(event, CYCLE, at=event.at)
    assert back.model_extra == {"until": "2026-03-23T16:00:00Z"}
