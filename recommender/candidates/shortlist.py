"""Candidate shortlists: who inside could do this job?

Two stages. The first is vectorised over every indexed employee (numpy, no Python loop
per employee): readiness (exact: importance-weighted share of required levels met),
a **lower bound** on hours to ready (:mod:`~recommender.candidates.hours`), the
transition score of the move from the employee's current role, and the profile-to-role
cosine. With the bound, each score is an upper bound on the employee's true score.

The second stage (``exact_hours=True``, the default) plans exactly the best bounds only,
in order, until ``limit`` exact scores beat every remaining bound (see
:func:`~recommender.candidates.scoring.refine_top`); the shortlist is then *certified*:
the same as planning every employee. Exact hours come from the planner's branch and
bound (:meth:`~recommender.pathways.Planner.fewest_hours`, the hours of the
mixed integer programme in a fraction of the time), memoised on the index by plan
signature (:mod:`~recommender.candidates.plans`), and stopped early once an employee
provably cannot beat the last of the ``limit`` best so far. ``exact_hours=False`` skips
the second stage and ranks by the bounds (every candidate then says its hours are a
lower bound).

A data version's preparation plans each hard-to-fill role's longest shortlist once
(:func:`prepare_shortlists`) and stores the exact plans it made; every worker adopts them
(:meth:`~recommender.candidates.plans.PlanCache.adopt`), so a recruiter's first shortlist
for such a role is answered from plans made already (any limit up to
:data:`LONGEST_SHORTLIST` with no filter evaluates a prefix of the same candidates).

Filters: department, location (case-insensitive), minimum readiness, maximum hours.
Opted-out employees are not in the index; employees already in the role are skipped.
Protected attributes are never read: they are not in the Catalog.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.candidates.index import CandidateIndex, RoleColumns
from recommender.candidates.plans import ExactPlan
from recommender.candidates.scoring import (
    DEFAULT_HOURS_SCALE,
    ShortlistWeights,
    hours_score,
    leading,
    refine_top,
)
from recommender.catalog import Catalog, RoleSource
from recommender.errors import InvalidInput
from recommender.pathways.explain import skill_name
from recommender.pathways.gaps import GapAnalysis, SkillGap, analyse_gaps, employee_profile
from recommender.pathways.plan import whole_weeks

__all__ = [
    "ShortlistFilter",
    "ScoreComponents",
    "Candidate",
    "Shortlist",
    "shortlist",
    "candidate_rows",
    "within_reach",
    "LONGEST_SHORTLIST",
    "hard_to_fill_roles",
    "prepare_shortlists",
]

FloatArray = npt.NDArray[np.float32]

_LISTED = 8

#: At most this many exact plans per shortlist beyond ``limit`` (bounds the latency).
DEFAULT_MAX_PLANS = 200
#: The longest shortlist served (the API's largest ``limit``): the one prepared.
LONGEST_SHORTLIST = 100


def hard_to_fill_roles(catalog: Catalog) -> tuple[str, ...]:
    """The organisation's hard-to-fill roles, sorted: the shortlists prepared ahead."""
    roles = catalog.roles.values()
    return tuple(sorted(r.id for r in roles if r.hard_to_fill and r.source == RoleSource.ORG))


def prepare_shortlists(
    index: CandidateIndex,
    roles: Sequence[str] | None = None,
    limit: int = LONGEST_SHORTLIST,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Plan each of ``roles``' shortlists of ``limit`` (no filter; default: the
    hard-to-fill roles), which leaves their exact plans in ``index.plans_``, and return
    those plans exported (:meth:`~recommender.candidates.plans.PlanCache.export`).
    ``progress(done, total)`` after each role."""
    roles = hard_to_fill_roles(index.catalog_) if roles is None else roles
    for done, role_id in enumerate(roles, start=1):
        shortlist(index, role_id, limit)
        if progress is not None:
            progress(done, len(roles))
    return index.plans_.export()


@dataclass(frozen=True, slots=True)
class ShortlistFilter:
    """Who may appear; ``None`` means any. Department and location match case-insensitively."""

    department: str | None = None
    location: str | None = None
    min_readiness: float = 0.0
    max_hours: float | None = None
    include_hard_to_fill_holders: bool = False
    """People who already hold another hard-to-fill role are left out by default:
    moving them would only move the vacancy."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_readiness <= 1.0:
            raise InvalidInput(f"min_readiness must be in [0, 1], got {self.min_readiness!r}")
        if self.max_hours is not None and not self.max_hours >= 0:
            raise InvalidInput(f"max_hours must be >= 0, got {self.max_hours!r}")


@dataclass(frozen=True, slots=True)
class ScoreComponents:
    """The four components of a shortlist score (each in [0, 1]) and their weights.

    ``similarity`` is the raw cosine (may be negative); it counts as ``max(0, cosine)``.
    """

    readiness: float
    hours: float
    transition: float
    similarity: float
    weights: ShortlistWeights

    @property
    def total(self) -> float:
        """The score: the sum of the contributions."""
        return float(sum(self.contributions().values()))

    def contributions(self) -> dict[str, float]:
        """Weight times value for each component; they add up to the score."""
        w = self.weights
        return {
            "readiness": w.readiness * self.readiness,
            "hours": w.hours * self.hours,
            "transition": w.transition * self.transition,
            "similarity": w.similarity * max(0.0, self.similarity),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """One employee on a shortlist, with everything needed to explain the rank.

    ``hours_to_ready`` is exact (the planner's cheapest plan, ``hours_exact=True``) or a
    lower bound. ``weeks_to_ready`` is whole weeks at the employee's weekly learning hours.
    ``unclosable`` lists requirements no course closes (training alone cannot make the
    employee fully ready).
    """

    rank: int
    employee_id: str
    name: str
    current_role_id: str
    target_role_id: str
    department: str
    location: str
    score: float
    components: ScoreComponents
    readiness: float
    hours_to_ready: float
    hours_exact: bool
    weeks_to_ready: int
    weekly_hours: float
    viable_move: bool
    matched: tuple[SkillGap, ...]
    missing: tuple[SkillGap, ...]
    unclosable: tuple[str, ...] = ()
    plan_course_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready rendering."""
        c = self.components
        return {
            "rank": self.rank,
            "employee_id": self.employee_id,
            "name": self.name,
            "current_role_id": self.current_role_id,
            "target_role_id": self.target_role_id,
            "department": self.department,
            "location": self.location,
            "score": round(self.score, 4),
            "components": {
                "readiness": round(c.readiness, 4),
                "hours": round(c.hours, 4),
                "transition": round(c.transition, 4),
                "similarity": round(c.similarity, 4),
            },
            "contributions": {k: round(v, 4) for k, v in c.contributions().items()},
            "weights": {
                "readiness": c.weights.readiness,
                "hours": c.weights.hours,
                "transition": c.weights.transition,
                "similarity": c.weights.similarity,
            },
            "readiness": round(self.readiness, 4),
            "hours_to_ready": self.hours_to_ready,
            "hours_exact": self.hours_exact,
            "weeks_to_ready": self.weeks_to_ready,
            "weekly_hours": self.weekly_hours,
            "viable_move": self.viable_move,
            "matched": [_gap_dict(g) for g in self.matched],
            "missing": [_gap_dict(g) for g in self.missing],
            "unclosable": list(self.unclosable),
            "plan_course_ids": list(self.plan_course_ids),
            "reasons": list(self.reasons),
        }


def _gap_dict(gap: SkillGap) -> dict[str, Any]:
    return {
        "skill_id": gap.skill_id,
        "current": gap.current,
        "required": gap.required,
        "importance": gap.importance,
    }


@dataclass(frozen=True, slots=True)
class Shortlist:
    """The ranked candidates for one role.

    ``considered`` counts the employees that passed the filters (before ``limit``);
    ``certified`` is True when exact hours were used and the top is provably the same as
    planning everyone; ``exact_plans`` counts the employees whose exact hours the ranking
    needed (each planned, or proved unable to enter the list). The population an
    adverse-impact audit assesses (everyone the ranking scored) is built from the index
    by :mod:`recommender.reports`, not kept here: holding every assessed id cost 10 ms and
    0.8 MB a shortlist at 100,000 employees.
    """

    role_id: str
    candidates: tuple[Candidate, ...]
    considered: int
    exact_hours: bool
    certified: bool
    exact_plans: int = 0
    filters: ShortlistFilter = field(default_factory=ShortlistFilter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "considered": self.considered,
            "exact_hours": self.exact_hours,
            "certified": self.certified,
            "exact_plans": self.exact_plans,
            "filters": {
                "department": self.filters.department,
                "location": self.filters.location,
                "min_readiness": self.filters.min_readiness,
                "max_hours": self.filters.max_hours,
            },
            "candidates": [c.to_dict() for c in self.candidates],
        }


def shortlist(
    index: CandidateIndex,
    role_id: str,
    limit: int = 10,
    filters: ShortlistFilter | None = None,
    *,
    weights: ShortlistWeights | None = None,
    hours_scale: float = DEFAULT_HOURS_SCALE,
    exact_hours: bool = True,
    max_plans: int = DEFAULT_MAX_PLANS,
) -> Shortlist:
    """Rank the indexed employees for ``role_id``, best first, with explanations.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index with profile vectors (fitted with an encoder).
    role_id : str
        The target role.
    limit : int
        How many candidates, >= 1.
    filters : ShortlistFilter, optional
    weights : ShortlistWeights, optional
        Defaults: readiness 0.40, hours 0.25, transition 0.15, similarity 0.20.
    hours_scale : float
        Hours at which the hours component is 0.5.
    exact_hours : bool
        Refine the ranking with exact planner hours (see the module docstring).
    max_plans : int
        At most ``limit + max_plans`` exact plans; beyond that the result is uncertified.

    Raises
    ------
    UnknownRole
        If ``role_id`` is not in the catalogue.
    InvalidInput
        For a bad limit, an unknown department or location, or an index without vectors.
    """
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    if index.vectors_ is None:
        raise InvalidInput(
            "this candidate index has no profile vectors: fit it with an encoder to shortlist"
        )
    filters = filters or ShortlistFilter()
    weights = weights or ShortlistWeights()
    rows, cols = candidate_rows(index, role_id, filters)
    upper = _scores(cols, cols.hours, weights, hours_scale)
    ranking = _Ranking(index, cols, rows, weights, hours_scale, filters)
    if exact_hours:
        picked, certified = refine_top(
            upper, ranking.exact_score, limit, min(len(rows), limit + max_plans)
        )
    else:
        top = leading(upper, limit)  # rows ascend: ties go to the earlier row
        picked, certified = [(int(i), float(upper[i])) for i in top], False
    candidates = tuple(
        ranking.candidate(rank, item) for rank, (item, _) in enumerate(picked, start=1)
    )
    return Shortlist(
        role_id=cols.role.id,
        candidates=candidates,
        considered=len(rows),
        exact_hours=exact_hours,
        certified=certified,
        exact_plans=ranking.settled,
        filters=filters,
    )


def candidate_rows(
    index: CandidateIndex, role_id: str, filters: ShortlistFilter
) -> tuple[npt.NDArray[np.intp], RoleColumns]:
    """The rows a shortlist for ``role_id`` considers under ``filters`` (not in the role,
    not holding another hard-to-fill role unless asked, department, location, readiness,
    and **lower-bound** hours within ``max_hours``), and their columns."""
    rows = _eligible_rows(index, role_id, filters)
    cols = index.columns(role_id, rows)
    keep = _passes(cols, filters)
    return rows[keep], _subset(cols, keep)


def within_reach(
    index: CandidateIndex, role_id: str, max_hours: float, filters: ShortlistFilter | None = None
) -> npt.NDArray[np.intp]:
    """The rows the shortlist for ``role_id`` returns with ``max_hours`` and no limit:
    those :func:`candidate_rows` considers whose **exact** plan (the same plan cache a
    shortlist plans with) takes at most ``max_hours``. The hard-to-fill view counts these.
    """
    filters = replace(filters or ShortlistFilter(), max_hours=max_hours)
    rows, cols = candidate_rows(index, role_id, filters)
    catalog, ids = index.catalog_, index.employee_ids_
    ceiling = max_hours + 1e-6  # as a shortlist's plans are cut off (_Ranking._ceiling)
    kept = [
        row
        for row in rows.tolist()
        if index.plans_.plan(cols.role, employee_profile(catalog, ids[row]), ceiling) is not None
    ]
    return np.array(kept, dtype=np.intp)


def _eligible_rows(
    index: CandidateIndex, role_id: str, filters: ShortlistFilter
) -> npt.NDArray[np.intp]:
    role = index.catalog_.role(role_id)
    mask = index.current_role_ != index.role_ids_.index(role.id)
    if not filters.include_hard_to_fill_holders:
        scarce = [i for i, r in enumerate(index.role_ids_) if index.catalog_.roles[r].hard_to_fill]
        mask &= ~np.isin(index.current_role_, scarce)
    if filters.department is not None:
        mask &= index.department_codes_ == index.code_of("department", filters.department)
    if filters.location is not None:
        mask &= index.location_codes_ == index.code_of("location", filters.location)
    return np.flatnonzero(mask)


def _passes(cols: RoleColumns, filters: ShortlistFilter) -> npt.NDArray[np.bool_]:
    keep = cols.readiness >= filters.min_readiness - 1e-6
    if filters.max_hours is not None:
        # Compared in float64: a huge limit (1e308) does not fit the float32 hours column.
        keep &= cols.hours.astype(np.float64) <= filters.max_hours + 1e-6
    return keep


def _subset(cols: RoleColumns, keep: npt.NDArray[np.bool_]) -> RoleColumns:
    return RoleColumns(
        role=cols.role,
        readiness=cols.readiness[keep],
        hours=cols.hours[keep],
        closable=cols.closable[keep],
        transition=cols.transition[keep],
        similarity=None if cols.similarity is None else cols.similarity[keep],
    )


def _scores(
    cols: RoleColumns, hours: FloatArray, weights: ShortlistWeights, scale: float
) -> FloatArray:
    similarity = np.zeros_like(cols.readiness) if cols.similarity is None else cols.similarity
    total: FloatArray = (
        weights.readiness * cols.readiness
        + weights.hours * hours_score(hours, scale)
        + weights.transition * cols.transition
        + weights.similarity * np.maximum(similarity, 0.0)
    ).astype(np.float32)
    return total


class _Ranking:
    """Exact scores for the refinement loop and candidates for the final list."""

    def __init__(
        self,
        index: CandidateIndex,
        cols: RoleColumns,
        rows: npt.NDArray[np.intp],
        weights: ShortlistWeights,
        scale: float,
        filters: ShortlistFilter,
    ) -> None:
        self.index, self.cols, self.rows = index, cols, rows
        self.weights, self.scale, self.filters = weights, scale, filters
        self.plans: dict[int, ExactPlan] = {}
        self.settled = 0

    def exact_score(self, item: int, floor: float) -> float | None:
        """The exact score; ``None`` when the plan exceeds ``max_hours`` or the score
        cannot beat ``floor`` (then the search stops as soon as that is proved)."""
        self.settled += 1
        profile = employee_profile(self.index.catalog_, self.index.employee_ids_[self.rows[item]])
        plan = self.index.plans_.plan(self.cols.role, profile, self._ceiling(item, floor))
        if plan is None:
            return None
        self.plans[item] = plan
        return self.components(item, plan.hours).total

    def _ceiling(self, item: int, floor: float) -> float:
        """Hours beyond which the item is filtered out (``max_hours``) or scores at most
        ``floor``."""
        limit = math.inf if self.filters.max_hours is None else self.filters.max_hours + 1e-6
        return min(limit, self._losing_hours(item, floor))

    def _losing_hours(self, item: int, floor: float) -> float:
        """Hours ``h`` such that every plan of more than ``h`` hours scores at most ``floor``.

        The score falls as hours grow, so ``h`` is found by inverting the hours score and
        then checked (and nudged up past rounding) with the very function that scores.
        """
        if self.weights.hours <= 0:
            return math.inf  # hours do not move the score
        rest = self.components(item, math.inf).total  # the score without its hours part
        share = (floor - rest) / self.weights.hours  # the hours score that would tie floor
        if share <= 0:
            return math.inf
        if share >= 1:  # not even zero hours beats floor, unless rounding says otherwise
            return -1.0 if self.components(item, 0.0).total <= floor else math.inf
        hours = self.scale / share - self.scale
        for _ in range(4):
            if self.components(item, hours).total <= floor:
                return hours
            hours = hours * (1 + 1e-6) + 1e-6
        return math.inf

    def components(self, item: int, hours: float) -> ScoreComponents:
        cols = self.cols
        return ScoreComponents(
            readiness=float(cols.readiness[item]),
            hours=float(hours_score([hours], self.scale)[0]),
            transition=float(cols.transition[item]),
            similarity=0.0 if cols.similarity is None else float(cols.similarity[item]),
            weights=self.weights,
        )

    def candidate(self, rank: int, item: int) -> Candidate:
        catalog, role_id = self.index.catalog_, self.cols.role.id
        employee = catalog.employees[self.index.employee_ids_[self.rows[item]]]
        analysis = analyse_gaps(catalog, employee_profile(catalog, employee.id), role_id)
        if item in self.plans:
            plan = self.plans[item]
            hours, courses, unclosable, exact = plan.hours, plan.course_ids, plan.unclosable, True
        else:
            hours, courses, exact = float(self.cols.hours[item]), (), False
            unclosable = () if self.cols.closable[item] else self._unclosable(analysis)
        components = self.components(item, hours)
        candidate = Candidate(
            rank=rank,
            employee_id=employee.id,
            name=employee.name,
            current_role_id=employee.role_id,
            target_role_id=role_id,
            department=employee.department,
            location=employee.location,
            score=components.total,
            components=components,
            readiness=analysis.readiness,
            hours_to_ready=hours,
            hours_exact=exact,
            weeks_to_ready=whole_weeks(hours, employee.weekly_learning_hours),
            weekly_hours=employee.weekly_learning_hours,
            viable_move=bool(self.index.judge_.is_viable(employee.role_id, role_id)),
            matched=analysis.transferring,
            missing=analysis.missing,
            unclosable=unclosable,
            plan_course_ids=courses,
        )
        return replace(candidate, reasons=candidate_reasons(catalog, candidate))

    def _unclosable(self, analysis: GapAnalysis) -> tuple[str, ...]:
        table = self.index.covers_[analysis.role_id]
        open_bits = {s for j, s in enumerate(table.skill_ids) if not table.closable >> j & 1}
        return tuple(sorted(g.skill_id for g in analysis.missing if g.skill_id in open_bits))


def candidate_reasons(catalog: Catalog, c: Candidate) -> tuple[str, ...]:
    """The candidate in plain sentences: fit, gaps, time to ready, the move, similarity, score."""
    total = len(c.matched) + len(c.missing)
    out = [
        f"Meets {len(c.matched)} of {total} requirements of {_title(catalog, c.target_role_id)} "
        f"({c.readiness:.0%} weighted by importance)."
    ]
    if c.matched:
        out.append(f"Transfers: {_names(catalog, c.matched)}.")
    if c.missing:
        out.append(f"Missing: {_names(catalog, c.missing)}.")
        how = "cheapest valid plan" if c.hours_exact else "a lower bound; no exact plan computed"
        out.append(
            f"{c.hours_to_ready:g} hours of training ({how}), about {c.weeks_to_ready} "
            f"week(s) at {c.weekly_hours:g} h/week."
        )
    else:
        out.append("Ready now: every requirement is met.")
    if c.unclosable:
        names = ", ".join(skill_name(catalog, s) for s in c.unclosable)
        out.append(f"No course closes {names}: it needs experience or mentoring.")
    viable = "a viable single move" if c.viable_move else "not a viable single move"
    out.append(
        f"Moves from {_title(catalog, c.current_role_id)}: transition score "
        f"{c.components.transition:.2f} ({viable})."
    )
    out.append(f"Profile-to-role similarity {c.components.similarity:.2f}.")
    parts = " + ".join(f"{k} {v:.2f}" for k, v in c.components.contributions().items())
    out.append(f"Score {c.score:.2f} = {parts}.")
    return tuple(out)


def _title(catalog: Catalog, role_id: str) -> str:
    role = catalog.roles.get(role_id)
    return role.title if role is not None else role_id


def _names(catalog: Catalog, gaps: tuple[SkillGap, ...]) -> str:
    shown = [
        f"{skill_name(catalog, g.skill_id)} (has {g.current:g}, needs {g.required:g})"
        for g in gaps[:_LISTED]
    ]
    more = len(gaps) - _LISTED
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
