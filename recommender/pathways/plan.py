"""What planning returns: training plans toward one role, and role paths of several hops.

The result types of :mod:`~recommender.pathways.planner` and
:mod:`~recommender.pathways.stepping`, with the objective a plan minimises. This module
sits beneath both (and beneath :mod:`~recommender.pathways.explain`, which words them):
it imports no other pathways module than :mod:`~recommender.pathways.gaps`, which an
import-linter contract in ``pyproject.toml`` keeps so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from recommender.catalog import Course, CourseKind
from recommender.pathways.gaps import GapAnalysis

__all__ = [
    "Objective",
    "whole_weeks",
    "plan_key",
    "Selection",
    "PlanStep",
    "UnclosableGap",
    "TrainingPlan",
    "Hop",
    "RolePath",
]


class Objective(StrEnum):
    """What a plan minimises; ties fall to the next criterion, in this order.

    * ``hours``: learning hours, then money.
    * ``cost``: money (US dollars), then hours.
    * ``weeks``: calendar weeks at the learner's weekly learning hours, then
      money, then hours. Courses are taken one after another, so a plan of
      ``H`` hours takes ``ceil(H / weekly_hours)`` whole weeks: ``weeks``
      ranks plans like ``hours`` at the grain of a week, and among plans that
      finish in the same week it picks the cheapest in money.
    """

    HOURS = "hours"
    COST = "cost"
    WEEKS = "weeks"


def whole_weeks(hours: float, weekly_hours: float) -> int:
    """Whole calendar weeks needed for ``hours`` of study at ``weekly_hours`` a week.

    Examples
    --------
    >>> whole_weeks(8, 4), whole_weeks(9, 4), whole_weeks(0, 4)
    (2, 3, 0)
    """
    return math.ceil(hours / weekly_hours - 1e-9)


def plan_key(
    courses: Sequence[Course], weekly_hours: float, objective: Objective
) -> tuple[float, ...]:
    """The lexicographic cost of a set of courses under ``objective`` (smaller is better).

    Examples
    --------
    >>> from recommender.catalog import CourseKind
    >>> c = Course("a", "A", "x", CourseKind.COURSE, 10, 99, "online", ())
    >>> plan_key([c], 4, Objective.WEEKS)
    (3, 99.0, 10.0)
    """
    hours = float(sum(c.hours for c in courses))
    cost = float(sum(c.cost for c in courses))
    if objective is Objective.HOURS:
        return (hours, cost)
    if objective is Objective.COST:
        return (cost, hours)
    return (whole_weeks(hours, weekly_hours), cost, hours)


@dataclass(frozen=True, slots=True)
class Selection:
    """The optimiser's answer: course ids in a valid order, and the gaps no course closes.

    ``unclosable`` maps each such skill to the highest level within reach.
    """

    order: tuple[str, ...]
    unclosable: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One course in a schedule, with running totals and dates."""

    course_id: str
    title: str
    kind: CourseKind
    hours: float
    cost: float
    cumulative_hours: float
    cumulative_cost: float
    start: date
    finish: date
    closes: tuple[str, ...]
    unlocks: tuple[str, ...]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnclosableGap:
    """A gap no reachable course closes: how far one can get, why, and what to do instead."""

    skill_id: str
    current: float
    required: float
    reachable: float
    reason: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """A schedule of courses toward one role, with the gap analysis it answers."""

    role_id: str
    objective: Objective
    analysis: GapAnalysis
    steps: tuple[PlanStep, ...]
    unclosable: tuple[UnclosableGap, ...]
    weekly_hours: float
    start: date
    reasons: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when the plan closes every gap."""
        return not self.unclosable

    @property
    def course_ids(self) -> tuple[str, ...]:
        return tuple(s.course_id for s in self.steps)

    @property
    def total_hours(self) -> float:
        return float(sum(s.hours for s in self.steps))

    @property
    def total_cost(self) -> float:
        return float(sum(s.cost for s in self.steps))

    @property
    def weeks(self) -> int:
        """Whole calendar weeks at the learner's weekly hours, courses in sequence."""
        return whole_weeks(self.total_hours, self.weekly_hours)

    @property
    def finish(self) -> date:
        """Estimated finish date (the last course's finish; ``start`` for an empty plan)."""
        return self.steps[-1].finish if self.steps else self.start

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready rendering."""
        return {
            "role_id": self.role_id,
            "objective": str(self.objective),
            "complete": self.complete,
            "readiness": round(self.analysis.readiness, 4),
            "gaps": [
                {
                    "skill_id": g.skill_id,
                    "current": g.current,
                    "required": g.required,
                    "importance": g.importance,
                    "gap": g.gap,
                }
                for g in self.analysis.gaps
            ],
            "steps": [_step_dict(s) for s in self.steps],
            "unclosable": [
                {
                    "skill_id": u.skill_id,
                    "current": u.current,
                    "required": u.required,
                    "reachable": u.reachable,
                    "reason": u.reason,
                    "alternatives": list(u.alternatives),
                }
                for u in self.unclosable
            ],
            "total_hours": self.total_hours,
            "total_cost": self.total_cost,
            "weekly_hours": self.weekly_hours,
            "weeks": self.weeks,
            "start": self.start.isoformat(),
            "finish": self.finish.isoformat(),
            "reasons": list(self.reasons),
        }


def _step_dict(step: PlanStep) -> dict[str, Any]:
    return {
        "course_id": step.course_id,
        "title": step.title,
        "kind": str(step.kind),
        "hours": step.hours,
        "cost": step.cost,
        "cumulative_hours": step.cumulative_hours,
        "cumulative_cost": step.cumulative_cost,
        "start": step.start.isoformat(),
        "finish": step.finish.isoformat(),
        "closes": list(step.closes),
        "unlocks": list(step.unlocks),
        "reasons": list(step.reasons),
    }


@dataclass(frozen=True, slots=True)
class Hop:
    """One move of a path, with the plan that prepares for it."""

    from_role: str
    to_role: str
    score: float
    plan: TrainingPlan


@dataclass(frozen=True, slots=True)
class RolePath:
    """A sequence of roles from a start to a target, each hop with its own plan.

    Paths are ranked by ``edge_hours``, the sum of the graph's edge weights (hours
    between typical role profiles); ``total_hours`` is what the hops' plans for this
    learner add up to, never more than ``edge_hours``.
    """

    roles: tuple[str, ...]
    hops: tuple[Hop, ...]
    edge_hours: float = 0.0
    reasons: tuple[str, ...] = ()

    @property
    def total_hours(self) -> float:
        return float(sum(h.plan.total_hours for h in self.hops))

    @property
    def total_cost(self) -> float:
        return float(sum(h.plan.total_cost for h in self.hops))

    @property
    def finish(self) -> date | None:
        return self.hops[-1].plan.finish if self.hops else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready rendering."""
        return {
            "roles": list(self.roles),
            "edge_hours": self.edge_hours,
            "total_hours": self.total_hours,
            "total_cost": self.total_cost,
            "finish": self.finish.isoformat() if self.finish else None,
            "hops": [
                {
                    "from_role": h.from_role,
                    "to_role": h.to_role,
                    "score": h.score,
                    "plan": h.plan.to_dict(),
                }
                for h in self.hops
            ],
            "reasons": list(self.reasons),
        }
