"""Candidate shortlists for a role, stored shortlists, and the recruiter's restricted view.

``GET /v1/roles/{role_id}/candidates`` ranks the people closest to ready (admin, talent).
``POST /v1/shortlists`` ranks and stores a shortlist; ``GET /v1/shortlists/{id}`` reads it
back exactly as stored (admin, talent: every shortlist; recruiter: only its own key's).

Two explicit schemas are the privacy control: :class:`ShortlistCandidateOut` (everything
the ranking says, for keys that may read candidates) and :class:`RecruiterCandidateOut`
(the shortlist fields only: no department, location, profile, certifications or skill
levels), projected from the stored full rendering at read time. Every person in a
response is written to the access log, committed before the reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from api.auth import request_id, require
from api.deps import EngineDep, NoStore, RecommenderDep, log_reads_of, route_of
from api.schemas import RequestSchema, Schema
from recommender.access import Action, Principal
from recommender.candidates import Candidate, Shortlist, ShortlistFilter
from recommender.catalog import Catalog
from recommender.pathways.explain import skill_name
from recommender.pathways.gaps import SkillGap
from recommender.service import Recommender
from recommender.store.shortlists import (
    ShortlistContent,
    ShortlistEntry,
    StoredShortlist,
    create_shortlist,
    read_shortlist,
)

router = APIRouter(prefix="/v1")

MAX_LIMIT = 100

RoleId = Annotated[str, Path(min_length=1, max_length=200)]
ShortlistId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]
MinReadiness = Annotated[float, Query(ge=0.0, le=1.0, allow_inf_nan=False)]
MaxHours = Annotated[float | None, Query(ge=0.0, allow_inf_nan=False)]
CandidateReader = Annotated[Principal, require(Action.CANDIDATES_READ)]
ShortlistWriter = Annotated[Principal, require(Action.SHORTLISTS_WRITE)]
ShortlistReader = Annotated[Principal, require(Action.SHORTLISTS_READ)]

#: Reasons a recruiter may see, by their opening words; every other reason is dropped
#: (skill levels, weekly learning hours). Deny by default: a new kind of reason stays
#: hidden from recruiters until it is listed here.
RECRUITER_REASONS: tuple[str, ...] = (
    "Meets ",
    "Ready now",
    "No course closes ",
    "Moves from ",
    "Profile-to-role similarity ",
    "Score ",
)


# -- schemas -----------------------------------------------------------------------------


class FiltersIn(RequestSchema):
    """Who may appear: department and location (case-insensitive), readiness, hours."""

    department: str | None = Field(default=None, min_length=1, max_length=200)
    location: str | None = Field(default=None, min_length=1, max_length=200)
    min_readiness: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    max_hours: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)

    def to_domain(self) -> ShortlistFilter:
        return ShortlistFilter(self.department, self.location, self.min_readiness, self.max_hours)


class ShortlistIn(RequestSchema):
    """The body of ``POST /v1/shortlists``; unknown fields are refused."""

    role_id: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    filters: FiltersIn = Field(default_factory=lambda: FiltersIn())


class SkillRefOut(Schema):
    skill_id: str
    name: str


class SkillGapOut(SkillRefOut):
    current: float
    required: float
    importance: float

    @classmethod
    def from_domain(cls, catalog: Catalog, gap: SkillGap) -> SkillGapOut:
        return cls(
            skill_id=gap.skill_id,
            name=skill_name(catalog, gap.skill_id),
            current=gap.current,
            required=gap.required,
            importance=gap.importance,
        )


class ComponentsOut(Schema):
    """The four parts of a score (values, weights, or weight times value)."""

    readiness: float
    hours: float
    transition: float
    similarity: float


class ShortlistCandidateOut(Schema):
    """A candidate with everything the ranking says (admin and talent keys)."""

    rank: int
    employee_id: str
    name: str
    current_role_id: str
    current_role_title: str
    department: str
    location: str
    score: float
    components: ComponentsOut
    contributions: ComponentsOut
    weights: ComponentsOut
    readiness: float
    hours_to_ready: float
    hours_exact: bool
    weeks_to_ready: int
    weekly_learning_hours: float
    viable_move: bool
    matched: list[SkillGapOut]
    missing: list[SkillGapOut]
    unclosable: list[SkillRefOut]
    plan_course_ids: list[str]
    reasons: list[str]

    @classmethod
    def from_domain(cls, catalog: Catalog, c: Candidate) -> ShortlistCandidateOut:
        shown = c.to_dict()  # rounded as the CLI shows it
        current = catalog.roles.get(c.current_role_id)
        return cls(
            rank=c.rank,
            employee_id=c.employee_id,
            name=c.name,
            current_role_id=c.current_role_id,
            current_role_title=current.title if current else c.current_role_id,
            department=c.department,
            location=c.location,
            score=shown["score"],
            components=ComponentsOut(**shown["components"]),
            contributions=ComponentsOut(**shown["contributions"]),
            weights=ComponentsOut(**shown["weights"]),
            readiness=shown["readiness"],
            hours_to_ready=c.hours_to_ready,
            hours_exact=c.hours_exact,
            weeks_to_ready=c.weeks_to_ready,
            weekly_learning_hours=c.weekly_hours,
            viable_move=c.viable_move,
            matched=[SkillGapOut.from_domain(catalog, g) for g in c.matched],
            missing=[SkillGapOut.from_domain(catalog, g) for g in c.missing],
            unclosable=[SkillRefOut(skill_id=s, name=skill_name(catalog, s)) for s in c.unclosable],
            plan_course_ids=list(c.plan_course_ids),
            reasons=list(c.reasons),
        )


class RecruiterCandidateOut(Schema):
    """The shortlist fields only: nothing else about the person reaches a recruiter."""

    rank: int
    employee_id: str
    name: str
    current_role_title: str
    score: float
    readiness: float
    hours_to_ready: float
    weeks_to_ready: int
    matched: list[SkillRefOut]
    missing: list[SkillRefOut]
    reasons: list[str]

    @classmethod
    def project(cls, full: ShortlistCandidateOut) -> RecruiterCandidateOut:
        """Copy the listed fields; skill levels and unlisted reasons are left behind."""
        return cls(
            rank=full.rank,
            employee_id=full.employee_id,
            name=full.name,
            current_role_title=full.current_role_title,
            score=full.score,
            readiness=full.readiness,
            hours_to_ready=full.hours_to_ready,
            weeks_to_ready=full.weeks_to_ready,
            matched=[SkillRefOut(skill_id=g.skill_id, name=g.name) for g in full.matched],
            missing=[SkillRefOut(skill_id=g.skill_id, name=g.name) for g in full.missing],
            reasons=[r for r in full.reasons if r.startswith(RECRUITER_REASONS)],
        )


class CandidatesOut(Schema):
    """A shortlist computed now (not stored)."""

    role_id: str
    role_title: str
    limit: int
    filters: FiltersIn
    considered: int
    certified: bool
    candidates: list[ShortlistCandidateOut]


class _StoredBase(Schema):
    id: str
    created_at: datetime
    role_id: str
    role_title: str
    limit: int
    filters: FiltersIn
    considered: int
    certified: bool


class StoredShortlistOut(_StoredBase):
    """A stored shortlist with full candidates (admin and talent keys)."""

    view: Literal["full"] = "full"
    candidates: list[ShortlistCandidateOut]


class RecruiterShortlistOut(_StoredBase):
    """A stored shortlist with the shortlist fields only (every other key)."""

    view: Literal["recruiter"] = "recruiter"
    candidates: list[RecruiterCandidateOut]


ShortlistView = Annotated[StoredShortlistOut | RecruiterShortlistOut, Field(discriminator="view")]


# -- mapping -----------------------------------------------------------------------------


def _candidates_out(
    catalog: Catalog, listed: Shortlist, limit: int, filters: FiltersIn
) -> CandidatesOut:
    return CandidatesOut(
        role_id=listed.role_id,
        role_title=catalog.role(listed.role_id).title,
        limit=limit,
        filters=filters,
        considered=listed.considered,
        certified=listed.certified,
        candidates=[ShortlistCandidateOut.from_domain(catalog, c) for c in listed.candidates],
    )


def _content(answer: CandidatesOut) -> ShortlistContent:
    entries = tuple(
        ShortlistEntry(c.rank, c.employee_id, c.model_dump(mode="json")) for c in answer.candidates
    )
    return ShortlistContent(
        role_id=answer.role_id,
        role_title=answer.role_title,
        limit=answer.limit,
        filters=answer.filters.model_dump(mode="json"),
        considered=answer.considered,
        certified=answer.certified,
        entries=entries,
    )


def _view(
    stored: StoredShortlist, principal: Principal
) -> StoredShortlistOut | RecruiterShortlistOut:
    """The full view for keys that may read candidates, the recruiter view for any other."""
    c = stored.content
    head: dict[str, Any] = {
        "id": stored.id,
        "created_at": stored.created_at,
        "role_id": c.role_id,
        "role_title": c.role_title,
        "limit": c.limit,
        "filters": FiltersIn.model_validate(c.filters),
        "considered": c.considered,
        "certified": c.certified,
    }
    full = [ShortlistCandidateOut.model_validate(e.payload) for e in c.entries]
    if principal.may(Action.CANDIDATES_READ):
        return StoredShortlistOut(**head, candidates=full)
    return RecruiterShortlistOut(
        **head, candidates=[RecruiterCandidateOut.project(f) for f in full]
    )


def _rank(service: Recommender, role_id: str, limit: int, filters: FiltersIn) -> CandidatesOut:
    listed = service.shortlist(role_id, limit, filters.to_domain())
    return _candidates_out(service.catalog, listed, limit, filters)


# -- routes ------------------------------------------------------------------------------


@router.get("/roles/{role_id}/candidates", response_model=CandidatesOut, dependencies=[NoStore])
async def get_candidates(
    role_id: RoleId,
    request: Request,
    principal: CandidateReader,
    service: RecommenderDep,
    engine: EngineDep,
    limit: Limit = 10,
    department: Text = None,
    location: Text = None,
    min_readiness: MinReadiness = 0.0,
    max_hours: MaxHours = None,
) -> CandidatesOut:
    """The people closest to ready for ``role_id``, best first, each with the reasons."""
    filters = FiltersIn(
        department=department, location=location, min_readiness=min_readiness, max_hours=max_hours
    )
    answer = _rank(service, role_id, limit, filters)
    people = [c.employee_id for c in answer.candidates]
    return _only_logged(
        answer, log_reads_of(engine, principal, request, people, Action.CANDIDATES_READ)
    )


def _only_logged(answer: CandidatesOut, logged: tuple[str, ...]) -> CandidatesOut:
    """``answer`` without anyone whose read was not logged (erased since the served data
    was loaded); ranks are kept as they were."""
    if len(logged) == len(answer.candidates):
        return answer
    kept = set(logged)
    return answer.model_copy(
        update={"candidates": [c for c in answer.candidates if c.employee_id in kept]}
    )


@router.post("/shortlists", response_model=ShortlistView, status_code=201, dependencies=[NoStore])
def post_shortlist(
    body: ShortlistIn,
    request: Request,
    response: Response,
    principal: ShortlistWriter,
    service: RecommenderDep,
    engine: EngineDep,
) -> StoredShortlistOut | RecruiterShortlistOut:
    """Rank and store a shortlist; the reply is the stored shortlist, as a later read shows it."""
    answer = _rank(service, body.role_id, body.limit, body.filters)
    stored = create_shortlist(
        engine, principal, _content(answer), route=route_of(request), request_id=request_id(request)
    )
    response.headers["Location"] = f"/v1/shortlists/{stored.id}"
    return _view(stored, principal)


@router.get("/shortlists/{shortlist_id}", response_model=ShortlistView, dependencies=[NoStore])
def get_shortlist(
    shortlist_id: ShortlistId,
    request: Request,
    principal: ShortlistReader,
    engine: EngineDep,
) -> StoredShortlistOut | RecruiterShortlistOut:
    """A stored shortlist exactly as saved (never recomputed); recruiters see their own only."""
    stored = read_shortlist(
        engine, principal, shortlist_id, route=route_of(request), request_id=request_id(request)
    )
    return _view(stored, principal)
