"""One question to the gate, as every rule sees it, and the verdicts a rule may give.

Pure. A rule is a function `(Ask) -> Verdict | None`: None when it does not stand in the
way. A rule that defers names the earliest instant the contact could go as far as it is
concerned (`not_before`); the ask turns that into the first instant the contact hours also
allow, so no deferral ever lands outside them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from arrears.compliance.clock import local_day
from arrears.compliance.facts import CustomerFacts, LedgerEntry, ProposedContact
from arrears.compliance.profile import Profile
from arrears.compliance.verdicts import Verdict
from arrears.compliance.windows import SEARCH_HORIZON, first_allowed


@dataclass(frozen=True)
class Ask:
    """May `proposed` go at `at` (UTC)? Local days are those of the customer's first zone."""

    profile: Profile
    facts: CustomerFacts
    ledger: Sequence[LedgerEntry]
    proposed: ProposedContact
    at: datetime

    @property
    def home(self) -> str:
        return self.facts.timezones[0]

    @cached_property
    def today(self) -> date:
        return local_day(self.at, self.home)

    def day_of(self, entry: LedgerEntry) -> date:
        return local_day(entry.at, self.home)

    @property
    def is_call(self) -> bool:
        return self.proposed.channel == "call"

    def block(self, rule: str, detail: str) -> Verdict:
        return Verdict("block", rule, self.profile.label, detail=detail)

    def defer(self, rule: str, not_before: datetime, detail: str) -> Verdict:
        """Defer until the first instant at or after `not_before` (and after now) that the
        contact hours allow; block if the hours allow none within the search horizon."""
        start = max(not_before, self.at)
        until = first_allowed(self.profile, self.facts, start)
        if until is not None and until == self.at:
            # Defers always move forward: a rule that holds now holds at this instant.
            until = first_allowed(self.profile, self.facts, _next_second(self.at))
        if until is None:
            return self.block(
                self.profile.rule_id(self.profile.window, "no_convenient_time"),
                f"no time within {SEARCH_HORIZON} of {start:%Y-%m-%d %H:%M}Z is inside "
                "the contact hours in every zone",
            )
        return Verdict("defer", rule, self.profile.label, until=until, detail=detail)


def _next_second(instant: datetime) -> datetime:
    return instant.replace(microsecond=0) + timedelta(seconds=1)
