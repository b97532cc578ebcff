"""Training plans: the cheapest set of courses that closes a learner's gaps, in a valid order.

The model
---------
A learner holds skill levels and courses. Completing a course raises each skill
it teaches to the level it teaches (never lowers one) and adds the course to
what is held. A course may start only when every prerequisite skill level and
every prerequisite course is met, by what the learner had or by a course
earlier in the plan (:mod:`~recommender.pathways.prerequisites`). A plan closes
a gap when some course in it teaches the skill at the required level or above.

Optimality
----------
:meth:`Planner.select` returns, among all sets of courses that can be taken in
some valid order and close every closable gap, one that is lexicographically
cheapest under the objective (see :class:`~recommender.pathways.plan.Objective`).
It is exact: a mixed integer programme (:mod:`~recommender.pathways.programme`)
with one binary per course, a coverage row per gap, and for every skill
prerequisite not met by the learner a choice of *supplier* course that must be
in the plan; an optimum whose suppliers could only unlock each other (a skill
cycle) is cut off and the programme solved again. Before the programme, two
cheap passes shrink it: a backward pass keeps only courses that close a gap or
could supply a prerequisite of one that does, and a forward pass drops courses
whose prerequisites nothing within reach can meet.

Plans by fewest hours (then least cost), the ones people ask for most, come from a
branch and bound instead (:class:`~recommender.pathways.search.Search`), in a
millisecond or two: the same hours and cost as the programme, checked against it on
random catalogues; it falls back to the programme when it runs past its step budget
(:data:`SEARCH_BUDGET` steps: the few searches that need more, plans through a residency
of thousands of hours, take longer than the programme's 20-50 ms).
The chosen courses are then ordered and dated (:mod:`~recommender.pathways.schedule`).

Remembered selections
---------------------
A selection by fewest hours, then least cost, depends on the learner only through a few
yes-or-no facts: which target levels are open, and, for every course that could take part
(those :meth:`Planner._relevant` reaches from the open targets), which of its prerequisite
skill levels the learner lacks and which of the courses in question the learner holds.
Taking a course raises a skill to the level it teaches, so whether a prerequisite is met at
any point of a plan is "the learner met it, or a course taken before teaches it", and both
the search and the programme read a learner's levels in no other way (the programme also
reads the weekly hours). Many employees share that *situation* with someone planned before,
so :meth:`Planner.select` remembers each situation's chosen courses in their order (the
schedule's order reads the same facts) and serves the next learner in that situation from
it: the same selection the search or the programme would return, without searching again.
The situation is keyed by the open targets and a bit for each prerequisite level of the
courses that could ever take part in reaching them, for any learner (a superset of those
that take part for this one: exact, if a little finer than needed).

Unclosable gaps
---------------
A gap that no reachable course closes does not make planning fail: the plan
closes every other gap and lists each unclosable one with the level within
reach, the reason, and the nearest alternatives (mentorships and stretch
assignments on the same skill or category, courses that teach a lower level).
``strict=True`` turns an unclosable gap into :class:`~recommender.errors.NoPathway`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date

from recommender.catalog import Catalog, Course, CourseKind
from recommender.errors import NoPathway
from recommender.pathways import explain
from recommender.pathways.gaps import LEVEL_TOLERANCE, LearnerProfile, analyse_gaps
from recommender.pathways.plan import Objective, Selection, TrainingPlan, UnclosableGap
from recommender.pathways.prerequisites import closure, required_level, unmet_reason
from recommender.pathways.programme import solve, tie_limit
from recommender.pathways.schedule import schedule_order, schedule_steps
from recommender.pathways.search import CourseBits, Exhausted, Order, Search

__all__ = ["SEARCH_BUDGET", "Planner", "plan_training"]

#: Search steps :meth:`Planner.fewest_hours` and :meth:`Planner.select` (by hours) may take
#: before they fall back to the programme.
SEARCH_BUDGET = 400
#: Plans by fewest hours (then cost) remembered across learners (:meth:`Planner.select`):
#: at most this many situations, the least recently used forgotten first (about 330 bytes
#: each: 33 MB when full).
REMEMBERED_SELECTIONS = 100_000

_EXPERIENTIAL = (CourseKind.MENTORSHIP, CourseKind.STRETCH_ASSIGNMENT)


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
    remember : int
        Selections by fewest hours, then least cost, remembered across learners (see
        "Remembered selections"); ``0`` remembers none.

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

    def __init__(
        self,
        catalog: Catalog,
        *,
        budget: int = SEARCH_BUDGET,
        remember: int = REMEMBERED_SELECTIONS,
    ) -> None:
        self.catalog = catalog
        self.budget = budget
        self.remember = remember
        teachers: dict[str, list[tuple[float, Course]]] = {}
        for course in catalog.courses.values():
            for t in course.teaches:
                teachers.setdefault(t.skill_id, []).append((float(t.level), course))
        for found in teachers.values():
            found.sort(key=lambda t: (-t[0], t[1].id))  # highest level first
        self._teachers = teachers
        # A memo of _first_reachers; filled on demand, never invalidated (catalogue is frozen).
        self._reachers: dict[tuple[str, float], tuple[Course, ...]] = {}
        self._bits = CourseBits(catalog)  # the search's course sets as bit masks
        # The search's bounds assume no course takes negative hours (ingest guarantees it),
        # nor, to break ties on cost, negative money.
        courses = catalog.courses.values()
        self._searchable = all(c.hours >= 0 for c in courses)
        self._cost_searchable = self._searchable and all(c.cost >= 0 for c in courses)
        # Whole hours add up exactly: no two sets' hours differ by less than one hour.
        self._whole_hours = all(float(c.hours).is_integer() for c in courses)
        # Situation (:meth:`_situation`) -> (short targets, chosen course ids in order, weekly
        # hours the programme chose them at or None when the search did), least recently
        # used first; see "Remembered selections".
        self._remembered: dict[
            tuple[int, int, int, frozenset[str]],
            tuple[tuple[str, ...], tuple[str, ...], float | None],
        ] = {}
        # Open targets -> (their number, prerequisite levels, course ids) (:meth:`_reach`).
        self._reaches: dict[
            tuple[tuple[str, float], ...],
            tuple[int, tuple[tuple[str, float], ...], frozenset[str]],
        ] = {}
        self._remembering = threading.Lock()
        #: Selections served from memory so far.
        self.hits = 0

    @property
    def remembered(self) -> int:
        """How many situations' selections are remembered (see "Remembered selections")."""
        with self._remembering:
            return len(self._remembered)

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
        if not (objective is Objective.HOURS and tie_break):
            return self._programme_selection(profile, targets, objective, tie_break)
        budget = self.budget if budget is None else budget
        open_targets = _open(profile, targets)
        situation = self._situation(profile, open_targets, budget) if self.remember > 0 else None
        remembered = None if situation is None else self._recall(situation, profile.weekly_hours)
        if remembered is not None:
            short, order = remembered  # the order too reads nothing else of a learner
            return Selection(order, self._highest_reachable(profile, short) if short else {})
        selection = self._search_selection(profile, open_targets, budget)
        weekly: float | None = None
        if selection is None:
            selection = self._programme_selection(profile, targets, objective, tie_break)
            weekly = profile.weekly_hours
        if situation is not None:
            self._remember(situation, (tuple(selection.unclosable), selection.order, weekly))
        return selection

    def _programme_selection(
        self,
        profile: LearnerProfile,
        targets: Mapping[str, float],
        objective: Objective,
        tie_break: bool,
    ) -> Selection:
        closable, unclosable, taken = self._split(profile, targets)
        if not closable:
            return Selection((), unclosable)
        candidates = sorted(self._relevant(profile, closable.items()) & taken)
        courses = [self.catalog.courses[c] for c in candidates]
        chosen = solve(courses, self._supplying(profile), profile, closable, objective, tie_break)
        return Selection(schedule_order(chosen, profile), unclosable)

    def _recall(
        self, situation: tuple[int, int, int, frozenset[str]], weekly_hours: float
    ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The remembered (short targets, course order) of ``situation``, made the most
        recently used; ``None`` if none, or if the programme chose it at other weekly hours."""
        with self._remembering:
            remembered = self._remembered.pop(situation, None)
            if remembered is None:
                return None
            self._remembered[situation] = remembered
            short, order, weekly = remembered
            if weekly is not None and weekly != weekly_hours:
                return None
            self.hits += 1
            return short, order

    def _remember(
        self,
        situation: tuple[int, int, int, frozenset[str]],
        selection: tuple[tuple[str, ...], tuple[str, ...], float | None],
    ) -> None:
        with self._remembering:
            if len(self._remembered) >= self.remember:
                del self._remembered[next(iter(self._remembered))]  # the least recently used
            self._remembered[situation] = selection

    def _situation(
        self, profile: LearnerProfile, open_targets: Mapping[str, float], budget: int
    ) -> tuple[int, int, int, frozenset[str]]:
        """Everything a selection by fewest hours, then cost, reads of ``profile`` (see
        "Remembered selections"), as a key: the open targets (by number) and the search
        budget; which prerequisite skill levels of the courses that could ever take part the
        learner lacks (a bit each); which of those courses, or the courses they require,
        the learner holds."""
        found = self._reaches.get(tuple(open_targets.items()))
        if found is None:
            found = self._reach(open_targets)
        number, prerequisites, courses = found
        lacking = 0
        for bit, (skill_id, level) in enumerate(prerequisites):
            if profile.level_of(skill_id) < level - LEVEL_TOLERANCE:
                lacking |= 1 << bit
        held = profile.held_courses
        return number, budget, lacking, held & courses if held else frozenset()

    def _reach(
        self, open_targets: Mapping[str, float]
    ) -> tuple[int, tuple[tuple[str, float], ...], frozenset[str]]:
        """The courses that could take part in reaching ``open_targets`` for any learner
        (those :meth:`_relevant` walks to when nothing is met or held): a number for the
        targets, the distinct prerequisite skill levels of those courses, and their ids
        with the ids of the courses they require."""
        courses = [
            self.catalog.courses[c] for c in self._relevant(LearnerProfile(), open_targets.items())
        ]
        prerequisites = {
            (p.skill_id, float(p.level)) for c in courses for p in c.prerequisite_skills
        }
        seen = {c.id for c in courses} | {r for c in courses for r in c.prerequisite_courses}
        with self._remembering:
            key = tuple(open_targets.items())
            found = self._reaches.get(key)
            if found is None:
                found = self._reaches[key] = (
                    len(self._reaches),
                    tuple(sorted(prerequisites)),
                    frozenset(seen),
                )
        return found

    def _search_selection(
        self, profile: LearnerProfile, open_targets: dict[str, float], budget: int
    ) -> Selection | None:
        """The fewest-hours, then least-cost selection of ``open_targets`` by search;
        ``None`` when the search cannot settle it (budget spent, or a catalogue it cannot
        search)."""
        try:
            _, unclosable, chosen = self._search(
                profile, open_targets, math.inf, budget, tie_break=True
            )
        except (Exhausted, RecursionError):
            return None
        if chosen is None:  # never without a ceiling; the programme settles it if so
            return None
        return Selection(schedule_order(chosen, profile), unclosable)

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
        (see :class:`~recommender.pathways.search.Search`) settles the plans a shortlist
        asks for in about a millisecond, where the programme takes 10-20 ms; after
        ``budget`` search steps it falls back to the programme.

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
        except (Exhausted, RecursionError):
            closable, unclosable, chosen = self._programme(profile, open_targets, ceiling)
        if chosen is None:
            return None
        if not chosen and ceiling < 0:
            return None
        return Selection(schedule_order(chosen, profile), unclosable)

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
        Exhausted
            If the search spends ``budget`` steps or cannot search the catalogue.
        """
        if not self._searchable or (tie_break and not self._cost_searchable):
            raise Exhausted
        order = Order.HOURS_COST if tie_break else Order.HOURS
        search = Search(self.catalog, self._supplying(profile), profile, budget, order, self._bits)
        short = [s for s, lv in open_targets.items() if not search.reachable((s, lv))]
        unclosable = self._highest_reachable(profile, short) if short else {}
        closable = {s: lv for s, lv in open_targets.items() if s not in unclosable}
        chosen = search.fewest(closable, ceiling)
        if tie_break and chosen is not None:
            fewest = search.totals[0]
            if not (self._whole_hours and tie_limit(fewest) < fewest + 1.0):
                chosen = search.cheapest_within(tie_limit(fewest))
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
        chosen = solve(courses, self._supplying(profile), fixed, closable, Objective.HOURS, False)
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
                if required_level(c, skill_id) < level - LEVEL_TOLERANCE
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
        return closure([self.catalog.courses[c] for c in sorted(course_ids)], profile)

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
        steps = schedule_steps(
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
                f"{closers[0].id!r} {unmet_reason(closers[0], levels, held)} and nothing "
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
