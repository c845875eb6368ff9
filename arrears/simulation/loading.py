"""Reading a scenario file: parse, validate, check that it holds together.

Every problem is reported as `<file>: case <i> (loan_id <id>): <field>: <what is wrong>`
(or `<file>: <field>: <what is wrong>` outside the cases), one per line, in a single
`ScenarioError`.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from arrears.simulation.scenario import COMMANDS, Scenario, plan_command
from arrears.workflows.calendar import due_date_problem

MAX_PROBLEMS = 20
_MESSAGES = {"missing": "required field is missing", "extra_forbidden": "unknown field"}


class ScenarioError(ValueError):
    """A scenario that cannot be simulated; the message has one problem per line."""


def load(path: str | Path) -> Scenario:
    """Load and check the scenario in `path`; raise `ScenarioError` saying what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot be read: {error}") from error
    return loads(text, source=str(path))


def loads(text: str, *, source: str = "<scenario>") -> Scenario:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            f"{source}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise _error(source, [_problem(data, item) for item in error.errors()]) from error
    if problems := _coherence_problems(scenario):
        raise _error(source, problems)
    return scenario


def _coherence_problems(scenario: Scenario) -> list[str]:
    """What the models cannot check alone: unique loans, due dates the API would take at
    the scenario's start (`calendar.due_date_problem`), instants within the run."""
    problems: list[str] = []
    first_case: dict[str, int] = {}
    for i, case in enumerate(scenario.cases):
        loan_id = case.case.loan_id
        where = f"case {i} (loan_id {loan_id})"
        if loan_id in first_case:
            problems.append(f"{where}: case.loan_id: also used by case {first_case[loan_id]}")
        first_case.setdefault(loan_id, i)
        opening = case.case
        problem = due_date_problem(opening.due_date, scenario.start, opening.customer.timezone)
        if problem is not None:
            problems.append(f"{where}: case.due_date: {problem.removeprefix('due_date ')}")
        if case.late_because is not None and case.told_on_day > scenario.days:
            problems.append(
                f"{where}: told_on_day: outside the scenario, which runs for {scenario.days} days"
            )
        for j, event in enumerate(case.events):
            field = "day" if event.day is not None else "at"
            if not scenario.start <= scenario.instant(event) <= scenario.end:
                problems.append(
                    f"{where}: events[{j}].{field}: outside the scenario, which runs from "
                    f"{_iso(scenario.start)} for {scenario.days} days"
                )
            try:
                plan_command(scenario, loan_id, j, event)
            except ValidationError as error:
                problems.extend(f"{where}: events[{j}]: {_what(item)}" for item in error.errors())
    return problems


def _problem(data: Any, item: Any) -> str:
    loc = list(item["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        where = f"case {loc[1]} (loan_id {_raw_loan_id(data, loc[1])}): "
        loc = loc[2:]
    path = ""
    for k, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif not (k >= 2 and loc[k - 2] == "events" and part in COMMANDS):
            path += f".{part}" if path else str(part)
    if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path += ".type" if path else "type"
    return f"{where}{path}: {_what(item)}" if path else f"{where}{_what(item)}"


def _what(item: Any) -> str:
    kind = item["type"]
    if kind == "union_tag_invalid":
        return f"unknown event type {item['ctx']['tag']!r}; expected one of {', '.join(COMMANDS)}"
    if kind == "union_tag_not_found":
        return f"required field is missing; one of {', '.join(COMMANDS)}"
    cause = item.get("ctx", {}).get("error")
    if isinstance(cause, ValueError):
        return str(cause)
    return _MESSAGES.get(kind, item["msg"])


def _raw_loan_id(data: Any, index: int) -> str:
    try:
        loan_id = data["cases"][index]["case"]["loan_id"]
    except (KeyError, IndexError, TypeError):
        return "unknown"
    return str(loan_id) if isinstance(loan_id, str) and loan_id else "unknown"


def _error(source: str, problems: list[str]) -> ScenarioError:
    shown = [f"{source}: {problem}" for problem in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"{source}: ... and {len(problems) - MAX_PROBLEMS} more problems")
    return ScenarioError("\n".join(shown))


def _iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
