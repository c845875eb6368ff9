"""Load a strategy from a YAML or JSON file or text: parse, validate, check coherence.

The one way a strategy enters the system, and the only module here that does I/O. Every
problem is reported as `<source>: <field path>: <what is wrong>`, one per line, in a single
`StrategyError`; the field path is the same whether the source was YAML or JSON.
"""

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from arrears import datafiles
from arrears.strategy.checks import coherence_problems
from arrears.strategy.model import Strategy

DEFAULT_FILE = "default.yaml"
Format = datafiles.Format


class StrategyError(datafiles.DataFileError):
    """A strategy that cannot be used; `problems` lists (field path, what is wrong)."""


def load(path: str | Path) -> Strategy:
    """Load the strategy in `path`, a `.yaml`, `.yml` or `.json` file."""
    text, source, format = datafiles.read(path, StrategyError, "strategy")
    return loads(text, source=source, format=format)


@functools.cache
def load_default() -> Strategy:
    """The strategy that ships with the project. Loaded once; a strategy is immutable."""
    text = resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    return loads(text, source=DEFAULT_FILE, format="yaml")


def loads(text: str, *, source: str = "<text>", format: Format | None = None) -> Strategy:
    """Load a strategy from `text`; without `format`, text starting with `{` is JSON."""
    return from_data(datafiles.parse(text, source, format, StrategyError), source=source)


def from_data(data: Any, *, source: str = "<data>") -> Strategy:
    """Validate already parsed data (a mapping) as a strategy and check its coherence."""
    return datafiles.validated(
        Strategy, data, source, StrategyError, "strategy", coherence_problems
    )
