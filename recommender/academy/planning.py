"""A cohort plan over the catalogue: who trains for which vacancy, with dated plans.

:func:`plan_cohort` turns a :class:`CohortRequest` into the programme's options
(:mod:`recommender.academy.programme`), chooses, and explains the result:

* **Who may be chosen.** Everyone given (the gate passes the people still stored, so
  nobody erased) who has not opted out, does not hold a target role (moving them only
  moves the vacancy) nor, unless ``from_hard_to_fill``, any hard-to-fill role, and whose
  move to the target the recommender's transition judge finds viable.
* **Each person's plans.** The planner's plan toward the target that finishes soonest
  (then costs least), and its cheapest plan; only plans that close every gap count.
* **Weights.** A vacancy weighs its role's median days to fill (45 when unknown) times
  one plus its demand score (:func:`~recommender.candidates.demand.demand_score`: open
  positions and the hard-to-fill flag), rounded to a whole number.
* **Why a vacancy stays open**, tested in this order, each counting the slots the earlier
  ones leave: nobody viable; nobody nominated (with ``only_nominated``); nobody within the
  deadline; the budget (the programme without budgets fills it); a cap (the programme
  without budgets and caps fills it); the people who could fill it fill weightier
  vacancies (one target per person).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from recommender.academy.programme import Choice, Limits, Option, choose
from recommender.candidates.demand import demand_score
from recommender.catalog import Catalog, CoursePricing, Employee, Role
from recommender.errors import InvalidInput
from recommender.pathways import Objective, Planner, TrainingPlan, employee_profile
from recommender.pathways.stepping import TransitionJudge

__all__ = [
    "DEFAULT_DAYS_TO_FILL",
    "OpenReason",
    "CohortRequest",
    "Assignment",
    "OpenVacancy",
    "Backfill",
    "CohortRun",
    "CohortPlan",
    "role_weight",
    "plan_cohort",
]

#: Days to fill assumed for a role that states none.
DEFAULT_DAYS_TO_FILL = 45

#: The plans offered per person and target: soonest finished (then cheapest), cheapest.
PLAN_OBJECTIVES = (Objective.WEEKS, Objective.COST)


class OpenReason(StrEnum):
    """Why a vacancy stays open (see the module docstring for the order they are tested)."""

    NOBODY_VIABLE = "nobody_viable"
    NOT_NOMINATED = "not_nominated"
    DEADLINE = "deadline"
    BUDGET = "budget"
    CAP = "cap"
    OTHER_ROLES = "other_roles"


_WHY = {
    OpenReason.NOBODY_VIABLE: "no one eligible can close every gap for this role by a viable move",
    OpenReason.NOT_NOMINATED: "not enough nominated people can reach this role",
    OpenReason.DEADLINE: "no one else eligible finishes the training within the deadline",
    OpenReason.BUDGET: "the budget runs out; without it this vacancy would be filled",
    OpenReason.CAP: "filling it would take too many people from one role or department",
    OpenReason.OTHER_ROLES: "the people who could fill it are planned for weightier vacancies",
}


@dataclass(frozen=True, slots=True)
class CohortRequest:
    """What a talent team asks for.

    ``needs``: people per target role (``None``: the role's open positions). ``money``
    and ``hours``: the training budget (``None``: unlimited). ``weeks``: every plan must
    finish within this many weeks of ``start`` at the person's weekly learning hours.
    ``max_per_role`` / ``max_per_department``: the most people who may leave any one
    role / department. ``nominations``: employee id to the target roles they are
    nominated for (``None`` in the set: nominated for the academy, any target).
    """

    roles: tuple[str, ...]
    needs: Mapping[str, int] | None = None
    money: float | None = None
    hours: float | None = None
    weeks: int | None = None
    max_per_role: int | None = None
    max_per_department: int | None = None
    only_nominated: bool = False
    prefer_nominated: bool = False
    from_hard_to_fill: bool = False
    start: date | None = None
    nominations: Mapping[str, Collection[str | None]] = field(default_factory=dict)

    def checked(self, catalog: Catalog) -> dict[str, int]:
        """The people needed per role, after checking every field.

        Raises
        ------
        UnknownRole, InvalidInput
        """
        if not self.roles:
            raise InvalidInput("an academy plan needs at least one target role")
        for name in ("money", "hours", "weeks", "max_per_role", "max_per_department"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise InvalidInput(f"{name} must be >= 0, got {value!r}")
        needs = {r: catalog.role(r).open_positions for r in self.roles}
        for role_id, n in (self.needs or {}).items():
            if role_id not in needs:
                raise InvalidInput(f"a need is given for {role_id!r}, which is not a target")
            if n < 0:
                raise InvalidInput(f"people needed for {role_id!r} must be >= 0, got {n}")
            needs[role_id] = n
        return needs


@dataclass(frozen=True, slots=True)
class Assignment:
    """One person chosen: from where, to which role, with which dated plan."""

    employee_id: str
    name: str
    from_role_id: str
    department: str
    role_id: str
    plan: TrainingPlan
    seat_cost: float
    cohort_courses: tuple[str, ...]
    nominated: bool

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "from_role_id": self.from_role_id,
            "department": self.department,
            "role_id": self.role_id,
            "hours": plan.total_hours,
            "weeks": plan.weeks,
            "seat_cost": self.seat_cost,
            "cohort_courses": list(self.cohort_courses),
            "start": plan.start.isoformat(),
            "finish": plan.finish.isoformat(),
            "nominated": self.nominated,
            "courses": [
                {
                    "course_id": s.course_id,
                    "title": s.title,
                    "hours": s.hours,
                    "cost": s.cost,
                    "start": s.start.isoformat(),
                    "finish": s.finish.isoformat(),
                }
                for s in plan.steps
            ],
        }


@dataclass(frozen=True, slots=True)
class OpenVacancy:
    """A vacancy the plan leaves open, and why."""

    role_id: str
    title: str
    reason: OpenReason

    @property
    def why(self) -> str:
        return _WHY[self.reason]

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "title": self.title,
            "reason": str(self.reason),
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Backfill:
    """The gap a plan leaves behind: people leaving one role of one department."""

    role_id: str
    title: str
    department: str
    leaving: int
    hard_to_fill: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "title": self.title,
            "department": self.department,
            "leaving": self.leaving,
            "hard_to_fill": self.hard_to_fill,
        }


@dataclass(frozen=True, slots=True)
class CohortRun:
    """A course priced per cohort run, bought once for everyone in the plan who takes it."""

    course_id: str
    title: str
    cost: float
    learners: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "course_id": self.course_id,
            "title": self.title,
            "cost": self.cost,
            "learners": self.learners,
        }


@dataclass(frozen=True, slots=True)
class CohortPlan:
    """The answer: assignments, totals, open vacancies with reasons, backfill."""

    needs: Mapping[str, int]
    weights: Mapping[str, int]
    assignments: tuple[Assignment, ...]
    open: tuple[OpenVacancy, ...]
    backfill: tuple[Backfill, ...]
    runs: tuple[CohortRun, ...]
    total_cost: float
    total_hours: float
    value: int
    considered: int
    start: date

    @property
    def filled(self) -> int:
        return len(self.assignments)

    @property
    def employee_ids(self) -> tuple[str, ...]:
        return tuple(a.employee_id for a in self.assignments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "needs": dict(self.needs),
            "weights": dict(self.weights),
            "filled": self.filled,
            "value": self.value,
            "total_cost": round(self.total_cost, 2),
            "total_hours": round(self.total_hours, 2),
            "considered": self.considered,
            "assignments": [a.to_dict() for a in self.assignments],
            "open": [v.to_dict() for v in self.open],
            "backfill": [b.to_dict() for b in self.backfill],
            "cohort_runs": [r.to_dict() for r in self.runs],
        }


def role_weight(role: Role) -> int:
    """How hard ``role`` is to fill, as a whole-number weight (module docstring).

    Examples
    --------
    >>> role_weight(Role("r", "R", "", "", "IT", 3, open_positions=3, hard_to_fill=True,
    ...                  median_days_to_fill=100))
    175
    """
    days = role.median_days_to_fill or DEFAULT_DAYS_TO_FILL
    return max(1, round(days * (1.0 + demand_score(role))))


#: A person's plan toward a role under an objective, starting on a day.
PlanOf = Callable[[str, str, Objective, date], TrainingPlan]


def plan_cohort(
    catalog: Catalog,
    judge: TransitionJudge,
    planner: Planner,
    request: CohortRequest,
    people: Iterable[str] | None = None,
    plan_of: PlanOf | None = None,
) -> CohortPlan:
    """The optimal cohort for ``request`` among ``people`` (default: every employee).

    ``plan_of(employee_id, role_id, objective, start)`` makes each person's plans (default:
    ``planner`` asked afresh); the service passes one that remembers them.

    Raises
    ------
    UnknownRole, InvalidInput
    """
    needs = request.checked(catalog)
    start = request.start or date.today()
    weights = {r: role_weight(catalog.role(r)) for r in request.roles}
    eligible = _eligible(catalog, judge, request, people)
    make = plan_of or _planning(catalog, planner)
    plans: dict[tuple[str, str, int], TrainingPlan] = {}
    options: list[Option] = []
    for person, role_id in eligible:
        for plan in _plans(make, person, role_id, start):
            key = len(plans)
            plans[(person.id, role_id, key)] = plan
            options.append(_option(catalog, person, role_id, plan, weights, request, key))
    limits = _limits(request, needs)
    choice = choose(options, limits)
    by_key = {k: p for (_, _, k), p in plans.items()}
    return CohortPlan(
        needs=needs,
        weights=weights,
        assignments=tuple(_assignment(catalog, o, by_key[o.key]) for o in choice.chosen),
        open=_open(catalog, options, limits, choice),
        backfill=_backfill(catalog, choice.chosen),
        runs=_runs(catalog, choice),
        total_cost=choice.cost,
        total_hours=choice.hours,
        value=choice.value,
        considered=len({p.id for p, _ in eligible}),
        start=start,
    )


def _eligible(
    catalog: Catalog,
    judge: TransitionJudge,
    request: CohortRequest,
    people: Iterable[str] | None,
) -> list[tuple[Employee, str]]:
    """(person, target) pairs that may enter: see the module docstring."""
    ids = sorted(catalog.employees if people is None else set(people) & set(catalog.employees))
    targets = set(request.roles)

    def may_leave(e: Employee) -> bool:
        role = catalog.roles.get(e.role_id)
        held_hard = role is not None and role.hard_to_fill and not request.from_hard_to_fill
        return not e.opted_out and e.role_id not in targets and not held_hard

    movers = [catalog.employees[i] for i in ids if may_leave(catalog.employees[i])]
    return [(e, r) for e in movers for r in request.roles if _viable(judge, e.role_id, r)]


def _viable(judge: TransitionJudge, a: str, b: str) -> bool:
    try:
        return judge.is_viable(a, b)
    except KeyError:
        return False


def _planning(catalog: Catalog, planner: Planner) -> PlanOf:
    def plan_of(employee_id: str, role_id: str, objective: Objective, start: date) -> TrainingPlan:
        profile = employee_profile(catalog, employee_id)
        return planner.plan(profile, role_id, objective, start=start)

    return plan_of


def _plans(make: PlanOf, person: Employee, role_id: str, start: date) -> list[TrainingPlan]:
    """The person's complete plans toward ``role_id``, one per distinct set of courses."""
    out: dict[frozenset[str], TrainingPlan] = {}
    for objective in PLAN_OBJECTIVES:
        plan = make(person.id, role_id, objective, start)
        if plan.complete:
            out.setdefault(frozenset(plan.course_ids), plan)
    return list(out.values())


def _option(
    catalog: Catalog,
    person: Employee,
    role_id: str,
    plan: TrainingPlan,
    weights: Mapping[str, int],
    request: CohortRequest,
    key: int,
) -> Option:
    courses = [catalog.courses[c] for c in plan.course_ids]
    per_run = {c.id: c.cost for c in courses if c.pricing is CoursePricing.PER_COHORT}
    nominated_for = request.nominations.get(person.id, ())
    return Option(
        person=person.id,
        role=role_id,
        department=person.department,
        from_role=person.role_id,
        weight=weights[role_id],
        hours=plan.total_hours,
        weeks=plan.weeks,
        seat_cost=float(sum(c.cost for c in courses if c.id not in per_run)),
        runs=per_run,
        nominated=role_id in nominated_for or None in nominated_for,
        key=key,
    )


def _limits(request: CohortRequest, needs: Mapping[str, int]) -> Limits:
    return Limits(
        needs=needs,
        money=request.money,
        hours=request.hours,
        weeks=request.weeks,
        max_per_role=request.max_per_role,
        max_per_department=request.max_per_department,
        only_nominated=request.only_nominated,
        prefer_nominated=request.prefer_nominated,
    )


def _assignment(catalog: Catalog, option: Option, plan: TrainingPlan) -> Assignment:
    person = catalog.employees[option.person]
    return Assignment(
        employee_id=person.id,
        name=person.name,
        from_role_id=person.role_id,
        department=person.department,
        role_id=option.role,
        plan=plan,
        seat_cost=option.seat_cost,
        cohort_courses=tuple(sorted(option.runs)),
        nominated=option.nominated,
    )


def _open(
    catalog: Catalog, options: Sequence[Option], limits: Limits, choice: Choice
) -> tuple[OpenVacancy, ...]:
    """Each unfilled slot with its reason, tested in the module docstring's order."""
    filled = _count(choice.chosen)
    unbudgeted = _count(choose(options, limits.relaxed(budget=True)).chosen)
    uncapped = _count(choose(options, limits.relaxed(budget=True, caps=True)).chosen)
    out: list[OpenVacancy] = []
    for role_id, need in limits.needs.items():
        mine = [o for o in options if o.role == role_id]
        title = catalog.role(role_id).title
        f = filled.get(role_id, 0)
        could = need
        for reason, people in (
            (OpenReason.NOBODY_VIABLE, mine),
            (
                OpenReason.NOT_NOMINATED,
                [o for o in mine if o.nominated or not limits.only_nominated],
            ),
            (OpenReason.DEADLINE, [o for o in mine if limits.admits(o)]),
        ):
            reach = min(could, len({o.person for o in people}))
            out += [OpenVacancy(role_id, title, reason)] * (could - reach)
            could = reach
        budget = min(could, max(f, unbudgeted.get(role_id, 0)))
        cap = min(could, max(budget, uncapped.get(role_id, 0)))
        out += [OpenVacancy(role_id, title, OpenReason.BUDGET)] * (budget - f)
        out += [OpenVacancy(role_id, title, OpenReason.CAP)] * (cap - budget)
        out += [OpenVacancy(role_id, title, OpenReason.OTHER_ROLES)] * (could - cap)
    return tuple(out)


def _count(chosen: Iterable[Option]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in chosen:
        counts[o.role] = counts.get(o.role, 0) + 1
    return counts


def _backfill(catalog: Catalog, chosen: Sequence[Option]) -> tuple[Backfill, ...]:
    leaving: dict[tuple[str, str], int] = {}
    for o in chosen:
        leaving[(o.from_role, o.department)] = leaving.get((o.from_role, o.department), 0) + 1
    out = []
    for (role_id, department), n in sorted(leaving.items()):
        role = catalog.roles.get(role_id)
        title = role.title if role is not None else role_id
        hard = role is not None and role.hard_to_fill
        out.append(Backfill(role_id, title, department, n, hard))
    return tuple(out)


def _runs(catalog: Catalog, choice: Choice) -> tuple[CohortRun, ...]:
    learners: dict[str, int] = {}
    for o in choice.chosen:
        for c in o.runs:
            learners[c] = learners.get(c, 0) + 1
    return tuple(
        CohortRun(c, catalog.courses[c].title, cost, learners[c])
        for c, cost in sorted(choice.runs.items())
    )
