"""Organisational demand: the hard-to-fill view and the demand score of a role.

The hard-to-fill view lists the roles with open positions (or flagged hard to fill),
ranked by open positions (most first), then median days to fill (longest first), then
how many employees are within reach (fewest first). "Within reach" counts indexed
employees (never opted-out ones) not already in the role whose every missing
requirement some course closes and whose **lower bound** on training hours is within
the limit: it is an upper bound on the exact count (prerequisites can add hours).
``ready_now`` (every requirement met, 0 hours) is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.candidates.index import CandidateIndex
from recommender.catalog import Role, RoleSource
from recommender.errors import InvalidInput

__all__ = ["OPEN_POSITIONS_SCALE", "RoleDemand", "demand_score", "hard_to_fill_view"]

#: Open positions at which the open-positions half of the demand score is 0.5.
OPEN_POSITIONS_SCALE = 3.0


def demand_score(role: Role) -> float:
    """How much the organisation needs ``role`` filled, in [0, 1).

    Half from open positions (``open / (open + 3)``), half from the hard-to-fill flag.

    Examples
    --------
    >>> r = Role("r", "R", "", "", "IT", 3, open_positions=3, hard_to_fill=True)
    >>> demand_score(r)
    0.75
    """
    open_part = role.open_positions / (role.open_positions + OPEN_POSITIONS_SCALE)
    return 0.5 * open_part + 0.5 * float(role.hard_to_fill)


@dataclass(frozen=True, slots=True)
class RoleDemand:
    """One row of the hard-to-fill view."""

    role_id: str
    title: str
    open_positions: int
    median_days_to_fill: int | None
    hard_to_fill: bool
    incumbents: int
    within_reach: int
    ready_now: int
    within_hours: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "title": self.title,
            "open_positions": self.open_positions,
            "median_days_to_fill": self.median_days_to_fill,
            "hard_to_fill": self.hard_to_fill,
            "incumbents": self.incumbents,
            "within_reach": self.within_reach,
            "ready_now": self.ready_now,
            "within_hours": self.within_hours,
        }


def hard_to_fill_view(
    index: CandidateIndex, within_hours: float = 200.0, *, all_roles: bool = False
) -> tuple[RoleDemand, ...]:
    """Roles ranked by open positions, days to fill and employees within reach.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index (vectors not needed).
    within_hours : float
        Training hours (lower bound) that count as "within reach".
    all_roles : bool
        List every organisation role, not only those with open positions or the
        hard-to-fill flag.

    Raises
    ------
    InvalidInput
        If ``within_hours`` is negative.
    """
    if not within_hours >= 0:
        raise InvalidInput(f"within_hours must be >= 0, got {within_hours!r}")
    rows = [
        _row(index, role, within_hours)
        for role in index.catalog_.roles.values()
        if role.source == RoleSource.ORG
        and (all_roles or role.open_positions > 0 or role.hard_to_fill)
    ]
    return tuple(sorted(rows, key=_rank_key))


def _row(index: CandidateIndex, role: Role, within_hours: float) -> RoleDemand:
    cols = index.columns(role.id)
    others = index.current_role_ != index.role_ids_.index(role.id)
    reach = others & cols.closable & (cols.hours <= within_hours + 1e-6)
    return RoleDemand(
        role_id=role.id,
        title=role.title,
        open_positions=role.open_positions,
        median_days_to_fill=role.median_days_to_fill,
        hard_to_fill=role.hard_to_fill,
        incumbents=int(np.count_nonzero(~others)),
        within_reach=int(np.count_nonzero(reach)),
        ready_now=int(np.count_nonzero(others & (cols.readiness >= 1.0 - 1e-6))),
        within_hours=within_hours,
    )


def _rank_key(row: RoleDemand) -> tuple[int, int, int, str]:
    return (-row.open_positions, -(row.median_days_to_fill or 0), row.within_reach, row.role_id)
