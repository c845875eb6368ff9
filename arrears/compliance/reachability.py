"""Whether the contact may be made at all: the channel not stopped, the point not wrong.

Pure. These block at once, whatever the time: waiting would not change them.
"""

from arrears.compliance.asks import Ask
from arrears.compliance.verdicts import Verdict


def opted_out(ask: Ask) -> Verdict | None:
    """A customer who opted out of a channel is not contacted on it again, from the moment
    the request is recorded (Regulation F, 12 CFR 1006.14(h)(1) and 1006.6(e); every
    profile). Without an
    opt-out rule in the profile the gate still honours it (`gate.opted_out`)."""
    channel = ask.proposed.channel
    if channel not in ask.facts.opted_out:
        return None
    rule = ask.profile.opt_out
    rule_id = ask.profile.rule_id(rule, "opted_out") if rule else "gate.opted_out"
    return ask.block(rule_id, f"the customer opted out of {channel}")


def point_invalid(ask: Ask) -> Verdict | None:
    """A contact point known not to reach the customer (a wrong number) is not used: the
    contact would reach someone else."""
    point = ask.proposed.contact_point
    if point not in ask.facts.invalid_points:
        return None
    return ask.block("gate.point_invalid", f"contact point {point!r} is known to be invalid")
