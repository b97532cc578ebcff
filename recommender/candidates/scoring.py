"""Bounded scores shared by shortlists and mobility options, and the exact-refinement loop.

Every score is a weighted mean of components in [0, 1] with weights summing to 1, so
it lies in [0, 1] and each component's contribution (weight times value) is shown.

Hours enter as ``scale / (scale + hours)``: 1 for no training, 0.5 at ``scale`` hours
(100 by default), 0.33 at twice that, never 0. A lower-bound number of hours therefore
gives an *upper bound* on the hours component and on the score; :func:`refine_top`
uses that to replace bounds by exact planner hours only where the ranking needs it.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidInput

__all__ = ["DEFAULT_HOURS_SCALE", "ShortlistWeights", "hours_score", "leading", "refine_top"]

DEFAULT_HOURS_SCALE = 100.0

FloatArray = npt.NDArray[np.float32]


def hours_score(hours: npt.ArrayLike, scale: float = DEFAULT_HOURS_SCALE) -> FloatArray:
    """``scale / (scale + hours)``: 1 at 0 hours, 0.5 at ``scale`` hours.

    Examples
    --------
    >>> hours_score([0, 100, 300]).round(2).tolist()
    [1.0, 0.5, 0.25]
    """
    values = np.maximum(np.asarray(hours, dtype=np.float32), 0)
    return (scale / (scale + values)).astype(np.float32)


@dataclass(frozen=True, slots=True)
class ShortlistWeights:
    """Weights of a shortlist score; non-negative, normalised to sum to 1.

    ``readiness`` weighs the importance-weighted share of required levels met,
    ``hours`` the hours-to-ready score, ``transition`` the judge's score of the move
    from the employee's current role, ``similarity`` the profile-to-role cosine
    (negative cosines count as 0).

    Examples
    --------
    >>> ShortlistWeights(2, 1, 1, 0).readiness
    0.5
    """

    readiness: float = 0.40
    hours: float = 0.25
    transition: float = 0.15
    similarity: float = 0.20

    def __post_init__(self) -> None:
        values = (self.readiness, self.hours, self.transition, self.similarity)
        if any(not v >= 0 for v in values) or sum(values) <= 0:
            raise InvalidInput(f"shortlist weights must be >= 0 and not all 0, got {values}")
        total = sum(values)
        for name, value in zip(
            ("readiness", "hours", "transition", "similarity"), values, strict=True
        ):
            object.__setattr__(self, name, value / total)


def refine_top(
    upper: FloatArray,
    exact: Callable[[int, float], float | None],
    limit: int,
    max_exact: int,
) -> tuple[list[tuple[int, float]], bool]:
    """The ``limit`` best items by exact score, evaluating as few as possible.

    ``upper[i]`` must bound item ``i``'s exact score from above, and items must come in
    tie-break order (an earlier item wins a tie). ``exact(i, floor)`` returns the exact
    score, or ``None`` to drop the item; ``floor`` is the score an item must beat to
    enter the top (``-inf`` until ``limit`` items are in it), and ``exact`` may return
    ``None`` for an item scoring at most ``floor`` (it could not enter), which lets it stop
    early. Items are evaluated in decreasing ``upper`` order and the loop stops as soon as
    ``limit`` exact scores are at least the next bound: from then on no unevaluated item
    can enter the top, and the result is *certified*. It also stops after ``max_exact``
    evaluations, uncertified.

    Returns
    -------
    list of (item, exact score), best first; and whether the top is certified.

    Examples
    --------
    >>> truth = [0.5, 0.9, 0.2]
    >>> refine_top(np.array([0.9, 0.95, 0.3], np.float32), lambda i, floor: truth[i], 1, 10)
    ([(1, 0.9)], True)
    """
    best: list[tuple[float, int, int]] = []  # min-heap of (score, -rank, item)
    for evaluated, item in enumerate(leading(upper, max_exact + 1).tolist()):
        if len(best) >= limit and best[0][0] >= upper[item]:
            return _ranked(best), True
        if evaluated >= max_exact:
            return _ranked(best), False
        # A new item enters only by beating the worst kept score: on a tie it ranks later.
        score = exact(item, best[0][0] if len(best) >= limit else -math.inf)
        if score is None:
            continue
        heapq.heappush(best, (score, -evaluated, item))
        if len(best) > limit:
            heapq.heappop(best)
    return _ranked(best), True


def leading(scores: FloatArray, count: int) -> npt.NDArray[np.intp]:
    """The first ``count`` items in decreasing ``scores`` order, earlier items first on ties.

    The same as the head of ``np.lexsort((np.arange(n), -scores))``, without sorting
    everything: only the items at or above the ``count``-th score are sorted.

    Examples
    --------
    >>> leading(np.array([0.2, 0.9, 0.5, 0.9], np.float32), 3).tolist()
    [1, 3, 2]
    """
    if count >= len(scores):
        return np.lexsort((np.arange(len(scores)), -scores))
    if count <= 0:
        return np.zeros(0, dtype=np.intp)
    cut = -np.partition(-scores, count - 1)[count - 1]
    near = np.flatnonzero(scores >= cut)
    return near[np.lexsort((near, -scores[near]))][:count]


def _ranked(best: list[tuple[float, int, int]]) -> list[tuple[int, float]]:
    return [(item, score) for score, _, item in sorted(best, key=lambda t: (-t[0], -t[1]))]
