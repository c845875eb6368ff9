"""Escalations of a strategy-driven case: which one to take now, and what taking it records.

Pure: no Temporal import. `next_hand_off` is asked with the state as it is now; what needs no
await it takes itself (write-off closes the case; a notice is queued at the door and counts
once sent), and it returns the first escalation to hand to the team that carries it out.
After that hand-off the workflow calls `record_hand_off` and asks again.
"""

from datetime import datetime

from arrears import strategy as rules
from arrears.workflows.agenda import escalation_flags
from arrears.workflows.case_state import CaseState
from arrears.workflows.door import NOTICE_EVENTS, notice_undelivered, queue_written, withdraw
from arrears.workflows.validation_notice import holds_bureau_report

HANDED_OFF_EVENTS = {
    "bureau_report": "bureau_reported",
    "lawyer_letter": "lawyer_letter",
    "litigation_referral": "litigation_referred",
}
"""Escalations carried out by another team or system (bureau feed, lawyers, litigation), and
the event recorded once handed off."""


def next_hand_off(state: CaseState, now: datetime) -> rules.EscalationDue | None:
    """The first escalation due now that must be handed off, or None. None at all while a
    dispute is open or a Breathing Space holds (no enforcement during the moratorium,
    reg 7), nor (for runs that hold every escalation) while a promise, plan or hardship
    pause is active; a notice whose sending is under way, or that reached no one, is not
    taken again. A US case's bureau report waits while passive collection holds it
    (`validation_notice.holds_bureau_report`)."""
    assert state.strategy is not None
    if state.dispute is not None or not state.is_open or state.in_breathing_space(now):
        return None
    flags = escalation_flags(state, now)
    waiting = {p.notice for p in state.pending_contacts if p.notice is not None}
    for due in rules.escalations_due(state.strategy, state.dpd, state.tier, flags):
        if due.step == "write_off":
            state.escalations_done[due.step] = state.dpd
            state.close(now, "written_off", rule=due.rule, strategy=due.strategy_version)
            return None
        if due.step == "bureau_report" and holds_bureau_report(state, now):
            continue
        if due.step not in NOTICE_EVENTS:
            return due
        if due.step in waiting or due.step in state.notices_undelivered:
            continue
        if not queue_written(state, now, name=due.step, template=due.step, notice=due.step):
            notice_undelivered(state, due.step, now)
    return None


def record_hand_off(state: CaseState, due: rules.EscalationDue, now: datetime) -> None:
    """Record an escalation that was handed off, whatever changed while it was on its way.
    A lawyer's letter is also written to the customer, through the door; a litigation
    referral ends routine dunning."""
    state.escalations_done[due.step] = state.dpd
    state.record(
        now,
        HANDED_OFF_EVENTS[due.step],
        rule=due.rule,
        dpd=state.dpd,
        strategy=due.strategy_version,
    )
    if due.step == "lawyer_letter" and state.is_open:
        queue_written(state, now, name=due.step, template=due.step)
    if due.step == "litigation_referral":
        withdraw(state, now, "escalations.litigation_referral", notices=False)
