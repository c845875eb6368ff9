"""Protections of a customer in a hard time: a debt-respite moratorium and vulnerability.

Pure. A `notice` (a notice the law requires) is not collection and still goes, except that a
softened contact is never a call.
"""

from datetime import timedelta

from arrears.compliance.asks import Ask
from arrears.compliance.caps import rolling_week_hold
from arrears.compliance.profile import WRITTEN_CHANNELS
from arrears.compliance.verdicts import Verdict

WEEK = timedelta(days=7)


def breathing_space(ask: Ask) -> Verdict | None:
    """While a Breathing Space moratorium runs, no collection contact: defer it to the
    moratorium's end (The Debt Respite Scheme (Breathing Space Moratorium and Mental Health
    Crisis Moratorium) (England and Wales) Regulations 2020, reg. 7 and 26: 60 days for a
    standard moratorium). Notices go."""
    rule = ask.profile.breathing_space
    until = ask.facts.breathing_space_until
    if rule is None or until is None or until <= ask.at or ask.proposed.purpose == "notice":
        return None
    return ask.defer(
        ask.profile.rule_id(rule, "breathing_space"),
        until,
        f"a Breathing Space moratorium runs until {until:%Y-%m-%d %H:%M}Z",
    )


def vulnerability(ask: Ask) -> Verdict | None:
    """A customer flagged vulnerable: `pause` blocks every collection contact; `soften`
    allows written channels only (a call is blocked) and at most the profile's number of
    contacts in any rolling 7 days (FCA FG21/1, guidance on the fair treatment of
    vulnerable customers; a house policy may pause instead)."""
    rule = ask.profile.vulnerability
    if rule is None or ask.facts.vulnerability is None:
        return None
    rule_id = ask.profile.rule_id(rule, "vulnerability")
    if rule.mode == "pause":
        if ask.proposed.purpose == "notice":
            return None
        return ask.block(rule_id, "collection is paused while the customer is vulnerable")
    if ask.proposed.channel not in WRITTEN_CHANNELS:
        return ask.block(rule_id, "a vulnerable customer is contacted in writing only")
    if rule.contacts_per_week is None or ask.proposed.purpose == "notice":
        return None
    return rolling_week_hold(ask, rule_id, rule.contacts_per_week, "for a vulnerable customer")
