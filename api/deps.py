"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Query, Request, Response

from api.auth import PrincipalDep, request_id
from api.schemas import Page
from api.state import current_recommender
from recommender.gate import Gate
from recommender.service import Recommender

Item = TypeVar("Item")
Out = TypeVar("Out")


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
