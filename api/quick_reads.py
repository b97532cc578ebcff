"""The two hottest reads of a person, answered before FastAPI routes them.

``GET /v1/employees/{id}`` (the stored record) and ``GET /v1/employees/{id}/opportunities``
(its first page, rendered ahead) are what an employee portal and a talent team's screens
ask most. Each is a quick answer plus one access-log row; under load, FastAPI's routing and
dependency solving cost these reads three times the work of the read itself
(docs/performance.md, "A person read without FastAPI's routing"). :class:`QuickReads`, a
plain ASGI middleware inside the request limits and the error containment, answers such a
request itself when it can be answered quickly:

- the path is exactly one of the two, the method ``GET``, with no query string;
- the key (``Authorization: Bearer`` or ``X-API-Key``, read as the routes read it) is one
  this worker verified recently (:class:`api.auth.KeyCache`);
- the answer is ready: the stored record, or a first page rendered ahead for today.

It takes the same path through the gate as the routes' own quick path
(:meth:`recommender.gate.Gate.read_person_async`: authorise, answer, log with the key
check), so what is logged, refused and answered is the same. Anything else, and every
refusal or error on the way (nothing is logged before them), is handed to the app
unchanged, which answers it the ordinary way: same status, same problem+json. A test
compares both ways byte for byte (tests/api/test_quick_reads.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial

from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import KeyCache
from api.deps import read_quickly
from api.errors import request_id
from api.rendered import pages_of
from api.routers.employees import record_body
from api.routers.pathways import quick_first_page
from recommender.access import Action
from recommender.gate import Gate
from recommender.service import Recommender

__all__ = ["QuickReads", "install"]

# The routes' own path parameter: one segment of 1 to 200 characters (api.routers).
_PERSON = re.compile(r"/v1/employees/([^/]{1,200})")
_OPPORTUNITIES = re.compile(r"/v1/employees/([^/]{1,200})/opportunities")
_RECORD_ROUTE = "GET /v1/employees/{employee_id}"
_OPPORTUNITIES_ROUTE = "GET /v1/employees/{employee_id}/opportunities"
# As Starlette's Response(body, media_type="application/json", headers=NO_STORE_HEADERS).
_JSON = b"application/json"
_NO_STORE = b"no-store"


def _token(scope: Scope) -> str | None:
    """The key as :func:`api.auth.presented_key` reads it (bearer first), or None."""
    bearer = api_key = None
    for name, value in scope["headers"]:
        if name == b"authorization" and bearer is None:
            scheme, credentials = get_authorization_scheme_param(value.decode("latin-1"))
            if scheme.lower() == "bearer" and credentials:
                bearer = credentials
        elif name == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
    token = bearer if bearer is not None else api_key
    return token.strip() if token else None


class QuickReads:
    """See the module docstring. ``app`` is the rest of the application; ``answered``
    counts the requests answered here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["query_string"]
            or not scope["path"].startswith("/v1/employees/")
        ):
            await self.app(scope, receive, send)
            return
        body = await self._answer(scope)
        if body is None:
            await self.app(scope, receive, send)
            return
        self.answered += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"cache-control", _NO_STORE),
                    (b"content-length", str(len(body)).encode("latin-1")),
                    (b"content-type", _JSON),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope) -> bytes | None:
        """The body of a quick answer, read and logged; None: the app answers instead
        (nothing was logged)."""
        path: str = scope["path"]
        quick: Callable[[str, Gate], bytes]
        if (found := _PERSON.fullmatch(path)) is not None:
            action, route, quick = Action.EMPLOYEES_READ, _RECORD_ROUTE, record_body
            unless_goal = False
        elif (found := _OPPORTUNITIES.fullmatch(path)) is not None:
            action, route, quick = Action.PATHWAYS_READ, _OPPORTUNITIES_ROUTE, quick_first_page
            unless_goal = True  # a person with a goal set is planned toward it, in the app
        else:
            return None
        token = _token(scope)
        if token is None:
            return None
        app: FastAPI = scope["app"]
        keys: KeyCache = app.state.key_cache
        principal = keys.get(token)
        if principal is None or not principal.may(action):
            return None
        employee_id = found.group(1)
        service: Recommender = app.state.recommender
        if unless_goal and not pages_of(service).has(employee_id, date.today()):
            return None
        try:
            return await read_quickly(
                service,
                app.state.engine,
                keys,
                token,
                principal,
                action,
                employee_id,
                partial(quick, employee_id),
                route=route,
                rid=request_id(Request(scope)),
                unless_goal=unless_goal,
            )
        except Exception:  # noqa: BLE001 - refused or failed, nothing logged: the app answers
            return None


def install(app: FastAPI) -> None:
    """Add :class:`QuickReads` as the innermost middleware: call before any other
    ``add_middleware`` (the request limits and the error containment stay outside it)."""
    app.add_middleware(QuickReads)
