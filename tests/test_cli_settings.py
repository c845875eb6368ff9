"""Commands that reach Temporal refuse settings they cannot work with: exit 2, one line that
names the setting, no traceback (exit 1 means a finding: a failed audit, a repair that
cannot be planned)."""

import pytest
from typer.testing import CliRunner

from arrears.cli import app
from tests.factories import TEST_ENCRYPTION_KEYS

COMMANDS = [
    ["audit", "L-1"],
    ["repair", "L-1", "--incident", "INC-1"],
]
SETTINGS = [
    pytest.param({"ARREARS_ENCRYPTION_KEYS": ""}, "ARREARS_ENCRYPTION_KEYS", id="no keys"),
    pytest.param(
        {"ARREARS_ENCRYPTION_KEYS": "garbage"}, "ARREARS_ENCRYPTION_KEYS", id="garbage keys"
    ),
    # Nothing listens on port 1.
    pytest.param(
        {"ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS, "TEMPORAL_ADDRESS": "127.0.0.1:1"},
        "TEMPORAL_ADDRESS 127.0.0.1:1",
        id="no server",
    ),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("env", "named"), SETTINGS)
def test_a_command_refuses_settings_it_cannot_work_with(command, env, named):
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", **env}
    result = CliRunner().invoke(app, command, env=env)

    assert result.exit_code == 2, result.output
    assert named in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["4111111111111111", "--incident", "INC-1"], "loan_id"),
        (["L-1", "--incident", "has spaces"], "--incident"),
    ],
)
def test_repair_names_the_argument_it_refuses(args, named):
    result = CliRunner().invoke(app, ["repair", *args])

    assert result.exit_code == 2 and named in result.output
