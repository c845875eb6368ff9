"""The Temporal dev server from the wheel: one that dies before it serves is started again
a few times, then the failure is reported with how many starts it took."""

from pathlib import Path

import pytest

from arrears.devstack.temporal_server import START_ATTEMPTS, TemporalDevServer
from tests.conftest import free_port


async def test_a_server_that_keeps_dying_at_start_is_started_again_then_reported(tmp_path: Path):
    # Its database file is a folder: every start dies before it serves.
    log = tmp_path / "temporal.log"
    server = TemporalDevServer(
        tmp_path, ip="127.0.0.1", port=free_port(), ui_port=None, log_path=log
    )
    try:
        with pytest.raises(RuntimeError) as died:
            await server.start(ready_within=60)
    finally:
        server.stop()

    assert f"({START_ATTEMPTS} starts)" in str(died.value)
    assert log.read_text().count("Error") >= START_ATTEMPTS
