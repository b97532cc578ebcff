"""One pathway answer: the direct plan, whether the move is viable, and stepping stones.

Shared by ``reskill pathway`` and the HTTP API so both give the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from recommender.errors import NoPathway
from recommender.pathways.gaps import LearnerProfile
from recommender.pathways.plan import Objective, RolePath, TrainingPlan
from recommender.pathways.planner import Planner
from recommender.pathways.stepping import SteppingStones, TransitionJudge

__all__ = ["PathwayAnswer", "answer_pathway"]


@dataclass(frozen=True, slots=True)
class PathwayAnswer:
    """The direct plan to ``plan.role_id``, its viability, and any stepping-stone paths.

    ``note`` says why no stepping-stone path was found when one was looked for.
    """

    profile: LearnerProfile
    plan: TrainingPlan
    viable: bool
    paths: tuple[RolePath, ...] = field(default_factory=tuple)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "employee_id": self.profile.employee_id,
            "from_role": self.profile.role_id,
            "target": self.plan.role_id,
            "direct_move_viable": self.viable,
            "plan": self.plan.to_dict(),
            "stepping_stones": [p.to_dict() for p in self.paths],
            "stepping_stones_note": self.note,
        }


def answer_pathway(
    planner: Planner,
    judge: TransitionJudge,
    stones: Callable[[], SteppingStones],
    profile: LearnerProfile,
    target: str,
    *,
    objective: Objective = Objective.HOURS,
    start: date | None = None,
    paths: int | None = None,
    strict: bool = False,
) -> PathwayAnswer:
    """Plan ``profile``'s way to ``target``; look for stepping stones when asked or needed.

    Parameters
    ----------
    planner, judge
        The catalogue's planner and the judge of which moves are viable.
    stones
        Returns the (possibly cached) stepping-stone graph; called only when needed.
    paths
        How many stepping-stone paths to show; ``None`` means one, and only when the
        direct move is not viable.

    Raises
    ------
    UnknownRole
        ``target`` is not in the catalogue.
    NoPathway
        ``strict`` and a gap no course closes.
    """
    day = start or date.today()
    plan = planner.plan(profile, target, objective, start=day, strict=strict)
    viable = profile.role_id is None or judge.is_viable(profile.role_id, target)
    if profile.role_id in (None, target) or (paths is None and viable):
        return PathwayAnswer(profile, plan, viable)
    try:
        found = stones().paths(profile, target, paths or 1, objective=objective, start=day)
    except NoPathway as exc:
        return PathwayAnswer(profile, plan, viable, note=str(exc))
    return PathwayAnswer(profile, plan, viable, tuple(found))
