"""The schedule: courses in a valid order, with running totals and dates.

Courses are taken one after another at the learner's weekly learning hours; dates
have day precision (a week of ``weekly_hours`` hours spans seven days).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from datetime import date, timedelta

from recommender.catalog import Course
from recommender.pathways.gaps import LEVEL_TOLERANCE, LearnerProfile
from recommender.pathways.plan import PlanStep
from recommender.pathways.prerequisites import is_ready, take, unmet_prerequisites

__all__ = ["schedule_order", "schedule_steps"]


def schedule_order(chosen: Sequence[Course], profile: LearnerProfile) -> tuple[str, ...]:
    """A valid order of ``chosen``: at each step, a ready course that unlocks others first,
    then the shorter one, then by id."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    remaining = sorted(chosen, key=lambda c: c.id)
    order: list[str] = []
    while remaining:
        ready = [c for c in remaining if is_ready(c, levels, held)]
        if not ready:
            raise RuntimeError(f"no valid order for {[c.id for c in remaining]}")
        blocked = [c for c in remaining if c not in ready]
        pick = min(ready, key=lambda c: (not _unlocks_any(c, blocked, levels, held), c.hours, c.id))
        take(levels, held, pick)
        order.append(pick.id)
        remaining.remove(pick)
    return tuple(order)


def _unlocks_any(
    course: Course, blocked: Sequence[Course], levels: Mapping[str, float], held: Set[str]
) -> bool:
    after_levels, after_held = dict(levels), set(held)
    take(after_levels, after_held, course)
    return any(
        unmet_prerequisites(b, after_levels, after_held) < unmet_prerequisites(b, levels, held)
        for b in blocked
    )


def schedule_steps(
    courses: Sequence[Course],
    profile: LearnerProfile,
    targets: Mapping[str, float],
    start: date,
    weekly_hours: float,
) -> list[PlanStep]:
    """Steps with running totals, dates (day precision), gaps closed and courses unlocked."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    open_targets = dict(targets)
    steps: list[PlanStep] = []
    hours_done = cost_done = 0.0
    for k, course in enumerate(courses):
        later = courses[k + 1 :]
        unmet_before = {d.id: unmet_prerequisites(d, levels, held) for d in later}
        take(levels, held, course)
        closes = tuple(
            s for s, lv in open_targets.items() if levels.get(s, 0.0) >= lv - LEVEL_TOLERANCE
        )
        for s in closes:
            del open_targets[s]
        unlocks = tuple(
            d.id for d in later if unmet_prerequisites(d, levels, held) < unmet_before[d.id]
        )
        day_from = math.ceil(hours_done / weekly_hours * 7 - 1e-9)
        hours_done += course.hours
        cost_done += course.cost
        steps.append(
            PlanStep(
                course_id=course.id,
                title=course.title,
                kind=course.kind,
                hours=float(course.hours),
                cost=float(course.cost),
                cumulative_hours=hours_done,
                cumulative_cost=cost_done,
                start=start + timedelta(days=day_from),
                finish=start + timedelta(days=math.ceil(hours_done / weekly_hours * 7 - 1e-9)),
                closes=closes,
                unlocks=unlocks,
            )
        )
    return steps
