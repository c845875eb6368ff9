"""The contact check: what the contact gate would answer now, before an agent dials."""

from typing import Annotated

from fastapi import APIRouter, Query

from arrears.api.contact_check import ContactCheck
from arrears.api.deps import CHECKS_CONTACT, ContactChecks
from arrears.commands import ContactPointName
from arrears.contracts import Channel

router = APIRouter(prefix="/cases", tags=["contact"])


@router.get(
    "/{loan_id}/contact-check",
    dependencies=[CHECKS_CONTACT],
    responses={409: {"description": "`case_closed`: the case has closed."}},
)
async def check_contact(
    loan_id: str,
    checks: ContactChecks,
    channel: Annotated[Channel, Query(description="The channel of the contact.")],
    contact_point: Annotated[
        ContactPointName | None,
        Query(description="`phone`, `email` or `person:<ref>`; default the channel's own."),
    ] = None,
) -> ContactCheck:
    """What the contact gate would answer now for this contact (`allow`, `defer` until an
    instant, `block`), with the rule and profile that decided, reserving nothing: the same
    gate, facts and customer ledger (across all the customer's loans) as the send. A case
    whose collection is paused answers `block` with rule `contact.paused_<reason>`.

    409 `case_closed` for a closed case; 503 `contact_ledger_unavailable` when the ledger
    does not answer (safe to retry)."""
    return await checks.check(loan_id, channel, contact_point)
