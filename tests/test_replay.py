"""Every stored history replays against the current workflow code.

A failure here means a change to workflow code would break cases that are running now:
put the change behind `workflow.patched`, do not re-record the history.
"""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from arrears.worker import WORKFLOWS
from tests.factories import make_converter

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_there_are_stored_histories():
    assert len(HISTORIES) >= 3


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_stored_history_replays(path: Path):
    history = WorkflowHistory.from_json(f"case-{path.stem}", json.loads(path.read_text()))  # noqa: ASYNC240
    replayer = Replayer(workflows=WORKFLOWS, data_converter=make_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
