"""The codec endpoint: Temporal's codec server protocol over HTTP, with the API's roles."""

import re

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.testing import WorkflowEnvironment

from arrears.api.body_limit import MAX_CODEC_BODY_BYTES
from arrears.api.main import create_app
from arrears.codec import EncryptionCodec, KeyRing
from arrears.settings import ConfigError
from tests.api.conftest import api_settings, auth
from tests.factories import TEST_KEY_RING

CODEC = EncryptionCodec(TEST_KEY_RING)
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data='{"name":"张三"}'.encode())


def body(*payloads: Payload) -> str:
    return json_format.MessageToJson(Payloads(payloads=payloads))


def payloads_of(response: httpx.Response) -> list[Payload]:
    return list(json_format.Parse(response.text, Payloads()).payloads)


async def test_an_auditor_reads_encrypted_payloads_in_clear(api: httpx.AsyncClient):
    encrypted = await CODEC.encode([PLAIN])
    headers = {**auth("auditor"), "X-Namespace": "default", "Content-Type": "application/json"}

    response = await api.post("/v1/codec/decode", content=body(*encrypted), headers=headers)

    assert response.status_code == 200, response.text
    assert payloads_of(response) == [PLAIN]


async def test_an_admin_encrypts_with_the_active_key(api: httpx.AsyncClient):
    response = await api.post("/v1/codec/encode", content=body(PLAIN), headers=auth("admin"))

    assert response.status_code == 200, response.text
    (encrypted,) = payloads_of(response)
    assert encrypted.metadata["encoding"] == b"binary/encrypted"
    assert await CODEC.decode([encrypted]) == [PLAIN]


@pytest.mark.parametrize(
    ("path", "role"),
    [("decode", "bank"), ("decode", "agent"), ("encode", "auditor"), ("encode", "agent")],
)
async def test_only_auditors_and_admins_decode_and_only_admins_encode(
    api: httpx.AsyncClient, path: str, role: str
):
    response = await api.post(f"/v1/codec/{path}", content=body(PLAIN), headers=auth(role))
    assert response.status_code == 403
    assert (await api.post(f"/v1/codec/{path}", content=body(PLAIN))).status_code == 401


async def test_what_the_codec_cannot_take_is_a_422_naming_it(api: httpx.AsyncClient):
    other_key = EncryptionCodec(KeyRing.parse(KeyRing.generate_entry("elsewhere")))
    foreign = await other_key.encode([PLAIN])
    cases = [
        ({"X-Namespace": "payments"}, body(PLAIN), "wrong_namespace", "X-Namespace"),
        ({}, '{"payloads": "no"}', "invalid_payloads", "payloads"),
        ({}, "not json", "invalid_payloads", "payloads"),
        ({}, body(*foreign), "undecodable", "payloads"),
    ]
    for headers, content, code, field in cases:
        response = await api.post(
            "/v1/codec/decode", content=content, headers={**auth("auditor"), **headers}
        )
        assert response.status_code == 422, (code, response.text)
        assert response.json()["error"] == code
        assert field in response.json()["detail"]


async def test_the_web_ui_origin_may_call_it_from_a_browser(dev_env: WorkflowEnvironment):
    settings = api_settings(dev_env).model_copy(
        update={"arrears_codec_origins": "http://127.0.0.1:8233"}
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://arrears.test") as client:
        preflight = await client.options(
            "/v1/codec/decode",
            headers={
                "Origin": "http://127.0.0.1:8233",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
            },
        )
        stranger = await client.options(
            "/v1/codec/decode",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        too_large = await client.post(
            "/v1/codec/decode",
            content=b" " * (MAX_CODEC_BODY_BYTES + 1),
            headers={"Origin": "http://127.0.0.1:8233", "Content-Type": "application/json"},
        )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    # A body too large is refused, and the browser may still read why.
    assert too_large.status_code == 413
    assert too_large.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    assert "x-namespace" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in stranger.headers


def test_an_origin_that_is_not_one_is_a_configuration_error(dev_env: WorkflowEnvironment):
    settings = api_settings(dev_env).model_copy(update={"arrears_codec_origins": "127.0.0.1:8233"})
    with pytest.raises(ConfigError, match=re.escape("ARREARS_CODEC_ORIGINS: '127.0.0.1:8233'")):
        create_app(settings)


def _encrypted(data: bytes, kid: bytes = b"test1") -> Payload:
    return Payload(metadata={"encoding": b"binary/encrypted", "encryption-key-id": kid}, data=data)


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        (_encrypted(b""), "too few"),
        (_encrypted(b"short"), "too few"),
        (_encrypted(b"x" * 27), "too few"),
        (_encrypted(b"x" * 40, kid=b"\xff\xfe"), "not UTF-8"),
        (_encrypted(b"x" * 40, kid=b""), "not encrypted with a key of this installation"),
        (_encrypted(b"x" * 40), "not encrypted with a key of this installation"),
    ],
    ids=["empty", "short", "no tag", "key id not UTF-8", "no key id", "altered"],
)
async def test_a_payload_that_cannot_be_decrypted_is_a_422_saying_why(
    api: httpx.AsyncClient, payload: Payload, said: str
):
    response = await api.post("/v1/codec/decode", content=body(payload), headers=auth("auditor"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "undecodable"
    assert said in response.json()["detail"]


@pytest.mark.parametrize("path", ["decode", "encode"])
@pytest.mark.parametrize("raw", [b"\xff\xfe{}", b'{"payloads": [{"data": "\xc3"}]}', b"[" * 5000])
async def test_a_body_that_is_not_utf8_json_is_a_422(api: httpx.AsyncClient, path: str, raw: bytes):
    role = "admin"
    headers = {**auth(role), "Content-Type": "application/json"}
    response = await api.post(f"/v1/codec/{path}", content=raw, headers=headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_payloads"
