"""`arrears audit --history`: exported histories replayed offline against this code, one
line per file; a history another workflow change wrote does not replay."""

import json
from pathlib import Path

from typer.testing import CliRunner

from arrears.cli import app
from tests.factories import TEST_ENCRYPTION_KEYS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
KEYS = {"ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS}


def audit_history(*paths: Path, env: dict[str, str | None] | None = None):
    args = ["audit", "--history", *map(str, paths)]
    return CliRunner().invoke(app, args, env=KEYS if env is None else env)


def test_stored_histories_replay_one_line_each():
    result = audit_history(*HISTORIES)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(HISTORIES) >= 3
    for path, line in zip(HISTORIES, lines, strict=True):
        assert line == f"{path}: replays (1 run)"


def test_a_history_of_another_workflow_change_does_not_replay(tmp_path: Path):
    # What code that scheduled another activity first would have written.
    history = json.loads(HISTORIES[0].read_text())
    scheduled = next(
        event["activityTaskScheduledEventAttributes"]
        for event in history["events"]
        if "activityTaskScheduledEventAttributes" in event
    )
    scheduled["activityType"]["name"] = "send_a_postcard"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(history))

    result = audit_history(HISTORIES[1], changed)

    assert result.exit_code == 1, result.output
    good, bad = result.output.splitlines()
    assert good == f"{HISTORIES[1]}: replays (1 run)"
    assert bad.startswith(f"{changed}: does NOT replay (1 run; run ")
    assert "Nondeterminism" in bad and "send_a_postcard" in bad


def test_a_file_that_cannot_be_read_is_named_and_exit_2(tmp_path: Path):
    missing, garbled = tmp_path / "missing.json", tmp_path / "garbled.json"
    garbled.write_text('{"events": "no"}')

    result = audit_history(missing, HISTORIES[0], garbled)

    assert result.exit_code == 2, result.output
    first, second, third = result.output.splitlines()
    assert first.startswith(f"{missing}: cannot be read: ") and "No such file" in first
    assert second == f"{HISTORIES[0]}: replays (1 run)"
    assert third.startswith(f"{garbled}: cannot be read: not a Temporal JSON history")


def test_encrypted_histories_need_the_keys():
    result = audit_history(HISTORIES[0], env={"ARREARS_ENCRYPTION_KEYS": None})

    assert result.exit_code == 2, result.output
    assert "payloads are encrypted (ARREARS_ENCRYPTION_KEYS)" in result.output
