"""Contact-time rules per jurisdiction: when a customer may be contacted at all.

Pure. A decision always names the rule that produced it, so the timeline can explain it.
Frequency caps need the shared contact ledger and live in the contact gate.
"""

from dataclasses import dataclass
from datetime import datetime, time

from arrears.workflows import calendar


@dataclass(frozen=True)
class ContactWindow:
    """Customer-local hours in which contact is allowed: [opens, closes)."""

    opens: time
    closes: time
    rule: str


CONTACT_WINDOWS: dict[str, ContactWindow] = {
    # GB/T 45251-2025: no collection contact 22:00–08:00 customer-local time.
    "CN": ContactWindow(opens=time(8), closes=time(22), rule="CN.quiet_hours"),
    # Regulation F: 08:00–21:00 local is presumed convenient.
    "US": ContactWindow(opens=time(8), closes=time(21), rule="US.inconvenient_time"),
    "UK": ContactWindow(opens=time(8), closes=time(21), rule="UK.reasonable_hours"),
    "EU": ContactWindow(opens=time(8), closes=time(20), rule="EU.reasonable_hours"),
}


@dataclass(frozen=True)
class ContactDecision:
    """Allow now, or defer until `until` (UTC), with the rule that decided."""

    allowed: bool
    rule: str
    until: datetime | None = None


def check_contact_time(instant: datetime, tz: str, jurisdiction: str) -> ContactDecision:
    """May the customer be contacted at `instant`? If not, when next?"""
    window = CONTACT_WINDOWS[jurisdiction]
    clock = calendar.local_clock(instant, tz)
    if window.opens <= clock < window.closes:
        return ContactDecision(allowed=True, rule=window.rule)
    until = calendar.local_time_window_start(instant, tz, window.opens)
    return ContactDecision(allowed=False, rule=window.rule, until=until)
