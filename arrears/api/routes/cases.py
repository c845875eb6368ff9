"""Cases: open one for an overdue loan, list them, read one's state and timeline, recall."""

import functools
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from arrears.api.deps import ANY_ROLE, OPENS_CASES, CurrentActor, Customers, Gateway
from arrears.api.idempotency import IdempotencyKey, answer
from arrears.api.search import CasePage, CaseSearch
from arrears.commands import CommandOutcome
from arrears.contracts import CaseOpening, CaseView, CloseCase, Timeline

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[OPENS_CASES],
    responses={
        200: {"description": "The loan already has a case; it is returned unchanged."},
        409: {
            "description": "`id_reused`: the loan has a case opened with other `fields`; "
            "`customer_conflict`: the customer is on file with other contact facts."
        },
    },
)
async def open_case(
    opening: CaseOpening,
    gateway: Gateway,
    customers: Customers,
    response: Response,
    actor: CurrentActor,
) -> CaseView:
    """Open the loan's collection case. Idempotent on `loan_id`: 201 new, 200 existing.
    An opening of a loan that has a case must repeat its currency, jurisdiction, customer
    id, amounts due and due date, else 409 `id_reused` naming the `fields` that differ.

    409 `customer_conflict` when the customer is on file with other contact facts, unless
    the opening says `update_customer: true`."""
    reconcile = functools.partial(customers.reconcile, actor=actor)
    created, view = await gateway.open_case(opening, reconcile=reconcile, actor=actor)
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("", dependencies=[ANY_ROLE])
async def list_cases(search: Annotated[CaseSearch, Query()], gateway: Gateway) -> CasePage:
    """Cases by status, stage, jurisdiction and DPD range, from visibility.

    Visibility trails the cases by a moment; read one case for its exact state.
    """
    return await gateway.list_cases(search)


@router.get("/{loan_id}", dependencies=[ANY_ROLE])
async def get_case(loan_id: str, gateway: Gateway) -> CaseView:
    return await gateway.get_view(loan_id)


@router.get("/{loan_id}/timeline", dependencies=[ANY_ROLE], response_model_exclude_none=True)
async def get_timeline(loan_id: str, gateway: Gateway) -> Timeline:
    """Every event of the case, oldest first, each with the rule that decided it."""
    return await gateway.get_timeline(loan_id)


@router.post("/{loan_id}/close", dependencies=[OPENS_CASES])
async def close_case(
    loan_id: str,
    gateway: Gateway,
    key: IdempotencyKey,
    response: Response,
    actor: CurrentActor,
    command: Annotated[CloseCase | None, Body()] = None,
) -> CommandOutcome:
    """The bank recalls the case: collection stops and it closes as `recalled`. The body
    may be empty. A case already recalled answers `accepted: false`; one closed otherwise
    (paid, settled, written off) is 409."""
    outcome = await gateway.close_case(loan_id, command or CloseCase(), key, actor)
    return answer(response, outcome)
