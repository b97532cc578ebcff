"""Gap analysis: what a person has, what a role needs, and how ready they are.

A :class:`LearnerProfile` is the planner's view of a person: skill levels,
courses already held and weekly learning hours. It is built from an employee
(:func:`employee_profile`) or from a role's typical profile
(:func:`role_profile`: the role's required levels taken as held).

A certification an employee already holds counts twice: as a held course (so
it satisfies course prerequisites and is never planned again) and as evidence
of the levels it teaches (a held Security+ means at least the levels Security+
teaches, even where the skills table is silent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from recommender.catalog import Catalog, Course, Role
from recommender.errors import InvalidInput

__all__ = [
    "LEVEL_TOLERANCE",
    "LearnerProfile",
    "SkillGap",
    "GapAnalysis",
    "employee_profile",
    "role_profile",
    "analyse_gaps",
]

#: Levels closer than this count as equal (O*NET levels carry fractions).
LEVEL_TOLERANCE = 1e-9


def _frozen(levels: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({k: float(v) for k, v in levels.items() if v > 0})


@dataclass(frozen=True, slots=True)
class LearnerProfile:
    """What a learner brings: skill levels (1-5), held course ids, weekly learning hours.

    Examples
    --------
    >>> p = LearnerProfile({"sql": 2}, weekly_hours=5)
    >>> p.level_of("sql"), p.level_of("python")
    (2.0, 0.0)
    """

    levels: Mapping[str, float] = field(default_factory=dict)
    held_courses: frozenset[str] = frozenset()
    weekly_hours: float = 4.0
    role_id: str | None = None
    employee_id: str | None = None

    def __post_init__(self) -> None:
        if not self.weekly_hours > 0:
            raise InvalidInput(f"weekly learning hours must be > 0, got {self.weekly_hours!r}")
        object.__setattr__(self, "levels", _frozen(self.levels))
        object.__setattr__(self, "held_courses", frozenset(self.held_courses))

    def level_of(self, skill_id: str) -> float:
        return self.levels.get(skill_id, 0.0)

    def after(self, courses: Iterable[Course], role: Role | None = None) -> LearnerProfile:
        """The profile once ``courses`` are completed (and, if given, after working in ``role``).

        Examples
        --------
        >>> from recommender.catalog import Course, CourseKind, SkillLevel
        >>> c = Course("c1", "SQL 101", "x", CourseKind.COURSE, 10, 0, "online",
        ...            (SkillLevel("sql", 3),))
        >>> LearnerProfile({"sql": 1}).after([c]).level_of("sql")
        3.0
        """
        levels = dict(self.levels)
        held = set(self.held_courses)
        for course in courses:
            held.add(course.id)
            _raise_levels(levels, ((t.skill_id, t.level) for t in course.teaches))
        if role is not None:
            _raise_levels(levels, ((r.skill_id, r.level) for r in role.requirements))
        return LearnerProfile(
            levels=levels,
            held_courses=frozenset(held),
            weekly_hours=self.weekly_hours,
            role_id=role.id if role is not None else self.role_id,
            employee_id=self.employee_id,
        )

    def key(self) -> tuple[frozenset[tuple[str, float]], frozenset[str]]:
        """A hashable key of what the planner reads (levels and held courses)."""
        return frozenset(self.levels.items()), self.held_courses


def _raise_levels(levels: dict[str, float], items: Iterable[tuple[str, float]]) -> None:
    for skill_id, level in items:
        if level > levels.get(skill_id, 0.0):
            levels[skill_id] = float(level)


def employee_profile(catalog: Catalog, employee_id: str) -> LearnerProfile:
    """The profile of an employee: their skills, raised by what their certifications teach.

    Raises
    ------
    UnknownEmployee
        If ``employee_id`` is not in the catalogue.
    """
    employee = catalog.employee(employee_id)
    levels: dict[str, float] = {s.skill_id: float(s.level) for s in employee.skills}
    for course_id in employee.certifications:
        course = catalog.courses.get(course_id)
        if course is not None:
            _raise_levels(levels, ((t.skill_id, t.level) for t in course.teaches))
    return LearnerProfile(
        levels=levels,
        held_courses=frozenset(employee.certifications),
        weekly_hours=employee.weekly_learning_hours,
        role_id=employee.role_id,
        employee_id=employee.id,
    )


def role_profile(catalog: Catalog, role_id: str, weekly_hours: float = 4.0) -> LearnerProfile:
    """A role's typical profile: every requirement's level taken as held.

    Raises
    ------
    UnknownRole
        If ``role_id`` is not in the catalogue.
    """
    role = catalog.role(role_id)
    return LearnerProfile(
        levels={r.skill_id: r.level for r in role.requirements},
        weekly_hours=weekly_hours,
        role_id=role.id,
    )


@dataclass(frozen=True, slots=True)
class SkillGap:
    """One requirement of a role against a learner's level."""

    skill_id: str
    current: float
    required: float
    importance: float

    @property
    def gap(self) -> float:
        """How many levels are missing (0 when met)."""
        return max(0.0, self.required - self.current)

    @property
    def met(self) -> bool:
        return self.current >= self.required - LEVEL_TOLERANCE


@dataclass(frozen=True, slots=True)
class GapAnalysis:
    """Every requirement of ``role_id`` with the learner's level, most important first.

    ``readiness`` is the importance-weighted share of requirements met, in [0, 1]
    (1 for a role without requirements).
    """

    role_id: str
    gaps: tuple[SkillGap, ...]
    readiness: float

    @property
    def missing(self) -> tuple[SkillGap, ...]:
        """Requirements not met yet."""
        return tuple(g for g in self.gaps if not g.met)

    @property
    def transferring(self) -> tuple[SkillGap, ...]:
        """Requirements the learner already meets: the skills that transfer."""
        return tuple(g for g in self.gaps if g.met)

    def targets(self) -> dict[str, float]:
        """The missing skills with the level each must reach."""
        return {g.skill_id: g.required for g in self.missing}


def analyse_gaps(catalog: Catalog, profile: LearnerProfile, role_id: str) -> GapAnalysis:
    """Compare ``profile`` with every requirement of the role ``role_id``.

    Raises
    ------
    UnknownRole
        If ``role_id`` is not in the catalogue.

    Examples
    --------
    >>> from recommender.catalog import Requirement, Role
    >>> role = Role("analyst", "Analyst", "", "15-1211.00", "Data", 4,
    ...             (Requirement("sql", 3, 1.0), Requirement("excel", 2, 0.5)))
    >>> a = analyse_gaps(Catalog.from_items(roles=[role]), LearnerProfile({"excel": 3}), "analyst")
    >>> [(g.skill_id, g.gap) for g in a.missing], round(a.readiness, 3)
    ([('sql', 3.0)], 0.333)
    """
    role = catalog.role(role_id)
    gaps = tuple(
        sorted(
            (
                SkillGap(r.skill_id, profile.level_of(r.skill_id), float(r.level), r.importance)
                for r in role.requirements
            ),
            key=lambda g: (-g.importance, g.skill_id),
        )
    )
    total = sum(g.importance for g in gaps)
    met = sum(g.importance for g in gaps if g.met)
    readiness = met / total if total > 0 else 1.0
    return GapAnalysis(role_id=role.id, gaps=gaps, readiness=readiness)
