"""Academy plans: a cohort chosen to fill hard-to-fill vacancies from inside.

``POST /v1/academy/plans`` plans a cohort by integer programme (the people, their dated
plans, totals, open vacancies with reasons, backfill), audits the selection like a
shortlist (admin keys see the audit) and stores it; ``GET /v1/academy/plans/{id}`` reads
it back exactly as stored. Admin and talent keys only: a recruiter sees no plan. Each
route is one call through the gate, which logs everyone in the plan before the reply.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import ConfigDict, Field

from api.auth import require
from api.deps import GateDep, NoStore
from api.routers.candidates import NominationRefOut
from api.schemas import RequestSchema, Schema
from recommender.academy import CohortRequest
from recommender.access import Action
from recommender.gate import PlanView

router = APIRouter(prefix="/v1/academy")

MAX_ROLES = 10
PlanId = Annotated[str, Path(min_length=1, max_length=64)]
Write = [require(Action.ACADEMY_WRITE), NoStore]
Read = [require(Action.ACADEMY_READ), NoStore]
Count = Annotated[int, Field(ge=0, le=10_000)]


class PlanIn(RequestSchema):
    """The body of ``POST /v1/academy/plans``; unknown fields are refused."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "roles": ["soc-analyst-1", "data-analyst"],
                    "money": 3000,
                    "weeks": 52,
                    "max_per_role": 3,
                }
            ]
        }
    )

    roles: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=MAX_ROLES
    )
    needs: dict[str, Count] | None = Field(
        default=None, description="People per role; default: the role's open positions."
    )
    money: float | None = Field(default=None, ge=0.0, le=1e9, allow_inf_nan=False)
    hours: float | None = Field(default=None, ge=0.0, le=1e7, allow_inf_nan=False)
    weeks: int | None = Field(default=None, ge=0, le=520)
    max_per_role: Count | None = None
    max_per_department: Count | None = None
    only_nominated: bool = False
    prefer_nominated: bool = False
    from_hard_to_fill: bool = False
    start: date | None = None

    def to_domain(self) -> CohortRequest:
        return CohortRequest(
            roles=tuple(dict.fromkeys(self.roles)),
            needs=self.needs,
            money=self.money,
            hours=self.hours,
            weeks=self.weeks,
            max_per_role=self.max_per_role,
            max_per_department=self.max_per_department,
            only_nominated=self.only_nominated,
            prefer_nominated=self.prefer_nominated,
            from_hard_to_fill=self.from_hard_to_fill,
            start=self.start,
        )


class RequestOut(Schema):
    roles: list[str]
    needs: dict[str, int] | None
    money: float | None
    hours: float | None
    weeks: int | None
    max_per_role: int | None
    max_per_department: int | None
    only_nominated: bool
    prefer_nominated: bool
    from_hard_to_fill: bool
    start: date


class CohortCourseOut(Schema):
    course_id: str
    title: str
    hours: float
    cost: float
    start: date
    finish: date


class AssignmentOut(Schema):
    """One person chosen, the role they train for and their dated plan."""

    employee_id: str
    name: str
    from_role_id: str
    department: str
    role_id: str
    hours: float
    weeks: int
    seat_cost: float
    cohort_courses: list[str]
    start: date
    finish: date
    nominated: bool
    courses: list[CohortCourseOut]
    nominations: list[NominationRefOut] = Field(default_factory=list)


class OpenVacancyOut(Schema):
    role_id: str
    title: str
    reason: str
    why: str


class BackfillOut(Schema):
    role_id: str
    title: str
    department: str
    leaving: int
    hard_to_fill: bool


class CohortRunOut(Schema):
    course_id: str
    title: str
    cost: float
    learners: int


class CohortPlanOut(Schema):
    """A stored academy plan, exactly as saved."""

    id: str
    created_at: datetime
    request: RequestOut
    start: date
    needs: dict[str, int]
    weights: dict[str, int]
    filled: int
    value: int
    total_cost: float
    total_hours: float
    considered: int
    assignments: list[AssignmentOut]
    open: list[OpenVacancyOut]
    backfill: list[BackfillOut]
    cohort_runs: list[CohortRunOut]
    audit: dict[str, Any] | None = Field(
        description="The selection's impact-ratio audit (admin keys; null for others)."
    )


def plan_out(shown: PlanView) -> CohortPlanOut:
    """The stored plan as this key reads it (the pages show the same model)."""
    stored = shown.stored
    return CohortPlanOut.model_validate(
        {
            **shown.summary,
            "id": stored.id,
            "created_at": stored.created_at,
            "request": stored.content.request,
            "assignments": list(shown.assignments),
        }
    )


@router.post("/plans", response_model=CohortPlanOut, status_code=201, dependencies=Write)
def post_plan(body: PlanIn, response: Response, gate: GateDep) -> CohortPlanOut:
    """Plan, audit and store a cohort; the reply is the stored plan, as a later read shows it."""
    shown = gate.create_academy_plan(body.to_domain())
    response.headers["Location"] = f"/v1/academy/plans/{shown.stored.id}"
    return plan_out(shown)


@router.get("/plans/{plan_id}", response_model=CohortPlanOut, dependencies=Read)
def get_plan(plan_id: PlanId, gate: GateDep) -> CohortPlanOut:
    """A stored academy plan exactly as saved (never recomputed)."""
    return plan_out(gate.academy_plan(plan_id))
