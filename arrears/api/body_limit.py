"""A bound on request bodies: a body larger than its route's limit is refused with 413
before it is read into memory, so one oversized request cannot take the API's memory.

A pure ASGI middleware: `Content-Length` beyond the limit is answered at once; a body sent
without one (chunked) is counted as it arrives and refused once it passes the limit.
"""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1 << 20
"""1 MiB: a case opening or a command is a few hundred bytes; a thousand times that is
no request of this API."""
MAX_CODEC_BODY_BYTES = 32 << 20
"""32 MiB for `/v1/codec/...`: the Web UI and the CLI send a history's payloads in batches."""
CODEC_PREFIX = "/v1/codec/"


def _detail(limit: int) -> str:
    return f"body: larger than {limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised while the body is read: the framework answers it as every HTTP error."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit))


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def limit_for(path: str) -> int:
    """The largest body `path` takes, in bytes."""
    return MAX_CODEC_BODY_BYTES if path.startswith(CODEC_PREFIX) else MAX_BODY_BYTES


async def _too_large(send: Send, limit: int) -> None:
    detail = {"detail": _detail(limit), "error": "payload_too_large"}
    body = json.dumps(detail, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
