"""Prerequisites: what a course needs that a learner lacks, and what taking courses gives.

A learner holds skill levels and courses. Taking a course raises each skill it teaches
to the level it teaches (never lowers one) and adds the course to what is held. A course
may start only when every prerequisite skill level and every prerequisite course is met.
The planner, the programme, the search and the schedule all reason with these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set

from recommender.catalog import Course, SkillLevel
from recommender.pathways.gaps import LEVEL_TOLERANCE, LearnerProfile

__all__ = [
    "unmet_prerequisites",
    "is_ready",
    "unmet_reason",
    "required_level",
    "take",
    "closure",
    "order_violation",
]


def unmet_prerequisites(
    course: Course, levels: Mapping[str, float], held: Set[str]
) -> frozenset[SkillLevel | str]:
    """The prerequisites of ``course`` not met yet: skill levels, and course ids."""
    skills = (
        p
        for p in course.prerequisite_skills
        if levels.get(p.skill_id, 0.0) < p.level - LEVEL_TOLERANCE
    )
    return frozenset((*skills, *(c for c in course.prerequisite_courses if c not in held)))


def is_ready(course: Course, levels: Mapping[str, float], held: Set[str]) -> bool:
    return all(
        levels.get(p.skill_id, 0.0) >= p.level - LEVEL_TOLERANCE for p in course.prerequisite_skills
    ) and all(c in held for c in course.prerequisite_courses)


def unmet_reason(course: Course, levels: Mapping[str, float], held: Set[str]) -> str:
    pre = min(unmet_prerequisites(course, levels, held), key=str)
    if isinstance(pre, str):
        return f"needs course {pre!r} first"
    return f"needs {pre.skill_id} at level {pre.level:g}, has {levels.get(pre.skill_id, 0.0):g}"


def required_level(course: Course, skill_id: str) -> float:
    """The level of ``skill_id`` that ``course`` requires first (0 when none)."""
    return max((p.level for p in course.prerequisite_skills if p.skill_id == skill_id), default=0.0)


def take(levels: dict[str, float], held: set[str], course: Course) -> None:
    held.add(course.id)
    for t in course.teaches:
        if t.level > levels.get(t.skill_id, 0.0):
            levels[t.skill_id] = float(t.level)


def order_violation(
    courses: Sequence[Course], profile: LearnerProfile, targets: Mapping[str, float] | None = None
) -> str | None:
    """Why taking ``courses`` in this order is invalid, or ``None`` when it is valid.

    With ``targets``, the order must also reach every target level.

    Examples
    --------
    >>> from recommender.catalog import CourseKind
    >>> a = Course("a", "A", "x", CourseKind.COURSE, 1, 0, "online", (SkillLevel("s", 2),))
    >>> b = Course("b", "B", "x", CourseKind.COURSE, 1, 0, "online", (),
    ...            prerequisite_skills=(SkillLevel("s", 2),))
    >>> order_violation([b, a], LearnerProfile()) is None, order_violation([a, b], LearnerProfile())
    (False, None)
    """
    levels, held = dict(profile.levels), set(profile.held_courses)
    for position, course in enumerate(courses, start=1):
        if course.id in held:
            return f"step {position}: course {course.id!r} is already held"
        if not is_ready(course, levels, held):
            reason = unmet_reason(course, levels, held)
            return f"step {position}: course {course.id!r} {reason}"
        take(levels, held, course)
    for skill_id, level in (targets or {}).items():
        if levels.get(skill_id, 0.0) < level - LEVEL_TOLERANCE:
            return f"skill {skill_id!r} ends at {levels.get(skill_id, 0.0):g}, needs {level:g}"
    return None


def closure(
    courses: Iterable[Course], profile: LearnerProfile
) -> tuple[set[str], dict[str, float]]:
    """Take every course of ``courses`` that becomes ready: (ids taken, levels after)."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    pending = list(courses)
    taken: set[str] = set()
    while True:
        ready = [c for c in pending if is_ready(c, levels, held)]
        if not ready:
            return taken, levels
        for course in ready:
            take(levels, held, course)
            taken.add(course.id)
        pending = [c for c in pending if c.id not in taken]
