"""The cohort programme: which people train for which vacancies, chosen exactly.

A mixed integer programme (HiGHS through :func:`scipy.optimize.milp`, relative gap 0).
Each :class:`Option` is one person's plan toward one target role; ``x_i`` (binary)
chooses it. Each course priced per cohort run has ``y_c`` (binary): the run is bought.

Constraints: at most one option per person; at most ``need[r]`` people per role; an
option's cohort-run courses are bought when it is chosen (``x_i <= y_c``); the money
budget (seats plus runs); the hours budget (every learner's hours); at most
``max_per_role`` people leave any one role and ``max_per_department`` any one
department. Options past the deadline never enter.

Criteria, one after another, each later one with the earlier ones held at their
optimum (so the order is kept exactly, not by a weight that might be too small):

1. the most vacancies filled, each weighted by how hard its role is to fill;
2. with ``prefer_nominated``, the most nominated people;
3. the least money (seats plus cohort runs);
4. the fewest training hours.

Examples
--------
>>> a = Option("E1", "r", "d1", "x", weight=2, hours=10, weeks=3, seat_cost=100)
>>> b = Option("E2", "r", "d2", "x", weight=2, hours=20, weeks=5, seat_cost=50)
>>> limits = Limits(needs={"r": 1})
>>> [o.person for o in choose([a, b], limits).chosen]
['E2']
>>> [o.person for o in choose([a, b], Limits(needs={"r": 1}, weeks=4)).chosen]
['E1']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

__all__ = ["Option", "Limits", "Choice", "choose", "cost_of", "value_of"]


@dataclass(frozen=True, slots=True)
class Option:
    """One person's plan toward one target role, as the programme sees it.

    ``from_role`` and ``department`` are where the person leaves from (the caps count
    them); ``weight`` is the target role's weight; ``seat_cost`` the money of the plan's
    per-seat courses; ``runs`` the plan's per-cohort courses with the cost of one run.
    """

    person: str
    role: str
    department: str
    from_role: str
    weight: int
    hours: float
    weeks: int
    seat_cost: float
    runs: Mapping[str, float] = field(default_factory=dict)
    nominated: bool = False
    key: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    """What a cohort may use: ``needs`` people per role, money, hours, weeks, caps."""

    needs: Mapping[str, int]
    money: float | None = None
    hours: float | None = None
    weeks: int | None = None
    max_per_role: int | None = None
    max_per_department: int | None = None
    only_nominated: bool = False
    prefer_nominated: bool = False

    def admits(self, option: Option) -> bool:
        """Whether ``option`` may enter the programme at all (deadline, nomination)."""
        return (
            (self.weeks is None or option.weeks <= self.weeks)
            and (not self.only_nominated or option.nominated)
            and self.needs.get(option.role, 0) > 0
        )

    def relaxed(self, *, budget: bool = False, caps: bool = False) -> Limits:
        """The same limits without the budgets and/or the caps."""
        out = replace(self, money=None, hours=None) if budget else self
        return replace(out, max_per_role=None, max_per_department=None) if caps else out


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen options, the cohort runs bought, and the criteria they reach."""

    chosen: tuple[Option, ...]
    runs: Mapping[str, float]
    value: int
    nominated: int
    cost: float
    hours: float


def cost_of(options: Iterable[Option]) -> tuple[float, dict[str, float]]:
    """Money of ``options`` taken together (seats, plus each cohort run once) and the runs.

    Examples
    --------
    >>> a = Option("E1", "r", "d", "x", 1, 10, 3, 100, {"camp": 900})
    >>> b = Option("E2", "r", "d", "x", 1, 10, 3, 50, {"camp": 900})
    >>> cost_of([a, b])
    (1050.0, {'camp': 900})
    """
    options = list(options)
    runs: dict[str, float] = {}
    for o in options:
        runs.update(o.runs)
    return float(sum(o.seat_cost for o in options) + sum(runs.values())), runs


def value_of(options: Iterable[Option]) -> int:
    """Vacancies filled by ``options``, each weighted by its role's weight."""
    return int(sum(o.weight for o in options))


def choose(options: Sequence[Option], limits: Limits) -> Choice:
    """The best feasible set of ``options`` under ``limits`` (see the module docstring).

    Raises
    ------
    RuntimeError
        If HiGHS fails (it cannot be infeasible: choosing nobody is always feasible).
    """
    admitted = [o for o in options if limits.admits(o)]
    if not admitted:
        return Choice((), {}, 0, 0, 0.0, 0.0)
    mip = _Cohort(admitted, limits)
    criteria = [mip.value()]
    if limits.prefer_nominated:
        criteria.append(mip.nominations())
    criteria += [mip.money(), mip.hours()]
    solution = mip.lexicographic(criteria)
    chosen = tuple(o for i, o in enumerate(admitted) if solution[i] > 0.5)
    cost, runs = cost_of(chosen)
    return Choice(
        chosen=chosen,
        runs=runs,
        value=value_of(chosen),
        nominated=sum(o.nominated for o in chosen),
        cost=cost,
        hours=float(sum(o.hours for o in chosen)),
    )


class _Cohort:
    """The programme of one set of admitted options: variables, rows and criteria."""

    def __init__(self, options: Sequence[Option], limits: Limits) -> None:
        self.options = options
        courses = sorted({c for o in options for c in o.runs})
        self.run_cost = {c: cost for o in options for c, cost in o.runs.items()}
        self.run = {c: len(options) + j for j, c in enumerate(courses)}
        self.n = len(options) + len(courses)
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self._groups(lambda o: o.person, 1)
        for role, need in limits.needs.items():
            self._at_most([i for i, o in enumerate(options) if o.role == role], need)
        self._groups(lambda o: o.from_role, limits.max_per_role)
        self._groups(lambda o: o.department, limits.max_per_department)
        for i, o in enumerate(options):
            for c in o.runs:
                self.rows.append(({i: 1.0, self.run[c]: -1.0}, -np.inf, 0.0))
        if limits.money is not None:
            self.rows.append((self.money(), -np.inf, limits.money))
        if limits.hours is not None:
            self.rows.append((self.hours(), -np.inf, limits.hours))

    def _groups(self, key: object, cap: int | None) -> None:
        if cap is None:
            return
        groups: dict[str, list[int]] = {}
        for i, o in enumerate(self.options):
            groups.setdefault(key(o), []).append(i)  # type: ignore[operator]
        for members in groups.values():
            self._at_most(members, cap)

    def _at_most(self, members: Sequence[int], cap: float) -> None:
        if len(members) > cap:
            self.rows.append(({i: 1.0 for i in members}, -np.inf, float(cap)))

    # Criteria, each to be minimised.
    def value(self) -> dict[int, float]:
        return {i: -float(o.weight) for i, o in enumerate(self.options)}

    def nominations(self) -> dict[int, float]:
        return {i: -1.0 for i, o in enumerate(self.options) if o.nominated}

    def money(self) -> dict[int, float]:
        seats = {i: float(o.seat_cost) for i, o in enumerate(self.options)}
        return seats | {self.run[c]: float(cost) for c, cost in self.run_cost.items()}

    def hours(self) -> dict[int, float]:
        return {i: float(o.hours) for i, o in enumerate(self.options)}

    def lexicographic(self, criteria: Sequence[dict[int, float]]) -> np.ndarray:
        solution = np.zeros(self.n)
        for criterion in criteria:
            solution, best = self._minimise(criterion)
            self.rows.append((criterion, -np.inf, _tie_limit(best)))
        return solution

    def _minimise(self, objective: Mapping[int, float]) -> tuple[np.ndarray, float]:
        c = np.zeros(self.n)
        for col, val in objective.items():
            c[col] = val
        res = milp(
            c,
            integrality=np.ones(self.n),
            bounds=Bounds(np.zeros(self.n), np.ones(self.n)),
            constraints=self._constraints(),
            options={"mip_rel_gap": 0.0},
        )
        if res.status != 0 or res.x is None:
            raise RuntimeError(f"cohort programme failed: {res.message}")
        return np.round(res.x), float(res.fun)

    def _constraints(self) -> list[LinearConstraint]:
        if not self.rows:
            return []
        rows = [r for r, (coefs, _, _) in enumerate(self.rows) for _ in coefs]
        cols = [col for coefs, _, _ in self.rows for col in coefs]
        vals = [v for coefs, _, _ in self.rows for v in coefs.values()]
        matrix = coo_array((vals, (rows, cols)), shape=(len(self.rows), self.n)).tocsr()
        lower = np.array([r[1] for r in self.rows])
        return [LinearConstraint(matrix, lower, np.array([r[2] for r in self.rows]))]


def _tie_limit(best: float) -> float:
    """How far a criterion may exceed its optimum while later ones are minimised: the
    programme's tolerance (integer criteria are whole, so this never admits a worse one)."""
    return best + 1e-7 * max(1.0, abs(best))
