"""Mobility options: where could an employee go next?

For one employee, every organisation role other than their own is scored by a bounded
combination of

* feasibility -- the transition judge's score of the move from the employee's current
  role (in [0, 1]); moves the judge finds not viable are left out unless asked for;
* hours -- ``scale / (scale + hours)`` of the training hours to be ready, from the
  exact planner (the lower bound of :mod:`~recommender.candidates.hours` only decides
  which roles need planning, through :func:`~recommender.candidates.scoring.refine_top`);
* demand -- :func:`~recommender.candidates.demand.demand_score` (open positions and the
  hard-to-fill flag).

Each returned option carries its pathway: the exact training plan from
:class:`~recommender.pathways.Planner` (fewest hours, then cost).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

import numpy as np

from recommender.candidates.demand import demand_score
from recommender.candidates.index import CandidateIndex
from recommender.candidates.scoring import DEFAULT_HOURS_SCALE, hours_score, refine_top
from recommender.catalog import Role, RoleSource
from recommender.errors import InvalidInput
from recommender.pathways.gaps import employee_profile
from recommender.pathways.plan import Objective, TrainingPlan

__all__ = ["MobilityWeights", "MobilityOption", "mobility_options"]


@dataclass(frozen=True, slots=True)
class MobilityWeights:
    """Weights of a mobility score; non-negative, normalised to sum to 1.

    Examples
    --------
    >>> MobilityWeights(1, 1, 0).hours
    0.5
    """

    feasibility: float = 0.45
    hours: float = 0.35
    demand: float = 0.20

    def __post_init__(self) -> None:
        values = (self.feasibility, self.hours, self.demand)
        if any(not v >= 0 for v in values) or sum(values) <= 0:
            raise InvalidInput(f"mobility weights must be >= 0 and not all 0, got {values}")
        total = sum(values)
        for name, value in zip(("feasibility", "hours", "demand"), values, strict=True):
            object.__setattr__(self, name, value / total)


@dataclass(frozen=True, slots=True)
class MobilityOption:
    """One role an employee could move to, with its score, components and pathway."""

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
    weights: MobilityWeights
    plan: TrainingPlan
    reasons: tuple[str, ...] = ()

    def contributions(self) -> dict[str, float]:
        """Weight times value per component; they add up to the score."""
        w = self.weights
        return {
            "feasibility": w.feasibility * self.feasibility,
            "hours": w.hours * float(hours_score([self.hours])[0]),
            "demand": w.demand * self.demand,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "role_id": self.role_id,
            "title": self.title,
            "score": round(self.score, 4),
            "feasibility": round(self.feasibility, 4),
            "viable": self.viable,
            "readiness": round(self.readiness, 4),
            "hours": self.hours,
            "weeks": self.weeks,
            "demand": round(self.demand, 4),
            "open_positions": self.open_positions,
            "median_days_to_fill": self.median_days_to_fill,
            "hard_to_fill": self.hard_to_fill,
            "contributions": {k: round(v, 4) for k, v in self.contributions().items()},
            "plan": self.plan.to_dict(),
            "reasons": list(self.reasons),
        }


def mobility_options(
    index: CandidateIndex,
    employee_id: str,
    limit: int = 10,
    *,
    include_unviable: bool = False,
    weights: MobilityWeights | None = None,
    hours_scale: float = DEFAULT_HOURS_SCALE,
    start: date | None = None,
) -> tuple[MobilityOption, ...]:
    """The roles ``employee_id`` could reach, best first, each with its training plan.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index (vectors not needed).
    employee_id : str
    limit : int
        How many options, >= 1.
    include_unviable : bool
        Also list moves the transition judge does not find viable (feasibility still
        counts their score).
    weights : MobilityWeights, optional
        Defaults: feasibility 0.45, hours 0.35, demand 0.20.
    start : date, optional
        First day of study for the plans' dates (default today).

    Raises
    ------
    UnknownEmployee
        If the employee does not exist.
    InvalidInput
        If the employee opted out of matching, or ``limit`` < 1.
    """
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    weights = weights or MobilityWeights()
    row = index.row(employee_id)
    employee = index.catalog_.employees[employee_id]
    judge = index.judge_
    viable = cache(lambda role_id: bool(judge.is_viable(employee.role_id, role_id)))
    roles = [
        r
        for r in sorted(index.catalog_.roles.values(), key=lambda r: r.id)
        if r.source == RoleSource.ORG
        and r.id != employee.role_id
        and (include_unviable or viable(r.id))
    ]
    bounds = [_bound_hours(index, r, row) for r in roles]
    feasibility = [float(index.transitions_to(r.id)[index.current_role_[row]]) for r in roles]
    demand = [demand_score(r) for r in roles]
    upper = np.array(
        [
            _score(weights, f, h, d, hours_scale)
            for f, h, d in zip(feasibility, bounds, demand, strict=True)
        ],
        dtype=np.float32,
    )
    profile = employee_profile(index.catalog_, employee_id)
    planner = index.planner_
    plans: dict[int, TrainingPlan] = {}

    def exact(item: int, floor: float) -> float:
        # The plan itself (fewest hours, then cost): most refined roles make the top, and
        # planning them here spares searching each twice.
        plan = plans[item] = planner.plan(profile, roles[item].id, Objective.HOURS, start=start)
        return _score(weights, feasibility[item], plan.total_hours, demand[item], hours_scale)

    picked, _ = refine_top(upper, exact, limit, len(roles))
    options = []
    for rank, (item, score) in enumerate(picked, start=1):
        role = roles[item]
        plan = plans[item]
        option = MobilityOption(
            rank=rank,
            role_id=role.id,
            title=role.title,
            score=score,
            feasibility=feasibility[item],
            viable=viable(role.id),
            readiness=plan.analysis.readiness,
            hours=plan.total_hours,
            weeks=plan.weeks,
            demand=demand[item],
            open_positions=role.open_positions,
            median_days_to_fill=role.median_days_to_fill,
            hard_to_fill=role.hard_to_fill,
            weights=weights,
            plan=plan,
        )
        options.append(_with_reasons(option, index.catalog_.roles[employee.role_id]))
    return tuple(options)


def _bound_hours(index: CandidateIndex, role: Role, row: int) -> float:
    return float(index.columns(role.id, np.array([row], dtype=np.intp)).hours[0])


def _score(
    weights: MobilityWeights, feasibility: float, hours: float, demand: float, scale: float
) -> float:
    return float(
        weights.feasibility * feasibility
        + weights.hours * float(hours_score([hours], scale)[0])
        + weights.demand * demand
    )


def _with_reasons(option: MobilityOption, current: Role) -> MobilityOption:
    plan = option.plan
    move = "a viable single move" if option.viable else "not a viable single move"
    out = [
        f"From {current.title}: transition score {option.feasibility:.2f} ({move}).",
        f"Already meets {len(plan.analysis.transferring)} of {len(plan.analysis.gaps)} "
        f"requirements ({option.readiness:.0%} weighted by importance).",
    ]
    if plan.steps:
        out.append(
            f"{plan.total_hours:g} hours over {len(plan.steps)} course(s), about "
            f"{plan.weeks} week(s) at {plan.weekly_hours:g} h/week (cheapest valid plan)."
        )
    else:
        out.append("No training needed for the skills courses can teach.")
    if plan.unclosable:
        out.append(f"{len(plan.unclosable)} requirement(s) no course closes; see the plan.")
    demand = f"{option.open_positions} open position(s)"
    if option.median_days_to_fill is not None:
        demand += f", {option.median_days_to_fill} days to fill"
    if option.hard_to_fill:
        demand += ", hard to fill"
    out.append(f"Demand: {demand}.")
    parts = " + ".join(f"{k} {v:.2f}" for k, v in option.contributions().items())
    out.append(f"Score {option.score:.2f} = {parts}.")
    return replace(option, reasons=tuple(out))
