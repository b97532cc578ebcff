"""The web pages: server-rendered, under ``/app``, from the same app, gate and log as ``/v1``.

:func:`install` adds the pages (:mod:`api.web.pages`), their static files (the app's
script and style, and the vendored libraries under ``static/vendor``, refreshed by
``scripts/vendor-frontend.sh``; no CDN), the error pages and a strict Content Security
Policy on every response under ``/app``: scripts and styles from this server only, no
inline script or style, no ``eval``, no framing, forms post only here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.web import session as web_session
from api.web.pages import PageError, router, templates

__all__ = ["install", "CONTENT_SECURITY_POLICY"]

#: Sent with every response under ``/app``.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _error_page(request: Request, status: int, title: str, detail: str) -> Response:
    found = getattr(request.state, "principal", None)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"session": None, "principal": found, "title": title, "detail": detail, "status": status},
        status,
        headers={"Cache-Control": "no-store"},
    )


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return _error_page(request, exc.status, exc.title, exc.detail)


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/app/sign-in", status_code=303)


async def _bad_csrf(request: Request, exc: Exception) -> Response:
    detail = "The form was not sent from this session's page (missing or wrong CSRF token)."
    return _error_page(request, 403, "Forbidden", detail)


def install(app: FastAPI) -> None:
    """Serve the pages, their static files and their security headers."""
    app.include_router(router)
    static = Path(__file__).parent / "static"
    app.mount("/app/static", StaticFiles(directory=static), name="static")
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(web_session.SignInNeeded, _sign_in_needed)
    app.add_exception_handler(web_session.BadCsrf, _bad_csrf)

    app.add_middleware(PageHeaders)


class PageHeaders:
    """Adds the security headers to every response under ``/app`` (plain ASGI: ``/v1``
    requests pass through untouched, at the cost of one string comparison)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/app"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
