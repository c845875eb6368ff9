"""Balances that change without a payment: the bank's adjustments and payment reversals.

Both answer `CommandOutcome` (`accepted` false for a repeat of the same id). A credit that
would take a component below zero is 422 `adjustment_too_large`; a reversal of a payment
the case does not know is 422 `payment_not_found`; a closed case is 409 `case_closed`
(a written-off case still taking recoveries takes the reversal of a recovery), but for a
reversal of a payment of a case closed `paid` or `settled`, which reopens it within
`REVERSAL_WINDOW` of the closing (then 409 `reversal_window_over`).
"""

from fastapi import APIRouter

from arrears.api.deps import CHANGES_BALANCES, CurrentActor, Gateway
from arrears.commands import AdjustBalance, CommandOutcome, PaymentReversal, ReversePayment
from arrears.fields import OpaqueRef

router = APIRouter(prefix="/cases/{loan_id}", tags=["balances"])


@router.post("/adjustments", dependencies=[CHANGES_BALANCES])
async def adjust_balance(
    loan_id: str, command: AdjustBalance, gateway: Gateway, actor: CurrentActor
) -> CommandOutcome:
    """Credit or debit one component, once per `adjustment_id`; a credit that clears the
    balance closes the case as `adjusted`."""
    return await gateway.adjust_balance(loan_id, command, actor)


@router.post("/payments/{payment_id}/reversal", dependencies=[CHANGES_BALANCES])
async def reverse_payment(
    loan_id: str,
    payment_id: OpaqueRef,
    body: PaymentReversal,
    gateway: Gateway,
    actor: CurrentActor,
) -> CommandOutcome:
    """The payment did not stand (`returned`, `charged_back`, `error`): what it paid is owed
    again, component by component, once per payment_id. On a case closed `paid` or
    `settled` it reopens the case, within 120 days of the closing."""
    command = ReversePayment(payment_id=payment_id, reason=body.reason)
    return await gateway.reverse_payment(loan_id, command, actor)
