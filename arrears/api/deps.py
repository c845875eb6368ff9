"""Dependencies: the caller, role checks and the case gateway, as short aliases."""

from typing import Annotated

from fastapi import Depends, Request

from arrears.api.auth import Caller, authenticate, require_role
from arrears.api.gateway import CaseGateway
from arrears.settings import Role


def get_gateway(request: Request) -> CaseGateway:
    return request.app.state.gateway


CurrentCaller = Annotated[Caller, Depends(authenticate)]
Gateway = Annotated[CaseGateway, Depends(get_gateway)]


def roles(*allowed: Role):
    """A dependency that lets only callers with one of `allowed` through (else 403)."""

    def check(caller: CurrentCaller) -> Caller:
        require_role(caller, allowed)
        return caller

    return Depends(check)


ANY_ROLE = roles("bank", "agent", "auditor", "admin")
OPENS_CASES = roles("bank", "admin")
POSTS_PAYMENTS = roles("bank", "agent", "admin")
