"""What a client meets: the OpenAPI document says what the API really answers (the bearer
scheme, each error status with the one error body), errors carry `detail` and `error`, and
the documentation pages load nothing from outside the installation."""

import re

import httpx
import pytest

from arrears.api.openapi import ErrorBody
from tests.api.conftest import auth
from tests.factories import new_loan_id

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture(scope="module")
async def document(api: httpx.AsyncClient) -> dict:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def assert_documented(document: dict, path: str, method: str, response: httpx.Response):
    """The answer's status is declared for the operation, and an error's body is ours."""
    declared = document["paths"][path][method]["responses"]
    assert str(response.status_code) in declared, (path, method, response.status_code)
    if response.status_code >= 400:
        assert declared[str(response.status_code)]["content"]["application/json"]["schema"] == (
            ERROR_BODY
        )
        body = response.json()
        ErrorBody.model_validate(body)
        assert body["detail"] and body["error"]


async def test_every_protected_operation_uses_the_bearer_scheme(document: dict):
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key: `Authorization: Bearer <key>`.",
    }
    for path, method, operation in operations(document):
        if path == "/healthz":
            assert "security" not in operation
            continue
        assert operation["security"] == [{"HTTPBearer": []}], (path, method)
        for status in ("401", "403", "422"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == (
                ERROR_BODY
            ), (path, method, status)


async def test_the_error_body_replaces_fastapis_validation_schema(document: dict):
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert "HTTPValidationError" not in str(document)
    assert schemas["ErrorBody"]["required"] == ["detail", "error"]
    assert schemas["ErrorBody"]["properties"]["problems"]["items"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert schemas["Problem"]["required"] == ["field", "message"]
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == ERROR_BODY, (
                    path,
                    method,
                    status,
                )


async def test_case_operations_declare_not_found_conflict_and_unavailable(document: dict):
    paths = document["paths"]
    assert {"404", "503"} <= set(paths["/v1/cases/{loan_id}"]["get"]["responses"])
    payments = paths["/v1/cases/{loan_id}/payments"]["post"]["responses"]
    assert {"404", "409", "503"} <= set(payments)
    assert "Retry-After" in payments["503"]["headers"]
    assert "WWW-Authenticate" in payments["401"]["headers"]
    # The codec never calls the case service.
    assert "503" not in paths["/v1/codec/decode"]["post"]["responses"]


async def test_keyed_commands_declare_the_replayed_header(document: dict):
    keyed = {
        path
        for path, item in document["paths"].items()
        for operation in item.values()
        if any(p["name"].lower() == "idempotency-key" for p in operation.get("parameters", []))
    }
    assert "/v1/cases/{loan_id}/hardship" in keyed and "/v1/cases/{loan_id}/close" in keyed
    for path in keyed:
        ok = document["paths"][path]["post"]["responses"]["200"]
        assert "Idempotent-Replayed" in ok["headers"], path
        assert "400" in document["paths"][path]["post"]["responses"], path


async def test_every_operation_answers_bad_callers_as_documented(
    api: httpx.AsyncClient, document: dict
):
    """Without a key, with a key of every role, with a body that is no object and with an
    empty one, on an unknown loan: each answer's status is declared and its body is ours."""
    loan_id = new_loan_id()
    for path, method, _ in operations(document):
        if path == "/healthz":
            continue
        url = path.replace("{loan_id}", loan_id)
        for headers in [{}, {"Authorization": "Bearer nope"}] + [
            auth(role) for role in ("bank", "agent", "auditor", "admin")
        ]:
            attempts = [{}] if method == "get" else [{"json": []}, {"json": {}}]
            for extra in attempts:
                response = await api.request(method, url, headers=headers, **extra)
                assert_documented(document, path, method, response)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic k-bank"}],
    ids=["none", "unknown", "basic"],
)
async def test_401_says_unauthenticated(api: httpx.AsyncClient, headers: dict[str, str]):
    response = await api.get(f"/v1/cases/{new_loan_id()}", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthenticated"
    assert response.json()["detail"]


async def test_two_authorization_headers_are_401_whichever_comes_first(api: httpx.AsyncClient):
    """A proxy that adds its own header must not decide who the case records."""
    for first, second in (("bank", "auditor"), ("auditor", "bank")):
        headers = [*auth(first).items(), *auth(second).items()]
        response = await api.get(f"/v1/cases/{new_loan_id()}", headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["detail"] == "more than one Authorization header"


async def test_403_says_forbidden(api: httpx.AsyncClient):
    response = await api.post(f"/v1/cases/{new_loan_id()}/hardship", headers=auth("auditor"))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "auditor" in response.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [b"{nope", b'{"payment_id": "P-1",}', b"\xff\xfe", b"\x07\xff", b"\xc3\x28", b"[" * 100_000],
    ids=["syntax", "trailing-comma", "bom", "not-utf8", "bad-utf8", "too-deep"],
)
async def test_a_body_that_is_not_json_is_a_problem_of_the_field_body(
    api: httpx.AsyncClient, raw: bytes
):
    headers = {**auth("bank"), "Content-Type": "application/json"}
    response = await api.post(f"/v1/cases/{new_loan_id()}/payments", content=raw, headers=headers)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert [problem["field"] for problem in body["problems"]] == ["body"]
    assert "could not be parsed as JSON" in body["problems"][0]["message"]
    assert body["detail"].startswith("body: could not be parsed as JSON")


@pytest.mark.parametrize("raw", [b"[1]", b'"x"', b"null", b"7", b""])
async def test_a_body_that_is_not_an_object_is_a_problem_of_the_field_body(
    api: httpx.AsyncClient, raw: bytes
):
    headers = {**auth("bank"), "Content-Type": "application/json"}
    response = await api.post(f"/v1/cases/{new_loan_id()}/payments", content=raw, headers=headers)

    assert response.status_code == 422
    body = response.json()
    assert body["problems"] == [{"field": "body", "message": body["problems"][0]["message"]}]
    assert "JSON object" in body["problems"][0]["message"]


@pytest.mark.parametrize(
    ("page", "name"), [("/docs", "Swagger UI"), ("/redoc", "ReDoc")], ids=["docs", "redoc"]
)
async def test_documentation_pages_load_only_local_assets(
    api: httpx.AsyncClient, page: str, name: str
):
    response = await api.get(page)
    assert response.status_code == 200
    assert name in response.text
    urls = re.findall(r'(?:src|href|url|spec-url)\s*[=:]\s*["\']([^"\']+)["\']', response.text)
    assert "/openapi.json" in urls
    assert any(url.endswith(".js") for url in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in response.text and "https://" not in response.text
    expected_type = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for url in urls:
        asset = await api.get(url)
        assert asset.status_code == 200, url
        kind = next((t for end, t in expected_type.items() if url.endswith(end)), "json")
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 1000 or url.endswith(".json"), url


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("OPTIONS", "/v1/cases", "GET, POST"), ("DELETE", "/v1/cases/L-1", "GET")],
)
async def test_a_method_not_served_names_every_method_the_path_serves(
    api: httpx.AsyncClient, method: str, path: str, allowed: str
):
    response = await api.request(method, path, headers=auth("admin"))
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["error"] == "method_not_allowed"
