"""Request limits and strict JSON, enforced before any route runs (a pure ASGI middleware).

- **Size**: a JSON body may hold at most 1 MiB, an upload (``POST /v1/imports/org``)
  20 MiB. A larger ``Content-Length`` is answered 413 at once, without reading the
  body; a body without one (chunked) is counted while it streams and cut at the limit
  with 413.
- **Content type**: a POST, PUT or PATCH with a body must send ``application/json``
  (or ``+json``), an upload ``multipart/form-data``; anything else is 415.
- **Strict JSON**: the body must be UTF-8 JSON (else 400), with no duplicate keys,
  no NaN or Infinity, no number beyond a float or over 100 digits, no text with a
  lone surrogate or a NUL, and no nesting deeper than 32 (else 422).
- **Forms**: the web pages (``/app/...``, :mod:`api.web`) take HTML form posts
  (``application/x-www-form-urlencoded``, else 415) within the JSON limit.
- **URLs**: a path or query string that is not UTF-8 once percent-decoded, or that
  holds a NUL, is 400 (Starlette would otherwise turn it into U+FFFD silently).

Every refusal is problem+json and names the rule, never the input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import phrase, problem

__all__ = [
    "MiB",
    "JSON_LIMIT",
    "UPLOAD_LIMIT",
    "UPLOAD_PATHS",
    "MAX_JSON_DEPTH",
    "BodyTooLarge",
    "RequestLimits",
    "install",
]

MiB = 1024 * 1024
JSON_LIMIT = 1 * MiB
UPLOAD_LIMIT = 20 * MiB
#: Routes that take multipart uploads, and the most each accepts.
UPLOAD_PATHS: Mapping[str, int] = {"/v1/imports/org": UPLOAD_LIMIT}
MAX_JSON_DEPTH = 32
#: The web pages' paths: they take form posts, not JSON.
PAGES_PREFIX = "/app/"
_FORM = "application/x-www-form-urlencoded"
MAX_INT_DIGITS = 100
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {_size(limit)}, the most allowed.")


class _Refused(Exception):
    """A request refused before it reaches a route: status and the rule it broke."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail

    def response(self) -> Response:
        return problem(self.status, phrase(self.status), self.detail)


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit:,} bytes"


class RequestLimits:
    """The middleware; see the module docstring for the rules.

    Parameters
    ----------
    app : ASGI app
        What runs once a request passes.
    json_limit : int
        Most bytes of any body outside ``uploads``.
    uploads : mapping of path to int
        Multipart routes and the most bytes each accepts.
    """

    def __init__(
        self,
        app: ASGIApp,
        json_limit: int = JSON_LIMIT,
        uploads: Mapping[str, int] = UPLOAD_PATHS,
    ) -> None:
        self.app = app
        self.json_limit = json_limit
        self.uploads = dict(uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"] in self.uploads
        limit = self.uploads[scope["path"]] if upload else self.json_limit
        try:
            _check_url(scope)
            _check_headers(scope, limit, upload)
            page = scope["path"].startswith(PAGES_PREFIX)
            if page and scope["method"] in _BODY_METHODS:
                _check_form(scope)
                receive = _counted(receive, limit)
            elif scope["method"] in _BODY_METHODS and not upload:
                receive = await _strict_json_body(scope, receive, limit)
            else:
                receive = _counted(receive, limit)
        except _Refused as refused:
            await refused.response()(scope, receive, send)
            return
        await self._run(scope, receive, send, limit)

    async def _run(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge as exc:  # escaped the app's own handlers
            if started:
                raise
            await problem(413, phrase(413), str(exc.detail))(scope, receive, send)


def _check_url(scope: Scope) -> None:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
    for part, what in ((raw_path, "path"), (scope.get("query_string", b""), "query string")):
        try:
            text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(400, f"The URL's {what} is not UTF-8 once percent-decoded.") from None
        if "\x00" in text:
            raise _Refused(400, f"The URL's {what} holds a NUL character.")


def _check_headers(scope: Scope, limit: int, upload: bool) -> None:
    headers = Headers(scope=scope)
    length = headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise _Refused(400, "Content-Length is not a number of bytes.")
        if int(length) > limit:
            raise _Refused(413, str(BodyTooLarge(limit).detail))
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    # Only POST is served on the upload route: other methods fall through to routing (405).
    if upload and scope["method"] == "POST" and kind != "multipart/form-data":
        raise _Refused(415, "This route takes multipart/form-data.")


def _check_form(scope: Scope) -> None:
    kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if kind != _FORM:
        raise _Refused(415, f"The pages take {_FORM}.")


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` once the body passes ``limit`` bytes."""
    total = 0

    async def counting() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise BodyTooLarge(limit)
        return message

    return counting


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            raise _Refused(400, "The request body ended early.")
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise _Refused(413, str(BodyTooLarge(limit).detail))
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _strict_json_body(scope: Scope, receive: Receive, limit: int) -> Receive:
    """Read the whole body (at most ``limit``), check it, and replay it to the app."""
    body = await _read_body(receive, limit)
    if body:
        kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        if not (
            kind == "application/json"
            or (kind.startswith("application/") and kind.endswith("+json"))
        ):
            raise _Refused(415, "This route takes application/json.")
        _check_json(body)
    return _replay(body, receive)


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


# -- strict JSON --------------------------------------------------------------------------


class _Unacceptable(ValueError):
    """Well-formed enough to parse, but not something this API accepts."""


def _no_constant(name: str) -> Any:
    raise _Unacceptable("NaN and Infinity are not JSON numbers.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Unacceptable("A number is too large to be a finite float.")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Unacceptable(f"A number has more than {MAX_INT_DIGITS} digits.")
    return int(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Unacceptable("An object holds the same key twice.")
    return out


def _check_json(body: bytes) -> None:
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite,
            parse_int=_bounded_int,
        )
    except _Unacceptable as exc:
        raise _Refused(422, str(exc)) from None
    except RecursionError:
        raise _Refused(422, f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, int() limits
        raise _Refused(400, "The body is not valid UTF-8 JSON.") from None
    problem_ = _content_problem(value)
    if problem_ is not None:
        raise _Refused(422, problem_)


def _content_problem(value: Any) -> str | None:
    """What is wrong with parsed JSON: nesting too deep, or text that cannot be stored."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            reason = _text_problem(item)
            if reason:
                return reason
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                return f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text holds a NUL character (U+0000)."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "Text holds a lone surrogate, which is not Unicode."
    return None


def install(app: FastAPI) -> None:
    """Put :class:`RequestLimits` in front of every route of ``app``."""
    app.add_middleware(RequestLimits)
