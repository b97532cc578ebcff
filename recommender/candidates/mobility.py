"""Mobility options: where could an employee go next?

For one employee, every organisation role other than their own is scored by a bounded
combination of

* feasibility -- the transition judge's score of the move from the employee's current
  role (in [0, 1]); moves the judge finds not viable are left out unless asked for;
* hours -- ``scale / (scale + hours)`` of the training hours to be ready, from the
  exact planner (the lower bound of :mod:`~recommender.candidates.hours` only decides
  which roles need planning, through :func:`~recommender.candidates.scoring.refine_top`);
* demand -- :func:`~recommender.candidates.demand.demand_score` (open positions and the
  hard-to-fill flag).

Options that make career sense
------------------------------
The score orders options only within a **tier** (:class:`~recommender.candidates.career.Tier`):

1. *near* moves up or across: a viable single move (the judge finds it viable and the
   person meets at least half of the role's requirements, by importance) whose plan fits
   in two years of the person's weekly learning hours;
2. *long-term* routes up or across: a move that needs most of the role from scratch, one
   the judge finds not viable (shown only with ``include_unviable``), or a plan beyond the
   two-year horizon; each names its stepping stones where the role graph has them;
3. *step downs* (a lower job zone or pay band), listed only with ``include_step_down``
   and marked as such.

Within a tier, options toward the person's goal (:mod:`~recommender.candidates.goals`:
one set through the API, else one the profile states) come first, then the higher score.
So a reader sees the moves they could make soon, then the routes that take longer, and a
demotion only when they ask for one; the score (with its contributions) is still shown.
The answer's goal section lists the best routes toward the goal (at most
:data:`GOAL_ROUTES`, in the same order, step downs and unviable single moves included,
each marked), even when none of them is near.

Each option carries its kind (step up, lateral, step down), whether it keeps pay, a
sentence saying why it is listed (``why``, also its first reason) and its pathway: the
exact training plan from :class:`~recommender.pathways.Planner` (fewest hours, then cost).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, overload

import numpy as np

from recommender.candidates.career import (
    VIABLE_READINESS,
    MoveKind,
    Tier,
    horizon_hours,
    keeps_pay,
    move_kind,
    pay_band_order,
)
from recommender.candidates.demand import demand_score
from recommender.candidates.goals import Goal, profile_goal
from recommender.candidates.index import CandidateIndex
from recommender.candidates.scoring import DEFAULT_HOURS_SCALE, hours_score, refine_top
from recommender.catalog import Employee, Role, RoleSource
from recommender.errors import InvalidInput
from recommender.pathways import Objective, SteppingStones, TrainingPlan
from recommender.pathways.gaps import employee_profile

__all__ = [
    "GOAL_ROUTES",
    "MAX_MOVES",
    "MobilityWeights",
    "MobilityOption",
    "GoalRoutes",
    "Opportunities",
    "Routes",
    "mobility_options",
]

#: How many routes toward a goal the answer's goal section lists.
GOAL_ROUTES = 3
#: The most moves a stepping-stone route may take (at most two roles between).
MAX_MOVES = 3

# Tiers as numbers: a value of ``4 * tier + 2 * toward_goal + score`` (score in [0, 1])
# orders by tier, then goal, then score, and is still an upper bound when the hours are.
_TIER_RANK = {Tier.NEAR: 2, Tier.LONG_TERM: 1, Tier.STEP_DOWN: 0}


@dataclass(frozen=True, slots=True)
class MobilityWeights:
    """Weights of a mobility score; non-negative, normalised to sum to 1.

    Examples
    --------
    >>> MobilityWeights(1, 1, 0).hours
    0.5
    """

    feasibility: float = 0.45
    hours: float = 0.35
    demand: float = 0.20

    def __post_init__(self) -> None:
        values = (self.feasibility, self.hours, self.demand)
        if any(not v >= 0 for v in values) or sum(values) <= 0:
            raise InvalidInput(f"mobility weights must be >= 0 and not all 0, got {values}")
        total = sum(values)
        for name, value in zip(("feasibility", "hours", "demand"), values, strict=True):
            object.__setattr__(self, name, value / total)


@dataclass(frozen=True, slots=True)
class MobilityOption:
    """One role an employee could move to, with its score, components and pathway.

    ``viable`` is a viable single move: the judge finds the move viable
    (``judged_viable``) and the person meets at least half of the role's requirements.
    ``long_term`` marks a route that is not near (not a viable single move, or a plan
    beyond the two-year horizon); ``stepping_stones`` are the roles between on the
    cheapest stepping-stone path (empty when the path is direct, or there is none).
    """

    rank: int
    role_id: str
    title: str
    score: float
    feasibility: float
    viable: bool
    readiness: float
    hours: float
    weeks: int
    demand: float
    open_positions: int
    median_days_to_fill: int | None
    hard_to_fill: bool
    weights: MobilityWeights
    plan: TrainingPlan
    reasons: tuple[str, ...] = ()
    kind: MoveKind = MoveKind.LATERAL
    keeps_pay: bool | None = None
    judged_viable: bool = False
    long_term: bool = False
    toward_goal: bool = False
    stepping_stones: tuple[str, ...] = ()
    why: str = ""

    @property
    def tier(self) -> Tier:
        """Near, long-term or step down: what the option is ranked by first."""
        if self.kind == MoveKind.STEP_DOWN:
            return Tier.STEP_DOWN
        return Tier.LONG_TERM if self.long_term else Tier.NEAR

    def contributions(self) -> dict[str, float]:
        """Weight times value per component; they add up to the score."""
        w = self.weights
        return {
            "feasibility": w.feasibility * self.feasibility,
            "hours": w.hours * float(hours_score([self.hours])[0]),
            "demand": w.demand * self.demand,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "role_id": self.role_id,
            "title": self.title,
            "kind": str(self.kind),
            "keeps_pay": self.keeps_pay,
            "tier": str(self.tier),
            "why": self.why,
            "score": round(self.score, 4),
            "feasibility": round(self.feasibility, 4),
            "viable": self.viable,
            "judged_viable": self.judged_viable,
            "long_term": self.long_term,
            "toward_goal": self.toward_goal,
            "stepping_stones": list(self.stepping_stones),
            "readiness": round(self.readiness, 4),
            "hours": self.hours,
            "weeks": self.weeks,
            "demand": round(self.demand, 4),
            "open_positions": self.open_positions,
            "median_days_to_fill": self.median_days_to_fill,
            "hard_to_fill": self.hard_to_fill,
            "contributions": {k: round(v, 4) for k, v in self.contributions().items()},
            "plan": self.plan.to_dict(),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class GoalRoutes:
    """A person's goal and the best routes toward it, best first."""

    goal: Goal
    routes: tuple[MobilityOption, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.goal.to_dict(), "routes": [r.to_dict() for r in self.routes]}


@dataclass(frozen=True, slots=True)
class Opportunities(Sequence[MobilityOption]):
    """The options of one answer, best first (a sequence of them), and the goal section
    (``None`` when the person has no goal that places on the catalogue)."""

    options: tuple[MobilityOption, ...]
    goal: GoalRoutes | None = None

    @overload
    def __getitem__(self, index: int) -> MobilityOption: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[MobilityOption, ...]: ...
    def __getitem__(self, index: int | slice) -> MobilityOption | tuple[MobilityOption, ...]:
        return self.options[index]

    def __len__(self) -> int:
        return len(self.options)

    def __iter__(self) -> Iterator[MobilityOption]:
        return iter(self.options)

    def plans_moved(self, move: Callable[[TrainingPlan], TrainingPlan]) -> Opportunities:
        """The same answer with every plan (options and goal routes) mapped by ``move``."""
        options = tuple(replace(o, plan=move(o.plan)) for o in self.options)
        goal = self.goal
        if goal is not None:
            goal = replace(goal, routes=tuple(replace(o, plan=move(o.plan)) for o in goal.routes))
        return Opportunities(options, goal)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [o.to_dict() for o in self.options],
            "goal": None if self.goal is None else self.goal.to_dict(),
        }


class Routes:
    """Stepping stones between roles: the roles between on the cheapest path of at most
    :data:`MAX_MOVES` moves in the stepping-stone graph (edge weight: training hours between
    typical profiles), memoised by starting role.

    Each stepping stone is a job held for a while before the next move; a route of more
    than three moves is a decade's plan, not advice, so longer paths are not offered (the
    option then says no stepping-stone path was found).
    """

    def __init__(self, stones: SteppingStones) -> None:
        self.graph = stones.graph
        self._memo: dict[str, dict[str, tuple[str, ...]]] = {}

    def between(self, a: str, b: str) -> tuple[str, ...] | None:
        """The roles strictly between ``a`` and ``b``; ``()`` for a direct move, ``None``
        when no path of at most :data:`MAX_MOVES` viable, trainable moves joins them."""
        if a not in self._memo:
            self._memo[a] = self._paths_from(a)
        return self._memo[a].get(b)

    def _paths_from(self, a: str) -> dict[str, tuple[str, ...]]:
        """The cheapest path of at most MAX_MOVES edges to every role: Bellman-Ford cut at
        MAX_MOVES rounds, each round a layer ``node -> (hours, previous node)``."""
        if a not in self.graph:
            return {}
        layers: list[dict[str, tuple[float, str]]] = [{a: (0.0, a)}]
        for _ in range(MAX_MOVES):
            layer: dict[str, tuple[float, str]] = {}
            for u, (hours, _) in layers[-1].items():
                for v, edge in self.graph[u].items():
                    reached = hours + float(edge["weight"])
                    if v != a and (v not in layer or reached < layer[v][0]):
                        layer[v] = (reached, u)
            layers.append(layer)
        best: dict[str, tuple[float, int]] = {}
        for moves, layer in enumerate(layers[1:], start=1):
            for v, (hours, _) in layer.items():
                if v not in best or hours < best[v][0]:
                    best[v] = (hours, moves)
        return {v: self._stones(layers, v, moves) for v, (_, moves) in best.items()}

    @staticmethod
    def _stones(
        layers: list[dict[str, tuple[float, str]]], target: str, moves: int
    ) -> tuple[str, ...]:
        path, node = [], target
        for k in range(moves, 0, -1):
            node = layers[k][node][1]
            path.append(node)
        return tuple(reversed(path[:-1]))  # less the starting role


def mobility_options(
    index: CandidateIndex,
    employee_id: str,
    limit: int = 10,
    *,
    include_unviable: bool = False,
    include_step_down: bool = False,
    goal: Goal | None = None,
    weights: MobilityWeights | None = None,
    hours_scale: float = DEFAULT_HOURS_SCALE,
    start: date | None = None,
    routes: Routes | None = None,
) -> Opportunities:
    """The roles ``employee_id`` could reach, best first, each with its training plan.

    Parameters
    ----------
    index : CandidateIndex
        A fitted index (vectors not needed).
    employee_id : str
    limit : int
        How many options, >= 1.
    include_unviable : bool
        Also list moves the transition judge does not find viable (as long-term routes).
    include_step_down : bool
        Also list step downs (a lower job zone or pay band), last and marked.
    goal : Goal, optional
        The goal set through the API; default: the one the profile states, if any.
    weights : MobilityWeights, optional
        Defaults: feasibility 0.45, hours 0.35, demand 0.20.
    start : date, optional
        First day of study for the plans' dates (default today).
    routes : Routes, optional
        Stepping stones for long-term routes (none named without).

    Raises
    ------
    UnknownEmployee
        If the employee does not exist.
    InvalidInput
        If the employee opted out of matching, or ``limit`` < 1.
    """
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, got {limit}")
    row = index.row(employee_id)
    catalog = index.catalog_
    if goal is None:
        goal = profile_goal(catalog, employee_id)
    targets = frozenset(goal.targets(catalog)) if goal is not None else frozenset()
    ranking = _Ranking(
        index, row, weights or MobilityWeights(), hours_scale, start, targets, routes
    )
    current = ranking.current
    roles = [
        r
        for r in sorted(catalog.roles.values(), key=lambda r: r.id)
        if r.source == RoleSource.ORG
        and r.id != current.id
        and (include_unviable or ranking.judged(r.id))
        and (include_step_down or move_kind(current, r) != MoveKind.STEP_DOWN)
    ]
    options = ranking.top(roles, limit)
    if goal is None:
        return Opportunities(options)
    toward = [catalog.roles[t] for t in sorted(targets) if t != current.id]
    return Opportunities(options, GoalRoutes(goal, ranking.top(toward, GOAL_ROUTES)))


class _Ranking:
    """One person's options: bounds, exact plans, tiers and reasons."""

    def __init__(
        self,
        index: CandidateIndex,
        row: int,
        weights: MobilityWeights,
        hours_scale: float,
        start: date | None,
        targets: frozenset[str],
        routes: Routes | None,
    ) -> None:
        self.index, self.row, self.weights, self.scale = index, row, weights, hours_scale
        self.start, self.targets, self.routes = start, targets, routes
        self.employee: Employee = index.catalog_.employees[index.employee_ids_[row]]
        self.current: Role = index.catalog_.roles[self.employee.role_id]
        self.horizon = horizon_hours(self.employee.weekly_learning_hours)
        self.profile = employee_profile(index.catalog_, self.employee.id)
        self._judged: dict[str, bool] = {}
        self._plans: dict[str, TrainingPlan] = {}

    def judged(self, role_id: str) -> bool:
        if role_id not in self._judged:
            verdict = self.index.judge_.is_viable(self.current.id, role_id)
            self._judged[role_id] = bool(verdict)
        return self._judged[role_id]

    def plan(self, role_id: str) -> TrainingPlan:
        if role_id not in self._plans:
            self._plans[role_id] = self.index.planner_.plan(
                self.profile, role_id, Objective.HOURS, start=self.start
            )
        return self._plans[role_id]

    def top(self, roles: Sequence[Role], limit: int) -> tuple[MobilityOption, ...]:
        """The ``limit`` best of ``roles`` by tier, goal and score, with exact plans."""
        if not roles or limit < 1:
            return ()
        rows = np.array([self.row], dtype=np.intp)
        columns = [self.index.columns(r.id, rows) for r in roles]
        bound = [float(c.hours[0]) for c in columns]
        ready = [float(c.readiness[0]) for c in columns]
        feasibility = [float(c.transition[0]) for c in columns]
        demand = [demand_score(r) for r in roles]

        def value(item: int, hours: float) -> float:
            tier = self._tier(roles[item], ready[item], hours)
            toward = roles[item].id in self.targets
            score = self._score(feasibility[item], hours, demand[item])
            return 4.0 * _TIER_RANK[tier] + 2.0 * toward + score

        upper = np.array([value(i, bound[i]) for i in range(len(roles))], dtype=np.float64)

        def exact(item: int, floor: float) -> float:
            return value(item, self.plan(roles[item].id).total_hours)

        # Rounded up to float32, so the bounds stay bounds.
        bounds = np.nextafter(upper.astype(np.float32), np.float32(np.inf))
        picked, _ = refine_top(bounds, exact, limit, len(roles))
        return tuple(
            self._option(rank, roles[item], feasibility[item], ready[item], demand[item])
            for rank, (item, _) in enumerate(picked, start=1)
        )

    def _tier(self, role: Role, readiness: float, hours: float) -> Tier:
        if move_kind(self.current, role) == MoveKind.STEP_DOWN:
            return Tier.STEP_DOWN
        single = self.judged(role.id) and readiness >= VIABLE_READINESS - 1e-9
        return Tier.NEAR if single and hours <= self.horizon + 1e-9 else Tier.LONG_TERM

    def _score(self, feasibility: float, hours: float, demand: float) -> float:
        w = self.weights
        return float(
            w.feasibility * feasibility
            + w.hours * float(hours_score([hours], self.scale)[0])
            + w.demand * demand
        )

    def _option(
        self, rank: int, role: Role, feasibility: float, ready: float, demand: float
    ) -> MobilityOption:
        plan = self.plan(role.id)
        judged = self.judged(role.id)
        single = judged and ready >= VIABLE_READINESS - 1e-9
        kind = move_kind(self.current, role)
        long_term = not single or plan.total_hours > self.horizon + 1e-9
        stones: tuple[str, ...] = ()
        found: tuple[str, ...] | None = ()
        if long_term and self.routes is not None:
            found = self.routes.between(self.current.id, role.id)
            stones = found or ()
        option = MobilityOption(
            rank=rank,
            role_id=role.id,
            title=role.title,
            score=self._score(feasibility, plan.total_hours, demand),
            feasibility=feasibility,
            viable=single,
            readiness=plan.analysis.readiness,
            hours=plan.total_hours,
            weeks=plan.weeks,
            demand=demand,
            open_positions=role.open_positions,
            median_days_to_fill=role.median_days_to_fill,
            hard_to_fill=role.hard_to_fill,
            weights=self.weights,
            plan=plan,
            kind=kind,
            keeps_pay=keeps_pay(self.current, role),
            judged_viable=judged,
            long_term=long_term,
            toward_goal=role.id in self.targets,
            stepping_stones=stones,
        )
        why = _why(option, self.current, role, self.employee, found, self.routes is not None)
        return replace(option, why=why, reasons=(why, *_reasons(option, self.current)))


def _why(
    option: MobilityOption,
    current: Role,
    target: Role,
    employee: Employee,
    found: tuple[str, ...] | None,
    searched: bool,
) -> str:
    """One sentence: the kind of move, whether it is near and why not, the goal."""
    plan = option.plan
    met, total = len(plan.analysis.transferring), len(plan.analysis.gaps)
    head = f"{option.kind.label.capitalize()} ({_change(current, target)})"
    if option.viable and not option.long_term:
        reach = (
            f"a viable single move: meets {met} of {total} requirements, "
            f"{plan.total_hours:g} h of training (about {plan.weeks} weeks)"
        )
    elif not option.judged_viable:
        reach = (
            "a longer-term route, not a viable single move: the transition judge finds it "
            f"not viable (score {option.feasibility:.2f})"
        )
    elif not option.viable:
        reach = (
            f"a longer-term route, not a viable single move: meets only {met} of {total} "
            f"requirements ({option.readiness:.0%} by importance), so most of the role is "
            "learnt from scratch"
        )
    else:
        reach = (
            f"long-term: {plan.total_hours:g} h is about {plan.weeks} weeks at "
            f"{employee.weekly_learning_hours:g} h/week, beyond a two-year horizon"
        )
    if option.long_term and searched:
        if found:
            reach += "; stepping stones: " + " -> ".join((current.id, *found, target.id))
        elif found is None:
            reach += f"; no stepping-stone path of at most {MAX_MOVES} moves"
    if current.id in target.feeder_roles:
        reach += (
            f"; a declared career path of the organisation ({target.title} recruits "
            f"from {current.title})"
        )
    goal = "; toward the person's goal" if option.toward_goal else ""
    return f"{head}: {reach}{goal}."


def _change(current: Role, target: Role) -> str:
    zone = f"job zone {current.job_zone} to {target.job_zone}"
    if current.pay_band is None or target.pay_band is None:
        return zone + ", pay band unknown"
    order = pay_band_order(target.pay_band, current.pay_band)
    pay = {None: "not comparable", -1: "a pay cut", 0: "keeps pay", 1: "a raise"}[order]
    return f"{zone}, pay band {current.pay_band} to {target.pay_band}, {pay}"


def _reasons(option: MobilityOption, current: Role) -> tuple[str, ...]:
    plan = option.plan
    move = "viable" if option.judged_viable else "not viable"
    out = [
        f"From {current.title}: transition score {option.feasibility:.2f} (the judge finds "
        f"the move {move}).",
        f"Already meets {len(plan.analysis.transferring)} of {len(plan.analysis.gaps)} "
        f"requirements ({option.readiness:.0%} weighted by importance).",
    ]
    if plan.steps:
        out.append(
            f"{plan.total_hours:g} hours over {len(plan.steps)} course(s), about "
            f"{plan.weeks} week(s) at {plan.weekly_hours:g} h/week (cheapest valid plan)."
        )
    else:
        out.append("No training needed for the skills courses can teach.")
    if plan.unclosable:
        out.append(f"{len(plan.unclosable)} requirement(s) no course closes; see the plan.")
    demand = f"{option.open_positions} open position(s)"
    if option.median_days_to_fill is not None:
        demand += f", {option.median_days_to_fill} days to fill"
    if option.hard_to_fill:
        demand += ", hard to fill"
    out.append(f"Demand: {demand}.")
    parts = " + ".join(f"{k} {v:.2f}" for k, v in option.contributions().items())
    out.append(f"Score {option.score:.2f} = {parts}.")
    return tuple(out)
