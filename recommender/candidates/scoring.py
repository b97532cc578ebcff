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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidInput

__all__ = ["DEFAULT_HOURS_SCALE", "ShortlistWeights", "hours_score", "refine_top"]

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
    exact: Callable[[int], float | None],
    limit: int,
    max_exact: int,
) -> tuple[list[tuple[int, float]], bool]:
    """The ``limit`` best items by exact score, evaluating as few as possible.

    ``upper[i]`` must bound item ``i``'s exact score from above, and items must come in
    tie-break order (an earlier item wins a tie). ``exact(i)`` returns the exact score,
    or ``None`` to drop the item. Items are evaluated in decreasing ``upper`` order and
    the loop stops as soon as ``limit`` exact scores are at least the next bound: from
    then on no unevaluated item can enter the top, and the result is *certified*. It also
    stops after ``max_exact`` evaluations, uncertified.

    Returns
    -------
    list of (item, exact score), best first; and whether the top is certified.

    Examples
    --------
    >>> truth = [0.5, 0.9, 0.2]
    >>> refine_top(np.array([0.9, 0.95, 0.3], np.float32), lambda i: truth[i], 1, 10)
    ([(1, 0.9)], True)
    """
    order = np.lexsort((np.arange(len(upper)), -upper))
    best: list[tuple[float, int, int]] = []  # min-heap of (score, -rank, item)
    for evaluated, item in enumerate(order.tolist()):
        if len(best) >= limit and best[0][0] >= upper[item]:
            return _ranked(best), True
        if evaluated >= max_exact:
            return _ranked(best), False
        score = exact(item)
        if score is None:
            continue
        heapq.heappush(best, (score, -evaluated, item))
        if len(best) > limit:
            heapq.heappop(best)
    return _ranked(best), True


def _ranked(best: list[tuple[float, int, int]]) -> list[tuple[int, float]]:
    return [(item, score) for score, _, item in sorted(best, key=lambda t: (-t[0], -t[1]))]
