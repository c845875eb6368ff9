"""Money that arrives after a write-off: a recovery, recorded, never refused.

Pure: no Temporal import; works on a `CaseState`. A case written off stays closed as
`written_off`, but its run lingers for `RECOVERY_WINDOW` to take recoveries: each is
applied once per payment_id to the written-off balance by the same waterfall as any
payment (what exceeds that balance is excess, owed back), counted in `recovered`, stored
as a payment marked `recovery`, and told on the timeline as `recovery_received`. After the
window the run completes and a payment is refused as on any closed case.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from arrears.contracts import Allocation, Payment
from arrears.workflows.money import apply_payment

if TYPE_CHECKING:
    from arrears.workflows.case_state import CaseState

RECOVERY_WINDOW = timedelta(days=730)
"""How long after a write-off the case takes recoveries: two years, as long as collection
records must at least be kept (CN)."""


def takes_recovery(state: "CaseState", now: datetime) -> bool:
    """Whether a payment at `now` is a recovery: the case was written off by a run that
    takes recoveries, and the window is not over."""
    return (
        state.takes_recoveries
        and state.closed_reason == "written_off"
        and (state.recovery_until is None or now < state.recovery_until)
    )


def take_recovery(
    state: "CaseState", payment: Payment, now: datetime, via: str
) -> tuple[bool, Allocation | None]:
    """Apply a recovery once per payment_id. Returns (applied, allocation)."""
    if payment.payment_id in state.payment_ids:
        return False, None
    state.payment_ids.add(payment.payment_id)
    state.ledger, allocation = apply_payment(state.ledger, payment.amount)
    state.recovered += payment.amount - allocation.excess
    state.excess += allocation.excess
    state.book_payment(payment, allocation, now, via, recovery=True)
    state.record(
        now,
        "recovery_received",
        payment_id=payment.payment_id,
        amount=payment.amount,
        fees=allocation.fees,
        interest=allocation.interest,
        principal=allocation.principal,
        excess=allocation.excess,
        balance=state.ledger.total,
        recovered=state.recovered,
        rule="payment.recovery_after_write_off",
    )
    return True, allocation
