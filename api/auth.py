"""API keys on the wire: who is calling, and may they do this?

Every ``/v1`` route except those in :data:`PUBLIC_ROUTES` declares the action
it needs with ``dependencies=[require(Action....)]`` (deny by default; a test
walks the routes). A key arrives as ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``. A missing, malformed, unknown or revoked key is a 401
problem+json with ``WWW-Authenticate``; a valid key whose role lacks the
action is a 403. Keys are never logged or echoed.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import problem, request_id
from recommender.access import Action, Principal
from recommender.database import principal_of
from recommender.errors import Forbidden

__all__ = [
    "PUBLIC_ROUTES",
    "AuthError",
    "KeyCache",
    "authenticate",
    "permit",
    "presented_key",
    "principal_for",
    "require",
    "PrincipalDep",
    "request_id",
    "install",
]

#: Routes anyone may call without a key: (method, path).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset({("GET", "/v1/health")})

_CHALLENGE = 'Bearer realm="reskill"'
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer rk_...`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: rk_...`")


class AuthError(Exception):
    """A refused request: 401 (who are you?) or 403 (not allowed)."""

    def __init__(self, status: int, title: str, detail: str, challenge: str | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.challenge = status, title, detail, challenge


def _unauthorized(detail: str, error: str | None = None) -> AuthError:
    challenge = _CHALLENGE if error is None else f'{_CHALLENGE}, error="{error}"'
    return AuthError(401, "Unauthorized", detail, challenge)


def _engine(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


#: Key lookups run here, off the event loop and apart from FastAPI's thread pool: the
#: routes that write (every logged read of a person) may all be waiting on a held write
#: lock, and a catalogue read must still get past authentication meanwhile.
_KEY_LOOKUPS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reskill-keys")


def _token(bearer: HTTPAuthorizationCredentials | None, api_key: str | None) -> str:
    token = bearer.credentials if bearer is not None else api_key
    if not token:
        raise _unauthorized("This endpoint needs an API key (Authorization: Bearer <key>).")
    return token.strip()


def principal_for(engine: sa.Engine, token: str) -> Principal:
    """The :class:`Principal` a presented key stands for; raises a 401 :class:`AuthError`.

    Database work: call it off the event loop (as :func:`authenticate` and
    :class:`api.deps.OneTrip` do).
    """
    principal = principal_of(engine, token)
    if principal is None:
        raise unauthorized_key()
    return principal


def unauthorized_key() -> AuthError:
    """The 401 for a key that is unknown, revoked or expired (the three alike on purpose)."""
    return _unauthorized("The API key is invalid, expired or revoked.", "invalid_token")


class KeyCache:
    """Keys this worker looked up and found valid in the last ``ttl`` seconds, by the
    SHA-256 of the key as presented (never the key itself): the reads of a person take
    their principal from here and skip the lookup.

    A cached principal is never trusted on its own. Every read made with one is logged
    by a statement that also requires the key to be stored, unrevoked and unexpired
    (:class:`recommender.gate.Caller` ``check_key``), so a revocation or an expiry
    refuses the very next read, in every worker, as a lookup would. After ``ttl``
    seconds a key is looked up again, which also keeps its ``last_used_at``. At most
    ``max_keys`` keys are kept (the oldest go first).
    """

    def __init__(self, *, ttl: float = 60.0, max_keys: int = 4096) -> None:
        self.ttl, self.max_keys = ttl, max_keys
        self._keys: dict[bytes, tuple[Principal, float]] = {}
        self._guard = threading.Lock()

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Principal | None:
        """The principal ``token`` stood for when last looked up, if that is recent."""
        found = self._keys.get(self._digest(token))
        if found is None or time.monotonic() - found[1] > self.ttl:
            return None
        return found[0]

    def put(self, token: str, principal: Principal) -> None:
        """Remember ``principal``, just looked up for ``token``."""
        digest = self._digest(token)
        with self._guard:
            self._keys.pop(digest, None)
            while len(self._keys) >= self.max_keys:
                del self._keys[next(iter(self._keys))]
            self._keys[digest] = (principal, time.monotonic())

    def forget(self, token: str) -> None:
        """Drop ``token`` (it was refused)."""
        with self._guard:
            self._keys.pop(self._digest(token), None)


def permit(principal: Principal, action: Action) -> Principal:
    """``principal``, if its role allows ``action``; else a 403 :class:`AuthError`."""
    if not principal.may(action):
        raise AuthError(403, "Forbidden", str(Forbidden(principal.role, action.value)))
    return principal


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The caller's :class:`Principal`, from its API key; raises a 401 :class:`AuthError`.

    The lookup is database work, so it runs on :data:`_KEY_LOOKUPS`: the event loop
    never waits on the database (a held write lock, a slow connection), and a thread
    pool full of writers waiting for a lock never delays it.
    """
    token = _token(bearer, api_key)
    loop = asyncio.get_running_loop()
    principal = await loop.run_in_executor(_KEY_LOOKUPS, principal_for, _engine(request), token)
    request.state.principal = principal
    return principal


async def presented_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> str:
    """The key as presented, not yet looked up (a 401 if there is none).

    For the routes that read one person: they authenticate in the same trip off the event
    loop as their read and its log (:class:`api.deps.OneTrip`), one hand-over instead of
    two. The route-walking test counts this dependency as authentication only because
    ``OneTrip`` is the one way to use it.
    """
    return _token(bearer, api_key)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def require(action: Action) -> Any:
    """A route dependency: the caller must hold a key whose role allows ``action``.

    Use as ``dependencies=[require(Action.CATALOG_READ)]`` or as a parameter
    default to receive the :class:`Principal`.
    """

    async def permitted(principal: PrincipalDep) -> Principal:
        return permit(principal, action)

    permitted.__name__ = f"require_{action.name.lower()}"
    return Depends(permitted)


def _auth_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    response = problem(exc.status, exc.title, exc.detail)
    if exc.challenge is not None:
        response.headers["WWW-Authenticate"] = exc.challenge
    return response


def install(app: FastAPI) -> None:
    """Answer :class:`AuthError` as problem+json (with the challenge header on 401)."""
    app.add_exception_handler(AuthError, _auth_error)
