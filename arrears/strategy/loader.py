"""Load a strategy from a YAML or JSON file or text: parse, validate, check coherence.

The one way a strategy enters the system, and the only module here that does I/O. Every
problem is reported as `<source>: <field path>: <what is wrong>`, one per line, in a single
`StrategyError`; the field path is the same whether the source was YAML or JSON.
"""

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from arrears.strategy.checks import Problem, coherence_problems
from arrears.strategy.model import Strategy

DEFAULT_FILE = "default.yaml"
Format = Literal["yaml", "json"]

_SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string (quote it)",
}


class StrategyError(ValueError):
    """A strategy that cannot be used; `problems` lists (field path, what is wrong)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        lines = (
            f"{source}: {path}: {what}" if path else f"{source}: {what}" for path, what in problems
        )
        super().__init__("\n".join(lines))
        self.source = source
        self.problems = problems


def load(path: str | Path) -> Strategy:
    """Load the strategy in `path`, a `.yaml`, `.yml` or `.json` file."""
    path = Path(path)
    source = str(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise StrategyError(source, [("", "a strategy file ends in .yaml, .yml or .json")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StrategyError(source, [("", f"cannot be read: {error}")]) from error
    return loads(text, source=source, format=_SUFFIXES[path.suffix.lower()])


@functools.cache
def load_default() -> Strategy:
    """The strategy that ships with the project. Loaded once; a strategy is immutable."""
    text = resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    return loads(text, source=DEFAULT_FILE, format="yaml")


def loads(text: str, *, source: str = "<text>", format: Format | None = None) -> Strategy:
    """Load a strategy from `text`; without `format`, text starting with `{` is JSON."""
    if format is None:
        format = "json" if text.lstrip().startswith("{") else "yaml"
    return from_data(_parse(text, source, format), source=source)


def from_data(data: Any, *, source: str = "<data>") -> Strategy:
    """Validate already parsed data (a mapping) as a strategy and check its coherence."""
    if not isinstance(data, dict):
        raise StrategyError(source, [("", "a strategy is a mapping of fields")])
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as error:
        raise StrategyError(source, [_problem(item) for item in error.errors()]) from error
    if problems := coherence_problems(strategy):
        raise StrategyError(source, problems)
    return strategy


def _parse(text: str, source: str, format: Format) -> Any:
    try:
        if format == "json":
            return json.loads(text, object_pairs_hook=_unique_keys)
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except json.JSONDecodeError as error:
        what = f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
    except yaml.MarkedYAMLError as error:
        at = (
            f" at line {mark.line + 1}, column {mark.column + 1}"
            if (mark := error.problem_mark)
            else ""
        )
        what = f"not valid YAML{at}: {error.problem}"
    except (yaml.YAMLError, ValueError, TypeError) as error:
        what = str(error)
    raise StrategyError(source, [("", what)])


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Refuse a key given twice: plain JSON parsing keeps the last one silently."""
    if len(found := dict(pairs)) < len(pairs):
        keys = [key for key, _ in pairs]
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return found


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice: plain YAML keeps the last one silently."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _problem(item: Any) -> Problem:
    path = ""
    for part in item["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":
            path += f".{part}" if path else str(part)
    cause = item.get("ctx", {}).get("error")
    what = str(cause) if isinstance(cause, ValueError) else _MESSAGES.get(item["type"], item["msg"])
    return path, what
