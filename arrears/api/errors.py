"""Maps every error to a stable JSON body: `{"detail": <human-readable>, "error": <code>}`,
plus the error's own facts where it has some (`workflow_id` of a stuck case). A 503 says
when to retry in `Retry-After` (seconds)."""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from arrears.errors import (
    ArrearsError,
    CaseClosedError,
    CaseNotFoundError,
    CaseServiceUnavailableError,
    CustomerConflictError,
    CustomerNotFoundError,
    IdReusedError,
    InvalidCommandError,
    ReversalWindowOverError,
)

log = logging.getLogger("arrears.api")

_STATUS: dict[type[ArrearsError], int] = {
    CaseNotFoundError: status.HTTP_404_NOT_FOUND,
    CaseClosedError: status.HTTP_409_CONFLICT,
    IdReusedError: status.HTTP_409_CONFLICT,
    ReversalWindowOverError: status.HTTP_409_CONFLICT,
    InvalidCommandError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    CaseServiceUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    CustomerNotFoundError: status.HTTP_404_NOT_FOUND,
    CustomerConflictError: status.HTTP_409_CONFLICT,
}


# Codes a client branches on, where the status's own name would be vaguer.
_HTTP_CODES = {
    status.HTTP_401_UNAUTHORIZED: "unauthenticated",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_413_CONTENT_TOO_LARGE: "payload_too_large",
}


def _field(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def _arrears_error(_: Request, error: ArrearsError) -> JSONResponse:
    code = next(
        (http for cls, http in _STATUS.items() if isinstance(error, cls)),
        status.HTTP_400_BAD_REQUEST,
    )
    headers = None
    if isinstance(error, CaseServiceUnavailableError):
        headers = {"Retry-After": str(error.retry_after)}
    return JSONResponse(
        {"detail": error.detail, "error": error.code, **error.facts()},
        status_code=code,
        headers=headers,
    )


# What pydantic says when the body as a whole is not an object (a list, a string, null).
_NOT_AN_OBJECT = {"model_attributes_type", "model_type", "dict_type"}


def _problem(item: dict) -> dict[str, str]:
    """One `{"field", "message"}` from a pydantic error. A body that is not JSON, or is JSON
    but not an object, is a problem of the field `body` (pydantic's location of a JSON
    syntax error is a character offset, which is no field)."""
    loc = tuple(item["loc"])
    if item["type"] == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        why = (item.get("ctx") or {}).get("error", item["msg"])
        return {"field": "body", "message": f"could not be parsed as JSON{where}: {why}"}
    if loc == ("body",) and item["type"] in _NOT_AN_OBJECT:
        return {"field": "body", "message": "must be a JSON object"}
    if loc == ("body",) and item["type"] == "missing":
        return {"field": "body", "message": "a JSON object is required"}
    return {"field": _field(loc), "message": item["msg"]}


async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    return _invalid([_problem(item) for item in error.errors()])


def _invalid(problems: list[dict[str, str]]) -> JSONResponse:
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse(
        {"detail": detail, "error": "invalid_request", "problems": problems},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Errors raised by the framework itself (a body that cannot be parsed, an unknown
    route or method) get the same body as ours; the code is the status's own name."""
    if error.status_code == status.HTTP_400_BAD_REQUEST and error.__cause__ is not None:
        # FastAPI's answer to a body it could not even decode (not UTF-8, nested past the
        # parser's depth): as malformed as one that is not JSON, so the same 422.
        return _invalid([{"field": "body", "message": _unreadable(error.__cause__)}])
    code = _HTTP_CODES.get(error.status_code) or (
        HTTPStatus(error.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    )
    headers = getattr(error, "headers", None)
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers = {**(headers or {}), "Allow": _allowed_methods(request)}
    return JSONResponse(
        {"detail": str(error.detail), "error": code},
        status_code=error.status_code,
        headers=headers,
    )


def _unreadable(cause: BaseException) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return "could not be parsed as JSON: not UTF-8"
    if isinstance(cause, RecursionError):
        return "could not be parsed as JSON: nested too deeply"
    return "could not be parsed as JSON"


def _allowed_methods(request: Request) -> str:
    """Every method some route serves on this path (Starlette names only the first route's,
    and /v1/cases has two)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.matches(request.scope)[0] is Match.PARTIAL:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # The exception type and route only: messages and bodies may carry personal data.
    log.error("unexpected %s on %s %s", type(error).__name__, request.method, request.url.path)
    return JSONResponse(
        {"detail": "internal error; the request may be retried", "error": "internal"},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ArrearsError, _arrears_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
