"""Builders for the gate's tests: instants from customer-local readings, ledger entries,
profiles from the shipped files and small ad-hoc ones."""

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import arrears.compliance
from arrears.compliance import (
    CustomerFacts,
    LedgerEntry,
    Profile,
    ProposedContact,
    jurisdiction_profile,
    load,
    profile_for,
)
from arrears.compliance.loader import from_data

SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
LONDON = "Europe/London"
PROFILES = Path(arrears.compliance.__file__).parent / "profiles"
TEMPLATES = Path(arrears.compliance.__file__).parent.parent / "templates"
HOUSE_FILE = PROFILES / "house.example.yaml"


def at(day: date, clock: str, tz: str) -> datetime:
    """The UTC instant at which the clock in `tz` reads `clock` on `day`."""
    wall = datetime.combine(day, time.fromisoformat(clock), tzinfo=ZoneInfo(tz))
    return wall.astimezone(UTC)


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def facts(*zones: str, **changes: Any) -> CustomerFacts:
    return CustomerFacts(timezones=zones or (SHANGHAI,), **changes)


def call(
    when: datetime,
    outcome: str | None = "unanswered",
    *,
    loan: str = "L1",
    point: str = "phone",
) -> LedgerEntry:
    return LedgerEntry(when, loan, "call", point, "call", outcome)  # type: ignore[arg-type]


def message(when: datetime, *, loan: str = "L1", channel: str = "sms") -> LedgerEntry:
    point = "email" if channel == "email" else "phone"
    return LedgerEntry(when, loan, channel, point, "message")  # type: ignore[arg-type]


def propose_call(loan: str = "L1", point: str = "phone", **changes: Any) -> ProposedContact:
    return ProposedContact(loan, "call", point, **changes)


def propose_sms(loan: str = "L1", **changes: Any) -> ProposedContact:
    return ProposedContact(loan, "sms", "phone", **changes)


def cn() -> Profile:
    return jurisdiction_profile("CN")


def us() -> Profile:
    return jurisdiction_profile("US")


def uk() -> Profile:
    return jurisdiction_profile("UK")


def house() -> Profile:
    return load(HOUSE_FILE)


def cn_with_house() -> Profile:
    return profile_for("CN", house())


RULE_BASE = {"source": "test rule", "effective": "2026-01-01"}


def profile(name: str = "T", version: str = "1", **rules: dict[str, Any]) -> Profile:
    """A profile with `rules`, each given only its own fields (source and date added)."""
    data: dict[str, Any] = {"name": name, "version": version}
    for field, values in rules.items():
        data[field] = {**RULE_BASE, **values}
    return from_data(data, source="<test>")
