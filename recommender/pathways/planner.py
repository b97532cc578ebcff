"""Training plans: the cheapest set of courses that closes a learner's gaps, in a valid order.

The model
---------
A learner holds skill levels and courses. Completing a course raises each skill
it teaches to the level it teaches (never lowers one) and adds the course to
what is held. A course may start only when every prerequisite skill level and
every prerequisite course is met, by what the learner had or by a course
earlier in the plan. A plan closes a gap when some course in it teaches the
skill at the required level or above.

Optimality
----------
:meth:`Planner.select` returns, among all sets of courses that can be taken in
some valid order and close every closable gap, one that is lexicographically
cheapest under the objective (see :class:`Objective`). It is exact: a mixed
integer programme (HiGHS through :func:`scipy.optimize.milp`, relative gap 0)
with one binary per course, a coverage row per gap, and for every skill
prerequisite not met by the learner a choice of *supplier* course that must be
in the plan and come earlier. Course positions with big-M precedence rows make
every chain of suppliers acyclic, so courses that could only unlock each other
(a skill cycle) are never chosen together without an outside supplier. Before
the programme, two cheap passes shrink it: a backward pass keeps only courses
that close a gap or could supply a prerequisite of one that does, and a
forward pass drops courses whose prerequisites nothing within reach can meet.

Plans by fewest hours (then least cost), the ones people ask for most, come from a
branch and bound instead (:class:`_Search`), in a millisecond or two: the same hours
and cost as the programme, checked against it on random catalogues; it falls back to
the programme when it runs past its step budget.

Unclosable gaps
---------------
A gap that no reachable course closes does not make planning fail: the plan
closes every other gap and lists each unclosable one with the level within
reach, the reason, and the nearest alternatives (mentorships and stretch
assignments on the same skill or category, courses that teach a lower level).
``strict=True`` turns an unclosable gap into :class:`~recommender.errors.NoPathway`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum, StrEnum
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from recommender.catalog import Catalog, Course, CourseKind, SkillLevel
from recommender.errors import NoPathway
from recommender.pathways import explain
from recommender.pathways.gaps import LEVEL_TOLERANCE, GapAnalysis, LearnerProfile, analyse_gaps

__all__ = [
    "Objective",
    "Selection",
    "PlanStep",
    "UnclosableGap",
    "TrainingPlan",
    "Planner",
    "plan_training",
    "plan_key",
    "order_violation",
    "SEARCH_BUDGET",
]

#: Search steps :meth:`Planner.fewest_hours` and :meth:`Planner.select` (by hours) may take
#: before they fall back to the programme.
SEARCH_BUDGET = 4_000

_EXPERIENTIAL = (CourseKind.MENTORSHIP, CourseKind.STRETCH_ASSIGNMENT)


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


def _unmet(
    course: Course, levels: Mapping[str, float], held: Set[str]
) -> frozenset[SkillLevel | str]:
    """The prerequisites of ``course`` not met yet: skill levels, and course ids."""
    skills = (
        p
        for p in course.prerequisite_skills
        if levels.get(p.skill_id, 0.0) < p.level - LEVEL_TOLERANCE
    )
    return frozenset((*skills, *(c for c in course.prerequisite_courses if c not in held)))


def _ready(course: Course, levels: Mapping[str, float], held: Set[str]) -> bool:
    return all(
        levels.get(p.skill_id, 0.0) >= p.level - LEVEL_TOLERANCE for p in course.prerequisite_skills
    ) and all(c in held for c in course.prerequisite_courses)


def _unmet_reason(course: Course, levels: Mapping[str, float], held: Set[str]) -> str:
    pre = min(_unmet(course, levels, held), key=str)
    if isinstance(pre, str):
        return f"needs course {pre!r} first"
    return f"needs {pre.skill_id} at level {pre.level:g}, has {levels.get(pre.skill_id, 0.0):g}"


def _required_level(course: Course, skill_id: str) -> float:
    """The level of ``skill_id`` that ``course`` requires first (0 when none)."""
    return max((p.level for p in course.prerequisite_skills if p.skill_id == skill_id), default=0.0)


def _complete(levels: dict[str, float], held: set[str], course: Course) -> None:
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
    >>> from recommender.catalog import SkillLevel
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
        if not _ready(course, levels, held):
            reason = _unmet_reason(course, levels, held)
            return f"step {position}: course {course.id!r} {reason}"
        _complete(levels, held, course)
    for skill_id, level in (targets or {}).items():
        if levels.get(skill_id, 0.0) < level - LEVEL_TOLERANCE:
            return f"skill {skill_id!r} ends at {levels.get(skill_id, 0.0):g}, needs {level:g}"
    return None


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


def _open(profile: LearnerProfile, targets: Mapping[str, float]) -> dict[str, float]:
    """The targets the learner has not reached yet."""
    return {
        s: float(level)
        for s, level in targets.items()
        if profile.level_of(s) < level - LEVEL_TOLERANCE
    }


class Planner:
    """Plans training over one catalogue's courses; build once, ask many times.

    Parameters
    ----------
    catalog : Catalog
        Courses (and, for :meth:`plan`, roles and skills).
    budget : int
        Search steps a plan by fewest hours (then least cost) may take before the planner
        falls back to the mixed integer programme; ``0`` always solves the programme.

    Examples
    --------
    >>> from recommender.catalog import Requirement, Role, SkillLevel
    >>> course = Course("sec", "Security basics", "x", CourseKind.COURSE, 30, 0, "online",
    ...                 (SkillLevel("security", 3),))
    >>> role = Role("soc", "SOC analyst", "", "15-1212.00", "Security", 4,
    ...             (Requirement("security", 3, 1.0),))
    >>> planner = Planner(Catalog.from_items(roles=[role], courses=[course]))
    >>> planner.plan(LearnerProfile(), "soc", start=date(2025, 1, 6)).course_ids
    ('sec',)
    """

    def __init__(self, catalog: Catalog, *, budget: int = SEARCH_BUDGET) -> None:
        self.catalog = catalog
        self.budget = budget
        teachers: dict[str, list[tuple[float, Course]]] = {}
        for course in catalog.courses.values():
            for t in course.teaches:
                teachers.setdefault(t.skill_id, []).append((float(t.level), course))
        for found in teachers.values():
            found.sort(key=lambda t: (-t[0], t[1].id))  # highest level first
        self._teachers = teachers
        # A memo of _first_reachers; filled on demand, never invalidated (catalogue is frozen).
        self._reachers: dict[tuple[str, float], tuple[Course, ...]] = {}
        # The search's bounds assume no course takes negative hours (ingest guarantees it),
        # nor, to break ties on cost, negative money.
        courses = catalog.courses.values()
        self._searchable = all(c.hours >= 0 for c in courses)
        self._cost_searchable = self._searchable and all(c.cost >= 0 for c in courses)
        # Whole hours add up exactly: no two sets' hours differ by less than one hour.
        self._whole_hours = all(float(c.hours).is_integer() for c in courses)

    # -- selection -------------------------------------------------------------------------

    def select(
        self,
        profile: LearnerProfile,
        targets: Mapping[str, float],
        objective: Objective = Objective.HOURS,
        *,
        tie_break: bool = True,
        budget: int | None = None,
    ) -> Selection:
        """The cheapest valid set of courses reaching ``targets`` (skill -> level), ordered.

        With ``tie_break=False`` only the primary criterion is optimised (faster;
        used for edge weights).

        The fewest hours, then least cost (``Objective.HOURS`` with ``tie_break``), come
        from the branch and bound of :meth:`fewest_hours` ordered by (hours, cost), in a
        millisecond or two where the programme takes tens: the same hours and cost as the
        programme, which holds hours within its tolerance of their minimum
        (``1e-7 * max(1, hours)``) while it minimises cost; the courses may differ only
        where two sets tie on both. After ``budget`` search steps (default: the planner's
        ``budget``), and for the other objectives, it solves the programme.
        """
        objective = Objective(objective)
        if objective is Objective.HOURS and tie_break:
            searched = self._search_selection(profile, targets, budget)
            if searched is not None:
                return searched
        closable, unclosable, taken = self._split(profile, targets)
        if not closable:
            return Selection((), unclosable)
        candidates = sorted(self._relevant(profile, closable.items()) & taken)
        courses = [self.catalog.courses[c] for c in candidates]
        chosen = _solve(courses, self._supplying(profile), profile, closable, objective, tie_break)
        return Selection(_schedule_order(chosen, profile), unclosable)

    def _search_selection(
        self, profile: LearnerProfile, targets: Mapping[str, float], budget: int | None
    ) -> Selection | None:
        """The fewest-hours, then least-cost selection by search; ``None`` when the search
        cannot settle it (budget spent, or a catalogue it cannot search)."""
        open_targets = _open(profile, targets)
        budget = self.budget if budget is None else budget
        try:
            _, unclosable, chosen = self._search(
                profile, open_targets, math.inf, budget, tie_break=True
            )
        except (_Exhausted, RecursionError):
            return None
        if chosen is None:  # never without a ceiling; the programme settles it if so
            return None
        return Selection(_schedule_order(chosen, profile), unclosable)

    def fewest_hours(
        self,
        profile: LearnerProfile,
        targets: Mapping[str, float],
        *,
        ceiling: float = math.inf,
        budget: int | None = None,
    ) -> Selection | None:
        """A valid set of courses reaching ``targets`` in the fewest hours, found by search.

        The hours and the unclosable skills are those of
        ``select(profile, targets, Objective.HOURS, tie_break=False)``; where several sets
        tie on hours this may pick another of them: the first in the search's order, which
        depends on the profile's levels and held courses alone (not on ``ceiling``), unless
        the search runs out of budget. A branch and bound over what the plan still needs
        (see :class:`_Search`) settles the plans a shortlist asks for in about a
        millisecond, where the programme takes 10-20 ms; after ``budget`` search steps it
        falls back to the programme.

        Parameters
        ----------
        profile : LearnerProfile
        targets : mapping of str to float
            Skill -> level to reach.
        ceiling : float
            Return ``None`` when every valid set takes more than this many hours: the
            search then stops as soon as it has proved it.
        budget : int, optional
            Search steps before falling back to the mixed integer programme (default:
            the planner's ``budget``).
        """
        open_targets = _open(profile, targets)
        budget = self.budget if budget is None else budget
        try:
            closable, unclosable, chosen = self._search(profile, open_targets, ceiling, budget)
        except (_Exhausted, RecursionError):
            closable, unclosable, chosen = self._programme(profile, open_targets, ceiling)
        if chosen is None:
            return None
        if not chosen and ceiling < 0:
            return None
        return Selection(_schedule_order(chosen, profile), unclosable)

    def _search(
        self,
        profile: LearnerProfile,
        open_targets: dict[str, float],
        ceiling: float,
        budget: int,
        *,
        tie_break: bool = False,
    ) -> tuple[dict[str, float], dict[str, float], list[Course] | None]:
        """(closable targets, unclosable ones, the fewest-hours set or ``None``) by search.

        With ``tie_break``, the set is the programme's: the least cost among the sets whose
        hours are within the programme's tolerance of the fewest. Where hours are whole
        numbers (and below ten million) that window holds the fewest hours alone, and one
        search ordered by (hours, cost) settles it; otherwise a second search minimises
        cost with hours capped at the window's end.

        Raises
        ------
        _Exhausted
            If the search spends ``budget`` steps or cannot search the catalogue.
        """
        if not self._searchable or (tie_break and not self._cost_searchable):
            raise _Exhausted
        order = _Order.HOURS_COST if tie_break else _Order.HOURS
        search = _Search(self.catalog, self._supplying(profile), profile, budget, order)
        short = [s for s, lv in open_targets.items() if not search.reachable((s, lv))]
        unclosable = self._highest_reachable(profile, short) if short else {}
        closable = {s: lv for s, lv in open_targets.items() if s not in unclosable}
        chosen = search.fewest(closable, ceiling)
        if tie_break and chosen is not None:
            fewest = search.totals[0]
            if not (self._whole_hours and _tie_limit(fewest) < fewest + 1.0):
                chosen = search.cheapest_within(_tie_limit(fewest))
        return closable, unclosable, chosen

    def _programme(
        self, profile: LearnerProfile, open_targets: dict[str, float], ceiling: float
    ) -> tuple[dict[str, float], dict[str, float], list[Course] | None]:
        """The same as :meth:`_search`, by the mixed integer programme."""
        closable, unclosable, taken = self._split(profile, open_targets)
        if not closable:
            return closable, unclosable, []
        # The programme's weekly-hours row never changes the fewest hours; a fixed week
        # keeps the answer a function of levels and held courses, as the search's is.
        fixed = replace(profile, weekly_hours=1.0)
        candidates = sorted(self._relevant(profile, closable.items()) & taken)
        courses = [self.catalog.courses[c] for c in candidates]
        chosen = _solve(courses, self._supplying(profile), fixed, closable, Objective.HOURS, False)
        return closable, unclosable, chosen if sum(c.hours for c in chosen) <= ceiling else None

    def _split(
        self, profile: LearnerProfile, targets: Mapping[str, float]
    ) -> tuple[dict[str, float], dict[str, float], set[str]]:
        """The open targets some course sequence reaches, those none does (with the highest
        level within reach), and the courses that can be taken toward them."""
        open_targets = _open(profile, targets)
        if not open_targets:
            return {}, {}, set()
        taken, reach = self._reachable(profile, self._relevant(profile, open_targets.items()))
        short = [s for s, lv in open_targets.items() if reach.get(s, 0.0) < lv - LEVEL_TOLERANCE]
        unclosable = self._highest_reachable(profile, short) if short else {}
        closable = {s: lv for s, lv in open_targets.items() if s not in unclosable}
        return closable, unclosable, taken

    def _teaching(self, skill_id: str, level: float, held: frozenset[str]) -> Iterator[Course]:
        for taught, course in self._teachers.get(skill_id, ()):
            if taught < level - LEVEL_TOLERANCE:
                return
            if course.id not in held:
                yield course

    def _first_reachers(self, skill_id: str, level: float) -> tuple[Course, ...]:
        """Courses that can be the *first* to bring a skill to a level: they teach it to the
        level without requiring it at that level themselves.

        In a plan with no needless course, every course is the first to reach some
        level that a target or a later course needs, or is a prerequisite course.
        So candidates and suppliers can be limited to first reachers, which cuts
        the cycles of "teaches level 4, requires level 3" courses supplying each other.
        """
        key = (skill_id, level)
        found = self._reachers.get(key)
        if found is None:
            found = self._reachers[key] = tuple(
                c
                for c in self._teaching(skill_id, level, frozenset())
                if _required_level(c, skill_id) < level - LEVEL_TOLERANCE
            )
        return found

    def _supplying(self, profile: LearnerProfile) -> Callable[[str, float], Iterable[Course]]:
        held = profile.held_courses

        def supply(skill_id: str, level: float) -> Iterable[Course]:
            found = self._first_reachers(skill_id, level)
            return [c for c in found if c.id not in held] if held else found

        return supply

    def _relevant(self, profile: LearnerProfile, targets: Iterable[tuple[str, float]]) -> set[str]:
        """Courses that close a target or could supply a prerequisite of one that does."""
        held = profile.held_courses
        supply = self._supplying(profile)
        stack = [c for s, lv in targets for c in supply(s, lv)]
        seen: set[str] = set()
        while stack:
            course = stack.pop()
            if course.id in seen:
                continue
            seen.add(course.id)
            for p in course.prerequisite_skills:
                if profile.level_of(p.skill_id) < p.level - LEVEL_TOLERANCE:
                    stack.extend(supply(p.skill_id, p.level))
            stack.extend(
                self.catalog.courses[c]
                for c in course.prerequisite_courses
                if c not in held and c in self.catalog.courses
            )
        return seen

    def _highest_reachable(
        self, profile: LearnerProfile, skills: Iterable[str]
    ) -> dict[str, float]:
        """The highest level of each skill that some valid sequence of courses reaches."""
        wanted = list(skills)
        levels = {(s, lv) for s in wanted for lv, _ in self._teachers.get(s, ())}
        _, reach = self._reachable(profile, self._relevant(profile, levels))
        return {s: max(reach.get(s, 0.0), profile.level_of(s)) for s in wanted}

    def _reachable(
        self, profile: LearnerProfile, course_ids: set[str]
    ) -> tuple[set[str], dict[str, float]]:
        """Which of ``course_ids`` can ever be taken, and the levels after taking them all."""
        return _closure([self.catalog.courses[c] for c in sorted(course_ids)], profile)

    # -- plans -----------------------------------------------------------------------------

    def plan(
        self,
        profile: LearnerProfile,
        role_id: str,
        objective: Objective | str = Objective.HOURS,
        *,
        start: date | None = None,
        strict: bool = False,
    ) -> TrainingPlan:
        """The cheapest valid training plan from ``profile`` to the role ``role_id``.

        Parameters
        ----------
        profile : LearnerProfile
            The learner (see :func:`~recommender.pathways.gaps.employee_profile`).
        role_id : str
            The target role.
        objective : Objective or {"hours", "cost", "weeks"}
            What to minimise.
        start : date, optional
            First day of study; default today.
        strict : bool
            Raise :class:`~recommender.errors.NoPathway` when a gap cannot be
            closed, instead of returning a plan that lists it in ``unclosable``.

        Raises
        ------
        UnknownRole
            If ``role_id`` is not in the catalogue.
        NoPathway
            With ``strict=True``, if some gap cannot be closed.
        """
        objective = Objective(objective)
        analysis = analyse_gaps(self.catalog, profile, role_id)
        selection = self.select(profile, analysis.targets(), objective)
        unclosable = tuple(
            self._unclosable(profile, g.skill_id, g.required, selection.unclosable[g.skill_id])
            for g in analysis.missing
            if g.skill_id in selection.unclosable
        )
        if strict and unclosable:
            raise NoPathway(explain.unclosable_message(self.catalog, role_id, unclosable))
        courses = [self.catalog.courses[c] for c in selection.order]
        steps = _schedule(
            courses, profile, analysis.targets(), start or date.today(), profile.weekly_hours
        )
        plan = TrainingPlan(
            role_id=role_id,
            objective=objective,
            analysis=analysis,
            steps=tuple(
                replace(s, reasons=explain.step_reasons(self.catalog, s, analysis, self._closers))
                for s in steps
            ),
            unclosable=unclosable,
            weekly_hours=profile.weekly_hours,
            start=start or date.today(),
        )
        return replace(plan, reasons=explain.plan_reasons(self.catalog, plan))

    def starting(self, plan: TrainingPlan, start: date) -> TrainingPlan:
        """``plan`` begun on ``start`` instead: every date moves by the same number of days
        (what planning again from ``start`` gives), and the reasons name the new finish."""
        shift = start - plan.start
        if not shift:
            return plan
        steps = tuple(
            replace(s, start=s.start + shift, finish=s.finish + shift) for s in plan.steps
        )
        moved = replace(plan, steps=steps, start=start)
        return replace(moved, reasons=explain.plan_reasons(self.catalog, moved))

    def _closers(self, skill_id: str, level: float) -> tuple[str, ...]:
        return tuple(c.id for c in self._teaching(skill_id, level, frozenset()))

    def _unclosable(
        self, profile: LearnerProfile, skill_id: str, required: float, reachable: float
    ) -> UnclosableGap:
        closers = list(self._teaching(skill_id, required, profile.held_courses))
        if closers:
            taken, levels = self._reachable(
                profile, self._relevant(profile, [(skill_id, required)])
            )
            held = set(profile.held_courses) | taken
            reason = (
                f"{len(closers)} course(s) teach it to level {required:g}, but none can start: "
                f"{closers[0].id!r} {_unmet_reason(closers[0], levels, held)} and nothing "
                "within reach provides it"
            )
        elif skill_id in self._teachers:
            top = max(lv for lv, _ in self._teachers[skill_id])
            reason = f"courses teach it only up to level {top:g}, the role needs {required:g}"
        else:
            reason = "no course in the catalogue teaches it"
        return UnclosableGap(
            skill_id=skill_id,
            current=profile.level_of(skill_id),
            required=required,
            reachable=reachable,
            reason=reason,
            alternatives=self._alternatives(skill_id, profile.held_courses),
        )

    def _alternatives(self, skill_id: str, held: frozenset[str], limit: int = 3) -> tuple[str, ...]:
        """Nearest substitutes: experiential learning on the skill, then lower-level courses on
        it, then mentorships and stretch assignments on skills of the same category."""
        on_skill = [(lv, c) for lv, c in self._teachers.get(skill_id, ()) if c.id not in held]
        ranked = sorted(on_skill, key=lambda t: (t[1].kind not in _EXPERIENTIAL, -t[0], t[1].id))
        out = [c.id for _, c in ranked]
        category = (
            self.catalog.skills[skill_id].category if skill_id in self.catalog.skills else None
        )
        related = sorted(
            c.id
            for c in self.catalog.courses.values()
            if c.kind in _EXPERIENTIAL
            and c.id not in held
            and any(
                t.skill_id in self.catalog.skills
                and self.catalog.skills[t.skill_id].category == category
                for t in c.teaches
            )
        )
        out += [c for c in related if c not in out]
        return tuple(out[:limit])


def plan_training(
    catalog: Catalog,
    profile: LearnerProfile,
    role_id: str,
    objective: Objective | str = Objective.HOURS,
    *,
    start: date | None = None,
    strict: bool = False,
) -> TrainingPlan:
    """The cheapest valid training plan toward ``role_id``; see :meth:`Planner.plan`."""
    return Planner(catalog).plan(profile, role_id, objective, start=start, strict=strict)


# -- the mixed integer programme ------------------------------------------------------------


class _Programme:
    """A mixed integer programme built one variable and one sparse row at a time."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []

    def var(self, lower: float, upper: float, integer: bool) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(int(integer))
        return len(self.lower) - 1

    def row(self, coefs: Mapping[int, float], lb: float, ub: float) -> None:
        for col, val in coefs.items():
            self.rows.append(len(self.lb))
            self.cols.append(col)
            self.vals.append(val)
        self.lb.append(lb)
        self.ub.append(ub)

    def minimise(self, objective: Mapping[int, float]) -> tuple[np.ndarray, float]:
        n = len(self.lower)
        c = np.zeros(n)
        for col, val in objective.items():
            c[col] = val
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=(len(self.lb), n))
        res = milp(
            c,
            integrality=np.array(self.integer),
            bounds=Bounds(np.array(self.lower), np.array(self.upper)),
            constraints=LinearConstraint(matrix.tocsr(), np.array(self.lb), np.array(self.ub)),
            options={"mip_rel_gap": 0.0},
        )
        if res.status != 0 or res.x is None:
            raise RuntimeError(f"course-choice programme failed: {res.message}")
        return res.x, float(res.fun)


def _solve(
    courses: Sequence[Course],
    suppliers: Callable[[str, float], Iterable[Course]],
    profile: LearnerProfile,
    targets: Mapping[str, float],
    objective: Objective,
    tie_break: bool,
) -> list[Course]:
    """Choose the cheapest valid subset of ``courses`` reaching ``targets``.

    ``x_i`` (binary) chooses course ``i``. Each target needs a chosen course
    teaching it to the level; each chosen course needs, for every prerequisite
    the learner lacks, a chosen supplier (a course teaching the skill to the
    level, or the prerequisite course itself). That relaxes validity only where
    suppliers form a cycle (two courses each supplying the other, and nothing
    else). So each optimum is checked by taking its courses in any ready order;
    if some get stuck, a cut excludes every set that holds all the stuck courses
    without an outside supplier of their missing prerequisites, and the
    programme is solved again. The cut is valid: in a real plan the first stuck
    course to start must have had its missing prerequisite from a course
    outside the checked set. Criteria are minimised one after another, each
    later one with the earlier ones held at their optimum.
    """
    index = {c.id: i for i, c in enumerate(courses)}
    mip = _Programme()
    x = [mip.var(0, 1, True) for _ in courses]
    for skill_id, level in targets.items():
        mip.row({index[c.id]: 1.0 for c in suppliers(skill_id, level) if c.id in index}, 1, np.inf)
    for i, options in _unmet_prerequisites(courses, suppliers, profile, index):
        mip.row({**{x[d]: 1.0 for d in options}, x[i]: -1.0}, 0, np.inf)
    hours = {x[i]: float(c.hours) for i, c in enumerate(courses)}
    cost = {x[i]: float(c.cost) for i, c in enumerate(courses)}
    weeks = mip.var(0, np.inf, True)
    mip.row({**hours, weeks: -profile.weekly_hours}, -np.inf, 0)
    criteria: Sequence[Mapping[int, float]] = {
        Objective.HOURS: [hours, cost],
        Objective.COST: [cost, hours],
        Objective.WEEKS: [{weeks: 1.0}, cost, hours],
    }[objective]
    chosen, best = _valid_optimum(mip, criteria[0], courses, suppliers, profile, index)
    for earlier, criterion in itertools.pairwise(criteria if tie_break else ()):
        mip.row(earlier, -np.inf, _tie_limit(best))
        chosen, best = _valid_optimum(mip, criterion, courses, suppliers, profile, index)
    return chosen


def _tie_limit(best: float) -> float:
    """How far a criterion may exceed its optimum ``best`` while later criteria are
    minimised: the programme's tolerance, which the search reproduces."""
    return best + 1e-7 * max(1.0, abs(best))


def _valid_optimum(
    mip: _Programme,
    criterion: Mapping[int, float],
    courses: Sequence[Course],
    suppliers: Callable[[str, float], Iterable[Course]],
    profile: LearnerProfile,
    index: Mapping[str, int],
) -> tuple[list[Course], float]:
    """Minimise ``criterion``, cutting off stuck sets until the optimum has a valid order."""
    while True:
        solution, best = mip.minimise(criterion)
        chosen = [c for i, c in enumerate(courses) if solution[i] > 0.5]
        taken, _ = _closure(chosen, profile)
        stuck = [c for c in chosen if c.id not in taken]
        if not stuck:
            return chosen, best
        core, outside = _cut(chosen, stuck, profile, suppliers, index)
        coefs = {**{index[c.id]: -1.0 for c in core}, **{d: 1.0 for d in outside}}
        mip.row(coefs, 1 - len(core), np.inf)


def _cut(
    chosen: Sequence[Course],
    stuck: Sequence[Course],
    profile: LearnerProfile,
    suppliers: Callable[[str, float], Iterable[Course]],
    index: Mapping[str, int],
) -> tuple[list[Course], set[int]]:
    """A small stuck core and the courses outside the chosen set that could unlock it.

    The core is shrunk one course at a time while every course left in it still
    misses a prerequisite that the rest of the chosen set, completed in any
    order, does not provide; the smaller the core, the more sets the cut excludes.
    """
    core = list(stuck)
    for course in stuck:
        smaller = [c for c in core if c is not course]
        if smaller and all(_missing(c, chosen, smaller, profile) for c in smaller):
            core = smaller
    picked = {index[c.id] for c in chosen}
    outside = {
        d
        for c in core
        for pre in _missing(c, chosen, core, profile)
        for d in _supplier_indices(pre, suppliers, index)
        if d not in picked
    }
    return core, outside


def _missing(
    course: Course, chosen: Sequence[Course], core: Sequence[Course], profile: LearnerProfile
) -> frozenset[SkillLevel | str]:
    """Prerequisites of ``course`` still unmet once every chosen course outside ``core``
    is complete (in any order)."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    for other in chosen:
        if other not in core:
            _complete(levels, held, other)
    return _unmet(course, levels, held)


def _supplier_indices(
    pre: SkillLevel | str,
    suppliers: Callable[[str, float], Iterable[Course]],
    index: Mapping[str, int],
) -> Iterator[int]:
    """Candidates (by index) that meet one prerequisite."""
    if isinstance(pre, str):
        yield from ([index[pre]] if pre in index else [])
    else:
        yield from (index[d.id] for d in suppliers(pre.skill_id, pre.level) if d.id in index)


def _closure(
    courses: Iterable[Course], profile: LearnerProfile
) -> tuple[set[str], dict[str, float]]:
    """Take every course of ``courses`` that becomes ready: (ids taken, levels after)."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    pending = list(courses)
    taken: set[str] = set()
    while True:
        ready = [c for c in pending if _ready(c, levels, held)]
        if not ready:
            return taken, levels
        for course in ready:
            _complete(levels, held, course)
            taken.add(course.id)
        pending = [c for c in pending if c.id not in taken]


def _unmet_prerequisites(
    courses: Sequence[Course],
    suppliers: Callable[[str, float], Iterable[Course]],
    profile: LearnerProfile,
    index: Mapping[str, int],
) -> list[tuple[int, list[int]]]:
    """For each prerequisite the learner lacks: (course, the candidate courses that supply it)."""
    return [
        (i, [d for d in _supplier_indices(pre, suppliers, index) if d != i])
        for i, course in enumerate(courses)
        for pre in sorted(_unmet(course, profile.levels, profile.held_courses), key=str)
    ]


# -- the branch and bound -------------------------------------------------------------------

#: What a plan can need: a skill level (skill id, level) or a prerequisite course (its id).
_Need = tuple[str, float] | str


class _Exhausted(Exception):
    """The search used up its node budget."""


class _Order(Enum):
    """What the search minimises, lexicographically."""

    HOURS = "hours"  # hours alone: any of the sets tied on hours will do
    HOURS_COST = "hours, cost"
    COST_HOURS = "cost, hours"  # used with an hours cap: least cost within the cap


def _cheapest_first(course: Course) -> tuple[float, str]:
    return (course.hours, course.id)


def _cheapest_first_then_cost(course: Course) -> tuple[float, float, str]:
    return (course.hours, course.cost, course.id)


#: Positions of hours and cost in a need's floors.
_HOURS, _COST = 0, 1


def _hours(course: Course) -> float:
    return float(course.hours)


def _cost(course: Course) -> float:
    return float(course.cost)


class _Search:
    """Depth-first branch and bound for the fewest-hours (then least-cost) valid plan.

    A node is a set of chosen courses and a set of forbidden ones. Its *needs* are the
    targets and every prerequisite a chosen course has that the learner lacks; a need is
    met when a chosen course is one of its *options* (a supplier: a first reacher of the
    level, or the prerequisite course itself, never a held course), which is how every
    valid plan meets it. The search branches on the unmet need with the fewest options,
    trying them in turn and forbidding the earlier ones in the later branches, so
    each set of courses is reached at most once. A set whose needs are all met but which
    has no valid order (courses that could only unlock each other) branches on the
    outside suppliers of what its stuck courses lack: by the argument of the programme's
    cuts, every valid plan containing the set contains one of them. A branch stops when
    its totals plus lower bounds on its unmet needs are, in the search's :class:`_Order`,
    no better than the best plan so far (or its hours exceed ``cap``): needs whose option
    sets are pairwise disjoint each cost at least their cheapest option, in hours and,
    separately, in money. Options are tried most promising first (:meth:`_promising`).

    With courses of non-negative hours (and, when the order counts cost, non-negative
    costs) every valid plan contains a valid set the search reaches, no dearer on either
    total, so this finds the first optimal set in its depth-first order, whatever the
    bound prunes, and the answer is deterministic.
    Every node and every step of :meth:`reachable` spends one unit of ``budget``.
    """

    def __init__(
        self,
        catalog: Catalog,
        supply: Callable[[str, float], Iterable[Course]],
        profile: LearnerProfile,
        budget: int,
        order: _Order = _Order.HOURS,
    ) -> None:
        self.catalog, self.supply, self.profile, self.budget = catalog, supply, profile, budget
        self.order = order
        self.targets: tuple[_Need, ...] = ()
        self.cap = math.inf
        self.best: tuple[float, float] = (math.inf, math.inf)
        self.found: list[Course] | None = None
        self.totals = (math.inf, math.inf)  # (hours, cost) of ``found``
        self._sort_key: Callable[[Course], tuple[Any, ...]] = (
            _cheapest_first if order is _Order.HOURS else _cheapest_first_then_cost
        )
        self._options: dict[_Need, tuple[Course, ...]] = {}
        self._option_ids: dict[_Need, frozenset[str]] = {}
        self._floors: dict[_Need, tuple[float, float]] = {}
        self._lacks: dict[str, tuple[_Need, ...]] = {}
        self._met: set[_Need] = set()
        self._takeable: set[str] = set()

    def fewest(self, targets: Mapping[str, float], ceiling: float) -> list[Course] | None:
        """The best valid set closing ``targets`` in the search's order (fewest hours first);
        ``None`` if all take more than ``ceiling`` hours."""
        self.targets = tuple(targets.items())
        # Accept any plan of <= ceiling hours, whatever its cost.
        self.best = (math.nextafter(ceiling, math.inf), -math.inf)
        self._visit([], 0.0, 0.0, frozenset())
        return self.found

    def cheapest_within(self, cap: float) -> list[Course] | None:
        """After :meth:`fewest`: the least-cost (then fewest-hours) valid set of at most
        ``cap`` hours; :meth:`fewest`'s answer unless some set within ``cap`` costs less."""
        if self.found is None:
            return None
        self.order, self.cap = _Order.COST_HOURS, cap
        self.best = self._key(*self.totals)
        self._visit([], 0.0, 0.0, frozenset())
        return self.found

    def _key(self, hours: float, cost: float) -> tuple[float, float]:
        if self.order is _Order.HOURS:
            return (hours, 0.0)
        if self.order is _Order.HOURS_COST:
            return (hours, cost)
        return (cost, hours)

    # -- reachability ----------------------------------------------------------------------

    def reachable(self, need: _Need) -> bool:
        """Whether some valid sequence of courses meets ``need``.

        The least fixed point of "a need is met when one of its options can be taken; a
        course can be taken when every need it lacks is met", by depth-first search that
        takes a course on the current path as not (yet) takeable and remembers only
        successes: a success never rests on itself, and whatever has a derivation
        avoiding the path is found (induction on the derivation), so the answers are
        exactly those of taking every relevant course that becomes ready.
        """
        return self._meets(need, set())

    def _meets(self, need: _Need, path: set[str]) -> bool:
        if need in self._met:
            return True
        if any(self._can_take(o, path) for o in self.options(need)):
            self._met.add(need)
            return True
        return False

    def _can_take(self, course: Course, path: set[str]) -> bool:
        if course.id in self._takeable:
            return True
        if course.id in path:
            return False
        self._spend()
        path.add(course.id)
        ok = all(self._meets(n, path) for n in self._lacking(course))
        path.discard(course.id)
        if ok:
            self._takeable.add(course.id)
        return ok

    # -- branch and bound ------------------------------------------------------------------

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _Exhausted

    def _visit(
        self, chosen: list[Course], hours: float, cost: float, forbidden: frozenset[str]
    ) -> None:
        self._spend()
        ids = {c.id for c in chosen}
        unmet = [n for n in self._needs(chosen) if ids.isdisjoint(self._option_set(n))]
        if not unmet:
            self._complete_set(chosen, hours, cost, ids, forbidden)
            return
        allowed = {n: self._allowed(n, forbidden) for n in unmet}
        if self._hopeless(hours, cost, allowed):
            return
        need = min(unmet, key=lambda n: (len(allowed[n]), str(n)))
        self._branch(chosen, hours, cost, forbidden, self._promising(allowed[need], unmet, ids))

    def _hopeless(
        self, hours: float, cost: float, allowed: Mapping[_Need, Sequence[Course]]
    ) -> bool:
        """Whether no way of meeting the needs with their ``allowed`` options beats the
        best so far.

        The cost bound is computed only when it can decide: under ``HOURS_COST`` a branch
        whose hours bound is below the best's hours is never cut, one above always is."""
        least_hours = hours + self._bound(allowed, _HOURS)
        if least_hours > self.cap:
            return True
        if self.order is _Order.HOURS or (
            self.order is _Order.HOURS_COST and least_hours != self.best[0]
        ):
            return self._key(least_hours, cost) >= self.best
        return self._key(least_hours, cost + self._bound(allowed, _COST)) >= self.best

    def _bound(self, allowed: Mapping[_Need, Sequence[Course]], which: int) -> float:
        """:func:`_packing_bound` of the needs' ``allowed`` options, on hours (``_HOURS``)
        or cost (``_COST``)."""
        floors: list[tuple[float, Set[str]]] = []
        for need, options in allowed.items():
            if not options:
                return math.inf
            if len(options) == len(self._options[need]):  # nothing forbidden: memoised
                floors.append((self._floors[need][which], self._option_ids[need]))
            else:
                value = _hours if which == _HOURS else _cost
                floors.append((min(map(value, options)), {o.id for o in options}))
        return _packing_bound(floors)

    def _promising(
        self, options: Sequence[Course], unmet: Sequence[_Need], ids: set[str]
    ) -> list[Course]:
        """``options`` most promising first: by estimated hours per unmet need met (the
        option's hours plus the cheapest option of each need it would add, shared among
        the unmet needs it meets). Good plans found early prune the rest: on the bundled
        data this halves the nodes of cheapest-first. When the order counts cost, ties
        on that estimate go to the option with less money per need met, likewise."""
        if len(options) < 2:
            return list(options)
        costs = self.order is not _Order.HOURS

        def estimate(option: Course) -> tuple[float, float, str]:
            met = sum(1 for n in unmet if option.id in self._option_set(n))
            added = [n for n in self._lacking(option) if ids.isdisjoint(self._option_set(n))]
            hours = option.hours + sum(self._floor(n)[_HOURS] for n in added)
            cost = option.cost + sum(self._floor(n)[_COST] for n in added) if costs else 0.0
            return (hours / met, cost / met, option.id)

        return sorted(options, key=estimate)

    def _floor(self, need: _Need) -> tuple[float, float]:
        """The least hours and the least cost among a need's options (``inf`` if none)."""
        found = self._floors.get(need)
        if found is None:
            self.options(need)
            found = self._floors[need]
        return found

    def _allowed(self, need: _Need, forbidden: frozenset[str]) -> Sequence[Course]:
        options = self.options(need)
        if forbidden.isdisjoint(self._option_ids[need]):
            return options
        return [o for o in options if o.id not in forbidden]

    def _complete_set(
        self,
        chosen: list[Course],
        hours: float,
        cost: float,
        ids: set[str],
        forbidden: frozenset[str],
    ) -> None:
        if _in_order(reversed(chosen), self.profile):  # suppliers were chosen after users
            self._record(chosen, hours, cost)
            return
        taken, levels = _closure(chosen, self.profile)
        stuck = [c for c in chosen if c.id not in taken]
        if not stuck:
            self._record(chosen, hours, cost)
            return
        held = set(self.profile.held_courses) | taken
        outside = {
            o.id: o
            for c in stuck
            for pre in _unmet(c, levels, held)
            for o in self.options(_as_need(pre))
            if o.id not in ids and o.id not in forbidden
        }
        self._branch(chosen, hours, cost, forbidden, sorted(outside.values(), key=self._sort_key))

    def _record(self, chosen: list[Course], hours: float, cost: float) -> None:
        key = self._key(hours, cost)
        if key < self.best:
            self.best, self.found, self.totals = key, list(chosen), (hours, cost)

    def _branch(
        self,
        chosen: list[Course],
        hours: float,
        cost: float,
        forbidden: frozenset[str],
        options: Sequence[Course],
    ) -> None:
        excluded = set(forbidden)
        for option in options:
            after_hours, after_cost = hours + option.hours, cost + option.cost
            if after_hours <= self.cap and self._key(after_hours, after_cost) < self.best:
                self._visit([*chosen, option], after_hours, after_cost, frozenset(excluded))
            excluded.add(option.id)

    def _needs(self, chosen: Sequence[Course]) -> Iterable[_Need]:
        needs = dict.fromkeys(self.targets)
        for course in chosen:
            needs.update(dict.fromkeys(self._lacking(course)))
        return needs

    def _lacking(self, course: Course) -> tuple[_Need, ...]:
        found = self._lacks.get(course.id)
        if found is None:
            unmet = _unmet(course, self.profile.levels, self.profile.held_courses)
            found = self._lacks[course.id] = tuple(sorted((_as_need(p) for p in unmet), key=str))
        return found

    def _option_set(self, need: _Need) -> frozenset[str]:
        found = self._option_ids.get(need)
        if found is None:
            self.options(need)
            found = self._option_ids[need]
        return found

    def options(self, need: _Need) -> tuple[Course, ...]:
        """The suppliers of a need, cheapest first."""
        found = self._options.get(need)
        if found is None:
            if isinstance(need, str):
                course = self.catalog.courses.get(need)
                found = (course,) if course and need not in self.profile.held_courses else ()
            else:
                found = tuple(sorted(self.supply(*need), key=self._sort_key))
            self._options[need] = found
            self._option_ids[need] = frozenset(c.id for c in found)
            self._floors[need] = (
                min((float(c.hours) for c in found), default=math.inf),
                min((float(c.cost) for c in found), default=math.inf),
            )
        return found


def _in_order(courses: Iterable[Course], profile: LearnerProfile) -> bool:
    """Whether taking ``courses`` in this order is valid (each ready when its turn comes)."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    for course in courses:
        if not _ready(course, levels, held):
            return False
        _complete(levels, held, course)
    return True


def _as_need(pre: SkillLevel | str) -> _Need:
    return pre if isinstance(pre, str) else (pre.skill_id, float(pre.level))


def _packing_bound(floors: Iterable[tuple[float, Set[str]]]) -> float:
    """A lower bound on the total value (hours or cost) of courses that meet every need,
    given each need's (least value among its options, the options' ids): greedily, dearest
    first, the needs whose options share no course with those already counted each add
    their least value. Values must be non-negative."""
    total = 0.0
    used: set[str] = set()
    for floor, ids in sorted(floors, key=lambda f: -f[0]):
        if used.isdisjoint(ids):
            total += floor
            used |= ids
    return total


# -- scheduling -----------------------------------------------------------------------------


def _schedule_order(chosen: Sequence[Course], profile: LearnerProfile) -> tuple[str, ...]:
    """A valid order of ``chosen``: at each step, a ready course that unlocks others first,
    then the shorter one, then by id."""
    levels, held = dict(profile.levels), set(profile.held_courses)
    remaining = sorted(chosen, key=lambda c: c.id)
    order: list[str] = []
    while remaining:
        ready = [c for c in remaining if _ready(c, levels, held)]
        if not ready:
            raise RuntimeError(f"no valid order for {[c.id for c in remaining]}")
        blocked = [c for c in remaining if c not in ready]
        pick = min(ready, key=lambda c: (not _unlocks_any(c, blocked, levels, held), c.hours, c.id))
        _complete(levels, held, pick)
        order.append(pick.id)
        remaining.remove(pick)
    return tuple(order)


def _unlocks_any(
    course: Course, blocked: Sequence[Course], levels: Mapping[str, float], held: Set[str]
) -> bool:
    after_levels, after_held = dict(levels), set(held)
    _complete(after_levels, after_held, course)
    return any(_unmet(b, after_levels, after_held) < _unmet(b, levels, held) for b in blocked)


def _schedule(
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
        unmet_before = {d.id: _unmet(d, levels, held) for d in later}
        _complete(levels, held, course)
        closes = tuple(
            s for s, lv in open_targets.items() if levels.get(s, 0.0) >= lv - LEVEL_TOLERANCE
        )
        for s in closes:
            del open_targets[s]
        unlocks = tuple(d.id for d in later if _unmet(d, levels, held) < unmet_before[d.id])
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
