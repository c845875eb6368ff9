"""Load compliance profiles from YAML or JSON files, and the profiles that ship.

The one way a profile enters the system, and the only module of the gate that does I/O.
Every problem is reported as `<source>: <field path>: <what is wrong>`, one per line, in a
single `ProfileError`, as strategies are (`arrears.strategy.loader`, whose parsing rules
this shares: duplicate keys refused, the same field path for YAML and JSON).
"""

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from arrears.compliance.checks import Problem, coherence_problems
from arrears.compliance.layering import LayeringError, layer
from arrears.compliance.profile import Profile
from arrears.strategy.loader import _problem, _unique_keys, _UniqueKeyLoader

PROFILES_DIR = "profiles"
SHIPPED: dict[str, str] = {"CN": "cn.yaml", "US": "us.yaml", "UK": "uk.yaml", "EU": "eu.yaml"}
"""The jurisdiction profiles that ship, by jurisdiction (`arrears.contracts.Jurisdiction`)."""

Format = Literal["yaml", "json"]
_SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class ProfileError(ValueError):
    """A profile that cannot be used; `problems` lists (field path, what is wrong)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        lines = (
            f"{source}: {path}: {what}" if path else f"{source}: {what}" for path, what in problems
        )
        super().__init__("\n".join(lines))
        self.source = source
        self.problems = problems


def load(path: str | Path) -> Profile:
    """Load the profile in `path`, a `.yaml`, `.yml` or `.json` file."""
    path = Path(path)
    source = str(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise ProfileError(source, [("", "a profile file ends in .yaml, .yml or .json")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProfileError(source, [("", f"cannot be read: {error}")]) from error
    return loads(text, source=source, format=_SUFFIXES[path.suffix.lower()])


def loads(text: str, *, source: str = "<text>", format: Format | None = None) -> Profile:
    """Load a profile from `text`; without `format`, text starting with `{` is JSON."""
    if format is None:
        format = "json" if text.lstrip().startswith("{") else "yaml"
    return from_data(_parse(text, source, format), source=source)


def from_data(data: Any, *, source: str = "<data>") -> Profile:
    """Validate already parsed data (a mapping) as a profile and check its coherence."""
    if not isinstance(data, dict):
        raise ProfileError(source, [("", "a profile is a mapping of fields")])
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        raise ProfileError(source, [_problem(item) for item in error.errors()]) from error
    if problems := coherence_problems(profile):
        raise ProfileError(source, problems)
    return profile


def check_file(path: str | Path) -> list[str]:
    """The problems of the profile file `path`, one line each; empty when it is usable
    (what `arrears profile check FILE` prints)."""
    try:
        load(path)
    except ProfileError as error:
        return str(error).splitlines()
    return []


@functools.cache
def jurisdiction_profile(code: str) -> Profile:
    """The shipped profile of jurisdiction `code` (`CN`, `US`, `UK`, `EU`). Loaded once; a
    profile is immutable."""
    if code not in SHIPPED:
        raise ProfileError(code, [("", f"no profile ships for jurisdiction {code!r}")])
    name = SHIPPED[code]
    text = resources.files(__package__).joinpath(PROFILES_DIR, name).read_text(encoding="utf-8")
    return loads(text, source=f"{PROFILES_DIR}/{name}", format="yaml")


def profile_for(jurisdiction: str, overlay: Profile | None = None) -> Profile:
    """The profile the gate uses for a customer in `jurisdiction`: its shipped profile,
    layered with the lender's `overlay` (a house policy) if any. Its version names every
    layer (`CN@2026.1+house@3`)."""
    base = jurisdiction_profile(jurisdiction)
    try:
        return layer(base, overlay) if overlay is not None else layer(base)
    except LayeringError as error:
        raise ProfileError(
            f"{jurisdiction}+{overlay.name if overlay else ''}", [("", str(error))]
        ) from error


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
    raise ProfileError(source, [("", what)])
