"""Loading a strategy: the shipped default, YAML and JSON alike, and readable failures."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from arrears.strategy import Strategy, StrategyError, load, load_default, loads
from tests.strategy.builders import default_data


def test_default_strategy_ships_with_the_package_and_validates() -> None:
    strategy = load_default()

    assert strategy.version == "2026.12-1"
    assert [stage.name for stage in strategy.stages] == [
        "reminder",
        "early",
        "mid",
        "late",
        "legal",
        "write_off",
    ]
    assert strategy.grace_days == 3
    assert strategy.plan_max_months == {"CN": 60}


def test_default_strategy_is_loaded_once_and_cannot_be_changed() -> None:
    strategy = load_default()

    assert load_default() is strategy
    with pytest.raises(ValidationError):
        strategy.grace_days = 10  # type: ignore[misc]


def test_json_and_yaml_forms_load_the_same_strategy(tmp_path: Path) -> None:
    as_json = json.dumps(default_data(), indent=2)
    (tmp_path / "strategy.json").write_text(as_json, encoding="utf-8")
    yaml_text = (Path(__file__).parents[2] / "arrears/strategy/default.yaml").read_text("utf-8")
    (tmp_path / "strategy.yml").write_text(yaml_text, encoding="utf-8")

    assert load(tmp_path / "strategy.json") == load_default()
    assert load(tmp_path / "strategy.yml") == load_default()
    assert loads(as_json) == loads(yaml_text) == load_default()


def test_strategy_survives_a_json_round_trip_as_a_payload() -> None:
    strategy = load_default()

    assert Strategy.model_validate_json(strategy.model_dump_json()) == strategy


def test_errors_from_a_file_name_the_file_and_the_field(tmp_path: Path) -> None:
    data = default_data()
    data["stages"][2]["from_dpd"] = 3
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(StrategyError) as caught:
        load(path)

    assert (
        str(caught.value) == f"{path}: stages[2].from_dpd: stages must be in increasing DPD order"
    )
    assert caught.value.problems == [
        ("stages[2].from_dpd", "stages must be in increasing DPD order")
    ]
    assert isinstance(caught.value, ValueError)


def test_every_problem_is_reported_at_once() -> None:
    data = default_data()
    data["grace_days"] = -1
    data["promise_max_horizon_days"] = 0
    data["colour"] = "red"

    with pytest.raises(StrategyError) as caught:
        loads(json.dumps(data), source="default.json")

    assert str(caught.value).splitlines() == [
        "default.json: grace_days: Input should be greater than or equal to 0",
        "default.json: promise_max_horizon_days: Input should be greater than 0",
        "default.json: colour: unknown field",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: '1'\ngrace_days: 3\ngrace_days: 4\n",
            "not valid YAML at line 3, column 1: duplicate key 'grace_days'",
        ),
        ('{"version": "1", "version": "2"}', "duplicate key 'version'"),
        ("stages: [\n", "not valid YAML at line 2, column 1"),
        ('{"version": }', "not valid JSON at line 1, column 13"),
        ("- a\n- b\n", "a strategy is a mapping of fields"),
        ("", "a strategy is a mapping of fields"),
    ],
)
def test_unreadable_text_is_refused_with_where_and_why(text: str, message: str) -> None:
    with pytest.raises(StrategyError, match=f"^given.yaml: {message}"):
        loads(text, source="given.yaml")


def test_a_yaml_number_where_text_is_expected_asks_for_quotes() -> None:
    text = (Path(__file__).parents[2] / "arrears/strategy/default.yaml").read_text("utf-8")

    with pytest.raises(StrategyError, match=r"^default.yaml: version: must be a string"):
        loads(text.replace('"2026.12-1"', "2026.11"), source="default.yaml")


def test_a_file_of_another_kind_or_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match=r"ends in \.yaml, \.yml or \.json"):
        load(tmp_path / "strategy.txt")
    with pytest.raises(StrategyError, match="cannot be read"):
        load(tmp_path / "missing.yaml")
