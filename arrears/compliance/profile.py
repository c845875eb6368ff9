"""The schema of a compliance profile: the rules of one jurisdiction, or a lender's house
policy, each naming its source and the date it took effect.

Pure: no I/O. `arrears.compliance.profiles` loads and layers them.
"""

from datetime import date, time

from pydantic import BaseModel, ConfigDict


class ProfileRule(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Sourced(ProfileRule):
    source: str
    effective: date


class ContactWindowRule(Sourced):
    """Customer-local hours in which contact is allowed: [opens, closes)."""

    opens: time
    closes: time


class Profile(ProfileRule):
    """One layer: a jurisdiction (`CN`, `US`, `UK`) or a house policy. Every rule is
    optional; layered, the strictest wins."""

    name: str
    version: str
    window: ContactWindowRule | None = None
