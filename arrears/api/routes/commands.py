"""Commands on a case: promises, hardship, plans, disputes, cease-contact, call outcomes,
vulnerability and Breathing Space.

Each answers with `CommandOutcome`: `accepted` is false when the command changed nothing
(a repeated promise, channels already ceased, the active plan or dispute sent again). A
command the case cannot take now is a 422 whose `error` names why (`promise_active`,
`plan_not_offered`, ...); a closed case is 409. Commands without an id of their own take
an `Idempotency-Key` (`arrears.api.idempotency`).
"""

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from arrears.api.deps import (
    AGREES_PLANS,
    CEASES_CONTACT,
    FLAGS_VULNERABILITY,
    MIGRATES_STRATEGY,
    NOTES_BREATHING_SPACE,
    OPENS_DISPUTES,
    RECORDS_OUTCOMES,
    REPORTS_HARDSHIP,
    RESOLVES_DISPUTES,
    TAKES_PROMISES,
    CurrentActor,
    Gateway,
    RespondAsync,
)
from arrears.api.idempotency import IdempotencyKey, answer
from arrears.commands import (
    AgreePlan,
    CeaseContact,
    CommandOutcome,
    FlagVulnerability,
    MigrateStrategy,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
    StartBreathingSpace,
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
    loan_id: str,
    command: PromiseToPay,
    gateway: Gateway,
    respond_async: RespondAsync,
    actor: CurrentActor,
) -> CommandOutcome:
    """Record a promise to pay; contact pauses until its date. One active promise per case,
    once per `promise_id`: the same id with another `amount` or `due_date` is 409
    `id_reused`.

    With `Prefer: respond-async` the promise is queued on the case and acknowledged at once
    with 202; one the case cannot take shows in its timeline as `promise_rejected`.
    """
    if respond_async:
        await gateway.post_promise(loan_id, command, actor)
        return JSONResponse(
            PromiseAccepted(promise_id=command.promise_id).model_dump(),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Preference-Applied": "respond-async"},
        )
    return await gateway.promise_to_pay(loan_id, command, actor)


@router.post("/hardship", dependencies=[REPORTS_HARDSHIP])
async def report_hardship(
    loan_id: str,
    command: ReportHardship,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """The customer is in hardship: contact pauses for the cooling-off period. Each report
    restarts it: send an `Idempotency-Key` to make a resend harmless."""
    return answer(response, await gateway.report_hardship(loan_id, command, key, actor))


@router.post("/plans", dependencies=[AGREES_PLANS])
async def agree_plan(
    loan_id: str,
    command: AgreePlan,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """A signed instalment plan or extension: collection pauses while it performs. Only
    what the strategy offers the case now (its stage, risk tier, hardship): else 422
    `plan_not_offered` or `beyond_offer_horizon`. The active plan sent again is
    `accepted: false`; another plan while one performs is 422 `plan_active`."""
    return answer(response, await gateway.agree_plan(loan_id, command, key, actor))


@router.post("/disputes", dependencies=[OPENS_DISPUTES])
async def open_dispute(
    loan_id: str,
    command: OpenDispute,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """The customer disputes the debt: contact and escalation stop until it is resolved.
    The open dispute sent again is `accepted: false`; another is 422 `dispute_open`."""
    return answer(response, await gateway.open_dispute(loan_id, command, key, actor))


@router.post("/disputes/resolve", dependencies=[RESOLVES_DISPUTES])
async def resolve_dispute(
    loan_id: str,
    command: ResolveDispute,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """Resolve the open dispute: `rejected` resumes collection. `upheld` with `corrected`
    amounts (required for `amount_wrong`) resumes it on the corrected balance; upheld
    `not_my_debt`, `fraud` or `already_paid` closes the case as `dispute_upheld`. A wrong
    or missing correction is a 422 `correction_required`, `correction_not_allowed` or
    `correction_increases_debt`."""
    return answer(response, await gateway.resolve_dispute(loan_id, command, key, actor))


@router.post("/contact-preferences", dependencies=[CEASES_CONTACT])
async def cease_contact(
    loan_id: str,
    command: CeaseContact,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """Stop contact on the named channels, or on `"all"`, at once and for good."""
    return answer(response, await gateway.cease_contact(loan_id, command, key, actor))


@router.post("/contact-outcomes", dependencies=[RECORDS_OUTCOMES])
async def record_contact_outcome(
    loan_id: str,
    command: RecordContactOutcome,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """What came of an agent's call; a refusal to pay marks the customer as refusing. The
    `reason` takes the strategy's path for it (reminders go on, a cooling-off pause, a
    dispute, restoring contact); a `wrong_number` makes the `contact_point` (default
    `phone`) invalid, so no SMS or call goes there; three `no_answer` in a row mark the
    debtor lost. Each is recorded: send an `Idempotency-Key` to make a resend harmless."""
    return answer(response, await gateway.record_contact_outcome(loan_id, command, key, actor))


@router.post("/vulnerability", dependencies=[FLAGS_VULNERABILITY])
async def flag_vulnerability(
    loan_id: str,
    command: FlagVulnerability,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """Flag the customer as vulnerable (`kind`; `note_ref` points at notes kept elsewhere):
    the contact gate pauses or softens contact by the jurisdiction's profile. The view shows
    `vulnerability`. The same kind again is `accepted: false`; another kind replaces it."""
    return answer(response, await gateway.flag_vulnerability(loan_id, command, key, actor))


@router.delete("/vulnerability", dependencies=[FLAGS_VULNERABILITY])
async def clear_vulnerability(
    loan_id: str, gateway: Gateway, key: IdempotencyKey, response: Response, actor: CurrentActor
) -> CommandOutcome:
    """The vulnerability flag no longer applies; `accepted: false` when none was set."""
    return answer(response, await gateway.clear_vulnerability(loan_id, key, actor))


@router.post("/breathing-space", dependencies=[NOTES_BREATHING_SPACE])
async def start_breathing_space(
    loan_id: str,
    command: StartBreathingSpace,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """A Breathing Space moratorium (UK only: Debt Respite Scheme Regulations 2020): until
    it ends collection is paused (`next_action` `paused_breathing_space`), waiting contacts
    are withdrawn, escalations held, and no `charge` adjustment is taken (422
    `breathing_space_no_charges`, reg 7). A standard one lasts 60 days from `started_on`
    (reg 26); a `mental_health_crisis` one needs `ends_on`. Another jurisdiction is 422
    `breathing_space_not_applicable`; a start after today 422 `breathing_space_not_started`;
    one over already 422 `breathing_space_over`. The same notice again is
    `accepted: false`."""
    return answer(response, await gateway.start_breathing_space(loan_id, command, key, actor))


@router.post("/strategy", dependencies=[MIGRATES_STRATEGY])
async def migrate_strategy(
    loan_id: str,
    command: MigrateStrategy,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
) -> CommandOutcome:
    """Move the case, on purpose, to the strategy this service runs (`to_version` names it;
    anything else is a 422 `strategy_not_served`). Agreed promises and plans keep their
    terms; stage, cadence and escalations follow the new strategy from the case's next step.
    `accepted` is false when the case already follows it."""
    return answer(response, await gateway.migrate_strategy(loan_id, command, key, actor))
