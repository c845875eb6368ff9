"""Regulation F at the door: the validation notice goes first, and the bureau report waits.

Pure: no Temporal import, no clock of its own; `StrategyTurns` calls these with the state
as it is now. They do anything only for a US case with `CaseState.regulation_f` (opened by a
run from the `us-validation-notice` patch on); other cases pass through unchanged.

- `queue_owed`: the validation notice (12 CFR 1006.34(a)(1)(i)(B), 1006.42) waits at the
  door, e-mail first then SMS, from the case's first step on, as long as it is owed and
  collection is not paused (a pause takes it back like any notice; it is queued again when
  the pause ends). No written channel: `notice_undelivered`, as for the bureau pre-notice.
- `next_contact`: while it waits, nothing else leaves before it: it is the case's first
  communication.
- `stated_period_end`: the end of the validation period the notice states, from the
  customer-local day it is sent (`validation_period.validation_period_end`).
- `record_sent`: once sent, `validation_notice_sent` with the message's id and that end.
- `holds_bureau_report`: passive collection (1006.30(a)(1)), `bureau_report_held` once.
"""

from datetime import date, datetime

from arrears.contracts import Channel, NotificationResult
from arrears.workflows import door
from arrears.workflows.case_state import CaseState, PendingContact
from arrears.workflows.regulation_f import (
    NOTICE_RULE,
    PASSIVE_COLLECTION_RULE,
    VALIDATION_NOTICE,
    furnishing_hold,
)
from arrears.workflows.validation_period import validation_period_end

CHANNELS: tuple[Channel, ...] = ("email", "sms")
"""Channels the validation notice may take, in order of preference: e-mail carries the
whole notice best (1006.42 electronic delivery)."""


def queue_owed(state: CaseState, now: datetime) -> None:
    """Queue the validation notice if it is owed and not waiting already (module rules)."""
    facts = state.regulation_f
    if facts is None or not facts.notice_owed or not state.is_open:
        return
    if state.pause_reason(now) or VALIDATION_NOTICE in state.notices_undelivered:
        return
    if any(p.notice == VALIDATION_NOTICE for p in state.pending_contacts):
        return
    if not door.queue_written(
        state,
        now,
        name=VALIDATION_NOTICE,
        template=VALIDATION_NOTICE,
        notice=VALIDATION_NOTICE,
        channels=CHANNELS,
    ):
        door.notice_undelivered(state, VALIDATION_NOTICE, now)


def next_contact(state: CaseState, now: datetime) -> PendingContact | None:
    """`door.next_contact`, except that a waiting validation notice goes first, and while it
    may not go yet (deferred), nothing does."""
    waiting = next((p for p in state.pending_contacts if p.notice == VALIDATION_NOTICE), None)
    if waiting is None:
        return door.next_contact(state, now)
    return waiting if state.is_open and waiting.not_before <= now else None


def stated_period_end(state: CaseState, pending: PendingContact, now: datetime) -> date | None:
    """The validation period's end that `pending` states if it is the validation notice
    sent now, kept for `record_sent`; None for every other message."""
    facts = state.regulation_f
    if facts is None or pending.notice != VALIDATION_NOTICE:
        return None
    facts.period_ends = validation_period_end(state.today(now))
    return facts.period_ends


def record_sent(
    state: CaseState, sent: PendingContact, result: NotificationResult, now: datetime
) -> None:
    """After `door.record_outcome`: a validation notice that left is the notice given, with
    the end it stated; it is owed no more."""
    facts = state.regulation_f
    if facts is None or sent.notice != VALIDATION_NOTICE or result.status != "sent":
        return
    facts.notice_owed = False
    facts.sent_at = now
    state.record(
        now,
        "validation_notice_sent",
        channel=sent.channel,
        message_id=result.message_id,
        period_ends=facts.period_ends,
        rule=NOTICE_RULE,
    )


def holds_bureau_report(state: CaseState, now: datetime) -> bool:
    """Whether passive collection holds the bureau report back now (`furnishing_hold`);
    the first time, `bureau_report_held` records until when (absent while no notice was
    sent: until the customer is spoken to or a notice goes)."""
    hold = furnishing_hold(state.regulation_f, state.timeline, now)
    if hold is None:
        return False
    facts = state.regulation_f
    assert facts is not None
    if not facts.report_held:
        facts.report_held = True
        state.record(
            now,
            "bureau_report_held",
            until=hold.until,
            rule=PASSIVE_COLLECTION_RULE,
            **({"strategy": state.strategy.version} if state.strategy else {}),
        )
    return True


def hold_ends(state: CaseState, now: datetime) -> datetime | None:
    """When a recorded hold on the bureau report ends, for the agenda to wake the case then;
    None if none is recorded, the report went, or the end is not known yet."""
    facts = state.regulation_f
    if facts is None or not facts.report_held or "bureau_report" in state.escalations_done:
        return None
    hold = furnishing_hold(facts, state.timeline, now)
    return hold.until if hold is not None else None
