"""The codec endpoint: Temporal's codec server protocol, for the CLI and Web UI.

Workflow payloads are encrypted (`arrears.codec`); the Temporal server never holds the keys.
`POST /v1/codec/decode` lets an authorised reader see a history in clear, with
`temporal workflow show --codec-endpoint http://HOST:8000/v1/codec --codec-auth "Bearer KEY"`
or a Web UI behind a proxy that presents a key. `POST /v1/codec/encode` encrypts payloads a
tool wants to send (a signal from the UI). Bodies are the protocol's proto3 JSON:
`{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`.

Decoding shows personal data, so only auditors and admins may; encoding, only admins.
"""

from collections.abc import Sequence
from typing import Annotated

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, Header, Request, Response
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from arrears.api.deps import DECODES_PAYLOADS, ENCODES_PAYLOADS
from arrears.codec import EncryptionCodec, KeyRingError, UndecodablePayloadError
from arrears.errors import InvalidCommandError

router = APIRouter(prefix="/codec", tags=["codec"])

_PROTOCOL_BODY = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"payloads": {"type": "array", "items": {"type": "object"}}},
            }
        }
    }
}


@router.post(
    "/decode",
    dependencies=[DECODES_PAYLOADS],
    openapi_extra={"requestBody": _PROTOCOL_BODY},
    response_class=Response,
)
async def decode(request: Request, x_namespace: Annotated[str | None, Header()] = None) -> Response:
    """Decrypt payloads of this installation's namespace."""
    codec, payloads = await _read(request, x_namespace)
    try:
        decoded = await codec.decode(payloads)
    except (KeyRingError, InvalidTag) as error:
        raise InvalidCommandError(
            "payloads: not encrypted with a key of this installation", code="undecodable"
        ) from error
    except UndecodablePayloadError as error:
        raise InvalidCommandError(f"payloads: {error}", code="undecodable") from error
    return _answer(decoded)


@router.post(
    "/encode",
    dependencies=[ENCODES_PAYLOADS],
    openapi_extra={"requestBody": _PROTOCOL_BODY},
    response_class=Response,
)
async def encode(request: Request, x_namespace: Annotated[str | None, Header()] = None) -> Response:
    """Encrypt payloads with the installation's active key."""
    codec, payloads = await _read(request, x_namespace)
    return _answer(await codec.encode(payloads))


async def _read(request: Request, namespace: str | None) -> tuple[EncryptionCodec, list[Payload]]:
    served = request.app.state.namespace
    if namespace is not None and namespace != served:
        raise InvalidCommandError(
            f"X-Namespace: this codec serves namespace {served}, not {namespace}",
            code="wrong_namespace",
        )
    try:
        text = (await request.body()).decode()
    except UnicodeDecodeError as error:
        raise InvalidCommandError(
            "payloads: the body is not UTF-8 JSON", code="invalid_payloads"
        ) from error
    try:
        message = json_format.Parse(text, Payloads())
    except (json_format.ParseError, RecursionError) as error:
        raise InvalidCommandError(
            f"payloads: not the codec protocol's JSON ({error})", code="invalid_payloads"
        ) from error
    return request.app.state.codec, list(message.payloads)


def _answer(payloads: Sequence[Payload]) -> Response:
    body = json_format.MessageToJson(Payloads(payloads=payloads), indent=None)
    return Response(body, media_type="application/json")
