"""The course-choice programme: the exact reference for every objective.

A mixed integer programme (HiGHS through :func:`scipy.optimize.milp`, relative gap 0)
with one binary per course, a coverage row per gap, and for every skill prerequisite
not met by the learner a choice of *supplier* course that must be in the plan. Where
suppliers could only unlock each other (a skill cycle), the optimum has no valid
order: a cut excludes it and the programme is solved again (see :func:`solve`).
Criteria are minimised one after another, each later one with the earlier ones held
within :func:`tie_limit` of their optimum, so ties break optimally too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from recommender.catalog import Course, SkillLevel
from recommender.pathways.gaps import LearnerProfile
from recommender.pathways.plan import Objective
from recommender.pathways.prerequisites import closure, take, unmet_prerequisites

__all__ = ["solve", "tie_limit"]


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


def solve(
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
    for i, options in _prerequisite_suppliers(courses, suppliers, profile, index):
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
        mip.row(earlier, -np.inf, tie_limit(best))
        chosen, best = _valid_optimum(mip, criterion, courses, suppliers, profile, index)
    return chosen


def tie_limit(best: float) -> float:
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
        taken, _ = closure(chosen, profile)
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
            take(levels, held, other)
    return unmet_prerequisites(course, levels, held)


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


def _prerequisite_suppliers(
    courses: Sequence[Course],
    suppliers: Callable[[str, float], Iterable[Course]],
    profile: LearnerProfile,
    index: Mapping[str, int],
) -> list[tuple[int, list[int]]]:
    """For each prerequisite the learner lacks: (course, the candidate courses that supply it).

    A course that can only follow the course (it requires it as a prerequisite course,
    directly or through others) never supplies it: in every valid plan it comes after. The
    search reads its needs the same way (:meth:`~recommender.pathways.search.Search._wants`);
    here it spares the cuts of such pairs (a residency's second year teaching what its
    first year requires), each a solve more. No valid set is excluded, so the optimum stays.
    """
    after = _following(courses)
    return [
        (i, [d for d in _supplier_indices(pre, suppliers, index) if d != i and d not in after[i]])
        for i, course in enumerate(courses)
        for pre in sorted(
            unmet_prerequisites(course, profile.levels, profile.held_courses), key=str
        )
    ]


def _following(courses: Sequence[Course]) -> list[set[int]]:
    """For each candidate, the candidates requiring it as a prerequisite course, directly or
    through other candidates (a candidate is never held, so it must come first)."""
    users: dict[str, list[int]] = {}
    for k, course in enumerate(courses):
        for required in course.prerequisite_courses:
            users.setdefault(required, []).append(k)
    found: list[set[int]] = []
    for course in courses:
        seen: set[int] = set()
        stack = list(users.get(course.id, ()))
        while stack:
            k = stack.pop()
            if k not in seen:
                seen.add(k)
                stack.extend(users.get(courses[k].id, ()))
        found.append(seen)
    return found
