"""Bearer-key authentication and role checks."""

import hmac
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from arrears.settings import Role


@dataclass(frozen=True)
class Caller:
    role: Role
    key_id: str
    """A short, non-secret fingerprint of the key, for logs."""


async def authenticate(request: Request) -> Caller:
    """Resolve `Authorization: Bearer <key>` to a caller, or answer 401."""
    keys: dict[str, Role] = request.app.state.api_keys
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise _unauthorized("missing bearer API key")
    presented = presented.strip()
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
