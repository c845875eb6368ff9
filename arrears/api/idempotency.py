"""The `Idempotency-Key` header of commands without an id of their own, and their answer.

Same key, same request: applied once, the first answer again (`accepted` as the first
time, the case as it is now) with `Idempotent-Replayed: true`. Same key, another request:
422 `idempotency_key_reused`. A header that is no key: 400 `invalid_idempotency_key`.
Without the header a command is taken as sent. The case keeps the key's digest, not the
key (`arrears.idempotency`).
"""

from typing import Annotated

from fastapi import Depends, Header, Request, Response

from arrears.commands import CommandOutcome
from arrears.errors import InvalidIdempotencyKeyError
from arrears.idempotency import KeyedOutcome, parse_key

REPLAYED_HEADER = "Idempotent-Replayed"


async def idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="1 to 255 printable ASCII characters, bare or quoted: the same key "
            "with the same request is applied once and answered as the first time."
        ),
    ] = None,
) -> str | None:
    if idempotency_key is None:
        return None
    if len(request.headers.getlist("idempotency-key")) > 1:
        # Which one a proxy or client meant is unknowable: keying on either could apply
        # the command twice.
        raise InvalidIdempotencyKeyError()
    key = parse_key(idempotency_key)
    if key is None:
        raise InvalidIdempotencyKeyError()
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


def answer(response: Response, outcome: KeyedOutcome) -> CommandOutcome:
    """The HTTP answer to a keyed command: its `CommandOutcome`, and the header that says
    it is the answer to a key seen before."""
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return CommandOutcome(accepted=outcome.accepted, case=outcome.case)
