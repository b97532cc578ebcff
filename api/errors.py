"""One table from domain error to HTTP status; every error body is application/problem+json.

Validation errors never echo the caller's input (it may hold NaN, lone surrogates or
personal data): only the location, the message and the type of each problem. A dataset
that failed validation (an import) is answered with every problem found: file, row,
field and reason. Problem bodies are rendered so that no text can break them (a lone
surrogate becomes U+FFFD) and are never cached: some name people.

A database this worker cannot reach (PostgreSQL restarted, its connections terminated, a
network outage) is a 503 "Database unavailable" with ``Retry-After``, never a 500: the
errors that say so are listed once, in :data:`DATABASE_UNAVAILABLE`. The engine pings a
pooled connection before each use and replaces a dead one, so the worker recovers by
itself once the database is back.

An unexpected error is a 500 carrying the request id, and one log line naming the route
template (``GET /v1/employees/{employee_id}``), the request id, and the exception's type
and traceback frames (file, line, function): never the path, the query string, the
exception's message or arguments, nor a frame's source text. Those can name people.
The error stops here (:class:`ContainErrors`): it never reaches the server, whose own
"Exception in ASGI application" line would print the message. An error raised outside
it (in a middleware installed later) is answered the same way by Starlette's
``ServerErrorMiddleware``, which then re-raises it to the server: that server line is
rewritten to the same types-and-frames form (:class:`QuietServerErrors`).
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recommender.errors import (
    Forbidden,
    InvalidCatalog,
    InvalidInput,
    ModelMissing,
    NoPathway,
    NotFound,
    ReportRefused,
    ReskillError,
)

log = logging.getLogger("reskill.api")
#: The server's logger; its "Exception in ASGI application" lines get :class:`QuietServerErrors`.
SERVER_LOGGER = "uvicorn.error"
_SERVER_ERROR_LINE = "Exception in ASGI application"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

PROBLEM = "application/problem+json"
#: Longest location part a validation error reports (a part may be a key the caller sent).
MAX_LOC_PART = 100

STATUS: list[tuple[type[ReskillError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Forbidden, 403, "Forbidden"),
    (InvalidCatalog, 422, "Invalid dataset"),
    (InvalidInput, 422, "Invalid input"),
    (NoPathway, 422, "No pathway"),
    (ReportRefused, 422, "Report refused"),
    (ModelMissing, 503, "Model unavailable"),
    (ReskillError, 400, "Bad request"),
]

#: SQLAlchemy errors that mean the database cannot be reached now (answered 503): a refused
#: or lost connection, a server shutting down, a connection already closed, a lock not
#: granted in time. Any other ``DBAPIError`` counts too when SQLAlchemy found its
#: connection dead (``connection_invalidated``). Not SQLite's generic ``SQLITE_ERROR``
#: (:data:`NOT_UNAVAILABLE`): it reports a bad statement, such as a missing table (a bug:
#: 500), as an ``OperationalError`` too.
DATABASE_UNAVAILABLE: tuple[type[sa.exc.SQLAlchemyError], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
)
#: Driver error names (SQLite's ``sqlite_errorname``) that are never "unavailable".
NOT_UNAVAILABLE = frozenset({"SQLITE_ERROR"})
#: Seconds a client should wait before retrying a 503 (the ``Retry-After`` header).
RETRY_AFTER = "2"


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


class _OutageLines:
    """One log line per :data:`OUTAGE_LOG_SECONDS` while the database is unreachable (an
    outage under load would otherwise log every request), counting the 503s between."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -OUTAGE_LOG_SECONDS
        self._since = 0

    def log(self, kind: str, route: str, rid: str) -> None:
        with self._lock:
            self._since += 1
            now = time.monotonic()
            if now - self._last < OUTAGE_LOG_SECONDS:
                return
            count, self._since, self._last = self._since, 0, now
        log.warning(
            "database unavailable: %s on %s (request %s); %d answer(s) 503 since the last line",
            kind,
            route,
            rid,
            count,
        )


#: Seconds between two "database unavailable" lines.
OUTAGE_LOG_SECONDS = 5.0
_OUTAGE_LINES = _OutageLines()


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (see :data:`DATABASE_UNAVAILABLE`)."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, DATABASE_UNAVAILABLE):
        return False
    return getattr(getattr(exc, "orig", None), "sqlite_errorname", None) not in NOT_UNAVAILABLE


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """503 for a database that cannot be reached; any other database error is unexpected."""
    if not database_unavailable(exc):
        return _unexpected(request, exc)
    _OUTAGE_LINES.log(_type_name(exc), _route(request), request_id(request))
    detail = "The database cannot be reached right now; retry shortly."
    return problem(503, "Database unavailable", detail, {"Retry-After": RETRY_AFTER})


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """The 500 for an error nothing else answered, logged without personal data (a
    database that cannot be reached is a 503, even when it gets here)."""
    if database_unavailable(exc):
        return _database_error(request, exc)
    rid = request_id(request)
    log.error(
        "unhandled %s on %s (request %s)\n%s", _type_name(exc), _route(request), rid, frames(exc)
    )
    detail = f"An unexpected error occurred; it has been logged as request {rid}."
    return problem(500, "Internal error", detail, request_id=rid)


#: Request ids: this process's random prefix and a counter. Unique without a system call
#: per request (``uuid4`` reads the OS's random source each time: about a tenth of a
#: logged read's time on the event loop); they need not be unpredictable, only unique.
_REQUEST_PREFIX = secrets.token_hex(8)
_REQUEST_NUMBERS = itertools.count(1)


def request_id(request: Request) -> str:
    """This request's id, for the access log and error logs: made once per request, never
    taken from input (kept in ``request.state.request_id``)."""
    existing: str | None = getattr(request.state, "request_id", None)
    if existing is None:
        existing = f"{_REQUEST_PREFIX}{next(_REQUEST_NUMBERS):016x}"
        request.state.request_id = existing
    return existing


def _route(request: Request) -> str:
    """``"METHOD /path/{param}"``: the matched route's template, never the path it matched."""
    method = request.method if request.method in _METHODS else "OTHER"
    template = getattr(request.scope.get("route"), "path", None)
    return f"{method} {template if isinstance(template, str) else '<no route matched>'}"


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def frames(exc: BaseException) -> str:
    """``exc``'s traceback as types and frames only: each exception in its chain (causes,
    contexts, a group's members) by type, each frame by file, line and function. No
    message, argument or source line: any of them can name a person.

    Examples
    --------
    >>> try:
    ...     raise KeyError("E000123")
    ... except KeyError as exc:
    ...     text = frames(exc)
    >>> "KeyError" in text and "E000123" not in text
    True
    """
    return "\n".join(_frame_lines(exc, set()))


def _frame_lines(exc: BaseException, seen: set[int]) -> Iterator[str]:
    seen.add(id(exc))
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None and id(cause) not in seen:
        yield from _frame_lines(cause, seen)
        link = "caused" if exc.__cause__ is cause else "raised while handling it"
        yield f"The error above {link} this one:"
    yield "Traceback (types and frames only):"
    for frame, line in traceback.walk_tb(exc.__traceback__):
        code = frame.f_code
        yield f'  File "{code.co_filename}", line {line}, in {code.co_name}'
    yield _type_name(exc)
    for member in getattr(exc, "exceptions", ()):
        if isinstance(member, BaseException) and id(member) not in seen:
            yield f"{_type_name(exc)} member:"
            yield from _frame_lines(member, seen)


class ContainErrors:
    """Answer any error of the app below as :func:`_unexpected` does, and stop it there.

    Starlette's own 500 path (``ServerErrorMiddleware``) re-raises every error after
    answering it, so that the server logs it with its message. An error that struck after
    the response began cannot be answered: it is logged the same way and the server sees
    an unfinished response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # everything: this is the last place that can answer
            response = _unexpected(Request(scope), exc)
            if not started:
                await response(scope, receive, send)


class QuietServerErrors(logging.Filter):
    """Rewrite the server's "Exception in ASGI application" record to types and frames
    (:func:`frames`): its traceback would print the exception's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_SERVER_ERROR_LINE) or not record.exc_info:
            return True
        exc = record.exc_info[1]
        if exc is not None:
            record.msg, record.args = (
                "%s: %s\n%s",
                (_SERVER_ERROR_LINE, _type_name(exc), frames(exc)),
            )
        record.exc_info, record.exc_text = None, None
        return True


_QUIET_SERVER_ERRORS = QuietServerErrors()


def install(app: FastAPI) -> None:
    """The handlers above; :class:`ContainErrors`; :class:`QuietServerErrors` on the server's
    logger (once per process)."""
    app.add_exception_handler(ReskillError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sa.exc.DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(ContainErrors)
    logging.getLogger(SERVER_LOGGER).addFilter(_QUIET_SERVER_ERRORS)
