"""Dependencies shared by the routers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Query, Request, Response

from api.auth import (
    AuthError,
    KeyCache,
    PrincipalDep,
    permit,
    presented_key,
    principal_for,
    request_id,
    unauthorized_key,
)
from api.schemas import Page
from api.state import current_recommender
from recommender.access import Action, Principal
from recommender.errors import KeyNoLongerValid, ReskillError
from recommender.gate import Gate, GoalIsSet
from recommender.service import Recommender

Item = TypeVar("Item")
Out = TypeVar("Out")
Answer = TypeVar("Answer")


# Small dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in its thread
# pool, one hop per dependency per request, which under load costs more than the work.


async def get_recommender(request: Request) -> Recommender:
    return current_recommender(request)


RecommenderDep = Annotated[Recommender, Depends(get_recommender)]


async def get_engine(request: Request) -> sa.Engine:
    """The engine holding API keys and the access log."""
    engine: sa.Engine = request.app.state.engine
    return engine


EngineDep = Annotated[sa.Engine, Depends(get_engine)]


#: Headers that forbid every cache from keeping a response: it carries personal data.
NO_STORE_HEADERS = {"Cache-Control": "no-store"}


async def no_store(response: Response) -> None:
    """Forbid every cache from keeping the response: it carries personal data."""
    response.headers.update(NO_STORE_HEADERS)


#: Add to ``dependencies=[...]`` of every route whose response carries personal data.
NoStore = Depends(no_store)


def route_of(request: Request) -> str:
    """The matched route as ``"METHOD /path/{param}"``: names the route, not the person."""
    path: str = getattr(request.scope.get("route"), "path", "<unmatched>")
    return f"{request.method} {path}"


async def get_gate(
    request: Request, principal: PrincipalDep, service: RecommenderDep, engine: EngineDep
) -> Gate:
    """The gate this request reads people through (no I/O: ``async`` costs no thread hop)."""
    return service.for_principal(
        principal, route=route_of(request), request_id=request_id(request), engine=engine
    )


#: Every route that returns, ranks, counts or logs a person takes this and makes one call.
GateDep = Annotated[Gate, Depends(get_gate)]


#: Reads of one person whose key is not in this worker's :class:`~api.auth.KeyCache`, or
#: whose answer takes computing, make their whole trip here: the key's lookup, the gate's
#: checks, the read, and the wait for its access-log row's commit (grouped with other
#: requests' by the writer thread). A pool of its own: while a held write lock keeps these
#: waiting, key lookups for every other route go on in theirs.
#: Eight are enough to keep the log writer's batches full and the loop busy on two cores;
#: more only contend for the interpreter and the database's connections.
_PERSON_READS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="reskill-person-reads")


class _NotReady(Exception):
    """A quick answer could not be made ready (:meth:`OneTrip.__call__`'s ``fetch``)."""


class OneTrip:
    """Authenticate, authorise, read and log one person through the gate, with the fewest
    hand-overs between the event loop and threads.

    A quick answer (a stored record, a page rendered ahead) for a key this worker verified
    recently (:class:`~api.auth.KeyCache`) is read on the loop, and only its log row's
    commit is awaited: the writer thread commits it with other requests' rows and wakes the
    loop once per batch; no thread takes the request. The statement that logs the read
    also checks that the key is still active, so a revoked key is refused as at once as
    with a lookup of its own. Anything else (a key not cached, an answer to compute) makes
    one trip to a worker thread: lookup, checks, read, log. Under load, hand-overs, not
    the work, bound these routes' throughput.
    """

    __slots__ = ("_request", "_token", "_service", "_engine", "_keys")

    def __init__(
        self, request: Request, token: str, service: Recommender, engine: sa.Engine
    ) -> None:
        self._request, self._token, self._service, self._engine = request, token, service, engine
        self._keys: KeyCache = request.app.state.key_cache

    @property
    def service(self) -> Recommender:
        """The data this request is served from (a route may look, not read a person)."""
        return self._service

    async def __call__(
        self,
        action: Action,
        employee_id: str,
        answer: Callable[[Gate], Answer],
        *,
        quick: bool = False,
        with_goal: Callable[[Gate], Answer] | None = None,
        fetch: Callable[[], bool] | None = None,
    ) -> Answer:
        """``answer(gate)`` about ``employee_id`` for a caller allowed ``action``, logged
        (:meth:`recommender.gate.Gate.read_person`); a 401 or 403 before any read.
        ``quick``: ``answer`` takes microseconds and may run on the event loop.
        ``with_goal``: the quick ``answer`` was prepared for people with no career goal
        set; a person with one (the statement logging the quick read checks, and logs
        nobody then), and any read that is not answered quickly, is answered by
        ``with_goal`` instead, in a worker thread.
        ``fetch``: the quick ``answer`` is not ready in memory; ``fetch()`` makes it ready (it
        reads a page from the database), in a worker thread, once the caller is known to be
        allowed; if it cannot, the read is answered the ordinary way."""
        route, rid = route_of(self._request), request_id(self._request)
        principal = self._keys.get(self._token)
        loop = asyncio.get_running_loop()
        if principal is not None and (quick or fetch is not None):
            try:
                if fetch is not None:  # only for a caller allowed to read this person
                    self._service.for_principal(
                        permit(principal, action),
                        route=route,
                        request_id=rid,
                        engine=self._engine,
                        check_key=True,
                    ).check_person(action, employee_id)
                    if not await loop.run_in_executor(_PERSON_READS, fetch):
                        raise _NotReady
                return await read_quickly(
                    self._service,
                    self._engine,
                    self._keys,
                    self._token,
                    permit(principal, action),
                    action,
                    employee_id,
                    answer,
                    route=route,
                    rid=rid,
                    unless_goal=with_goal is not None,
                )
            except (GoalIsSet, _NotReady):
                pass  # answered below, the ordinary way (toward the goal, if one is set)
            except KeyNoLongerValid:
                raise unauthorized_key() from None
            except (AuthError, ReskillError):
                await loop.run_in_executor(_PERSON_READS, self._refusal_stands)
                raise
        if with_goal is not None:  # off the loop, the goal is read and followed
            answer = with_goal
        return await loop.run_in_executor(
            _PERSON_READS, self._trip, action, employee_id, answer, route, rid, principal
        )

    def _refusal_stands(self) -> None:
        """A read by a remembered key was refused (403, 404, 422...): answer that only if
        the key is still valid, else the 401 a lookup would have given first. Otherwise a
        revoked key would still tell a stored id (401 at the log) from an unknown one (404
        before it)."""
        try:
            principal_for(self._engine, self._token)
        except AuthError:
            self._keys.forget(self._token)
            raise

    def _trip(
        self,
        action: Action,
        employee_id: str,
        answer: Callable[[Gate], Answer],
        route: str,
        rid: str,
        principal: Principal | None,
    ) -> Answer:
        cached = principal is not None
        if principal is None:
            principal = principal_for(self._engine, self._token)
            self._keys.put(self._token, principal)
        try:
            gate = self._gate(permit(principal, action), route, rid, cached=cached)
            return gate.read_person(action, employee_id, partial(answer, gate))
        except KeyNoLongerValid:
            self._keys.forget(self._token)
            raise unauthorized_key() from None
        except (AuthError, ReskillError):
            if cached:
                self._refusal_stands()
            raise

    def _gate(self, principal: Principal, route: str, rid: str, *, cached: bool) -> Gate:
        return self._service.for_principal(
            principal, route=route, request_id=rid, engine=self._engine, check_key=cached
        )


async def read_quickly(
    service: Recommender,
    engine: sa.Engine,
    keys: KeyCache,
    token: str,
    principal: Principal,
    action: Action,
    employee_id: str,
    answer: Callable[[Gate], Answer],
    *,
    route: str,
    rid: str,
    unless_goal: bool,
) -> Answer:
    """A quick ``answer(gate)`` about ``employee_id`` for ``principal`` (remembered for
    ``token`` in ``keys``, allowed ``action``): read on the event loop, only the log's commit
    awaited (:meth:`recommender.gate.Gate.read_person_async`, with the key check). The
    quick path of :class:`OneTrip` and of :mod:`api.quick_reads`.

    Raises
    ------
    KeyNoLongerValid
        The key was revoked or expired (it is forgotten from ``keys``); nothing logged.
    GoalIsSet, AuthError, ReskillError
        As the gate refuses; nothing logged.
    """
    gate = service.for_principal(
        principal, route=route, request_id=rid, engine=engine, check_key=True
    )
    try:
        return await gate.read_person_async(
            action, employee_id, partial(answer, gate), unless_goal=unless_goal
        )
    except KeyNoLongerValid:
        keys.forget(token)
        raise


async def one_trip(request: Request, token: Annotated[str, Depends(presented_key)]) -> OneTrip:
    """The service and engine are taken from the request here, not as dependencies of
    their own: each dependency FastAPI solves costs these hot routes throughput."""
    return OneTrip(request, token, current_recommender(request), request.app.state.engine)


#: A route reading one person takes this instead of ``require(...)`` and ``GateDep``.
OneTripDep = Annotated[OneTrip, Depends(one_trip)]


class Paging:
    def __init__(self, offset: int = 0, limit: int = 50) -> None:
        self.offset = offset
        self.limit = limit


async def paging(
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Paging:
    return Paging(offset, limit)


PagingDep = Annotated[Paging, Depends(paging)]


def page_of(
    model: type[Page[Out]], items: Sequence[Item], paging: Paging, mapper: Callable[[Item], Out]
) -> Page[Out]:
    """One page of ``items``, each mapped to its schema, with the total count."""
    window = items[paging.offset : paging.offset + paging.limit]
    return model(
        items=[mapper(i) for i in window],
        total=len(items),
        offset=paging.offset,
        limit=paging.limit,
    )
