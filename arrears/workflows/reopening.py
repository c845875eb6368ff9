"""A case that closed on money that did not stand: the reversal that reopens it.

Pure: no Temporal import; works on a `CaseState`. The commonest bounce is the payment that
cleared the whole debt: the case closed `paid` (or `settled`, the payment completed a
settlement) and its run has completed. The reversal of a payment of such a case, within
`REVERSAL_WINDOW` of the closing, starts a new run of the same workflow id carrying the
closed run's final state (`CaseStart.reopening`), where `reopen` applies it at once: what
the payment paid is owed again, component by component, exactly as the reversal of an open
case (`ledger_changes.reverse`); the case is open again, its DPD counts on from the original
due date (held days kept), the timeline records `case_reopened` (rule `payment.reversed`)
with the payment id, offers are made on the balance owed again, and the case collects as
usual. It is the same case, the same episode: every id it took keeps its meaning, its
contacts keep their keys.

A case closed otherwise (written off, recalled, dispute upheld, adjusted) did not close on
the payment: it stays closed (`CaseClosed`). Beyond the window the books are settled
(`ReversalWindowOver`): the bank adjusts the balance of a new case instead.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from arrears.commands import ReversePayment
from arrears.contracts import NextAction
from arrears.workflows import door
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.ledger_changes import check_reversible, reverse, reversed_already

if TYPE_CHECKING:
    from arrears.workflows.case_state import CaseState

REVERSAL_WINDOW = timedelta(days=120)
"""How long after a case closed `paid` or `settled` the reversal of one of its payments
reopens it. Card networks take most chargebacks within 120 days of the transaction (Visa
Core Rules, dispute time limit; Mastercard Chargeback Guide, first chargeback), longer than
the 60 days a consumer has to return an unauthorized ACH debit (Nacha Operating Rules,
Article Three, Subsection 3.12.1; return reason R10): a reversal the payment networks still
allow for the payment that closed the case reaches it."""

REOPENED_BY_REVERSAL = ("paid", "settled")
"""Closed reasons whose case a payment reversal reopens: closed by money."""

RULE = "payment.reversed"


def closed_at(state: "CaseState") -> datetime | None:
    """When the case last closed: its last `case_closed` event."""
    return next((e.at for e in reversed(state.timeline) if e.type == "case_closed"), None)


def check_reopening(state: "CaseState", command: ReversePayment, now: datetime) -> bool:
    """Raise `CommandRejected` unless `command` reopens the closed case of `state` at `now`
    (the API asks before it starts the reopened run): `IdReused` for a payment reversed for
    another reason, `CaseClosed` for a case closed other than by money or opened before
    strategies (`strategy` None: its run cannot be carried), `PaymentNotFound`,
    `PaymentNotReversible`, `ReversalWindowOver`. Returns True for a repeat, whatever closed
    the case: the payment was reversed already, for this reason (nothing to reopen)."""
    # A repeat is a repeat whatever closed the case: never a bare `CaseClosed`.
    state.used_ids.check_reversal(command)
    if reversed_already(state, command.payment_id):
        return True
    if state.closed_reason not in REOPENED_BY_REVERSAL or state.strategy is None:
        raise CommandRejected("CaseClosed", f"case is closed ({state.closed_reason})")
    check_reversible(state, command, now)
    closed = closed_at(state)
    if closed is not None and now > closed + REVERSAL_WINDOW:
        raise CommandRejected(
            "ReversalWindowOver",
            f"payment {command.payment_id}: the case closed {state.closed_reason} on "
            f"{closed.date().isoformat()}, more than {REVERSAL_WINDOW.days} days ago; a reversal "
            "reopens it only within that window: the bank adjusts the balance instead",
        )
    return False


def reopen(state: "CaseState", command: ReversePayment, now: datetime) -> None:
    """Reverse the payment of `command` on the closed case (checked by `check_reopening`)
    and open the case again at `now`."""
    was = state.closed_reason
    reverse(state, command, now)
    state.status = "open"
    state.closed_reason = None
    state.dpd = state.days_past_due(now)
    state.record(
        now,
        "case_reopened",
        rule=RULE,
        payment_id=command.payment_id,
        reason=command.reason,
        closed_reason=was,
        balance=state.ledger.total,
        dpd=state.dpd,
        **_version(state),
    )
    # Contacts left waiting when the case closed were decided for a case that no longer
    # was: taken back, each recorded, and the cadence queues afresh (a notice the case owes
    # for itself stays owed).
    door.withdraw(state, now, RULE, keep=door.CASE_NOTICE_RULES)
    state.advance_clock(now)
    state.make_offers(now)
    state.next_action = NextAction(kind="resume_collection", at=now)


def _version(state: "CaseState") -> dict[str, str]:
    return {"strategy": state.strategy.version} if state.strategy else {}
