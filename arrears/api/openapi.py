"""The OpenAPI document says what a client really gets: the bearer scheme (declared by
`arrears.api.auth.BEARER`) and, on every operation, each error status it can answer with
the one error body, `ErrorBody`, in place of FastAPI's default 422 schema.

Which statuses an operation can answer follows from what it depends on, so a new route is
documented without a list to keep:

- 401 and 403: it needs a key (depends on `authenticate`).
- 422: it takes parameters or a body.
- 400: it takes an `Idempotency-Key` header, which may be malformed.
- 413: it takes a body, which may be too large (`body_limit`).
- 503 (with `Retry-After`): it calls the case service (depends on `get_gateway`); then
  404 too when its path names a loan, and 409 when it is a POST or a DELETE.
- 500: any route, on an unexpected error.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from arrears.api.auth import authenticate
from arrears.api.deps import get_gateway
from arrears.api.idempotency import idempotency_key


class Problem(BaseModel):
    """One thing wrong with a request: the field (dotted path; `body` for the body as a
    whole) and what is wrong with it."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error's body. `error` is a stable code to branch on; `detail` is for people."""

    detail: str = Field(description="What is wrong, for people; never personal data.")
    error: str = Field(
        description="A stable code: `unauthenticated`, `forbidden`, `case_not_found`, "
        "`case_closed`, `invalid_request`, a refusal's own code, `unavailable`, "
        "`case_stuck`, `temporal_error`, `internal`, ..."
    )
    problems: list[Problem] = Field(
        default=[], description="With `invalid_request`: each field that is wrong."
    )
    fields: list[str] | None = Field(
        default=None,
        description="With `id_reused` and `customer_conflict`: the names of the fields that "
        "differ, never their values.",
    )
    workflow_id: str | None = Field(default=None, description="With `case_stuck`.")
    workflow_task_attempt: int | None = Field(default=None, description="With `case_stuck`.")


_REF = "#/components/schemas/{model}"

_DESCRIPTIONS = {
    400: "An `Idempotency-Key` header that is no key: `invalid_idempotency_key`.",
    413: "A body larger than the route takes (`body_limit`): `payload_too_large`.",
    401: "No API key, or an unknown one: `unauthenticated`.",
    403: "The key's role may not do this: `forbidden`.",
    404: "No case for this loan: `case_not_found`.",
    409: "The request conflicts with the case's state: `case_closed`, `id_reused`, "
    "`reversal_window_over`, ...",
    422: "A malformed request (`invalid_request`, with `problems`), or one the case "
    "refused (its own code).",
    500: "An unexpected error: `internal`. The request may be retried.",
    503: "The case service did not answer in time (`unavailable`, `case_stuck`, "
    "`temporal_error`); retry after `Retry-After` seconds.",
}

_HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}


_REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the answer to an `Idempotency-Key` seen before.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def install(app: FastAPI) -> None:
    """Make `app.openapi()` document the errors; call after every route is included."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _declare_errors(document, _operations(app))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(app: FastAPI) -> Iterable[RouteContext]:
    """Every API route as served: with the prefixes and dependencies of the routers that
    include it."""
    return (
        context
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    )


def error_statuses(route: APIRoute | RouteContext, method: str) -> list[int]:
    """The error statuses `method` on `route` can answer with, ascending."""
    dependant = route.dependant
    statuses = {500}
    if _depends_on(dependant, authenticate):
        statuses |= {401, 403}
    if (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.body_params
        or "requestBody" in (route.openapi_extra or {})
    ):
        statuses.add(422)
    if dependant.body_params or "requestBody" in (route.openapi_extra or {}):
        statuses.add(413)
    if _depends_on(dependant, idempotency_key):
        statuses.add(400)
    if _depends_on(dependant, get_gateway):
        statuses.add(503)
        if "{loan_id}" in route.path_format:
            statuses.add(404)
        if method in ("POST", "DELETE"):
            statuses.add(409)
    return sorted(statuses)


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(sub.call is call or _depends_on(sub, call) for sub in dependant.dependencies)


def _declare_errors(document: dict[str, Any], routes: Iterable[RouteContext]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template=_REF)
    schemas.update(body.pop("$defs", {}))
    schemas["ErrorBody"] = body
    content = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = document["paths"][route.path_format][method.lower()]
            responses = operation.setdefault("responses", {})
            if _depends_on(route.dependant, idempotency_key) and "200" in responses:
                responses["200"].setdefault("headers", {}).update(_REPLAYED)
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(declared | set(error_statuses(route, method))):
                # A route's own description of a status is more precise than ours.
                own = responses.get(str(status), {}).get("description")
                responses[str(status)] = {
                    "description": own or _DESCRIPTIONS[status],
                    "content": content,
                    **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
                }
    # FastAPI's own 422 schema is no longer referenced: drop it rather than mislead.
    for name in ("HTTPValidationError", "ValidationError"):
        if f'"{_REF.format(model=name)}"' not in json.dumps(document):
            schemas.pop(name, None)
