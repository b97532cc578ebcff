"""One table from domain error to HTTP status; every error body is application/problem+json.

Validation errors never echo the caller's input (it may hold NaN, lone surrogates or
personal data): only the location, the message and the type of each problem. A dataset
that failed validation (an import) is answered with every problem found: file, row,
field and reason. Problem bodies are rendered so that no text can break them (a lone
surrogate becomes U+FFFD) and are never cached: some name people.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

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
    ReportRefused,
    ReskillError,
)

log = logging.getLogger("reskill.api")

PROBLEM = "application/problem+json"
#: Longest location part a validation error reports (a part may be a key the caller sent).
MAX_LOC_PART = 100

STATUS: list[tuple[type[ReskillError], int, str]] = [
    (NotFound, 404, "Not found"),
    (InvalidCatalog, 422, "Invalid dataset"),
    (InvalidInput, 422, "Invalid input"),
    (NoPathway, 422, "No pathway"),
    (ReportRefused, 422, "Report refused"),
    (ModelMissing, 503, "Model unavailable"),
    (ReskillError, 400, "Bad request"),
]


def _clean(value: Any) -> Any:
    """``value`` with every string made encodable: lone surrogates become U+FFFD."""
    if isinstance(value, str):
        if value.isascii():
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, Mapping):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class ProblemResponse(JSONResponse):
    """An RFC 9457 problem document; it renders whatever text it carries, never cached."""

    media_type = PROBLEM

    def render(self, content: Any) -> bytes:
        return json.dumps(
            _clean(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")


def problem(
    status: int,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem+json response with ``Cache-Control: no-store``."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    all_headers = {**(headers or {}), "Cache-Control": "no-store"}
    return ProblemResponse(body, status_code=status, headers=all_headers)


def phrase(status: int) -> str:
    """The reason phrase of ``status`` (``413`` -> ``"Content Too Large"``)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _dataset_problems(exc: InvalidCatalog) -> JSONResponse:
    problems = [
        {"file": p.file, "row": p.row, "field": p.field, "reason": p.reason} for p in exc.problems
    ]
    detail = f"{len(problems)} problem(s) in the dataset; nothing was loaded."
    return problem(422, "Invalid dataset", detail, problems=problems)


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidCatalog):
        return _dataset_problems(exc)
    for cls, status, title in STATUS:
        if isinstance(exc, cls):
            return problem(status, title, str(exc))
    raise exc  # pragma: no cover - STATUS ends with the base class


def _loc_part(part: object) -> str:
    text = str(part)
    return text if len(text) <= MAX_LOC_PART else text[:MAX_LOC_PART] + "..."


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Never ``input`` or ``ctx``: they hold what the caller sent.
    errors = [
        {
            "loc": [_loc_part(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    return problem(422, "Invalid request", "The request did not validate.", errors=errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, phrase(exc.status_code), str(exc.detail), exc.headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "An unexpected error occurred; it has been logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ReskillError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
