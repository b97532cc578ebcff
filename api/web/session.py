"""Who is signed in to the pages: the one place a page request gets its principal.

A person signs in once with their API key (:func:`sign_in`): the key is checked as every
``/v1`` request checks it, a session is stored in the database
(:func:`recommender.database.open_session`) and the browser gets a random session token in
a cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the request came over HTTPS,
path ``/app``). The key itself is never kept by the browser or the server. A session ends
after :data:`IDLE` without use, at sign-out, or when its key is revoked or expires.

:func:`current_session` is the only function that says who a page request is from: a
hospital's single sign-on would replace the key check in :func:`sign_in` (or this
function), and nothing else changes. Every form that changes anything carries the
session's CSRF token (:func:`check_csrf`); the sign-in form, before any session, carries a
token also set in a short-lived cookie (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from fastapi import Request, Response

from api.auth import AuthError, principal_for
from recommender.database import SessionRecord, close_session, find_session, open_session

__all__ = [
    "COOKIE",
    "IDLE",
    "SignInNeeded",
    "BadCsrf",
    "current_session",
    "require_session",
    "sign_in",
    "sign_out",
    "check_csrf",
    "sign_in_token",
    "remember_sign_in_token",
    "check_sign_in_token",
]

COOKIE = "reskill_session"
SIGN_IN_COOKIE = "reskill_sign_in"
PATH = "/app"
#: A session unused this long is over (the next request signs in again).
IDLE = timedelta(minutes=30)


class SignInNeeded(Exception):
    """The page needs a signed-in session (answered with a redirect to the sign-in page)."""


class BadCsrf(Exception):
    """A form that changes something came without this session's CSRF token (403)."""


def _engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def current_session(request: Request) -> SessionRecord | None:
    """The signed-in session of ``request`` (its principal and CSRF token), or ``None``.

    Database work: call it off the event loop (page routes are plain ``def``)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    return find_session(_engine(request), token, idle=IDLE)


def require_session(request: Request) -> SessionRecord:
    """A route dependency: the signed-in session, else :class:`SignInNeeded`."""
    found = current_session(request)
    if found is None:
        raise SignInNeeded()
    request.state.principal = found.principal
    return found


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def sign_in(request: Request, response: Response, key: str) -> SessionRecord:
    """Check ``key`` as ``/v1`` does, open a session for it and set its cookie.

    Raises
    ------
    AuthError
        401: the key is unknown, revoked or expired.
    """
    principal = principal_for(_engine(request), key.strip())
    opened = open_session(_engine(request), principal, idle=IDLE)
    response.set_cookie(
        COOKIE,
        opened.token,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=int(IDLE.total_seconds()) * 48,  # the server ends it sooner, when idle
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return SessionRecord(principal, opened.csrf_token)


def sign_out(request: Request, response: Response) -> None:
    """End the session (deleted from the database) and clear its cookie."""
    token = request.cookies.get(COOKIE)
    if token:
        close_session(_engine(request), token)
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")


def check_csrf(session: SessionRecord, presented: str | None) -> None:
    """Raise :class:`BadCsrf` unless ``presented`` is the session's CSRF token."""
    if not presented or not hmac.compare_digest(presented, session.csrf_token):
        raise BadCsrf()


def sign_in_token(request: Request) -> str:
    """The sign-in form's CSRF token: the one its cookie holds, or a new one."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)


def remember_sign_in_token(request: Request, response: Response, token: str) -> None:
    """Set the cookie the sign-in form's post must match (double submit)."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=3600,
    )


def check_sign_in_token(request: Request, presented: str | None) -> None:
    """Raise :class:`BadCsrf` unless the sign-in form carries the token its cookie holds."""
    cookie = request.cookies.get(SIGN_IN_COOKIE)
    if not presented or not cookie or not hmac.compare_digest(presented, cookie):
        raise BadCsrf()


def refused_key(exc: AuthError) -> str:
    """What the sign-in page says for a refused key (never the key)."""
    return exc.detail
