"""Maps every error to a stable JSON body: `{"detail": <human-readable>, "error": <code>}`,
plus the error's own facts where it has some (`workflow_id` of a stuck case). A 503 says
when to retry in `Retry-After` (seconds)."""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from arrears.errors import (
    ArrearsError,
    CaseClosedError,
    CaseNotFoundError,
    CaseServiceUnavailableError,
    IdReusedError,
    InvalidCommandError,
)

log = logging.getLogger("arrears.api")

_STATUS: dict[type[ArrearsError], int] = {
    CaseNotFoundError: status.HTTP_404_NOT_FOUND,
    CaseClosedError: status.HTTP_409_CONFLICT,
    IdReusedError: status.HTTP_409_CONFLICT,
    InvalidCommandError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    CaseServiceUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
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


async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    problems = [
        {"field": _field(tuple(item["loc"])), "message": item["msg"]} for item in error.errors()
    ]
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse(
        {"detail": detail, "error": "invalid_request", "problems": problems},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
    """Errors raised by the framework itself (a body that cannot be parsed, an unknown
    route or method) get the same body as ours; the code is the status's own name."""
    code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    return JSONResponse(
        {"detail": str(error.detail), "error": code},
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


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
