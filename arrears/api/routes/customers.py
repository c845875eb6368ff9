"""Customers: their contact facts, which every open case of theirs follows."""

from fastapi import APIRouter

from arrears.api.deps import UPDATES_CUSTOMERS, CurrentActor, Customers
from arrears.customers import CustomerFacts, CustomerUpdated
from arrears.fields import OpaqueRef

router = APIRouter(prefix="/customers", tags=["customers"])


@router.put(
    "/{customer_id}",
    dependencies=[UPDATES_CUSTOMERS],
    responses={
        404: {"description": "No case has brought this customer in (`customer_not_found`)."},
        503: {"description": "The update is under way and will finish; send it again."},
    },
)
async def update_customer(
    customer_id: OpaqueRef, facts: CustomerFacts, customers: Customers, actor: CurrentActor
) -> CustomerUpdated:
    """Replace the customer's contact facts (name, phone, email, time zone, language).

    Every open case of the customer follows them before the answer: it records
    `customer_updated` (the names of the changed facts, never their values) and from then
    on counts contact hours and DPD in the new time zone. Idempotent: the same facts again
    change nothing.
    """
    return await customers.update(customer_id, facts, actor)
