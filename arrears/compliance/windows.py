"""Contact hours: when, in customer-local time, a contact may be made.

Pure. The window applies in every zone the customer may be in: Regulation F asks for a time
convenient in all of them (12 CFR 1006.6(b)(1)(i); for a customer with one zone this is the
plain window), and a time outside the hours in any of them may wake the customer.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from arrears.compliance.clock import instants_of, local_day, reading
from arrears.compliance.facts import CustomerFacts
from arrears.compliance.profile import Profile
from arrears.compliance.verdicts import Verdict

if TYPE_CHECKING:
    from arrears.compliance.asks import Ask

SEARCH_HORIZON = timedelta(hours=48)
"""How far ahead a convenient time is looked for before the contact is blocked."""


@dataclass(frozen=True)
class Hours:
    """Customer-local hours [opens, closes) and the rule that set them."""

    opens: time
    closes: time
    rule: str

    def contain(self, instant: datetime, zones: Sequence[str]) -> bool:
        """Whether the clock in every zone reads inside the hours at `instant`."""
        return all(self.opens <= reading(instant, tz) < self.closes for tz in zones)

    def next_open(self, start: datetime, zones: Sequence[str]) -> datetime | None:
        """The first instant at or after `start` inside the hours in every zone, or None
        if there is none within `SEARCH_HORIZON`.

        The shared hours start at `start` or at some zone's opening (a reading of `opens`,
        or the clocks' jump over it), so only those are tried."""
        end = start + SEARCH_HORIZON
        candidates = {start}
        for tz in zones:
            first = local_day(start, tz)
            for offset in range(-1, SEARCH_HORIZON.days + 2):
                candidates.update(instants_of(first + timedelta(days=offset), self.opens, tz))
        for candidate in sorted(c for c in candidates if start <= c <= end):
            if self.contain(candidate, zones):
                return candidate
        return None


def contact_hours(profile: Profile, facts: CustomerFacts) -> Hours | None:
    """The hours that apply to this customer: the window the customer agreed to, where the
    profile lets it replace its own; else the profile's window; None if the profile has
    none. An agreed window that does not open before it closes is not used."""
    window = profile.window
    if window is None:
        return None
    agreed = facts.agreed_window
    if window.agreed_window_allowed and agreed is not None and agreed[0] < agreed[1]:
        return Hours(agreed[0], agreed[1], profile.rule_id(window, "agreed_window"))
    return Hours(window.opens, window.closes, profile.rule_id(window, "quiet_hours"))


def first_allowed(profile: Profile, facts: CustomerFacts, start: datetime) -> datetime | None:
    """The first instant at or after `start` at which the contact hours allow contact in
    every zone; `start` itself without hours; None if none within the search horizon."""
    hours = contact_hours(profile, facts)
    if hours is None:
        return start
    return hours.next_open(start, facts.timezones)


def quiet_hours(ask: "Ask") -> Verdict | None:
    """Outside the contact hours in any of the customer's zones: defer to the first instant
    inside them in all. CN: GB/T 45251-2025, no collection contact 22:00-08:00 unless the
    customer agreed another window; US: 12 CFR 1006.6(b)(1)(i), 08:00-21:00 presumed
    convenient, in every zone the customer may be in; UK: CONC 7.9, reasonable hours."""
    hours = contact_hours(ask.profile, ask.facts)
    if hours is None or hours.contain(ask.at, ask.facts.timezones):
        return None
    return ask.defer(
        hours.rule, ask.at, f"outside {hours.opens:%H:%M}-{hours.closes:%H:%M} customer-local"
    )
