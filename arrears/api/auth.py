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

from arrears.actors import Actor, Role

# Declares the bearer scheme in the OpenAPI document (so /docs can authorise) and reads the
# header; `auto_error=False` leaves the 401 and its body to `authenticate`.
BEARER = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")


@dataclass(frozen=True)
class Caller:
    role: Role
    key_id: str
    """The key's id from ARREARS_API_KEYS (derived from the key when listed without one):
    never the key itself."""

    @property
    def actor(self) -> Actor:
        """Who the caller is, as commands carry it to the case's timeline."""
        return Actor(role=self.role, key_id=self.key_id)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Caller:
    """Resolve `Authorization: Bearer <key>` to a caller, or answer 401."""
    keys: dict[str, Actor] = request.app.state.api_keys
    if len(request.headers.getlist("authorization")) > 1:
        # A proxy that adds its own would otherwise decide who the case records.
        raise _unauthorized("more than one Authorization header")
    presented = credentials.credentials.strip() if credentials is not None else ""
    if not presented:
        raise _unauthorized("missing bearer API key")
    found = None
    # Compare against every key so timing does not reveal which prefix matched.
    for key, actor in keys.items():
        if hmac.compare_digest(key.encode(), presented.encode()):
            found = actor
    if found is None:
        raise _unauthorized("unknown API key")
    return Caller(role=found.role, key_id=found.key_id)


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
