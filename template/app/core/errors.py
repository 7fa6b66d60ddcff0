"""One error body for every failure: `{"detail": ..., "code": ...}`."""

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

logger = logging.getLogger("app.errors")
PATH_PARAMETER = re.compile(r"\{[^}]+\}")

CODES = {
    status.HTTP_400_BAD_REQUEST: "bad_request",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_413_CONTENT_TOO_LARGE: "content_too_large",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "validation_error",
    status.HTTP_429_TOO_MANY_REQUESTS: "too_many_requests",
    status.HTTP_500_INTERNAL_SERVER_ERROR: "internal_error",
    status.HTTP_503_SERVICE_UNAVAILABLE: "not_ready",
}
DESCRIPTIONS = {
    status.HTTP_400_BAD_REQUEST: "The body cannot be read (not UTF-8, or a broken form)",
    status.HTTP_401_UNAUTHORIZED: "Missing, invalid or expired token",
    status.HTTP_403_FORBIDDEN: "The caller's role may not do this",
    status.HTTP_404_NOT_FOUND: "No such row, or not one the caller may see",
    status.HTTP_409_CONFLICT: "A unique value is taken, or the row is still referenced",
    status.HTTP_413_CONTENT_TOO_LARGE: "The body is larger than MAX_BODY_BYTES",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "Invalid input, or a body that is not valid JSON",
    status.HTTP_429_TOO_MANY_REQUESTS: "Too many failed logins: wait for Retry-After seconds",
    status.HTTP_503_SERVICE_UNAVAILABLE: "The database does not answer, or its schema is not current",
}


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    detail: str | list[FieldError]
    code: str


class AppError(Exception):
    """An expected failure, turned into its status code and error body."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    headers: dict[str, str] | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def body(self) -> ErrorBody:
        return ErrorBody(detail=self.detail, code=CODES[self.status_code])


class NotAuthenticated(AppError):
    status_code = status.HTTP_401_UNAUTHORIZED
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(AppError):
    status_code = status.HTTP_403_FORBIDDEN


class NotFound(AppError):
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(AppError):
    status_code = status.HTTP_409_CONFLICT


class TooManyRequests(AppError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class NotReady(AppError):
    """The database cannot serve requests now: a readiness probe's answer."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class InvalidInput(AppError):
    """A body that passed validation but that the data or a business rule refuses: a reference
    to a row that does not exist (`invalid_reference`), or what `app/rules/` says (`value_error`)."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT

    def __init__(self, field: str, detail: str, *, error_type: str = "value_error") -> None:
        super().__init__(detail)
        self.field = field
        self.error_type = error_type

    def body(self) -> ErrorBody:
        error = FieldError(loc=["body", self.field], msg=self.detail, type=self.error_type)
        return ErrorBody(detail=[error], code=CODES[self.status_code])


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: its error statuses, documented with the error body."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in status_codes}


def _json(
    status_code: int, body: ErrorBody, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status_code, headers=dict(headers or {})
    )


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return _json(exc.status_code, exc.body(), exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = CODES.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return _json(exc.status_code, ErrorBody(detail=str(exc.detail), code=code), headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API takes at this path (Starlette's own `Allow` names only the first)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = "[^/]+".join(re.escape(part) for part in PATH_PARAMETER.split(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(loc=list(error["loc"]), msg=error["msg"], type=error["type"])
        for error in jsonable_encoder(exc.errors())
    ]
    return _json(
        status.HTTP_422_UNPROCESSABLE_CONTENT, ErrorBody(detail=errors, code="validation_error")
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """The last line of defence when two requests race past the service's own checks."""
    assert isinstance(exc, IntegrityError)
    # The driver's message names the constraint; the statement's parameters stay out of the log.
    logger.warning("integrity error (request %s): %s", _request_id(request), exc.orig)
    body = ErrorBody(detail="The change conflicts with existing data", code="conflict")
    return _json(status.HTTP_409_CONFLICT, body)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Log the traceback with the request id; never show it to the client."""
    request_id = _request_id(request)
    logger.exception("unhandled error (request %s)", request_id, exc_info=exc)
    body = ErrorBody(
        detail=f"Internal server error (request id {request_id})", code="internal_error"
    )
    # Starlette answers a bug outside every middleware: the headers they add are set here.
    headers = {"X-Request-ID": request_id, "X-Content-Type-Options": "nosniff"}
    return _json(status.HTTP_500_INTERNAL_SERVER_ERROR, body, headers)


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected_error)
