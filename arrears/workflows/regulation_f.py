"""What a US case keeps for Regulation F (12 CFR part 1006), and the rules that read it.

- The validation notice (1006.34): owed by a case opened by a run from the
  `us-validation-notice` patch on; its validation period ends `validation_period_end` of
  the day it was sent (`validation_period`).
- A dispute opened within the validation period (1006.34(c)(4)): recorded as such; its
  rejection is the verification that lets collection resume.
- Passive collection (1006.30(a)(1)): no `bureau_report` before the case spoke with the
  customer, or before 14 days passed since the first notice sent to them (the validation
  notice or the bureau pre-notice) with no notice of undeliverability.

Pure: no Temporal import, no clock of its own; it reads the case's timeline, so facts
recorded before a run followed these rules count too.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from arrears.contracts import TimelineEvent
from arrears.fields import UtcDatetime

VALIDATION_NOTICE = "validation_notice"
"""The notice's step and template name, and its `PendingContact.notice`."""

NOTICE_RULE = "US.validation_notice"
DISPUTE_RULE = "US.dispute_in_validation_period"
PASSIVE_COLLECTION_RULE = "US.passive_collection"

UNDELIVERABLE_WAIT = timedelta(days=14)
"""The reasonable time to wait for a notice of undeliverability (1006.30(a)(1)(ii))."""

SPOKE_WITH_CUSTOMER = frozenset({"conversation", "refused_to_pay"})
"""Call outcomes that are speaking to the customer in person (1006.30(a)(1)(i))."""

NOTICES_SENT = frozenset({"validation_notice_sent", "bureau_prenotice"})
"""Events that record a notice sent to the customer about the debt (1006.30(a)(1)(ii))."""


class RegulationF(BaseModel):
    """A US case's Regulation F facts; None on `CaseState` for other jurisdictions and for
    cases opened before the `us-validation-notice` patch (their histories replay)."""

    notice_owed: bool = True
    """The validation notice is still to go (its sending is decided at every step)."""
    period_ends: date | None = None
    """The last day of the validation period, once the notice is sent; while it is on its
    way, the end it states."""
    sent_at: UtcDatetime | None = None
    dispute_in_period: bool = False
    """The open dispute came within the validation period."""
    report_held: bool = False
    """`bureau_report_held` is recorded (once per case)."""


@dataclass(frozen=True)
class Hold:
    """The bureau report may not be furnished yet; `until` is when the wait for a notice of
    undeliverability ends, None while no notice was sent at all."""

    until: datetime | None


def furnishing_hold(
    facts: RegulationF | None, timeline: Sequence[TimelineEvent], now: datetime
) -> Hold | None:
    """Why the case may not furnish to a bureau now (12 CFR 1006.30(a)(1)), or None. Held
    until the customer was spoken to (a call outcome in `SPOKE_WITH_CUSTOMER`), or until
    `UNDELIVERABLE_WAIT` after the first notice sent (`NOTICES_SENT`). A notice of
    undeliverability would keep the hold: the case records none (a channel that cannot
    reach the customer is `skipped` before sending, and no notice counts then)."""
    if facts is None:
        return None
    first_notice: datetime | None = None
    for event in timeline:
        extra = event.model_extra or {}
        if event.type == "contact_outcome" and extra.get("outcome") in SPOKE_WITH_CUSTOMER:
            return None
        if first_notice is None and event.type in NOTICES_SENT:
            first_notice = event.at
    if first_notice is None:
        return Hold(until=None)
    until = first_notice + UNDELIVERABLE_WAIT
    return Hold(until=until) if now < until else None


def dispute_facts(facts: RegulationF | None, today: date) -> dict[str, bool]:
    """The fields a US `dispute_opened` event adds: whether it came within the validation
    period (from the notice's sending to `period_ends`, customer-local days). Remembered
    for the resolution. Nothing for other cases."""
    if facts is None:
        return {}
    facts.dispute_in_period = (
        facts.sent_at is not None and facts.period_ends is not None and today <= facts.period_ends
    )
    return {"within_validation_period": facts.dispute_in_period}


def resolution_rule(facts: RegulationF | None, outcome: str, rule: str) -> tuple[str, dict]:
    """The rule and fields of a `dispute_resolved` event. A dispute from within the
    validation period is marked; its rejection is the verification of the debt (1006.34(c)(4))
    after which collection resumes, recorded under `DISPUTE_RULE`. Forgets the dispute."""
    if facts is None or not facts.dispute_in_period:
        return rule, {}
    facts.dispute_in_period = False
    fields = {"within_validation_period": True}
    return (DISPUTE_RULE if outcome == "rejected" else rule), fields
