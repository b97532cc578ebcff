"""The branch and bound behind plans by fewest hours (then least cost).

:class:`Search` finds, in a millisecond or two, the same hours and cost as the
programme (:mod:`~recommender.pathways.programme`); the planner hands over to the
programme when a search raises :class:`Exhausted`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from recommender.catalog import Catalog, Course, SkillLevel
from recommender.pathways.gaps import LEVEL_TOLERANCE, LearnerProfile
from recommender.pathways.prerequisites import unmet_prerequisites

__all__ = ["Need", "Exhausted", "Order", "Search", "CourseBits"]


#: What a plan can need: a skill level (skill id, level), a prerequisite course (its id), or
#: a skill level for one course (skill id, level, the course's id): met only by a supplier
#: that can come before that course (see :meth:`Search._wants`).
Need = tuple[str, float] | tuple[str, float, str] | str


class Exhausted(Exception):
    """The search used up its node budget."""


class Order(Enum):
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


class CourseBits:
    """A bit for each course of a catalogue, and, for a prerequisite, the courses that meet
    it once taken (as a bit mask): the search's sets of courses are Python integers.

    Independent of any learner: build once per catalogue (:class:`~recommender.pathways.Planner`
    does) and share between searches; thread-safe for reading (a missing entry is filled
    with the same value by whoever computes it).
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._bits = {course_id: 1 << i for i, course_id in enumerate(sorted(catalog.courses))}
        self._covers: dict[Need, int] = {}
        self._users: dict[str, list[str]] = {}  # course id -> ids requiring it
        for course in catalog.courses.values():
            for required in course.prerequisite_courses:
                self._users.setdefault(required, []).append(course.id)
        self._after: dict[str, int] = {}  # course id -> after(course id) for no held course

    def bit(self, course_id: str) -> int:
        """The course's bit (a course outside the catalogue gets a new one)."""
        found = self._bits.get(course_id)
        if found is None:
            found = self._bits.setdefault(course_id, 1 << len(self._bits))
        return found

    def mask(self, courses: Iterable[Course]) -> int:
        """The bits of ``courses``, as one mask."""
        found = 0
        for course in courses:
            found |= self.bit(course.id)
        return found

    def after(self, course_id: str, held: frozenset[str] = frozenset()) -> int:
        """The courses that can only follow ``course_id`` for a learner holding ``held``:
        those requiring it as a prerequisite course, directly or through prerequisite
        courses the learner does not hold."""
        if not held:
            found = self._after.get(course_id)
            if found is None:
                found = self._after[course_id] = self._following(course_id, held)
            return found
        return self._following(course_id, held)

    def _following(self, course_id: str, held: frozenset[str]) -> int:
        found, stack = 0, [u for u in self._users.get(course_id, ()) if u not in held]
        while stack:
            user = stack.pop()
            if not found & self.bit(user):
                found |= self.bit(user)
                stack.extend(u for u in self._users.get(user, ()) if u not in held)
        return found

    def cover(self, need: Need) -> int:
        """The courses whose taking meets ``need``: those teaching the skill to the level
        (within the tolerance, as :func:`~recommender.pathways.prerequisites.is_ready`
        reads it), or the prerequisite course itself."""
        found = self._covers.get(need)
        if found is None:
            if isinstance(need, str):
                found = self.bit(need)
            else:
                skill_id, level = need[0], need[1]
                found = 0
                for course in self.catalog.courses.values():
                    if any(
                        t.skill_id == skill_id and float(t.level) >= level - LEVEL_TOLERANCE
                        for t in course.teaches
                    ):
                        found |= self.bit(course.id)
            self._covers[need] = found
        return found


def _cost(course: Course) -> float:
    return float(course.cost)


class Search:
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
    cuts (:func:`~recommender.pathways.programme.solve`), every valid plan containing the set contains one of them. A branch stops when
    its totals plus lower bounds on its unmet needs are, in the search's :class:`Order`,
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
        order: Order = Order.HOURS,
        bits: CourseBits | None = None,
    ) -> None:
        self.catalog, self.supply, self.profile, self.budget = catalog, supply, profile, budget
        self.order = order
        self.bits = bits if bits is not None else CourseBits(catalog)
        self.targets: tuple[Need, ...] = ()
        self.cap = math.inf
        self.best: tuple[float, float] = (math.inf, math.inf)
        self.found: list[Course] | None = None
        self.totals = (math.inf, math.inf)  # (hours, cost) of ``found``
        self._sort_key: Callable[[Course], tuple[Any, ...]] = (
            _cheapest_first if order is Order.HOURS else _cheapest_first_then_cost
        )
        self._options: dict[Need, tuple[Course, ...]] = {}
        self._masks: dict[Need, int] = {}  # the options' bits
        self._want: dict[str, tuple[Need, ...]] = {}
        self._floors: dict[Need, tuple[float, float]] = {}
        self._lacks: dict[str, tuple[Need, ...]] = {}
        self._met: set[Need] = set()
        self._takeable: set[str] = set()

    def fewest(self, targets: Mapping[str, float], ceiling: float) -> list[Course] | None:
        """The best valid set closing ``targets`` in the search's order (fewest hours first);
        ``None`` if all take more than ``ceiling`` hours."""
        self.targets = tuple(targets.items())
        # Accept any plan of <= ceiling hours, whatever its cost.
        self.best = (math.nextafter(ceiling, math.inf), -math.inf)
        self._start()
        return self.found

    def cheapest_within(self, cap: float) -> list[Course] | None:
        """After :meth:`fewest`: the least-cost (then fewest-hours) valid set of at most
        ``cap`` hours; :meth:`fewest`'s answer unless some set within ``cap`` costs less."""
        if self.found is None:
            return None
        self.order, self.cap = Order.COST_HOURS, cap
        self.best = self._key(*self.totals)
        self._start()
        return self.found

    def _key(self, hours: float, cost: float) -> tuple[float, float]:
        if self.order is Order.HOURS:
            return (hours, 0.0)
        if self.order is Order.HOURS_COST:
            return (hours, cost)
        return (cost, hours)

    # -- reachability ----------------------------------------------------------------------

    def reachable(self, need: Need) -> bool:
        """Whether some valid sequence of courses meets ``need``.

        The least fixed point of "a need is met when one of its options can be taken; a
        course can be taken when every need it lacks is met", by depth-first search that
        takes a course on the current path as not (yet) takeable and remembers only
        successes: a success never rests on itself, and whatever has a derivation
        avoiding the path is found (induction on the derivation), so the answers are
        exactly those of taking every relevant course that becomes ready.
        """
        return self._meets(need, set())

    def _meets(self, need: Need, path: set[str]) -> bool:
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
    #
    # Sets of courses are bit masks (:class:`CourseBits`): ``mask`` the chosen courses,
    # ``forbidden`` those a node may not choose. ``needs`` lists what the chosen courses need
    # (the targets, then each chosen course's lacking prerequisites in the order the courses
    # were chosen), ``known`` the same as a set.

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise Exhausted

    def _start(self) -> None:
        needs = list(dict.fromkeys(self.targets))
        self._visit([], 0, 0.0, 0.0, 0, needs, set(needs))

    def _visit(
        self,
        chosen: list[Course],
        mask: int,
        hours: float,
        cost: float,
        forbidden: int,
        needs: list[Need],
        known: set[Need],
    ) -> None:
        self._spend()
        unmet = [n for n in needs if not self._mask(n) & mask]
        if not unmet:
            self._complete_set(chosen, mask, hours, cost, forbidden, needs, known)
            return
        allowed = {n: self._allowed(n, forbidden) for n in unmet}
        if self._hopeless(hours, cost, allowed):
            return
        need = min(unmet, key=lambda n: (len(allowed[n]), str(n)))
        options = self._promising(allowed[need], unmet, mask)
        self._branch(chosen, mask, hours, cost, forbidden, needs, known, options)

    def _hopeless(
        self, hours: float, cost: float, allowed: Mapping[Need, Sequence[Course]]
    ) -> bool:
        """Whether no way of meeting the needs with their ``allowed`` options beats the
        best so far.

        The cost bound is computed only when it can decide: under ``HOURS_COST`` a branch
        whose hours bound is below the best's hours is never cut, one above always is."""
        least_hours = hours + self._bound(allowed, _HOURS)
        if least_hours > self.cap:
            return True
        if self.order is Order.HOURS or (
            self.order is Order.HOURS_COST and least_hours != self.best[0]
        ):
            return self._key(least_hours, cost) >= self.best
        return self._key(least_hours, cost + self._bound(allowed, _COST)) >= self.best

    def _bound(self, allowed: Mapping[Need, Sequence[Course]], which: int) -> float:
        """:func:`_packing_bound` of the needs' ``allowed`` options, on hours (``_HOURS``)
        or cost (``_COST``)."""
        floors: list[tuple[float, int]] = []
        for need, options in allowed.items():
            if not options:
                return math.inf
            if len(options) == len(self._options[need]):  # nothing forbidden: memoised
                floors.append((self._floors[need][which], self._masks[need]))
            else:
                value = _hours if which == _HOURS else _cost
                floors.append((min(map(value, options)), self.bits.mask(options)))
        return _packing_bound(floors)

    def _promising(
        self, options: Sequence[Course], unmet: Sequence[Need], mask: int
    ) -> list[Course]:
        """``options`` most promising first: by estimated hours per unmet need met (the
        option's hours plus the cheapest option of each need it would add, shared among
        the unmet needs it meets). Good plans found early prune the rest: on the bundled
        data this halves the nodes of cheapest-first. When the order counts cost, ties
        on that estimate go to the option with less money per need met, likewise."""
        if len(options) < 2:
            return list(options)
        costs = self.order is not Order.HOURS
        unmet_masks = [self._masks[n] for n in unmet]
        bit = self.bits.bit

        def estimate(option: Course) -> tuple[float, float, str]:
            b = bit(option.id)
            met = sum(1 for m in unmet_masks if m & b)
            added = [n for n in self._wants(option) if not self._mask(n) & mask]
            hours = option.hours + sum(self._floor(n)[_HOURS] for n in added)
            cost = option.cost + sum(self._floor(n)[_COST] for n in added) if costs else 0.0
            return (hours / met, cost / met, option.id)

        return sorted(options, key=estimate)

    def _floor(self, need: Need) -> tuple[float, float]:
        """The least hours and the least cost among a need's options (``inf`` if none)."""
        found = self._floors.get(need)
        if found is None:
            self.options(need)
            found = self._floors[need]
        return found

    def _allowed(self, need: Need, forbidden: int) -> Sequence[Course]:
        options = self.options(need)
        if not self._masks[need] & forbidden:
            return options
        bit = self.bits.bit
        return [o for o in options if not bit(o.id) & forbidden]

    def _complete_set(
        self,
        chosen: list[Course],
        mask: int,
        hours: float,
        cost: float,
        forbidden: int,
        needs: list[Need],
        known: set[Need],
    ) -> None:
        if self._in_order(reversed(chosen)):  # suppliers were chosen after users
            self._record(chosen, hours, cost)
            return
        taken = self._closure(chosen)
        bit = self.bits.bit
        stuck = [c for c in chosen if not bit(c.id) & taken]
        if not stuck:
            self._record(chosen, hours, cost)
            return
        cover = self.bits.cover
        outside = {
            o.id: o
            for c in stuck
            for n in self._lacking(c)
            if not cover(n) & taken
            for o in self.options(n)
            if not bit(o.id) & (mask | forbidden)
        }
        options = sorted(outside.values(), key=self._sort_key)
        self._branch(chosen, mask, hours, cost, forbidden, needs, known, options)

    def _ready(self, course: Course, taken: int) -> bool:
        """Whether ``course`` can start once the learner has taken the courses ``taken``."""
        cover = self.bits.cover
        return all(cover(n) & taken for n in self._lacking(course))

    def _in_order(self, courses: Iterable[Course]) -> bool:
        """Whether taking ``courses`` in this order is valid (each ready when its turn comes)."""
        taken = 0
        bit = self.bits.bit
        for course in courses:
            if not self._ready(course, taken):
                return False
            taken |= bit(course.id)
        return True

    def _closure(self, courses: Sequence[Course]) -> int:
        """The courses of ``courses`` that can be taken, taking each as it becomes ready."""
        taken = 0
        bit = self.bits.bit
        pending = list(courses)
        while True:
            ready = [c for c in pending if self._ready(c, taken)]
            if not ready:
                return taken
            for course in ready:
                taken |= bit(course.id)
            pending = [c for c in pending if not bit(c.id) & taken]

    def _record(self, chosen: list[Course], hours: float, cost: float) -> None:
        key = self._key(hours, cost)
        if key < self.best:
            self.best, self.found, self.totals = key, list(chosen), (hours, cost)

    def _branch(
        self,
        chosen: list[Course],
        mask: int,
        hours: float,
        cost: float,
        forbidden: int,
        needs: list[Need],
        known: set[Need],
        options: Sequence[Course],
    ) -> None:
        excluded = forbidden
        bit = self.bits.bit
        for option in options:
            after_hours, after_cost = hours + option.hours, cost + option.cost
            b = bit(option.id)
            if after_hours <= self.cap and self._key(after_hours, after_cost) < self.best:
                new = [n for n in self._wants(option) if n not in known]
                self._visit(
                    [*chosen, option],
                    mask | b,
                    after_hours,
                    after_cost,
                    excluded,
                    [*needs, *new] if new else needs,
                    known.union(new) if new else known,
                )
            excluded |= b

    def _lacking(self, course: Course) -> tuple[Need, ...]:
        found = self._lacks.get(course.id)
        if found is None:
            unmet = unmet_prerequisites(course, self.profile.levels, self.profile.held_courses)
            found = self._lacks[course.id] = tuple(sorted((_as_need(p) for p in unmet), key=str))
        return found

    def _wants(self, course: Course) -> tuple[Need, ...]:
        """What choosing ``course`` adds to a plan's needs: its lacking prerequisites, each
        skill level among them that some supplier could meet only after the course (a
        course requiring it, directly or not, as a prerequisite course) for this course
        alone, without those suppliers. Every valid plan meets them so: the first course of
        a plan to reach a level ``course`` lacks is one of the level's suppliers (a first
        reacher) and comes before ``course``."""
        found = self._want.get(course.id)
        if found is None:
            after = self.bits.after(course.id, self.profile.held_courses)
            found = tuple(
                (n[0], n[1], course.id)
                if after and not isinstance(n, str) and self._mask(n) & after
                else n
                for n in self._lacking(course)
            )
            self._want[course.id] = found
        return found

    def _mask(self, need: Need) -> int:
        found = self._masks.get(need)
        if found is None:
            self.options(need)
            found = self._masks[need]
        return found

    def options(self, need: Need) -> tuple[Course, ...]:
        """The suppliers of a need, cheapest first."""
        found = self._options.get(need)
        if found is None:
            if isinstance(need, str):
                course = self.catalog.courses.get(need)
                found = (course,) if course and need not in self.profile.held_courses else ()
            elif len(need) == 3:
                after = self.bits.after(need[2], self.profile.held_courses)
                bit = self.bits.bit
                found = tuple(o for o in self.options(need[:2]) if not bit(o.id) & after)
            else:
                found = tuple(sorted(self.supply(need[0], need[1]), key=self._sort_key))
            self._options[need] = found
            self._masks[need] = self.bits.mask(found)
            self._floors[need] = (
                min((float(c.hours) for c in found), default=math.inf),
                min((float(c.cost) for c in found), default=math.inf),
            )
        return found


def _as_need(pre: SkillLevel | str) -> Need:
    return pre if isinstance(pre, str) else (pre.skill_id, float(pre.level))


def _packing_bound(floors: Iterable[tuple[float, int]]) -> float:
    """A lower bound on the total value (hours or cost) of courses that meet every need,
    given each need's (least value among its options, the options as a bit mask): greedily,
    dearest first, the needs whose options share no course with those already counted each
    add their least value. Values must be non-negative."""
    total = 0.0
    used = 0
    for floor, options in sorted(floors, key=lambda f: -f[0]):
        if not used & options:
            total += floor
            used |= options
    return total
