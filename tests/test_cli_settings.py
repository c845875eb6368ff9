"""Commands that reach Temporal refuse settings they cannot work with: exit 2, one line that
names the setting, no traceback (exit 1 means a finding: a failed audit, a repair that
cannot be planned)."""

import hashlib

import pytest
from rich.console import Console
from typer.testing import CliRunner

from arrears.actors import Actor
from arrears.cli import app
from arrears.devstack.stack import DevOptions, DevStack, dev_api_keys
from arrears.settings import Settings
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


@pytest.mark.parametrize(
    ("keys", "named", "secret"),
    [
        pytest.param(
            "k-bank=bank,ops:k-ops=boss", "entry 2 (ops): unknown role", "k-ops", id="role"
        ),
        pytest.param(
            "k-bank=bank,k-nosep", "entry 2: must be id:key=role", "k-nosep", id="no role"
        ),
        pytest.param("ops:=admin", "entry 1 (ops): must be id:key=role", "=admin", id="no key"),
        pytest.param("bad id:k-sp=bank", "entry 1: the id before ':'", "k-sp", id="bad id"),
        pytest.param(
            "a:k-1=bank,a:k-2=agent", "entry 2 (a): key id a is listed twice", "k-2", id="id twice"
        ),
        pytest.param("a:k-1=bank,b:k-1=agent", "entry 2 (b): the same key", "k-1", id="key twice"),
    ],
)
def test_the_api_refuses_a_bad_key_entry_naming_it_but_not_its_key(keys, named, secret):
    env = {"ARREARS_API_KEYS": keys, "ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS}
    result = CliRunner().invoke(app, ["api", "--port", "1"], env=env)

    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert f"ARREARS_API_KEYS {named}" in output and "Traceback" not in output
    assert secret not in output


def test_keys_are_listed_with_their_id_or_the_older_way_with_a_derived_one():
    keys = Settings(arrears_api_keys=" k-bank=bank , ops-1:k-ops=admin").api_keys()

    derived = "key-" + hashlib.sha256(b"k-bank").hexdigest()[:8]
    assert keys == {
        "k-bank": Actor(role="bank", key_id=derived),
        "k-ops": Actor(role="admin", key_id="ops-1"),
    }


def test_dev_keys_are_written_with_their_ids(tmp_path):
    entries = dev_api_keys(tmp_path).split(",")
    keys = Settings(arrears_api_keys=",".join(entries)).api_keys()

    assert sorted((a.key_id, a.role) for a in keys.values()) == sorted(
        (f"dev-{role}", role) for role in ("bank", "agent", "auditor", "admin")
    )
    assert dev_api_keys(tmp_path) == ",".join(entries)  # kept, not made again


def test_the_dev_stack_shows_each_bearer_key_with_its_id(tmp_path):
    console = Console(record=True, width=200)
    stack = DevStack(DevOptions(home=tmp_path), console)
    keys = dev_api_keys(tmp_path)
    env = {
        "TEMPORAL_ADDRESS": "127.0.0.1:7233",
        "DATABASE_URL": "postgresql://u@127.0.0.1:5433/arrears",
        "ARREARS_API_KEYS": keys,
    }
    stack._announce(env)

    shown = console.export_text()
    for entry in keys.split(","):
        listed, _, role = entry.partition("=")
        key_id, _, key = listed.partition(":")
        assert f"API key ({role}, id {key_id})" in shown
        assert f" {key} " in shown and listed not in shown
