"""Bearer-key authentication and role checks.

A missing or unknown key is 401 `unauthenticated` (with `WWW-Authenticate: Bearer`), a
known key with the wrong role 403 `forbidden`; `arrears.api.errors` gives both the usual
`{"detail", "error"}` body.
"""

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from arrears.settings import Role

# Declares the bearer scheme in the OpenAPI document (so /docs can authorise) and reads the
# header; `auto_error=False` leaves the 401 and its body to `authenticate`.
BEARER = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")


@dataclass(frozen=True)
class Caller:
    role: Role
    key_id: str
    """A short, non-secret fingerprint of the key, for logs."""


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Caller:
    """Resolve `Authorization: Bearer <key>` to a caller, or answer 401."""
    keys: dict[str, Role] = request.app.state.api_keys
    presented = credentials.credentials.strip() if credentials is not None else ""
    if not presented:
        raise _unauthorized("missing bearer API key")
    role = None
    # Compare against every key so timing does not reveal which prefix matched.
    for key, key_role in keys.items():
        if hmac.compare_digest(key.encode(), presented.encode()):
            role = key_role
    if role is None:
        raise _unauthorized("unknown API key")
    return Caller(role=role, key_id=presented[:4] + "…")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_role(caller: Caller, allowed: tuple[Role, ...]) -> None:
    if caller.role not in allowed:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"role {caller.role} may not do this; allowed: {', '.join(allowed)}",
        )
