"""When is a move viable: a calibrated score threshold plus the job-zone rule.

Following the career-transition literature (a move is viable when the occupations are
similar enough and the preparation step is small), a move A -> B is viable when its
transition score clears a threshold and ``job_zone(B) - job_zone(A) <= 1``: moving down
or sideways is always allowed by the job-zone rule, moving up at most one zone.

The threshold is calibrated on cross-validated scores: the score that maximises F1 for
recognising O*NET's *Primary* related occupations (Primary-Short or Primary-Long) among
all candidate pairs of held-out source occupations.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_JOB_ZONE_STEP", "calibrate_threshold", "viable"]

MAX_JOB_ZONE_STEP = 1


def calibrate_threshold(scores: npt.ArrayLike, primary: npt.ArrayLike) -> tuple[float, float]:
    """The score threshold maximising F1 for ``primary`` labels, and that F1.

    Parameters
    ----------
    scores : array of float, shape (n_pairs,)
        Out-of-fold transition scores.
    primary : array of bool, shape (n_pairs,)
        Whether each pair is a Primary related occupation.

    Examples
    --------
    >>> calibrate_threshold([0.9, 0.8, 0.3, 0.1], [True, True, False, False])
    (0.8, 1.0)
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(primary, dtype=bool)
    if s.shape != y.shape or not y.any():
        raise ValueError("need matching scores and labels with at least one positive")
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    true_pos = np.cumsum(y)
    f1 = 2 * true_pos / (np.arange(1, len(s) + 1) + y.sum())
    # Only cut between distinct scores, so that the threshold is achievable.
    last_of_value = np.append(s[1:] != s[:-1], True)
    best = int(np.argmax(np.where(last_of_value, f1, -1.0)))
    return float(s[best]), float(f1[best])


def viable(score: float, threshold: float, source_zone: int, target_zone: int) -> bool:
    """Whether a move is viable: score at or above threshold, at most one job zone up.

    Examples
    --------
    >>> viable(0.5, 0.3, 2, 3), viable(0.5, 0.3, 2, 4), viable(0.2, 0.3, 3, 3)
    (True, False, False)
    """
    return score >= threshold and target_zone - source_zone <= MAX_JOB_ZONE_STEP
