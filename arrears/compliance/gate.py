"""The gate: may this contact go now? Pure function of (profile, facts, ledger, contact, now)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from arrears.compliance.facts import CustomerFacts, LedgerEntry, ProposedContact
from arrears.compliance.profile import Profile
from arrears.compliance.verdicts import Verdict


def decide(
    profile: Profile,
    facts: CustomerFacts,
    ledger: Sequence[LedgerEntry],
    proposed: ProposedContact,
    now: datetime,
) -> Verdict:
    """The verdict on `proposed` at `now` (UTC)."""
    window = profile.window
    if window is not None:
        for tz in facts.timezones:
            clock = now.astimezone(ZoneInfo(tz)).time()
            if not window.opens <= clock < window.closes:
                return Verdict(
                    "defer",
                    f"{profile.name}.quiet_hours",
                    profile.version,
                    until=now.astimezone(UTC),
                )
    return Verdict("allow", "gate.allow", profile.version)
