"""Load compliance profiles from YAML or JSON files, and the profiles that ship.

The one way a profile enters the system, and the only module of the gate that does I/O.
Every problem is reported as `<source>: <field path>: <what is wrong>`, one per line, in a
single `ProfileError`, as strategies are (`arrears.strategy.loader`, whose parsing rules
this shares: duplicate keys refused, the same field path for YAML and JSON).
"""

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from arrears import datafiles
from arrears.compliance.checks import coherence_problems
from arrears.compliance.layering import LayeringError, layer
from arrears.compliance.profile import Profile

PROFILES_DIR = "profiles"
SHIPPED: dict[str, str] = {"CN": "cn.yaml", "US": "us.yaml", "UK": "uk.yaml", "EU": "eu.yaml"}
"""The jurisdiction profiles that ship, by jurisdiction (`arrears.contracts.Jurisdiction`)."""

Format = datafiles.Format


class ProfileError(datafiles.DataFileError):
    """A profile that cannot be used; `problems` lists (field path, what is wrong)."""


def load(path: str | Path) -> Profile:
    """Load the profile in `path`, a `.yaml`, `.yml` or `.json` file."""
    text, source, format = datafiles.read(path, ProfileError, "profile")
    return loads(text, source=source, format=format)


def loads(text: str, *, source: str = "<text>", format: Format | None = None) -> Profile:
    """Load a profile from `text`; without `format`, text starting with `{` is JSON."""
    return from_data(datafiles.parse(text, source, format, ProfileError), source=source)


def from_data(data: Any, *, source: str = "<data>") -> Profile:
    """Validate already parsed data (a mapping) as a profile and check its coherence."""
    return datafiles.validated(Profile, data, source, ProfileError, "profile", coherence_problems)


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
