"""The gate: may this contact go now? Pure function of (profile, facts, ledger, contact, now).

The rules are asked in a fixed order and the first that stands in the way decides: those
that block whatever the time (opted out, invalid point, contact person), then the
protections (Breathing Space, vulnerability), then the contact hours, then the caps. A
deferral is followed to its end: the gate asks again at `until` (with the same ledger) and
moves on while another rule defers, so `until` is an instant at which the contact would be
allowed, not merely one past the first obstacle. The verdict names the first rule.
"""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from arrears.compliance import caps, persons, protections, reachability, windows
from arrears.compliance.asks import Ask
from arrears.compliance.clock import utc
from arrears.compliance.facts import CustomerFacts, LedgerEntry, ProposedContact
from arrears.compliance.profile import Profile
from arrears.compliance.verdicts import Verdict

Rule = Callable[[Ask], Verdict | None]

RULES: tuple[Rule, ...] = (
    reachability.opted_out,
    reachability.point_invalid,
    persons.contact_person,
    protections.breathing_space,
    protections.vulnerability,
    windows.quiet_hours,
    caps.after_conversation,
    caps.seven_in_seven,
    caps.connected_calls_per_day,
    caps.unanswered_per_point_per_day,
    caps.weekly_budget,
)
"""In the order they are asked."""

MAX_FOLLOW = 32
"""How many deferrals are followed to find an instant every rule allows; each moves
`until` forward by at least a second, and real chains are a handful long."""


def decide(
    profile: Profile,
    facts: CustomerFacts,
    ledger: Sequence[LedgerEntry],
    proposed: ProposedContact,
    now: datetime,
) -> Verdict:
    """The verdict on `proposed` at `now` (an aware datetime; compared as UTC).

    `allow` (rule `gate.allow`), `block` (nothing will change it by waiting), or `defer`
    with `until` (UTC) strictly after `now`, inside the contact hours in every zone, at
    which the same question with the same ledger is allowed (unless the search horizon
    was reached first: then `until` is the last instant found)."""
    if not facts.timezones:
        raise ValueError("CustomerFacts.timezones is empty: the gate needs the customer's zone")
    ask = Ask(profile, facts, ledger, proposed, utc(now))
    first = _first_objection(ask)
    if first is None:
        return Verdict("allow", "gate.allow", profile.label)
    if first.decision != "defer" or first.until is None:
        return first
    until = first.until
    for _ in range(MAX_FOLLOW):
        later = _first_objection(replace(ask, at=until))
        if later is None or later.decision != "defer" or later.until is None:
            break
        until = later.until
    return replace(first, until=until)


def _first_objection(ask: Ask) -> Verdict | None:
    for rule in RULES:
        if (verdict := rule(ask)) is not None:
            return verdict
    return None
