"""Cases: open one for an overdue loan, read its state."""

from fastapi import APIRouter, Response, status

from arrears.api.deps import ANY_ROLE, OPENS_CASES, Gateway
from arrears.contracts import CaseOpening, CaseView

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[OPENS_CASES],
    responses={200: {"description": "The loan already has a case; it is returned unchanged."}},
)
async def open_case(opening: CaseOpening, gateway: Gateway, response: Response) -> CaseView:
    """Open the loan's collection case. Idempotent on `loan_id`: 201 new, 200 existing."""
    created, view = await gateway.open_case(opening)
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("/{loan_id}", dependencies=[ANY_ROLE])
async def get_case(loan_id: str, gateway: Gateway) -> CaseView:
    return await gateway.get_view(loan_id)
