"""Payments against a case: answered (update) or accepted asynchronously (signal)."""

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from arrears.api.deps import POSTS_PAYMENTS, CurrentActor, Gateway, RespondAsync
from arrears.contracts import Contract, Payment, PaymentOutcome

router = APIRouter(prefix="/cases/{loan_id}/payments", tags=["payments"])


class PaymentAccepted(Contract):
    accepted: bool = True
    payment_id: str


@router.post(
    "",
    dependencies=[POSTS_PAYMENTS],
    responses={202: {"model": PaymentAccepted, "description": "With `Prefer: respond-async`."}},
)
async def post_payment(
    loan_id: str,
    payment: Payment,
    gateway: Gateway,
    respond_async: RespondAsync,
    actor: CurrentActor,
) -> PaymentOutcome:
    """Apply a payment once per `payment_id`, fees → interest → principal. The same
    `payment_id` with another `amount`, `currency` or `paid_at` is 409 `id_reused`. On a
    case written off, within its recovery window, it is a recovery (`recovered`), not a 409.

    With `Prefer: respond-async` the payment is queued on the case and acknowledged at once
    with 202; it is applied even if no worker is running at that moment.
    """
    if respond_async:
        await gateway.post_payment(loan_id, payment, actor)
        return JSONResponse(
            PaymentAccepted(payment_id=payment.payment_id).model_dump(),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Preference-Applied": "respond-async"},
        )
    return await gateway.record_payment(loan_id, payment, actor)
