"""Dependencies: the caller, role checks and the case gateway, as short aliases.

All are `async def` although none awaits: FastAPI runs a plain `def` dependency in its
thread pool, and three thread hops per request cost more than the Temporal call itself.
"""

from typing import Annotated

from fastapi import Depends, Header, Request

from arrears.actors import Actor, Role
from arrears.api.auth import Caller, authenticate, require_role
from arrears.api.case_records import CaseRecords
from arrears.api.contact_check import ContactChecker
from arrears.api.customers import CustomerDesk
from arrears.api.gateway import CaseGateway


async def get_gateway(request: Request) -> CaseGateway:
    return request.app.state.gateway


async def get_customers(request: Request) -> CustomerDesk:
    return request.app.state.customers


async def get_contact_checks(
    request: Request, _: Annotated[CaseGateway, Depends(get_gateway)]
) -> ContactChecker:
    """The contact check; it asks the case service (hence its 404 and 503)."""
    return request.app.state.contact_checks


async def get_case_records(request: Request) -> CaseRecords:
    """A case's history and audit. They ask Temporal but no worker, and change nothing:
    their routes declare their 404 and 503 themselves (never a 409)."""
    return request.app.state.case_records


async def prefers_async(prefer: Annotated[str | None, Header()] = None) -> bool:
    """Whether the caller asked `Prefer: respond-async`: queue the command, answer 202."""
    return prefer is not None and "respond-async" in prefer.lower()


CurrentCaller = Annotated[Caller, Depends(authenticate)]
Gateway = Annotated[CaseGateway, Depends(get_gateway)]
Customers = Annotated[CustomerDesk, Depends(get_customers)]
ContactChecks = Annotated[ContactChecker, Depends(get_contact_checks)]
Records = Annotated[CaseRecords, Depends(get_case_records)]
RespondAsync = Annotated[bool, Depends(prefers_async)]


async def current_actor(caller: CurrentCaller) -> Actor:
    """The caller as a command carries it (`arrears.actors`)."""
    return caller.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def roles(*allowed: Role):
    """A dependency that lets only callers with one of `allowed` through (else 403)."""

    async def check(caller: CurrentCaller) -> Caller:
        require_role(caller, allowed)
        return caller

    return Depends(check)


ANY_ROLE = roles("bank", "agent", "auditor", "admin")
OPENS_CASES = roles("bank", "admin")
POSTS_PAYMENTS = roles("bank", "agent", "admin")
TAKES_PROMISES = roles("bank", "agent", "admin")
REPORTS_HARDSHIP = roles("agent", "admin")
AGREES_PLANS = roles("agent", "admin")
OPENS_DISPUTES = roles("bank", "agent", "admin")
RESOLVES_DISPUTES = roles("bank", "admin")
CEASES_CONTACT = roles("bank", "agent", "admin")
RECORDS_OUTCOMES = roles("agent", "admin")
CHECKS_CONTACT = roles("agent", "admin")
FLAGS_VULNERABILITY = roles("agent", "admin")
NOTES_BREATHING_SPACE = roles("bank", "admin")
MIGRATES_STRATEGY = roles("admin")
CHANGES_BALANCES = roles("bank", "admin")
DECODES_PAYLOADS = roles("auditor", "admin")
AUDITS_CASES = roles("auditor", "admin")
ENCODES_PAYLOADS = roles("admin")
UPDATES_CUSTOMERS = roles("bank", "admin")
