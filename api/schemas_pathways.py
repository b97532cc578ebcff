"""Response models of the pathway and opportunity routes, each with a ``from_domain`` mapper.

Field names follow the domain objects' ``to_dict()`` (what ``reskill pathway --json``
prints), so the CLI and the API give the same answer in the same words; every gap also
says whether it is ``met``.
"""

from __future__ import annotations

from datetime import date

from api.schemas import Schema
from recommender.candidates import MobilityOption
from recommender.pathways import Hop, PlanStep, RolePath, SkillGap, TrainingPlan, UnclosableGap
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
]


def _r(value: float) -> float:
    """Scores and shares are reported to 4 decimals, as in ``to_dict()``."""
    return round(value, 4)


class GapOut(Schema):
    """One requirement of the target role against the learner's level (1-5)."""

    skill_id: str
    current: float
    required: float
    importance: float
    gap: float
    met: bool

    @classmethod
    def from_domain(cls, gap: SkillGap) -> GapOut:
        return cls(
            skill_id=gap.skill_id,
            current=gap.current,
            required=gap.required,
            importance=gap.importance,
            gap=gap.gap,
            met=gap.met,
        )


class PlanStepOut(Schema):
    """One course of a schedule, with running totals, dates, gaps closed, courses unlocked."""

    course_id: str
    title: str
    kind: str
    hours: float
    cost: float
    cumulative_hours: float
    cumulative_cost: float
    start: date
    finish: date
    closes: list[str]
    unlocks: list[str]
    reasons: list[str]

    @classmethod
    def from_domain(cls, step: PlanStep) -> PlanStepOut:
        return cls(
            course_id=step.course_id,
            title=step.title,
            kind=str(step.kind),
            hours=step.hours,
            cost=step.cost,
            cumulative_hours=step.cumulative_hours,
            cumulative_cost=step.cumulative_cost,
            start=step.start,
            finish=step.finish,
            closes=list(step.closes),
            unlocks=list(step.unlocks),
            reasons=list(step.reasons),
        )


class UnclosableGapOut(Schema):
    """A gap no reachable course closes: the level within reach, why, and alternatives."""

    skill_id: str
    current: float
    required: float
    reachable: float
    reason: str
    alternatives: list[str]

    @classmethod
    def from_domain(cls, gap: UnclosableGap) -> UnclosableGapOut:
        return cls(
            skill_id=gap.skill_id,
            current=gap.current,
            required=gap.required,
            reachable=gap.reachable,
            reason=gap.reason,
            alternatives=list(gap.alternatives),
        )


class PlanOut(Schema):
    """The cheapest valid training plan toward ``role_id`` under ``objective``.

    ``total_hours`` and ``total_cost`` are the sums over ``steps``; ``weeks`` is whole
    calendar weeks at ``weekly_hours``; ``readiness`` is the importance-weighted share
    of requirements already met.
    """

    role_id: str
    objective: str
    complete: bool
    readiness: float
    gaps: list[GapOut]
    steps: list[PlanStepOut]
    unclosable: list[UnclosableGapOut]
    total_hours: float
    total_cost: float
    weekly_hours: float
    weeks: int
    start: date
    finish: date
    reasons: list[str]

    @classmethod
    def from_domain(cls, plan: TrainingPlan) -> PlanOut:
        return cls(
            role_id=plan.role_id,
            objective=str(plan.objective),
            complete=plan.complete,
            readiness=_r(plan.analysis.readiness),
            gaps=[GapOut.from_domain(g) for g in plan.analysis.gaps],
            steps=[PlanStepOut.from_domain(s) for s in plan.steps],
            unclosable=[UnclosableGapOut.from_domain(u) for u in plan.unclosable],
            total_hours=plan.total_hours,
            total_cost=plan.total_cost,
            weekly_hours=plan.weekly_hours,
            weeks=plan.weeks,
            start=plan.start,
            finish=plan.finish,
            reasons=list(plan.reasons),
        )


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


class MobilityContributionsOut(Schema):
    """Weight times value of each component of a mobility score; they add up to the score."""

    feasibility: float
    hours: float
    demand: float


class OpportunityOut(Schema):
    """One role a person could move to: its score, components, demand and training plan."""

    rank: int
    role_id: str
    title: str
    score: float
    feasibility: float
    viable: bool
    readiness: float
    hours: float
    weeks: int
    demand: float
    open_positions: int
    median_days_to_fill: int | None
    hard_to_fill: bool
    contributions: MobilityContributionsOut
    plan: PlanOut
    reasons: list[str]

    @classmethod
    def from_domain(cls, option: MobilityOption) -> OpportunityOut:
        parts = {k: _r(v) for k, v in option.contributions().items()}
        return cls(
            rank=option.rank,
            role_id=option.role_id,
            title=option.title,
            score=_r(option.score),
            feasibility=_r(option.feasibility),
            viable=option.viable,
            readiness=_r(option.readiness),
            hours=option.hours,
            weeks=option.weeks,
            demand=_r(option.demand),
            open_positions=option.open_positions,
            median_days_to_fill=option.median_days_to_fill,
            hard_to_fill=option.hard_to_fill,
            contributions=MobilityContributionsOut(**parts),
            plan=PlanOut.from_domain(option.plan),
            reasons=list(option.reasons),
        )


class OpportunitiesOut(Schema):
    """The roles ``employee_id`` could move to, best first."""

    employee_id: str
    include_unviable: bool
    limit: int
    items: list[OpportunityOut]
