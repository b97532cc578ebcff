"""The branch and bound behind plans by fewest hours (then least cost).

:class:`Search` finds, in a millisecond or two, the same hours and cost as the
programme (:mod:`~recommender.pathways.programme`); the planner hands over to the
programme when a search raises :class:`Exhausted`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from enum import Enum
from typing import Any

from recommender.catalog import Catalog, Course, SkillLevel
from recommender.pathways.gaps import LearnerProfile
from recommender.pathways.prerequisites import closure, is_ready, take, unmet_prerequisites

__all__ = ["Need", "Exhausted", "Order", "Search"]


#: What a plan can need: a skill level (skill id, level) or a prerequisite course (its id).
Need = tuple[str, float] | str


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
    ) -> None:
        self.catalog, self.supply, self.profile, self.budget = catalog, supply, profile, budget
        self.order = order
        self.targets: tuple[Need, ...] = ()
        self.cap = math.inf
        self.best: tuple[float, float] = (math.inf, math.inf)
        self.found: list[Course] | None = None
        self.totals = (math.inf, math.inf)  # (hours, cost) of ``found``
        self._sort_key: Callable[[Course], tuple[Any, ...]] = (
            _cheapest_first if order is Order.HOURS else _cheapest_first_then_cost
        )
        self._options: dict[Need, tuple[Course, ...]] = {}
        self._option_ids: dict[Need, frozenset[str]] = {}
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
        self._visit([], 0.0, 0.0, frozenset())
        return self.found

    def cheapest_within(self, cap: float) -> list[Course] | None:
        """After :meth:`fewest`: the least-cost (then fewest-hours) valid set of at most
        ``cap`` hours; :meth:`fewest`'s answer unless some set within ``cap`` costs less."""
        if self.found is None:
            return None
        self.order, self.cap = Order.COST_HOURS, cap
        self.best = self._key(*self.totals)
        self._visit([], 0.0, 0.0, frozenset())
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

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise Exhausted

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
        self, options: Sequence[Course], unmet: Sequence[Need], ids: set[str]
    ) -> list[Course]:
        """``options`` most promising first: by estimated hours per unmet need met (the
        option's hours plus the cheapest option of each need it would add, shared among
        the unmet needs it meets). Good plans found early prune the rest: on the bundled
        data this halves the nodes of cheapest-first. When the order counts cost, ties
        on that estimate go to the option with less money per need met, likewise."""
        if len(options) < 2:
            return list(options)
        costs = self.order is not Order.HOURS

        def estimate(option: Course) -> tuple[float, float, str]:
            met = sum(1 for n in unmet if option.id in self._option_set(n))
            added = [n for n in self._lacking(option) if ids.isdisjoint(self._option_set(n))]
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

    def _allowed(self, need: Need, forbidden: frozenset[str]) -> Sequence[Course]:
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
        taken, levels = closure(chosen, self.profile)
        stuck = [c for c in chosen if c.id not in taken]
        if not stuck:
            self._record(chosen, hours, cost)
            return
        held = set(self.profile.held_courses) | taken
        outside = {
            o.id: o
            for c in stuck
            for pre in unmet_prerequisites(c, levels, held)
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

    def _needs(self, chosen: Sequence[Course]) -> Iterable[Need]:
        needs = dict.fromkeys(self.targets)
        for course in chosen:
            needs.update(dict.fromkeys(self._lacking(course)))
        return needs

    def _lacking(self, course: Course) -> tuple[Need, ...]:
        found = self._lacks.get(course.id)
        if found is None:
            unmet = unmet_prerequisites(course, self.profile.levels, self.profile.held_courses)
            found = self._lacks[course.id] = tuple(sorted((_as_need(p) for p in unmet), key=str))
        return found

    def _option_set(self, need: Need) -> frozenset[str]:
        found = self._option_ids.get(need)
        if found is None:
            self.options(need)
            found = self._option_ids[need]
        return found

    def options(self, need: Need) -> tuple[Course, ...]:
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
        if not is_ready(course, levels, held):
            return False
        take(levels, held, course)
    return True


def _as_need(pre: SkillLevel | str) -> Need:
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
