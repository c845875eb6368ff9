"""Embedded PostgreSQL: a data folder initdb cannot use fails the start with initdb's own
words, after a second try."""

from pathlib import Path

import pytest

from arrears.devstack.postgres import INITDB_ATTEMPTS, EmbeddedPostgres
from tests.conftest import free_port


def test_a_folder_initdb_refuses_is_reported_with_its_words(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "left-behind").write_text("not a cluster")  # initdb wants an empty folder
    server = EmbeddedPostgres(data, port=free_port(), log_path=tmp_path / "pg.log")

    with pytest.raises(RuntimeError) as failed:
        server.init()

    message = str(failed.value)
    assert f"initdb failed {INITDB_ATTEMPTS} times" in message
    assert "not empty" in message
