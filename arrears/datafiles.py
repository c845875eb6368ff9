"""Versioned data files (strategies, compliance profiles): read, parse, validate, report.

Every problem is reported as `<source>: <field path>: <what is wrong>`, one per line, in a
single `DataFileError` (each kind of file has its own subclass); the field path is the same
whether the source was YAML or JSON, and a key given twice is refused in both.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Format = Literal["yaml", "json"]
Problem = tuple[str, str]
"""(field path, what is wrong); an empty path for the file as a whole."""
M = TypeVar("M", bound=BaseModel)

SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string (quote it)",
}


class DataFileError(ValueError):
    """A data file that cannot be used; `problems` lists (field path, what is wrong)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        lines = (
            f"{source}: {path}: {what}" if path else f"{source}: {what}" for path, what in problems
        )
        super().__init__("\n".join(lines))
        self.source = source
        self.problems = problems


def read(path: str | Path, error: type[DataFileError], kind: str) -> tuple[str, str, Format]:
    """The text of the `kind` file `path` (`.yaml`, `.yml` or `.json`), its source name and
    format. Raises `error` for another suffix or a file that cannot be read."""
    path = Path(path)
    source = str(path)
    format = SUFFIXES.get(path.suffix.lower())
    if format is None:
        raise error(source, [("", f"a {kind} file ends in .yaml, .yml or .json")])
    try:
        return path.read_text(encoding="utf-8"), source, format
    except (OSError, UnicodeDecodeError) as cause:
        raise error(source, [("", f"cannot be read: {cause}")]) from cause


def parse(text: str, source: str, format: Format | None, error: type[DataFileError]) -> Any:
    """`text` parsed as `format` (without one, text starting with `{` is JSON)."""
    if format is None:
        format = "json" if text.lstrip().startswith("{") else "yaml"
    try:
        if format == "json":
            return json.loads(text, object_pairs_hook=_unique_keys)
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except json.JSONDecodeError as cause:
        what = f"not valid JSON at line {cause.lineno}, column {cause.colno}: {cause.msg}"
    except yaml.MarkedYAMLError as cause:
        at = (
            f" at line {mark.line + 1}, column {mark.column + 1}"
            if (mark := cause.problem_mark)
            else ""
        )
        what = f"not valid YAML{at}: {cause.problem}"
    except (yaml.YAMLError, ValueError, TypeError) as cause:
        what = str(cause)
    raise error(source, [("", what)])


def validated(
    model: type[M],
    data: Any,
    source: str,
    error: type[DataFileError],
    kind: str,
    coherence: Callable[[M], list[Problem]],
) -> M:
    """`data` (parsed) as a `model`, with every field problem, then every `coherence`
    problem, reported at once as `error`."""
    if not isinstance(data, dict):
        raise error(source, [("", f"a {kind} is a mapping of fields")])
    try:
        value = model.model_validate(data)
    except ValidationError as cause:
        raise error(source, [_problem(item) for item in cause.errors()]) from cause
    if problems := coherence(value):
        raise error(source, problems)
    return value


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
