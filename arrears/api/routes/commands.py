"""Commands on a case: promises, hardship, plans, disputes, cease-contact, call outcomes.

Each answers with `CommandOutcome`: `accepted` is false when the command changed nothing
(a repeated promise, channels already ceased). A command the case cannot take now is a 422
whose `error` names why (`promise_active`, `plan_not_allowed`, ...); a closed case is 409.
"""

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from arrears.api.deps import (
    AGREES_PLANS,
    CEASES_CONTACT,
    MIGRATES_STRATEGY,
    OPENS_DISPUTES,
    RECORDS_OUTCOMES,
    REPORTS_HARDSHIP,
    RESOLVES_DISPUTES,
    TAKES_PROMISES,
    Gateway,
    RespondAsync,
)
from arrears.commands import (
    AgreePlan,
    CeaseContact,
    CommandOutcome,
    MigrateStrategy,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
)
from arrears.contracts import Contract

router = APIRouter(prefix="/cases/{loan_id}", tags=["commands"])


class PromiseAccepted(Contract):
    accepted: bool = True
    promise_id: str


@router.post(
    "/promises",
    dependencies=[TAKES_PROMISES],
    responses={202: {"model": PromiseAccepted, "description": "With `Prefer: respond-async`."}},
)
async def promise_to_pay(
    loan_id: str, command: PromiseToPay, gateway: Gateway, respond_async: RespondAsync
) -> CommandOutcome:
    """Record a promise to pay; contact pauses until its date. One active promise per case,
    once per `promise_id`.

    With `Prefer: respond-async` the promise is queued on the case and acknowledged at once
    with 202; one the case cannot take shows in its timeline as `promise_rejected`.
    """
    if respond_async:
        await gateway.post_promise(loan_id, command)
        return JSONResponse(
            PromiseAccepted(promise_id=command.promise_id).model_dump(),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Preference-Applied": "respond-async"},
        )
    return await gateway.promise_to_pay(loan_id, command)


@router.post("/hardship", dependencies=[REPORTS_HARDSHIP])
async def report_hardship(
    loan_id: str, command: ReportHardship, gateway: Gateway
) -> CommandOutcome:
    """The customer is in hardship: contact pauses for the cooling-off period."""
    return await gateway.report_hardship(loan_id, command)


@router.post("/plans", dependencies=[AGREES_PLANS])
async def agree_plan(loan_id: str, command: AgreePlan, gateway: Gateway) -> CommandOutcome:
    """A signed instalment plan or extension: collection pauses while it performs."""
    return await gateway.agree_plan(loan_id, command)


@router.post("/disputes", dependencies=[OPENS_DISPUTES])
async def open_dispute(loan_id: str, command: OpenDispute, gateway: Gateway) -> CommandOutcome:
    """The customer disputes the debt: contact and escalation stop until it is resolved."""
    return await gateway.open_dispute(loan_id, command)


@router.post("/disputes/resolve", dependencies=[RESOLVES_DISPUTES])
async def resolve_dispute(
    loan_id: str, command: ResolveDispute, gateway: Gateway
) -> CommandOutcome:
    """Resolve the open dispute: `rejected` resumes collection. `upheld` with `corrected`
    amounts (required for `amount_wrong`) resumes it on the corrected balance; upheld
    `not_my_debt`, `fraud` or `already_paid` closes the case as `dispute_upheld`. A wrong
    or missing correction is a 422 `correction_required`, `correction_not_allowed` or
    `correction_increases_debt`."""
    return await gateway.resolve_dispute(loan_id, command)


@router.post("/contact-preferences", dependencies=[CEASES_CONTACT])
async def cease_contact(loan_id: str, command: CeaseContact, gateway: Gateway) -> CommandOutcome:
    """Stop contact on the named channels, or on `"all"`, at once and for good."""
    return await gateway.cease_contact(loan_id, command)


@router.post("/contact-outcomes", dependencies=[RECORDS_OUTCOMES])
async def record_contact_outcome(
    loan_id: str, command: RecordContactOutcome, gateway: Gateway
) -> CommandOutcome:
    """What came of an agent's call; a refusal to pay marks the customer as refusing."""
    return await gateway.record_contact_outcome(loan_id, command)


@router.post("/strategy", dependencies=[MIGRATES_STRATEGY])
async def migrate_strategy(
    loan_id: str, command: MigrateStrategy, gateway: Gateway
) -> CommandOutcome:
    """Move the case, on purpose, to the strategy this service runs (`to_version` names it;
    anything else is a 422 `strategy_not_served`). Agreed promises and plans keep their
    terms; stage, cadence and escalations follow the new strategy from the case's next step.
    `accepted` is false when the case already follows it."""
    return await gateway.migrate_strategy(loan_id, command)
