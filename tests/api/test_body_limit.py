"""A body beyond its route's limit is refused with 413 before it is read into memory,
whether it says its length or is sent in chunks."""

import json
from collections.abc import AsyncIterator

import httpx

from arrears.api.body_limit import MAX_BODY_BYTES
from tests.api.conftest import auth
from tests.factories import case_body


async def chunks(size: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < size:
        piece = min(64 << 10, size - sent)
        sent += piece
        yield b" " * piece


async def test_a_body_beyond_the_limit_is_413(api: httpx.AsyncClient):
    body = case_body()
    padded = json.dumps({**body, "padding": "x" * MAX_BODY_BYTES})
    response = await api.post("/v1/cases", content=padded, headers=auth("bank"))
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"
    assert str(MAX_BODY_BYTES) in response.json()["detail"]
    unseen = await api.get(f"/v1/cases/{body['loan_id']}", headers=auth("auditor"))
    assert unseen.status_code == 404


async def test_a_chunked_body_beyond_the_limit_is_413(api: httpx.AsyncClient):
    response = await api.post(
        "/v1/cases",
        content=chunks(MAX_BODY_BYTES + 1),
        headers={**auth("bank"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"


async def test_a_body_within_the_limit_is_read(api: httpx.AsyncClient):
    response = await api.post("/v1/cases", json=case_body(), headers=auth("bank"))
    assert response.status_code == 201, response.text
