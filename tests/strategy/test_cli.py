"""`arrears strategy check` and the argument checks of `arrears strategy migrate`."""

from importlib import resources

import pytest
from typer.testing import CliRunner

from arrears.cli import app
from tests.factories import TEST_ENCRYPTION_KEYS


def run(*args: str, **env: str):
    return CliRunner().invoke(app, ["strategy", *args], env=env)


def test_check_names_the_version_and_stages_of_a_good_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_default_text().replace("2026.12-1", "2026.12-9"))

    result = run("check", str(path))

    assert result.exit_code == 0, result.output
    assert "strategy 2026.12-9" in result.output and "mid from DPD 31" in result.output


def test_check_names_every_problem_with_its_field_and_exits_2(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_default_text().replace("grace_days: 3", "grace_days: -1"))

    result = run("check", str(path))

    assert result.exit_code == 2
    assert "grace_days" in result.output


def test_check_of_a_missing_file_exits_2_saying_so(tmp_path):
    result = run("check", str(tmp_path / "none.yaml"))

    assert result.exit_code == 2
    assert "cannot be read" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--from-version", 'x" OR 1=1', "--change-ref", "CHG-1"], "not a strategy version"),
        (["--from-version", "2026.10-1", "--change-ref", "4111111111111111"], "change-ref"),
        (["--from-version", "2026.12-1", "--change-ref", "CHG-1"], "serves 2026.12-1 already"),
        (
            ["--from-version", "2026.10-1", "--change-ref", "CHG-1", "--concurrency", "0"],
            "concurrency",
        ),
        (
            ["--from-version", "2026.10-1", "--change-ref", "CHG-1", "--case-timeout", "0"],
            "case-timeout",
        ),
    ],
)
def test_migrate_refuses_bad_arguments_before_touching_any_case(args, named):
    result = run("migrate", *args, ARREARS_ENCRYPTION_KEYS=TEST_ENCRYPTION_KEYS)

    assert result.exit_code == 2
    assert named in result.output


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ARREARS_ENCRYPTION_KEYS": ""}, "ARREARS_ENCRYPTION_KEYS"),
        # Nothing listens on port 1: the settings name a server that is not there.
        (
            {"ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS, "TEMPORAL_ADDRESS": "127.0.0.1:1"},
            "TEMPORAL_ADDRESS 127.0.0.1:1",
        ),
    ],
)
def test_migrate_refuses_settings_it_cannot_work_with(env, named):
    result = run("migrate", "--from-version", "2026.10-1", "--change-ref", "CHG-1", **env)

    assert result.exit_code == 2
    assert named in result.output


def _default_text() -> str:
    return resources.files("arrears.strategy").joinpath("default.yaml").read_text("utf-8")
