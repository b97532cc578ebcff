"""What kind of move a role is for someone, and which moves are near.

Three questions a person asks of an option before its score:

* **Is it a step up, across or down?** (:func:`move_kind`) By job zone (O*NET's 1-5
  scale of preparation) and pay band. A move is a *step down* when either falls (a lower
  job zone, or a lower pay band where both roles have one on the same scale), a *step
  up* when either rises and neither falls, and *lateral* otherwise. A pay cut is a step
  down for the person whatever the job zone says, so a fall in either counts.
* **Does it keep my pay?** (:func:`keeps_pay`) The target's band is at least the
  current one; unknown when either role has no band, or the bands are not on one
  scale (``B7`` and ``M2``).
* **Is it near?** A *viable single move* is one the transition judge finds viable
  **and** for which the person already meets at least :data:`VIABLE_READINESS` (half) of
  the role's requirements, weighted by importance. Below half, most of the role must be
  learnt from scratch: that is a career change, shown as a *longer-term route* (with its
  stepping stones where the role graph has them), whatever the judge's score. Half is
  the point at which the person brings more of the job than they must learn; it is
  also where the readiness the option shows crosses from "mostly missing" to "mostly
  met", so the label and the number a reader sees agree. A plan longer than
  :data:`HORIZON_WEEKS` (two years) at the person's own weekly learning hours is
  *long-term* too: two years is about the longest employer-sponsored programme
  (an associate degree, a residency) and beyond it a plan outlasts the person's
  planning horizon; it is not ranked among near moves.

Pay bands are compared in their natural order: ``B2 < B9 < B10`` (the digits as numbers,
not as text), see :func:`pay_band_order`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from recommender.catalog import Role

__all__ = [
    "HORIZON_WEEKS",
    "VIABLE_READINESS",
    "MoveKind",
    "Tier",
    "pay_band_order",
    "move_kind",
    "keeps_pay",
    "horizon_hours",
]

#: The least importance-weighted share of a role's requirements met for a single move.
VIABLE_READINESS = 0.5
#: Plans longer than this many weeks of a person's weekly learning hours are long-term.
HORIZON_WEEKS = 104

_DIGITS = re.compile(r"(\d+)")


class MoveKind(StrEnum):
    """A move by job zone and pay band (see the module docstring)."""

    STEP_UP = "step_up"
    LATERAL = "lateral"
    STEP_DOWN = "step_down"

    @property
    def label(self) -> str:
        """The words a person reads: "step up", "lateral", "step down"."""
        return self.value.replace("_", " ")


class Tier(StrEnum):
    """Where an option ranks: near moves up or across, then longer-term ones, then down."""

    NEAR = "near"
    LONG_TERM = "long_term"
    STEP_DOWN = "step_down"


def pay_band_order(a: str | None, b: str | None) -> int | None:
    """-1, 0 or 1 as band ``a`` is below, equal to or above ``b``; ``None`` when either is
    missing or they are not on one scale (their non-digit parts differ).

    Examples
    --------
    >>> pay_band_order("B10", "B9"), pay_band_order("B6", "B6"), pay_band_order("b2", "B3")
    (1, 0, -1)
    >>> pay_band_order("B7", "M2") is None, pay_band_order(None, "B2") is None
    (True, True)
    """
    ka, kb = _band_key(a), _band_key(b)
    if ka is None or kb is None or ka[0] != kb[0]:
        return None
    return (ka[1] > kb[1]) - (ka[1] < kb[1])


def _band_key(band: str | None) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    if band is None or not band.strip():
        return None
    parts = _DIGITS.split(band.strip().casefold())
    numbers = tuple(int(p) for p in parts[1::2])
    return (tuple(parts[0::2]), numbers) if numbers else None


def move_kind(current: Role, target: Role) -> MoveKind:
    """Step up, lateral or step down from ``current`` to ``target`` (module docstring).

    Examples
    --------
    >>> nurse = Role("rn", "RN", "", "", "Nursing", 4, pay_band="B6")
    >>> move_kind(nurse, Role("lpn", "LPN", "", "", "Nursing", 3, pay_band="B4")).label
    'step down'
    >>> move_kind(nurse, Role("ni", "NI", "", "", "Informatics", 4, pay_band="B8")).label
    'step up'
    >>> move_kind(nurse, Role("x", "X", "", "", "Informatics", 5, pay_band="B5")).label
    'step down'
    """
    zone = target.job_zone - current.job_zone
    pay = pay_band_order(target.pay_band, current.pay_band)
    if zone < 0 or pay == -1:
        return MoveKind.STEP_DOWN
    if zone > 0 or pay == 1:
        return MoveKind.STEP_UP
    return MoveKind.LATERAL


def keeps_pay(current: Role, target: Role) -> bool | None:
    """Whether ``target``'s pay band is at least ``current``'s; ``None`` when unknown."""
    order = pay_band_order(target.pay_band, current.pay_band)
    return None if order is None else order >= 0


def horizon_hours(weekly_hours: float) -> float:
    """Training hours beyond which a plan is long-term for someone learning ``weekly_hours``
    a week (:data:`HORIZON_WEEKS` of them)."""
    return HORIZON_WEEKS * max(weekly_hours, 0.0)
