"""Organisational demand: the hard-to-fill view and the demand score of a role.

The hard-to-fill view lists the roles flagged hard to fill (every organisation role with
``all_roles``), ranked by open positions (most first), then median days to fill (longest
first), then how many employees are within reach (fewest first).

"Within reach" is exact: it counts the very people the candidates route
(``GET /v1/roles/{id}/candidates?max_hours=H``, ``reskill candidates --max-hours H``) would
return for the role under the same hours limit and no length limit, computed by the same
code (:func:`~recommender.candidates.shortlist.within_reach`: the shortlist's filters, then
each person's exact plan from the shortlist's plan cache). So it leaves out the role's
incumbents and people who hold another hard-to-fill role (moving them moves the
vacancy), never counts opted-out people (the index holds none), and, through the gate
(:meth:`recommender.gate.Gate.hard_to_fill`), never counts anyone erased since the served
data was loaded. ``ready_now`` counts those of them who meet every requirement already
(``min_readiness=1``); ``incumbents`` the indexed people in the role.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.candidates.index import CandidateIndex
from recommender.candidates.shortlist import within_reach
from recommender.catalog import Role, RoleSource
from recommender.errors import InvalidInput

#: Which of some employee ids may be counted (the gate: those still stored).
Kept = Callable[[Sequence[str]], Collection[str]]

__all__ = [
    "OPEN_POSITIONS_SCALE",
    "RoleDemand",
    "RoleReach",
    "demand_score",
    "role_reach",
    "view_of",
    "hard_to_fill_view",
]

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


@dataclass(frozen=True, slots=True)
class RoleReach:
    """Whom the hard-to-fill view counts for one role, by id (see the module docstring)."""

    role: Role
    incumbents: tuple[str, ...]
    within_reach: tuple[str, ...]
    ready_now: tuple[str, ...]
    within_hours: float

    def counted(self, kept: Kept | None = None) -> RoleDemand:
        """The row of the view, counting only the people ``kept`` keeps (default: all)."""
        keep = kept or _everyone
        role = self.role
        return RoleDemand(
            role_id=role.id,
            title=role.title,
            open_positions=role.open_positions,
            median_days_to_fill=role.median_days_to_fill,
            hard_to_fill=role.hard_to_fill,
            incumbents=_count(self.incumbents, keep),
            within_reach=_count(self.within_reach, keep),
            ready_now=_count(self.ready_now, keep),
            within_hours=self.within_hours,
        )


def role_reach(
    index: CandidateIndex, within_hours: float = 200.0, *, all_roles: bool = False
) -> tuple[RoleReach, ...]:
    """For each hard-to-fill role (every organisation role with ``all_roles``), whom the
    candidates route returns under ``within_hours`` (exact plans), in role id order.

    Raises
    ------
    InvalidInput
        If ``within_hours`` is negative.
    """
    if not within_hours >= 0:
        raise InvalidInput(f"within_hours must be >= 0, got {within_hours!r}")
    roles = sorted(index.catalog_.roles.values(), key=lambda r: r.id)
    return tuple(
        _reach(index, role, within_hours)
        for role in roles
        if role.source == RoleSource.ORG and (all_roles or role.hard_to_fill)
    )


def view_of(reach: Sequence[RoleReach], kept: Kept | None = None) -> tuple[RoleDemand, ...]:
    """The hard-to-fill view of ``reach``: counted (only whom ``kept`` keeps) and ranked."""
    return tuple(sorted((r.counted(kept) for r in reach), key=_rank_key))


def hard_to_fill_view(
    index: CandidateIndex,
    within_hours: float = 200.0,
    *,
    all_roles: bool = False,
    kept: Kept | None = None,
) -> tuple[RoleDemand, ...]:
    """Hard-to-fill roles ranked by open positions, days to fill and employees within reach.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index (vectors not needed).
    within_hours : float
        Training hours (of the exact plan) that count as "within reach".
    all_roles : bool
        List every organisation role, not only those flagged hard to fill.
    kept : callable, optional
        Given employee ids, the ones that may be counted (the gate passes those still
        stored); default: all.

    Raises
    ------
    InvalidInput
        If ``within_hours`` is negative.
    """
    return view_of(role_reach(index, within_hours, all_roles=all_roles), kept)


def _everyone(ids: Sequence[str]) -> Collection[str]:
    return ids


def _count(ids: tuple[str, ...], kept: Kept) -> int:
    return len(set(kept(ids)) & set(ids)) if ids else 0


def _reach(index: CandidateIndex, role: Role, within_hours: float) -> RoleReach:
    rows = within_reach(index, role.id, within_hours)
    ready = index.columns(role.id, rows).readiness >= 1.0 - 1e-6
    incumbents = np.flatnonzero(index.current_role_ == index.role_ids_.index(role.id))
    return RoleReach(
        role=role,
        incumbents=index.ids(incumbents),
        within_reach=index.ids(rows),
        ready_now=index.ids(rows[ready]),
        within_hours=within_hours,
    )


def _rank_key(row: RoleDemand) -> tuple[int, int, int, str]:
    return (-row.open_positions, -(row.median_days_to_fill or 0), row.within_reach, row.role_id)
