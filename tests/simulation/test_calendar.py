"""A simulated case keeps the scenario's own calendar: its daylight-saving changes, month
ends and leap days, whatever year the machine's clock says. On the time-skipping server."""

import json
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from arrears.simulation import (
    Scenario,
    SimulationResult,
    dumps_summary,
    loads_scenario,
    simulate,
    summary,
    timeline_lines,
)
from arrears.simulation.timeshift import offset_for
from arrears.strategy import load_default
from tests.factories import case_body


def scenario(start: str, days: int, *cases: dict[str, Any]) -> Scenario:
    return loads_scenario(json.dumps({"start": start, "days": days, "cases": list(cases)}))


def case(loan_id: str, timezone: str, jurisdiction: str, due_date: str, *events: dict) -> dict:
    body = case_body(
        loan_id=loan_id,
        customer_id=f"C-{loan_id}",
        timezone=timezone,
        jurisdiction=jurisdiction,
        due_date=due_date,
        principal=600_000,
        interest=0,
    )
    return {"case": body, "events": list(events)}


def payment(at: str, payment_id: str, amount: int) -> dict:
    return {"at": at, "type": "payment", "payment_id": payment_id, "amount": amount}


# Each case enters a stage (and so is contacted that morning) on the first day after its
# zone's clocks change: the US on 8 March and 1 November 2026, the UK on 29 March and
# 25 October, Sydney (southern hemisphere: summer time ends in April) on 5 April and
# 4 October.
SPRING = scenario(
    "2026-02-25T12:00:00Z",
    70,
    case("NY-MAR", "America/New_York", "US", "2026-02-06"),  # mid (DPD 31) on 9 March
    case("CHI-MAR", "America/Chicago", "US", "2026-02-07"),  # mid on 10 March
    case("LON-MAR", "Europe/London", "UK", "2026-01-28"),  # late (DPD 61) on 30 March
    case("SYD-APR", "Australia/Sydney", "UK", "2026-02-04"),  # late on 6 April
    # A plan anchored on 1 March: instalments on 1 March, 1 April and 1 May, each paid on
    # its day in Shanghai.
    case(
        "PLAN-MAR",
        "Asia/Shanghai",
        "CN",
        "2026-01-20",
        {"day": 1, "type": "plan", "kind": "instalments", "instalments": 3,
         "first_due_date": "2026-03-01"},
        payment("2026-03-01T02:00:00Z", "P-1", 200_000),
        payment("2026-04-01T02:00:00Z", "P-2", 200_000),
        payment("2026-05-01T02:00:00Z", "P-3", 200_000),
    ),
)  # fmt: skip
AUTUMN = scenario(
    "2026-10-01T12:00:00Z",
    45,
    case("NY-NOV", "America/New_York", "US", "2026-09-02"),  # late on 2 November
    case("CHI-NOV", "America/Chicago", "US", "2026-09-03"),  # late on 3 November
    case("LON-OCT", "Europe/London", "UK", "2026-09-25"),  # mid on 26 October
    case("SYD-OCT", "Australia/Sydney", "UK", "2026-09-04"),  # mid on 5 October
)
# 2024 is a leap year: a plan from 31 January falls due on 29 February, then 31 March, and
# DPD counts 29 February.
LEAP = scenario(
    "2024-01-20T04:00:00Z",
    75,
    case(
        "PLAN-LEAP",
        "Asia/Shanghai",
        "CN",
        "2023-12-15",
        {"day": 1, "type": "plan", "kind": "instalments", "instalments": 3,
         "first_due_date": "2024-01-31"},
        payment("2024-01-31T02:00:00Z", "P-1", 200_000),
        payment("2024-02-29T02:00:00Z", "P-2", 200_000),
        payment("2024-03-31T02:00:00Z", "P-3", 200_000),
    ),
    case("DPD-LEAP", "Asia/Shanghai", "CN", "2024-01-10"),  # late (DPD 61) on 11 March
)  # fmt: skip


@pytest.fixture(scope="module")
async def spring() -> SimulationResult:
    return await simulate(SPRING, load_default())


@pytest.fixture(scope="module")
async def autumn() -> SimulationResult:
    return await simulate(AUTUMN, load_default())


@pytest.fixture(scope="module")
async def leap() -> SimulationResult:
    return await simulate(LEAP, load_default())


def rows(result: SimulationResult, loan_id: str) -> list[dict]:
    return [
        row for line in timeline_lines(result) if (row := json.loads(line))["loan_id"] == loan_id
    ]


def local(row: dict, timezone: str) -> datetime:
    return datetime.fromisoformat(row["at"]).astimezone(ZoneInfo(timezone))


def instants(result: SimulationResult, loan_id: str, event_type: str) -> list[str]:
    return [row["at"] for row in rows(result, loan_id) if row["type"] == event_type]


def assert_on_the_local_clock(result: SimulationResult, loan_id: str, timezone: str) -> None:
    """Stages change at the customer's midnight; every contact after the case opened is made
    when the window opens, at 08:00 on the customer's clock."""
    events = rows(result, loan_id)
    opened = events[0]["at"]
    stages = [local(row, timezone) for row in events if row["type"] == "stage_changed"]
    contacts = [
        local(row, timezone)
        for row in events
        if row["type"] == "contact_sent" and row["at"] != opened
    ]
    assert stages and contacts
    assert [at.time() for at in stages] == [time(0)] * len(stages)
    assert [at.time() for at in contacts] == [time(8)] * len(contacts)


@pytest.mark.parametrize(
    ("loan_id", "timezone", "stage_changed", "contacted"),
    [
        # 00:00 and 08:00 EDT (UTC-4) the day after New York's clocks went forward.
        ("NY-MAR", "America/New_York", "2026-03-09T04:00:00Z", "2026-03-09T12:00:00Z"),
        ("CHI-MAR", "America/Chicago", "2026-03-10T05:00:00Z", "2026-03-10T13:00:00Z"),
        # BST (UTC+1) from 29 March.
        ("LON-MAR", "Europe/London", "2026-03-29T23:00:00Z", "2026-03-30T07:00:00Z"),
        # AEST (UTC+10) from 5 April, no longer AEDT (UTC+11).
        ("SYD-APR", "Australia/Sydney", "2026-04-05T14:00:00Z", "2026-04-05T22:00:00Z"),
    ],
)
def test_spring_clock_changes_move_midnight_and_the_contact_hour(
    spring: SimulationResult, loan_id, timezone, stage_changed, contacted
):
    assert stage_changed in instants(spring, loan_id, "stage_changed")
    assert contacted in instants(spring, loan_id, "contact_sent")
    assert_on_the_local_clock(spring, loan_id, timezone)


@pytest.mark.parametrize(
    ("loan_id", "timezone", "stage_changed", "contacted"),
    [
        # EST (UTC-5) from 1 November.
        ("NY-NOV", "America/New_York", "2026-11-02T05:00:00Z", "2026-11-02T13:00:00Z"),
        ("CHI-NOV", "America/Chicago", "2026-11-03T06:00:00Z", "2026-11-03T14:00:00Z"),
        # GMT (UTC+0) from 25 October.
        ("LON-OCT", "Europe/London", "2026-10-26T00:00:00Z", "2026-10-26T08:00:00Z"),
        # AEDT (UTC+11) from 4 October.
        ("SYD-OCT", "Australia/Sydney", "2026-10-04T13:00:00Z", "2026-10-04T21:00:00Z"),
    ],
)
def test_autumn_clock_changes_move_midnight_and_the_contact_hour(
    autumn: SimulationResult, loan_id, timezone, stage_changed, contacted
):
    assert stage_changed in instants(autumn, loan_id, "stage_changed")
    assert contacted in instants(autumn, loan_id, "contact_sent")
    assert_on_the_local_clock(autumn, loan_id, timezone)


def assert_the_plan_from_1_march_performs(result: SimulationResult) -> None:
    types = [row["type"] for row in rows(result, "PLAN-MAR")]
    assert "plan_agreed" in types and "plan_broken" not in types
    assert instants(result, "PLAN-MAR", "plan_completed") == ["2026-05-01T02:00:00Z"]
    [closed] = [row for row in rows(result, "PLAN-MAR") if row["type"] == "case_closed"]
    assert (closed["at"], closed["reason"]) == ("2026-05-01T02:00:00Z", "paid")


def test_a_plan_anchored_on_1_march_paid_on_each_due_day_performs(spring: SimulationResult):
    assert_the_plan_from_1_march_performs(spring)


async def test_the_plan_from_1_march_performs_in_a_week_that_would_clamp_it():
    # On a machine whose clock says mid-January 2049, a shift by whole weeks would move
    # 1 March 2026 to 31 January 2049 (1,196 weeks on): a schedule clamped to 28 February,
    # its on-time payer broken. Moved on the scenario's own calendar, nothing changes.
    plan = [each for each in SPRING.cases if each.case.loan_id == "PLAN-MAR"]
    plan_only = SPRING.model_copy(update={"cases": plan})
    result = await simulate(plan_only, load_default(), not_before=datetime(2049, 1, 18, tzinfo=UTC))
    assert_the_plan_from_1_march_performs(result)


def test_a_plan_from_31_january_falls_due_on_29_february_in_a_leap_year(leap: SimulationResult):
    events = rows(leap, "PLAN-LEAP")
    [agreed] = [row for row in events if row["type"] == "plan_agreed"]
    assert agreed["first_due_date"] == "2024-01-31"
    assert "plan_broken" not in [row["type"] for row in events]
    paid = [(row["at"], row["balance"]) for row in events if row["type"] == "payment_applied"]
    assert paid == [
        ("2024-01-31T02:00:00Z", 400_000),
        ("2024-02-29T02:00:00Z", 200_000),
        ("2024-03-31T02:00:00Z", 0),
    ]
    assert instants(leap, "PLAN-LEAP", "plan_completed") == ["2024-03-31T02:00:00Z"]


def test_days_past_due_count_29_february(leap: SimulationResult):
    # Due 10 January 2024: DPD 61 is 11 March, not 12 March as in a common year.
    changes = [
        (row["at"], row["stage"], row["dpd"])
        for row in rows(leap, "DPD-LEAP")
        if row["type"] == "stage_changed"
    ]
    assert ("2024-03-10T16:00:00Z", "late", 61) in changes
    assert_on_the_local_clock(leap, "DPD-LEAP", "Asia/Shanghai")


async def test_output_is_the_same_whatever_year_the_machine_thinks_it_is(spring: SimulationResult):
    # A machine whose clock says the scenario's first move has already passed must move it a
    # cycle further: another year on the test server, the same output.
    first_move = offset_for(SPRING, datetime.now(UTC))
    later = SPRING.start + first_move
    assert offset_for(SPRING, later) > first_move
    again = await simulate(SPRING, load_default(), not_before=later)
    assert timeline_lines(again) == timeline_lines(spring)
    assert dumps_summary(summary(again)) == dumps_summary(summary(spring))
    assert again.rejections == spring.rejections == []
