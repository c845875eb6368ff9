"""`arrears simulate` end to end: the example portfolio on the time-skipping test server."""

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arrears.cli import app
from arrears.contracts import TimelineEvent
from arrears.simulation import (
    SimulationResult,
    dumps_summary,
    load_scenario,
    simulate,
    summary,
    timeline_lines,
)
from arrears.simulation.activities import SimulatedActivities
from arrears.strategy import load_default

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.json"
SCENARIO = load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
async def example() -> SimulationResult:
    return await simulate(SCENARIO, load_default())


def rows(result: SimulationResult) -> list[dict]:
    return [json.loads(line) for line in timeline_lines(result)]


def instant(row: dict) -> datetime:
    return datetime.fromisoformat(row["at"])


async def test_same_scenario_gives_byte_identical_output(example: SimulationResult):
    again = await simulate(SCENARIO, load_default())
    assert timeline_lines(again) == timeline_lines(example)
    assert dumps_summary(summary(again)) == dumps_summary(summary(example))
    assert again.rejections == example.rejections


async def test_shards_in_several_processes_give_the_same_output(example: SimulationResult):
    # Six cases in three shards of two, over two processes.
    spread = await simulate(SCENARIO, load_default(), processes=2, shard_size=2)
    assert timeline_lines(spread) == timeline_lines(example)
    assert spread.rejections == example.rejections
    assert list(spread.timelines) == [c.case.loan_id for c in SCENARIO.cases]


async def test_closed_cases_synced_timeline_is_the_one_the_workflow_answers(
    example: SimulationResult, monkeypatch: pytest.MonkeyPatch
):
    # Without a synced timeline every case is asked with the `timeline` query, which makes
    # a closed case replay its history to answer.
    monkeypatch.setattr(SimulatedActivities, "synced_timeline", lambda self, loan_id: [])
    queried = await simulate(SCENARIO, load_default())
    assert timeline_lines(queried) == timeline_lines(example)


def test_lines_are_ordered_by_time_within_the_run_and_name_their_case(example: SimulationResult):
    lines = rows(example)
    loan_ids = [c.case.loan_id for c in SCENARIO.cases]
    assert all(line["loan_id"] in loan_ids for line in lines)
    keys = [(instant(line), line["loan_id"]) for line in lines]
    assert keys == sorted(keys)
    assert all(SCENARIO.start <= at <= SCENARIO.end for at, _ in keys)
    opened = [line for line in lines if line["type"] == "case_opened"]
    assert [line["loan_id"] for line in opened] == loan_ids
    assert {instant(line) for line in opened} == {SCENARIO.start}


def test_events_come_back_in_the_scenarios_own_dates(example: SimulationResult):
    by_type = {(line["loan_id"], line["type"]): line for line in rows(example)}
    promise = by_type[("L-2026-0002", "promise_made")]
    assert (promise["at"], promise["due_date"]) == ("2026-01-08T03:00:00Z", "2026-01-15")
    assert by_type[("L-2026-0004", "hardship_reported")]["until"] == "2026-01-22"
    plan = by_type[("L-2026-0004", "plan_agreed")]
    assert (plan["at"], plan["first_due_date"]) == ("2026-01-22T12:00:00Z", "2026-02-01")
    # 2026-01-05 00:00 UTC is 08:00 in Shanghai: the contact window has just opened.
    first_contact = by_type[("L-2026-0001", "contact_sent")]
    assert first_contact["at"] == "2026-01-05T00:00:00Z"


def test_example_goes_down_every_path_it_is_meant_to(example: SimulationResult):
    types = {(line["loan_id"], line["type"]) for line in rows(example)}
    assert {
        ("L-2026-0001", "payment_applied"),
        ("L-2026-0002", "promise_kept"),
        ("L-2026-0003", "promise_broken"),
        ("L-2026-0003", "refusal_recorded"),
        ("L-2026-0004", "plan_agreed"),
        ("L-2026-0005", "dispute_resolved"),
        ("L-2026-0005", "contact_ceased"),
        ("L-2026-0006", "bureau_prenotice"),
    } <= types
    [refused] = example.rejections
    assert (refused.loan_id, refused.index, refused.type) == ("L-2026-0003", 1, "promise")
    assert refused.reason.startswith("PromiseActive: ")
    assert "2026-01-12" in refused.reason


def test_a_customer_without_an_email_address_is_sent_no_email(example: SimulationResult):
    # 张强 (L-2026-0003, L-2026-0005) gave a phone number only.
    for loan_id in ("L-2026-0003", "L-2026-0005"):
        contacts = [
            line for line in rows(example) if line["loan_id"] == loan_id and "channel" in line
        ]
        # Every e-mail the case tried to send was skipped; waiting for the window
        # (`contact_deferred`) comes before trying.
        emails = [
            line
            for line in contacts
            if line["channel"] == "email" and line["type"] in ("contact_sent", "contact_skipped")
        ]
        assert emails and {(line["type"], line["detail"]) for line in emails} == {
            ("contact_skipped", "no email address on file")
        }
        assert any(line["type"] == "contact_sent" for line in contacts)


def test_summary_agrees_with_the_lines(example: SimulationResult):
    lines = rows(example)
    numbers = summary(example)
    closed = [line for line in lines if line["type"] == "case_closed"]
    types = Counter(line["type"] for line in lines)
    cases = len(SCENARIO.cases)
    assert numbers["cases"] == cases
    assert numbers["days"] == SCENARIO.days
    assert numbers["strategy_version"] == load_default().version
    assert numbers["closed_by_reason"] == dict(Counter(line["reason"] for line in closed))
    assert numbers["closed_by_reason"] == {"paid": 2, "recalled": 1}
    assert numbers["open_at_end"] == cases - len(closed)
    assert numbers["contacts_per_case"] == round(types["contact_sent"] / cases, 2)
    assert (numbers["promises_made"], numbers["promises_kept"]) == (2, 1)
    assert numbers["promises_made"] == types["promise_made"]
    assert numbers["promises_kept"] == types["promise_kept"]
    assert numbers["promises_kept_rate"] == 0.5
    for days in (30, 60, 90):
        cured = [
            line
            for line in closed
            if line["reason"] in ("paid", "settled")
            and instant(line) <= SCENARIO.start + timedelta(days=days)
        ]
        assert numbers["cure_rate_by_day"][str(days)] == round(len(cured) / cases, 4)
    assert numbers["commands_rejected"] == len(example.rejections) == 1
    assert (numbers["recoveries"], numbers["recovered"]) == (types["recovery_received"], 0)


def test_cli_writes_the_timeline_and_the_summary(tmp_path: Path):
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))["cases"][0]
    body["events"].append({"day": 3, "type": "dispute", "reason": "fraud"})
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps({"start": "2026-01-05T00:00:00Z", "days": 10, "cases": [body]}),
        encoding="utf-8",
    )
    out, summary_file = tmp_path / "timeline.jsonl", tmp_path / "summary.json"
    result = CliRunner().invoke(
        app, ["simulate", str(scenario), "--out", str(out), "--summary", str(summary_file)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["type"] for line in lines][-2:] == ["payment_applied", "case_closed"]
    assert all(line["loan_id"] == "L-2026-0001" for line in lines)
    numbers = json.loads(summary_file.read_text(encoding="utf-8"))
    assert numbers["closed_by_reason"] == {"paid": 1}
    assert numbers["promises_kept_rate"] is None
    assert numbers["cure_rate_by_day"] == {"30": None, "60": None, "90": None}  # a 10-day run
    assert numbers["commands_rejected"] == 1
    assert "L-2026-0001: events[1] (dispute at 2026-01-08T00:00:00Z) was refused" in result.stderr


def test_summary_reports_recoveries_after_write_off(example: SimulationResult):
    start = SCENARIO.start

    def event(type_: str, **fields) -> TimelineEvent:
        return TimelineEvent(at=start + timedelta(days=1), type=type_, **fields)

    recovered = SimulationResult(
        scenario=SCENARIO,
        strategy_version=example.strategy_version,
        timelines={
            "L-1": [
                event("case_closed", reason="written_off"),
                event("recovery_received", payment_id="R-1", amount=10_000, excess=0),
                event("recovery_received", payment_id="R-2", amount=7_000, excess=2_000),
            ],
            "L-2": [event("payment_applied", payment_id="P-1", amount=5_000, excess=0)],
        },
        rejections=[],
    )
    numbers = summary(recovered)
    assert (numbers["recoveries"], numbers["recovered"]) == (2, 15_000)
