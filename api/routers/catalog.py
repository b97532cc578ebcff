"""Read-only catalogue: health, roles, skills, courses.

The catalogue is immutable until a data change swaps the Recommender, so each page and
role, once built, is remembered by the Recommender (response models are frozen) and
later requests only serialise it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.auth import require
from api.deps import PagingDep, RecommenderDep, page_of
from api.errors import RETRY_AFTER
from api.health import DatabaseProbe
from api.schemas import CourseOut, Health, Page, RoleOut, RoleSummary, SkillOut
from recommender import __version__
from recommender.access import Action
from recommender.catalog import CourseKind, RoleSource, SkillCategory
from recommender.service import CatalogFilter

router = APIRouter(prefix="/v1")

CatalogRead = [require(Action.CATALOG_READ)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is unreachable"}},
)
async def health(request: Request) -> Health | JSONResponse:
    """Public (no key): status and version only. ``"degraded"`` with 503 while this
    worker cannot reach the database (checked at most once a second, see :mod:`api.health`)."""
    probe: DatabaseProbe | None = getattr(request.app.state, "database_probe", None)
    if probe is None or await probe.reachable():
        return Health(status="ok", version=__version__)
    body = Health(status="degraded", version=__version__).model_dump()
    return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER})


@router.get("/roles", response_model=Page[RoleSummary], dependencies=CatalogRead)
async def list_roles(
    service: RecommenderDep,
    paging: PagingDep,
    hard_to_fill: bool | None = None,
    job_family: Text = None,
    source: RoleSource | None = None,
    q: Text = None,
) -> Page[RoleSummary]:
    where = CatalogFilter(hard_to_fill, job_family, source, q)
    return service.remembered(
        ("api", "roles", where, paging.offset, paging.limit),
        lambda: page_of(Page[RoleSummary], service.roles(where), paging, RoleSummary.from_domain),
    )


@router.get("/roles/{role_id}", response_model=RoleOut, dependencies=CatalogRead)
async def get_role(role_id: str, service: RecommenderDep) -> RoleOut:
    role = service.role(role_id)
    attribution = service.attribution if role.source == RoleSource.ONET else None
    return service.remembered(
        ("api", "role", role.id),
        lambda: RoleOut.from_domain_with(role, attribution, service.catalog.skills),
    )


@router.get("/skills", response_model=Page[SkillOut], dependencies=CatalogRead)
async def list_skills(
    service: RecommenderDep, paging: PagingDep, category: SkillCategory | None = None
) -> Page[SkillOut]:
    return service.remembered(
        ("api", "skills", category, paging.offset, paging.limit),
        lambda: page_of(Page[SkillOut], service.skills(category), paging, SkillOut.from_domain),
    )


@router.get("/courses", response_model=Page[CourseOut], dependencies=CatalogRead)
async def list_courses(
    service: RecommenderDep,
    paging: PagingDep,
    kind: CourseKind | None = None,
    teaches: Text = None,
) -> Page[CourseOut]:
    return service.remembered(
        ("api", "courses", kind, teaches, paging.offset, paging.limit),
        lambda: page_of(
            Page[CourseOut], service.courses(kind, teaches), paging, CourseOut.from_domain
        ),
    )
