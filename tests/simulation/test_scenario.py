"""Scenario files: what a bad one is told. No server needed."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arrears.cli import app
from arrears.commands import PromiseToPay
from arrears.contracts import Payment
from arrears.simulation import ScenarioError, loads_scenario
from arrears.simulation.delivery import rounds
from tests.factories import case_body


def scenario(*cases: dict[str, Any], days: int = 30) -> dict[str, Any]:
    return {"start": "2026-01-05T00:00:00Z", "days": days, "cases": list(cases)}


def case(loan_id: str, *events: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {"case": case_body(loan_id=loan_id, due_date="2025-12-20", **body), "events": events}


def run_cli(tmp_path: Path, data: Any, *args: str) -> Any:
    path = tmp_path / "scenario.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return CliRunner().invoke(app, ["simulate", str(path), *args])


PAYMENT = {"day": 1, "type": "payment", "payment_id": "P1", "amount": 1000}


@pytest.mark.parametrize(
    ("bad_case", "expected"),
    [
        (
            case("L-2", {"day": 1, "type": "refund", "amount": 5}),
            "case 1 (loan_id L-2): events[0].type: unknown event type 'refund'",
        ),
        (
            case("L-2", PAYMENT, {"day": 2, "type": "payment", "payment_id": "P2"}),
            "case 1 (loan_id L-2): events[1].amount: required field is missing",
        ),
        (
            case("L-2", {"day": 2, "type": "hardship", "reason": "illness", "mood": "low"}),
            "case 1 (loan_id L-2): events[0].mood: unknown field",
        ),
        (
            case("L-2", PAYMENT, timezone="Mars/Olympus"),
            "case 1 (loan_id L-2): case.customer.timezone: unknown IANA time zone",
        ),
        (
            {"case": {"loan_id": "L-2"}, "events": []},
            "case 1 (loan_id L-2): case.currency: required field is missing",
        ),
        (
            {"case": case_body(loan_id="L-2", due_date="9999-12-30"), "events": []},
            "case 1 (loan_id L-2): case.due_date: 9999-12-30 is after the customer's today",
        ),
        (
            {"case": case_body(loan_id="L-2", due_date="1900-01-01"), "events": []},
            "case 1 (loan_id L-2): case.due_date: 1900-01-01 is more than 20 years ago",
        ),
        (
            case("L-2", currency="XXX"),
            "case 1 (loan_id L-2): case.currency: XXX is not money",
        ),
        (
            case("L-2", customer_id="447911123456"),
            "case 1 (loan_id L-2): case.customer.customer_id: looks like a phone",
        ),
        (
            case("L-2", {"day": 1, "type": "payment", "payment_id": "P", "amount": 10**19}),
            "case 1 (loan_id L-2): events[0].amount: Input should be less than or equal to",
        ),
        (
            case(
                "L-2",
                {
                    "day": 1,
                    "type": "payment",
                    "payment_id": "P",
                    "amount": 1,
                    "paid_at": "0001-01-01T00:00:00Z",
                },
            ),
            "case 1 (loan_id L-2): events[0].paid_at: must not be before 1970",
        ),
    ],
)
def test_bad_scenario_names_the_case_and_the_field_and_exits_2(tmp_path, bad_case, expected):
    result = run_cli(tmp_path, scenario(case("L-1", PAYMENT), bad_case))
    assert result.exit_code == 2
    assert expected in result.output


def test_scenario_that_is_not_json_exits_2(tmp_path):
    result = run_cli(tmp_path, '{"start": "2026-01-05T00:00:00Z",')
    assert result.exit_code == 2
    assert "not valid JSON at line 1" in result.output


def test_bad_strategy_file_exits_2(tmp_path):
    strategy = tmp_path / "strategy.yaml"
    strategy.write_text("version: x\ngrace_days: -1\n", encoding="utf-8")
    result = run_cli(tmp_path, scenario(case("L-1", PAYMENT)), "--strategy", str(strategy))
    assert result.exit_code == 2
    assert "grace_days" in result.output


def test_event_outside_the_run_is_refused():
    with pytest.raises(ScenarioError, match=r"case 0 \(loan_id L-1\): events\[0\]\.day: outside"):
        loads_scenario(json.dumps(scenario(case("L-1", {**PAYMENT, "day": 31}))))


def test_event_needs_exactly_one_instant():
    event = {**PAYMENT, "at": "2026-01-06T00:00:00Z"}
    with pytest.raises(ScenarioError, match=r"events\[0\]: give the event's instant as either"):
        loads_scenario(json.dumps(scenario(case("L-1", event))))


def test_a_loan_id_used_twice_is_refused():
    with pytest.raises(ScenarioError, match=r"case 1 \(loan_id L-1\): case\.loan_id: also used"):
        loads_scenario(json.dumps(scenario(case("L-1"), case("L-1"))))


def test_commands_are_taken_to_the_minute_with_generated_promise_ids():
    promise = {"day": 0.3, "type": "promise", "amount": 500, "due_date": "2026-01-09"}
    at = {**PAYMENT, "day": None, "at": "2026-01-06T03:04:59Z"}
    loaded = loads_scenario(json.dumps(scenario(case("L-1", promise, at))))
    first, second = loaded.commands()
    assert first.at == datetime(2026, 1, 5, 7, 12, tzinfo=UTC)
    assert first.command == PromiseToPay(promise_id="L-1-PR-0", amount=500, due_date="2026-01-09")
    assert second.at == datetime(2026, 1, 6, 3, 4, tzinfo=UTC)
    assert isinstance(second.command, Payment)


def test_commands_for_one_case_in_one_minute_go_in_successive_rounds():
    first = {**PAYMENT, "day": 1}
    second = {"day": 1, "type": "hardship", "reason": "illness"}
    other = {**PAYMENT, "day": 1, "payment_id": "P9"}
    loaded = loads_scenario(json.dumps(scenario(case("L-1", first, second), case("L-2", other))))
    grouped = [[(c.loan_id, c.index) for c in group] for _, group in rounds(loaded.commands())]
    assert grouped == [[("L-1", 0), ("L-2", 0)], [("L-1", 1)]]


@pytest.mark.parametrize(
    ("why", "outcome"),
    [("forgot", "conversation"), ("cannot_pay", "conversation"), ("lost_contact", "wrong_number")],
)
def test_why_a_customer_is_late_is_a_call_outcome_after_the_cases_own_events(why, outcome):
    body = {**case("L-1", PAYMENT), "late_because": why, "told_on_day": 2.5}
    first, told = loads_scenario(json.dumps(scenario(body))).commands()
    assert isinstance(first.command, Payment)
    assert told.type == "contact_outcome"
    assert told.at == datetime(2026, 1, 7, 12, 0, tzinfo=UTC)
    assert (told.command.outcome, told.command.reason) == (outcome, why)


def test_a_reason_told_after_the_run_is_refused():
    body = {**case("L-1"), "late_because": "forgot", "told_on_day": 31}
    with pytest.raises(ScenarioError, match=r"case 0 \(loan_id L-1\): told_on_day: outside"):
        loads_scenario(json.dumps(scenario(body)))


def test_an_unknown_reason_names_the_field(tmp_path):
    result = run_cli(tmp_path, scenario({**case("L-1"), "late_because": "lazy"}))
    assert result.exit_code == 2
    assert "case 0 (loan_id L-1): late_because:" in result.output
