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

A plan signature holds no one's identity and a plan depends only on the catalogue, so the
entries a preparation computed (each hard-to-fill role's shortlist, see
:func:`~recommender.candidates.shortlist.prepare_shortlists`) are exported
(:meth:`PlanCache.export`), stored with the data version, and adopted by every worker
(:meth:`PlanCache.adopt`): a role's first shortlist there plans nobody it has planned.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

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

    def items(self) -> list[tuple[K, V]]:
        """The entries, least recently used first (a copy)."""
        with self._lock:
            return list(self._data.items())

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
        self._room = maxsize
        self._prerequisites = _prerequisite_levels(planner.catalog)
        self._thresholds: dict[str, tuple[tuple[str, tuple[float, ...]], ...]] = {}
        self._baselines: dict[
            str, tuple[tuple[int, ...], dict[str, tuple[int, tuple[float, ...]]]]
        ] = {}

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

    def export(self) -> bytes:
        """Every entry kept, for :meth:`adopt` by a cache over the same catalogue in another
        process (compressed JSON: signatures, plans and proofs; no employee id), sorted: the
        same entries export to the same bytes."""
        rows: list[list[Any]] = []
        roles: dict[str, str] = {}
        for key, entry in self._entries.items():
            role_id, counts, held = cast(tuple[str, Sequence[int], tuple[str, ...]], key)
            roles.setdefault(role_id, self._digest(role_id))
            kept: Any = (
                [entry.hours, list(entry.course_ids), list(entry.unclosable)]
                if isinstance(entry, ExactPlan)
                else entry
            )
            rows.append([role_id, list(counts), list(held), kept])
        rows.sort(key=lambda row: (row[0], row[1], row[2]))
        body = {"format": _EXPORT_FORMAT, "roles": dict(sorted(roles.items())), "entries": rows}
        return zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 6)

    def adopt(self, exported: bytes) -> int:
        """Keep the entries of :meth:`export` (the cache grows to hold them besides its
        ``maxsize``); how many. Entries of a role whose comparison points differ here
        (another catalogue) or naming a course this catalogue lacks are ignored, and so is
        an export of another format."""
        body = json.loads(zlib.decompress(exported))
        if not isinstance(body, dict) or body.get("format") != _EXPORT_FORMAT:
            return 0
        courses = self.planner.catalog.courses
        same = {r for r, digest in body["roles"].items() if self._digest(r) == digest}
        # Room for every adopted entry on top of what the cache keeps for its own queries.
        self._entries.maxsize = max(self._entries.maxsize, self._room + len(body["entries"]))
        kept = 0
        for role_id, counts, held, entry in body["entries"]:
            named = held + (entry[1] if isinstance(entry, list) else [])
            if role_id not in same or not all(c in courses for c in named):
                continue
            key = (role_id, _counts(counts), tuple(held))
            if isinstance(entry, list):
                hours, order, unclosable = entry
                self._entries.put(key, ExactPlan(float(hours), tuple(order), tuple(unclosable)))
            else:
                self._entries.put(key, float(entry))
            kept += 1
        return kept

    def _digest(self, role_id: str) -> str:
        """A digest of what a signature toward ``role_id`` compares (empty: no such role)."""
        role = self.planner.catalog.roles.get(role_id)
        if role is None:
            return ""
        return hashlib.sha256(repr(self._constants(role)).encode()).hexdigest()[:16]

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
        at_zero, position = self._baseline(role)
        reached = list(at_zero)  # a level the profile lacks is 0: most skills of the role
        for skill_id, level in profile.levels.items():
            found = position.get(skill_id)
            if found is not None:
                reached[found[0]] = bisect.bisect_right(found[1], level)
        return (role.id, _counts(reached), tuple(sorted(profile.held_courses)))

    def _baseline(
        self, role: Role
    ) -> tuple[tuple[int, ...], dict[str, tuple[int, tuple[float, ...]]]]:
        """Each skill's count of constants reached at level 0, in :meth:`_constants` order,
        and where each skill sits in it with its constants."""
        found = self._baselines.get(role.id)
        if found is None:
            constants = self._constants(role)
            at_zero = tuple(bisect.bisect_right(c, 0.0) for _, c in constants)
            position = {skill_id: (j, c) for j, (skill_id, c) in enumerate(constants)}
            found = self._baselines[role.id] = (at_zero, position)
        return found

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


#: The layout of :meth:`PlanCache.export`; an export of another is not adopted.
_EXPORT_FORMAT = 1


def _counts(reached: list[int]) -> bytes | tuple[int, ...]:
    """A signature's constants reached per skill, compact (bytes when they fit)."""
    return bytes(reached) if max(reached, default=0) < 256 else tuple(reached)


def _prerequisite_levels(catalog: Catalog) -> Mapping[str, set[float]]:
    """Every level some course requires first, by skill."""
    out: dict[str, set[float]] = {}
    for course in catalog.courses.values():
        for pre in course.prerequisite_skills:
            out.setdefault(pre.skill_id, set()).add(float(pre.level))
    return out
