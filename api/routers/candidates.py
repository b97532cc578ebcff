"""Candidate shortlists for a role, stored shortlists, and the recruiter's restricted view.

``GET /v1/roles/{role_id}/candidates`` ranks the people closest to ready (admin, talent).
``GET /v1/hard-to-fill`` lists the hard-to-fill roles with how many people the candidates
route would return for each under an hours limit (counts only: admin, talent).
``POST /v1/shortlists`` ranks and stores a shortlist; ``GET /v1/shortlists/{id}`` reads it
back exactly as stored (admin, talent: every shortlist; recruiter: only its own key's).

Every route is one call through the gate (:mod:`recommender.gate`), which authorises, logs
everyone listed (committed before the reply), drops anyone erased since the data was
loaded, and projects each candidate to what the caller may see
(:mod:`recommender.candidates.records`). Two explicit schemas mirror those views:
:class:`ShortlistCandidateOut` (everything the ranking says, for keys that may read
candidates) and :class:`RecruiterCandidateOut` (the shortlist fields only: no department,
location, profile, certifications or skill levels). A recruiter may not filter by
department or location either: it may not see them (403).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import ConfigDict, Field

from api.auth import require
from api.deps import GateDep, NoStore
from api.schemas import RequestSchema, Schema
from recommender.access import Action
from recommender.candidates import RoleDemand, Shortlist, ShortlistFilter
from recommender.candidates.records import View, candidate_record
from recommender.candidates.shortlist import LONGEST_SHORTLIST
from recommender.catalog import Catalog
from recommender.gate import ShortlistView

router = APIRouter(prefix="/v1")

#: The longest shortlist: the one each data version's preparation plans for every
#: hard-to-fill role, so any shorter one without filters is answered from its plans.
MAX_LIMIT = LONGEST_SHORTLIST
#: The most training hours the hard-to-fill view counts as within reach. Counting is exact:
#: everyone whose lower bound is within the limit is planned, and that grows fast with the
#: limit (all 54 bundled roles on 2 cores: 0.5 s at 200 h, 2.3 s at 300 h, 6-7 s at 400 h,
#: 22-24 s at 2,000 h; docs/performance.md). 400 h, the talent page's widest pipeline
#: band, is about 100 weeks at 4 h a week: beyond it nobody is "within reach" (the CLI
#: takes any limit). Answers are remembered per data version, so a band costs once.
MAX_WITHIN_HOURS = 400.0

RoleId = Annotated[str, Path(min_length=1, max_length=200)]
ShortlistId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]
MinReadiness = Annotated[float, Query(ge=0.0, le=1.0, allow_inf_nan=False)]
MaxHours = Annotated[float | None, Query(ge=0.0, allow_inf_nan=False)]
CandidateRead = [require(Action.CANDIDATES_READ), NoStore]
ShortlistWrite = [require(Action.SHORTLISTS_WRITE), NoStore]
ShortlistRead = [require(Action.SHORTLISTS_READ), NoStore]


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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"role_id": "soc-analyst-1", "limit": 10, "filters": {"min_readiness": 0.5}}
            ]
        }
    )

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


class ComponentsOut(Schema):
    """The four parts of a score (values, weights, or weight times value)."""

    readiness: float
    hours: float
    transition: float
    similarity: float


class NominationRefOut(Schema):
    """A nomination as a shortlist or a plan shows it: for what, why, by which key."""

    role_id: str | None
    reason: str
    nominated_by: str
    nominator_role: str
    nominated_at: datetime


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
    nominations: list[NominationRefOut] = Field(
        default_factory=list,
        description="Who nominated the person and for what (stored shortlists only).",
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


class CandidatesOut(Schema):
    """A shortlist computed now (not stored)."""

    role_id: str
    role_title: str
    limit: int
    filters: FiltersIn
    considered: int
    certified: bool
    candidates: list[ShortlistCandidateOut]


class RoleDemandOut(Schema):
    """One role of the hard-to-fill view. ``within_reach`` is the number of people
    ``GET /v1/roles/{role_id}/candidates?max_hours=<within_hours>`` returns (with a limit
    large enough); ``ready_now`` those of them who meet every requirement already;
    ``incumbents`` the people in the role (opted-out people are never counted)."""

    role_id: str
    title: str
    open_positions: int
    median_days_to_fill: int | None
    hard_to_fill: bool
    incumbents: int
    within_reach: int
    ready_now: int

    @classmethod
    def from_domain(cls, row: RoleDemand) -> RoleDemandOut:
        return cls(
            role_id=row.role_id,
            title=row.title,
            open_positions=row.open_positions,
            median_days_to_fill=row.median_days_to_fill,
            hard_to_fill=row.hard_to_fill,
            incumbents=row.incumbents,
            within_reach=row.within_reach,
            ready_now=row.ready_now,
        )


class HardToFillOut(Schema):
    """Hard-to-fill roles (every organisation role with ``all_roles``), by open positions,
    then days to fill (longest first), then people within reach (fewest first)."""

    within_hours: float
    all_roles: bool
    roles: list[RoleDemandOut]


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


ShortlistBody = Annotated[StoredShortlistOut | RecruiterShortlistOut, Field(discriminator="view")]


# -- mapping -----------------------------------------------------------------------------


def candidates_out(
    catalog: Catalog, listed: Shortlist, limit: int, filters: FiltersIn
) -> CandidatesOut:
    return CandidatesOut(
        role_id=listed.role_id,
        role_title=catalog.role(listed.role_id).title,
        limit=limit,
        filters=filters,
        considered=listed.considered,
        certified=listed.certified,
        candidates=[
            ShortlistCandidateOut.model_validate(candidate_record(catalog, c))
            for c in listed.candidates
        ],
    )


def shortlist_out(shown: ShortlistView) -> StoredShortlistOut | RecruiterShortlistOut:
    """The stored shortlist in the view the gate projected it to."""
    stored, c = shown.stored, shown.stored.content
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
    if shown.view == View.FULL:
        full = [ShortlistCandidateOut.model_validate(e) for e in shown.candidates]
        return StoredShortlistOut(**head, candidates=full)
    brief = [RecruiterCandidateOut.model_validate(e) for e in shown.candidates]
    return RecruiterShortlistOut(**head, candidates=brief)


# -- routes ------------------------------------------------------------------------------


@router.get("/roles/{role_id}/candidates", response_model=CandidatesOut, dependencies=CandidateRead)
def get_candidates(
    role_id: RoleId,
    gate: GateDep,
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
    listed = gate.candidates(role_id, limit, filters.to_domain())
    return candidates_out(gate.service.catalog, listed, limit, filters)


@router.get(
    "/hard-to-fill", response_model=HardToFillOut, dependencies=[require(Action.CANDIDATES_READ)]
)
def get_hard_to_fill(
    gate: GateDep,
    within_hours: Annotated[
        float,
        Query(
            ge=0.0,
            le=MAX_WITHIN_HOURS,
            allow_inf_nan=False,
            description="Training hours (exact plans) that count as within reach, at most 400.",
        ),
    ] = 200.0,
    all_roles: bool = False,
) -> HardToFillOut:
    """The hard-to-fill roles, and for each how many people the candidates route would
    return under ``within_hours`` of training (counts only, never a person)."""
    rows = gate.hard_to_fill(within_hours, all_roles=all_roles)
    return HardToFillOut(
        within_hours=within_hours,
        all_roles=all_roles,
        roles=[RoleDemandOut.from_domain(r) for r in rows],
    )


@router.post(
    "/shortlists", response_model=ShortlistBody, status_code=201, dependencies=ShortlistWrite
)
def post_shortlist(
    body: ShortlistIn, response: Response, gate: GateDep
) -> StoredShortlistOut | RecruiterShortlistOut:
    """Rank and store a shortlist; the reply is the stored shortlist, as a later read shows it."""
    filters = body.filters
    shown = gate.create_shortlist(
        body.role_id,
        body.limit,
        filters.to_domain(),
        filters_record=filters.model_dump(mode="json"),
    )
    response.headers["Location"] = f"/v1/shortlists/{shown.stored.id}"
    return shortlist_out(shown)


@router.get("/shortlists/{shortlist_id}", response_model=ShortlistBody, dependencies=ShortlistRead)
def get_shortlist(
    shortlist_id: ShortlistId, gate: GateDep
) -> StoredShortlistOut | RecruiterShortlistOut:
    """A stored shortlist exactly as saved (never recomputed); recruiters see their own only."""
    return shortlist_out(gate.shortlist(shortlist_id))
