"""Dependencies shared by the routers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Query, Request, Response

from api.auth import PrincipalDep, permit, presented_key, principal_for, request_id
from api.schemas import Page
from api.state import current_recommender
from recommender.access import Action
from recommender.gate import Gate
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


#: Reads of one person make their whole trip here: the key's lookup, the gate's checks, the
#: read, and the wait for its access-log row's commit (grouped with other requests' by the
#: writer thread). A pool of its own: while a held write lock keeps these waiting, key
#: lookups for every other route go on in theirs.
#: Eight are enough to keep the log writer's batches full and the loop busy on two cores;
#: more only contend for the interpreter and the database's connections.
_PERSON_READS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="reskill-person-reads")


class OneTrip:
    """Authenticate, authorise and read one person through the gate, in one hand-over from
    the event loop to a worker thread and one back.

    The hot routes (a person's record, their first page of opportunities) would otherwise
    hand over twice (the key lookup, then the log commit) and run FastAPI's dependency
    chain around each; under load those hand-overs, not the work, bound throughput. Nothing
    here runs on the loop but building the call.
    """

    __slots__ = ("_request", "_token", "_service", "_engine")

    def __init__(
        self, request: Request, token: str, service: Recommender, engine: sa.Engine
    ) -> None:
        self._request, self._token, self._service, self._engine = request, token, service, engine

    async def __call__(self, action: Action, work: Callable[[Gate], Answer]) -> Answer:
        """``work(gate)`` for a caller allowed ``action``; a 401 or 403 before any read."""
        route, rid = route_of(self._request), request_id(self._request)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_PERSON_READS, self._trip, action, work, route, rid)

    def _trip(self, action: Action, work: Callable[[Gate], Answer], route: str, rid: str) -> Answer:
        principal = permit(principal_for(self._engine, self._token), action)
        gate = self._service.for_principal(
            principal, route=route, request_id=rid, engine=self._engine
        )
        return work(gate)


async def one_trip(
    request: Request,
    token: Annotated[str, Depends(presented_key)],
    service: RecommenderDep,
    engine: EngineDep,
) -> OneTrip:
    return OneTrip(request, token, service, engine)


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
