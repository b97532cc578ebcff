"""Lower bounds on training hours, for every employee at once.

The exact planner (:class:`~recommender.pathways.Planner`) costs 15-25 ms per plan, far
too much to run for 100,000 employees per query. This module gives the vectorised
first stage a number that is cheap and provably never above the planner's answer.

For one role with ``k`` requirements, a course *covers* requirement ``j`` when it
teaches the skill at the required level or above. What an employee misses is a bit
mask over the ``k`` requirements; the bound for a mask is the fewest hours of any set
of courses that covers every closable bit of it -- a weighted set cover solved
exactly for *all* ``2**k`` masks at once by dynamic programming (``k <= 16``). It
ignores prerequisites (which only add courses) and held courses (a held course's
levels are already in the profile, so it never covers a missing requirement), so it is
a **lower bound** on the hours of the planner's cheapest plan whenever the planner can
close the same gaps. For roles with more than 16 requirements the bound falls back to
the dearest single missing requirement (still a lower bound, looser).

A requirement no course covers is *unclosable*: it adds nothing to the bound and is
reported separately.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.catalog import Catalog, Role
from recommender.pathways.gaps import LEVEL_TOLERANCE

__all__ = ["MAX_EXACT_COVER", "CoverTable", "cover_table", "mask_codes"]

#: Largest requirement count whose set-cover table (``2**k`` entries) is built exactly.
MAX_EXACT_COVER = 16

FloatArray = npt.NDArray[np.float32]
CodeArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CoverTable:
    """Lower bounds on the training hours for one role, by missing-requirement mask.

    Attributes
    ----------
    role_id : str
    skill_ids : tuple of str
        The role's requirements, in bit order (bit ``j`` is ``skill_ids[j]``).
    levels : ndarray of float32, shape (k,)
        Required levels.
    importance : ndarray of float32, shape (k,)
    closable : int
        Bit mask of the requirements some course covers.
    bound : ndarray of float32, shape (2**k,) or None
        Fewest hours covering each mask (closable bits only); ``None`` when ``k > 16``.
    cheapest : ndarray of float32, shape (k,)
        Fewest hours of a single course covering each requirement (``0`` if none does).
    """

    role_id: str
    skill_ids: tuple[str, ...]
    levels: FloatArray
    importance: FloatArray
    closable: int
    bound: FloatArray | None
    cheapest: FloatArray

    def hours(self, codes: CodeArray, missing: npt.NDArray[np.bool_]) -> FloatArray:
        """Lower-bound hours for each row: ``codes`` are the masks, ``missing`` the same bits
        as a boolean ``(n, k)`` array (used only when ``k > 16``)."""
        if self.bound is not None:
            out: FloatArray = self.bound[codes & self.closable]
            return out
        if not len(self.skill_ids):
            return np.zeros(len(codes), dtype=np.float32)
        dearest: FloatArray = np.max(np.where(missing, self.cheapest, np.float32(0)), axis=1)
        return dearest.astype(np.float32)


def mask_codes(missing: npt.NDArray[np.bool_]) -> CodeArray:
    """Bit masks of the rows of a boolean ``(n, k)`` array (bit ``j`` = column ``j``), ``k <= 62``.

    Examples
    --------
    >>> mask_codes(np.array([[True, False, True], [False, False, False]])).tolist()
    [5, 0]
    """
    packed = np.packbits(missing, axis=1, bitorder="little")
    codes = np.zeros(len(missing), dtype=np.int64)
    for byte in range(packed.shape[1]):
        codes |= packed[:, byte].astype(np.int64) << (8 * byte)
    return codes


def cover_table(catalog: Catalog, role: Role) -> CoverTable:
    """Build the lower-bound table of ``role`` from the catalogue's courses.

    Examples
    --------
    >>> from recommender.catalog import Course, CourseKind, Requirement, SkillLevel
    >>> a = Course("a", "A", "x", CourseKind.COURSE, 10, 0, "online", (SkillLevel("s", 3),))
    >>> b = Course("b", "B", "x", CourseKind.COURSE, 12, 0, "online",
    ...            (SkillLevel("s", 3), SkillLevel("t", 2)))
    >>> role = Role("r", "R", "", "", "IT", 3, (Requirement("s", 3, 1), Requirement("t", 2, 1)))
    >>> table = cover_table(Catalog.from_items(roles=[role], courses=[a, b]), role)
    >>> table.bound.tolist()  # masks 0, {s}, {t}, {s, t}
    [0.0, 10.0, 12.0, 12.0]
    """
    requirements = role.requirements
    skill_ids = tuple(r.skill_id for r in requirements)
    masks = _course_masks(catalog, role)
    cheapest = np.array(
        [
            min((h for m, h in masks.items() if m >> j & 1), default=0.0)
            for j in range(len(skill_ids))
        ],
        dtype=np.float32,
    )
    closable = 0
    for mask in masks:
        closable |= mask
    bound = _set_cover(len(skill_ids), masks) if len(skill_ids) <= MAX_EXACT_COVER else None
    return CoverTable(
        role_id=role.id,
        skill_ids=skill_ids,
        levels=np.array([r.level for r in requirements], dtype=np.float32),
        importance=np.array([r.importance for r in requirements], dtype=np.float32),
        closable=closable,
        bound=bound,
        cheapest=cheapest,
    )


def _course_masks(catalog: Catalog, role: Role) -> dict[int, float]:
    """Each distinct cover mask of the catalogue's courses over ``role``, with its fewest hours."""
    best: dict[int, float] = {}
    for course in catalog.courses.values():
        taught = {t.skill_id: t.level for t in course.teaches}
        mask = 0
        for j, r in enumerate(role.requirements):
            if taught.get(r.skill_id, 0.0) >= r.level - LEVEL_TOLERANCE:
                mask |= 1 << j
        if mask and course.hours < best.get(mask, np.inf):
            best[mask] = float(course.hours)
    return best


def _set_cover(k: int, masks: dict[int, float]) -> FloatArray:
    """Fewest hours covering every subset of ``k`` bits (closable bits only), all at once.

    Each pass lets every subset add one more course; an optimal cover uses at most ``k``
    courses, so at most ``k`` passes are needed (we stop as soon as nothing improves).
    """
    subsets = np.arange(1 << k, dtype=np.int64)
    closable = 0
    for mask in masks:
        closable |= mask
    bound = np.full(1 << k, np.inf, dtype=np.float64)
    bound[(subsets & ~closable) == subsets] = 0.0  # wholly unclosable subsets cost nothing
    bound[0] = 0.0
    items: Sequence[tuple[int, float]] = sorted(masks.items())
    for _ in range(k):
        before = bound.copy()
        for mask, hours in items:
            np.minimum(bound, hours + bound[subsets & ~mask], out=bound)
        if np.array_equal(before, bound):
            break
    # A subset's unclosable bits never count: read the entry of its closable part.
    out: FloatArray = bound[subsets & closable].astype(np.float32)
    return out
