"""One table from domain error to HTTP status; every error body is application/problem+json.

Validation errors never echo the caller's input (it may hold NaN, lone surrogates or
personal data): only the location and the message of each problem.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from recommender.errors import (
    InvalidCatalog,
    InvalidInput,
    ModelMissing,
    NoPathway,
    NotFound,
    ReskillError,
)

log = logging.getLogger("reskill.api")

PROBLEM = "application/problem+json"

STATUS: list[tuple[type[ReskillError], int, str]] = [
    (NotFound, 404, "Not found"),
    (InvalidCatalog, 422, "Invalid dataset"),
    (InvalidInput, 422, "Invalid input"),
    (NoPathway, 422, "No pathway"),
    (ModelMissing, 503, "Model unavailable"),
    (ReskillError, 400, "Bad request"),
]


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    for cls, status, title in STATUS:
        if isinstance(exc, cls):
            return problem(status, title, str(exc))
    raise exc  # pragma: no cover - STATUS ends with the base class


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    return problem(422, "Invalid request", "The request did not validate.", errors=errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), str(exc.detail))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "An unexpected error occurred; it has been logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ReskillError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
