"""Response models of the pathway and opportunity routes, each with a ``from_domain`` mapper.

The models of an opportunity page (and the plans, gaps and steps they share with
pathways) live in :mod:`recommender.pages`, where ``reskill prepare`` renders pages too;
they are re-exported here.

Field names follow the domain objects' ``to_dict()`` (what ``reskill pathway --json``
prints), so the CLI and the API give the same answer in the same words; every gap also
says whether it is ``met``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from api.schemas import RequestSchema
from recommender.gate import GoalView
from recommender.pages import (
    GapOut,
    GoalOut,
    GoalRoutesOut,
    MobilityContributionsOut,
    OpportunitiesOut,
    OpportunityOut,
    PlanOut,
    PlanStepOut,
    Schema,
    UnclosableGapOut,
)
from recommender.pathways import Hop, RolePath
from recommender.pathways.answer import PathwayAnswer

__all__ = [
    "GapOut",
    "PlanStepOut",
    "UnclosableGapOut",
    "PlanOut",
    "HopOut",
    "RolePathOut",
    "PathwayOut",
    "MobilityContributionsOut",
    "OpportunityOut",
    "OpportunitiesOut",
    "GoalOut",
    "GoalRoutesOut",
    "GoalIn",
    "GoalViewOut",
]


class GoalIn(RequestSchema):
    """The body of ``PUT /v1/employees/{id}/goal``: a role id or a job family, exactly one."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role_id": "soc-analyst-1"}, {"job_family": "Security"}]}
    )

    role_id: str | None = Field(default=None, min_length=1, max_length=200)
    job_family: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _exactly_one(self) -> GoalIn:
        if (self.role_id is None) == (self.job_family is None):
            raise ValueError("give exactly one of role_id and job_family")
        return self


class GoalViewOut(Schema):
    """A person's goals: the one set through the API (``set``, ``set_at``, ``set_by``: the
    person themself or a talent or admin key), the one their
    profile states (``stated``), and the one their opportunities follow (``effective``: a
    set goal wins)."""

    employee_id: str
    set: GoalOut | None
    set_at: datetime | None
    set_by: str | None = Field(
        default=None,
        description="Who set the goal: `self` (the person), or the key's role (`talent`, `admin`)",
    )
    stated: GoalOut | None
    effective: GoalOut | None

    @classmethod
    def from_domain(cls, view: GoalView) -> GoalViewOut:
        def out(goal: Any) -> GoalOut | None:
            return None if goal is None else GoalOut.from_domain(goal)

        return cls(
            employee_id=view.employee_id,
            set=out(view.set),
            set_at=view.set_at,
            set_by=view.set_by,
            stated=out(view.stated),
            effective=out(view.effective),
        )


def _r(value: float) -> float:
    """Scores and shares are reported to 4 decimals, as in ``to_dict()``."""
    return round(value, 4)


class HopOut(Schema):
    """One move of a stepping-stone path, with the plan (and its hours) that prepares for it."""

    from_role: str
    to_role: str
    score: float
    hours: float
    plan: PlanOut

    @classmethod
    def from_domain(cls, hop: Hop) -> HopOut:
        return cls(
            from_role=hop.from_role,
            to_role=hop.to_role,
            score=_r(hop.score),
            hours=hop.plan.total_hours,
            plan=PlanOut.from_domain(hop.plan),
        )


class RolePathOut(Schema):
    """Roles from the start to the target through viable moves, each hop with its plan."""

    roles: list[str]
    edge_hours: float
    total_hours: float
    total_cost: float
    finish: date | None
    hops: list[HopOut]
    reasons: list[str]

    @classmethod
    def from_domain(cls, path: RolePath) -> RolePathOut:
        return cls(
            roles=list(path.roles),
            edge_hours=path.edge_hours,
            total_hours=path.total_hours,
            total_cost=path.total_cost,
            finish=path.finish,
            hops=[HopOut.from_domain(h) for h in path.hops],
            reasons=list(path.reasons),
        )


class PathwayOut(Schema):
    """The direct plan to ``target``, whether that move is viable, and stepping stones.

    ``employee_id`` is set for a person's pathway, null for a role's typical profile;
    ``stepping_stones_note`` says why no stepping-stone path was found when one was
    looked for.
    """

    employee_id: str | None
    from_role: str | None
    target: str
    direct_move_viable: bool
    plan: PlanOut
    stepping_stones: list[RolePathOut]
    stepping_stones_note: str | None

    @classmethod
    def from_domain(cls, answer: PathwayAnswer) -> PathwayOut:
        return cls(
            employee_id=answer.profile.employee_id,
            from_role=answer.profile.role_id,
            target=answer.plan.role_id,
            direct_move_viable=answer.viable,
            plan=PlanOut.from_domain(answer.plan),
            stepping_stones=[RolePathOut.from_domain(p) for p in answer.paths],
            stepping_stones_note=answer.note,
        )
