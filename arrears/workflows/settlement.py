"""What an interest waiver offer forgives, by component: interest, and nothing else.

Pure: no Temporal import. An interest waiver offer (`offers.interest_waiver`) says "pay
all but `waived` of the interest and the rest is forgiven". While it stands, the waterfall
holds that interest back until last (`apply_payment(held_interest=...)`), so a customer
who pays the offer's amount, in one payment or several, leaves exactly the waived interest
owed, and the settlement forgives that interest. Principal and fees are never forgiven by
it: interest the customer has already paid cannot be waived again out of principal.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from arrears.workflows.money import Ledger

if TYPE_CHECKING:
    from arrears.workflows.case_state import CaseState


def held_interest(ledger: Ledger, waiver_offered: int) -> int:
    """Interest a payment leaves until last: what the standing offer waives, at most the
    interest still owed (0 when no waiver stands)."""
    return max(0, min(waiver_offered, ledger.interest))


def interest_forgiven(ledger: Ledger, waiver_offered: int) -> int:
    """The interest the standing offer forgives now: all that is owed, when what is owed is
    interest alone and no more than the offer waived; otherwise 0 (no settlement)."""
    if ledger.principal or ledger.fees or not 0 < ledger.interest <= waiver_offered:
        return 0
    return ledger.interest


def settle(state: "CaseState", forgiven: int, now: datetime) -> None:
    """Forgive `forgiven` (`interest_forgiven`, all that is owed) and close the case
    `settled`; the event names what each component gave up."""
    state.waived += forgiven
    state.ledger = Ledger(principal=0, interest=0, fees=0)
    state.record(
        now,
        "interest_waived",
        amount=forgiven,
        interest=forgiven,
        principal=0,
        fees=0,
        rule="offers.interest_waiver",
        **state._version(),
    )
    state.close(now, "settled")
