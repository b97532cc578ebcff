"""Exact fewest-hours plans toward a role, shared by every employee who needs the same one.

A shortlist needs, for each employee it ranks exactly, the fewest training hours toward
the role (:meth:`~recommender.pathways.Planner.fewest_hours`). The planner reads a
profile only by comparing levels with constants of the catalogue -- the levels course
prerequisites ask for and the levels the role requires -- and through the courses held.
So two employees whose levels reach the same constants, skill by skill, and who hold the
same courses get the same plan, exactly. That *plan signature* keys :class:`PlanCache`:
employees who share it are planned once, and a repeated shortlist plans nobody again.

The cache is bounded (least recently used entries go first) and thread-safe. Besides
plans it keeps proofs that a plan takes more than some hours, which a search stopped at
a ceiling leaves behind (see :func:`~recommender.candidates.scoring.refine_top`).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from recommender.catalog import Catalog, Role
from recommender.pathways.gaps import LEVEL_TOLERANCE, LearnerProfile, analyse_gaps
from recommender.pathways.planner import Planner

__all__ = ["ExactPlan", "PlanCache", "LRU"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A thread-safe mapping that keeps the ``maxsize`` most recently used entries.

    Examples
    --------
    >>> memo = LRU[str, int](2)
    >>> memo.put("a", 1); memo.put("b", 2); memo.get("a"); memo.put("c", 3)
    1
    >>> memo.get("b") is None, len(memo)
    (True, 2)
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        """The value of ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, dropping the least recently used entries beyond ``maxsize``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)


@dataclass(frozen=True, slots=True)
class ExactPlan:
    """The fewest hours toward a role, the courses in a valid order, the unclosable skills."""

    hours: float
    course_ids: tuple[str, ...]
    unclosable: tuple[str, ...]


#: A cached plan, or a proof that every plan takes more than this many hours.
_Entry = ExactPlan | float


class PlanCache:
    """Exact plans toward roles, memoised by plan signature (see the module docstring).

    Parameters
    ----------
    planner : Planner
        The planner over the catalogue the profiles come from.
    maxsize : int
        Entries kept (plans and proofs together).
    """

    def __init__(self, planner: Planner, maxsize: int = 20_000) -> None:
        self.planner = planner
        self._entries = LRU[tuple[object, ...], _Entry](maxsize)
        self._prerequisites = _prerequisite_levels(planner.catalog)
        self._thresholds: dict[str, tuple[tuple[str, tuple[float, ...]], ...]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def plan(self, role: Role, profile: LearnerProfile, ceiling: float) -> ExactPlan | None:
        """The fewest-hours plan from ``profile`` to ``role``; ``None`` when it takes more
        than ``ceiling`` hours (then the search may stop early)."""
        key = self.signature(role, profile)
        entry = self._entries.get(key)
        if isinstance(entry, ExactPlan):
            return entry if entry.hours <= ceiling else None
        if entry is not None and entry >= ceiling:
            return None
        found = self._search(role, profile, ceiling)
        if found is None:
            self._entries.put(key, ceiling if entry is None else max(entry, ceiling))
        else:
            self._entries.put(key, found)
        return found

    def _search(self, role: Role, profile: LearnerProfile, ceiling: float) -> ExactPlan | None:
        planner = self.planner
        targets = analyse_gaps(planner.catalog, profile, role.id).targets()
        chosen = planner.fewest_hours(profile, targets, ceiling=ceiling)
        if chosen is None:
            return None
        hours = float(sum(planner.catalog.courses[c].hours for c in chosen.order))
        return ExactPlan(hours, chosen.order, tuple(sorted(chosen.unclosable)))

    def signature(self, role: Role, profile: LearnerProfile) -> tuple[object, ...]:
        """What the planner reads of ``profile`` when it plans toward ``role``: for each skill
        with a constant to compare, how many of its constants the level reaches; and the
        held courses."""
        reached = [
            bisect.bisect_right(constants, profile.level_of(skill_id))
            for skill_id, constants in self._constants(role)
        ]
        counts = bytes(reached) if max(reached, default=0) < 256 else tuple(reached)
        return (role.id, counts, tuple(sorted(profile.held_courses)))

    def _constants(self, role: Role) -> tuple[tuple[str, tuple[float, ...]], ...]:
        """Each skill's comparison points for ``role``, less the tolerance, sorted: a level
        ``x`` meets constant ``c`` when ``x >= c - LEVEL_TOLERANCE``."""
        found = self._thresholds.get(role.id)
        if found is None:
            levels = {s: set(v) for s, v in self._prerequisites.items()}
            for requirement in role.requirements:
                levels.setdefault(requirement.skill_id, set()).add(float(requirement.level))
            found = tuple(
                (s, tuple(sorted(c - LEVEL_TOLERANCE for c in levels[s]))) for s in sorted(levels)
            )
            self._thresholds[role.id] = found
        return found


def _prerequisite_levels(catalog: Catalog) -> Mapping[str, set[float]]:
    """Every level some course requires first, by skill."""
    out: dict[str, set[float]] = {}
    for course in catalog.courses.values():
        for pre in course.prerequisite_skills:
            out.setdefault(pre.skill_id, set()).add(float(pre.level))
    return out
