"""The cohort programme is optimal: it matches exhaustive search on small instances."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.academy.programme import Limits, Option, choose, cost_of, value_of

ROLES = ("r1", "r2", "r3")
DEPARTMENTS = ("ward", "desk")
FROM_ROLES = ("nurse", "tech", "clerk")
RUNS = {"bootcamp": 900.0, "cohort-lab": 400.0}


@st.composite
def instances(
    draw: st.DrawFn, *, runs: bool = True, max_people: int = 5
) -> tuple[list[Option], dict[str, int]]:
    """Up to ``max_people`` people, each with up to two options over three roles."""
    options: list[Option] = []
    people = draw(st.integers(1, max_people))
    weights = {r: draw(st.integers(1, 5)) for r in ROLES}
    for p in range(people):
        department = draw(st.sampled_from(DEPARTMENTS))
        from_role = draw(st.sampled_from(FROM_ROLES))
        nominated = draw(st.booleans())
        for role in draw(st.lists(st.sampled_from(ROLES), max_size=2, unique=True)):
            bought = draw(st.sets(st.sampled_from(sorted(RUNS)))) if runs else set()
            options.append(
                Option(
                    person=f"E{p}",
                    role=role,
                    department=department,
                    from_role=from_role,
                    weight=weights[role],
                    hours=float(draw(st.integers(0, 40))),
                    weeks=draw(st.integers(1, 10)),
                    seat_cost=float(draw(st.integers(0, 500))),
                    runs={c: RUNS[c] for c in sorted(bought)},
                    nominated=nominated,
                    key=len(options),
                )
            )
    needs = {r: draw(st.integers(0, 3)) for r in ROLES}
    return options, needs


def at_most(chosen: Sequence[Option], group: Callable[[Option], str], cap: int | None) -> bool:
    groups = [group(o) for o in chosen]
    return cap is None or all(groups.count(g) <= cap for g in groups)


def feasible(chosen: Sequence[Option], limits: Limits) -> bool:
    people = [o.person for o in chosen]
    roles = [o.role for o in chosen]
    cost, _ = cost_of(chosen)
    return (
        len(people) == len(set(people))
        and all(limits.admits(o) for o in chosen)
        and all(roles.count(r) <= limits.needs[r] for r in roles)
        and at_most(chosen, lambda o: o.from_role, limits.max_per_role)
        and at_most(chosen, lambda o: o.department, limits.max_per_department)
        and (limits.money is None or cost <= limits.money + 1e-9)
        and (limits.hours is None or sum(o.hours for o in chosen) <= limits.hours + 1e-9)
    )


def criteria(chosen: Sequence[Option], limits: Limits) -> tuple[float, ...]:
    """What the programme minimises, in order."""
    nominated = -sum(o.nominated for o in chosen) if limits.prefer_nominated else 0
    return (-value_of(chosen), nominated, cost_of(chosen)[0], sum(o.hours for o in chosen))


def exhaustive(options: Sequence[Option], limits: Limits) -> tuple[float, ...]:
    """The best criteria over every assignment of at most one option per person."""
    by_person: dict[str, list[Option | None]] = {}
    for o in options:
        by_person.setdefault(o.person, [None]).append(o)
    best: tuple[float, ...] | None = None
    for pick in itertools.product(*by_person.values()):
        chosen = [o for o in pick if o is not None]
        if feasible(chosen, limits):
            key = criteria(chosen, limits)
            best = key if best is None else min(best, key)
    assert best is not None  # choosing nobody is always feasible
    return best


def check(options: list[Option], limits: Limits) -> None:
    choice = choose(options, limits)
    assert feasible(choice.chosen, limits)
    assert criteria(choice.chosen, limits) == exhaustive(options, limits)
    assert (choice.value, choice.cost) == (value_of(choice.chosen), cost_of(choice.chosen)[0])


optional_caps = st.none() | st.integers(0, 2)


@settings(max_examples=120, deadline=None)
@given(
    instances(),
    st.none() | st.integers(0, 2500),
    st.none() | st.integers(0, 80),
    st.none() | st.integers(1, 10),
    optional_caps,
    optional_caps,
    st.booleans(),
    st.booleans(),
)
def test_cohort_programme_matches_exhaustive_search(
    instance: tuple[list[Option], dict[str, int]],
    money: int | None,
    hours: int | None,
    weeks: int | None,
    max_per_role: int | None,
    max_per_department: int | None,
    only_nominated: bool,
    prefer_nominated: bool,
) -> None:
    options, needs = instance
    limits = Limits(
        needs,
        money,
        hours,
        weeks,
        max_per_role,
        max_per_department,
        only_nominated,
        prefer_nominated,
    )
    check(options, limits)


@settings(max_examples=60, deadline=None)
@given(instances(runs=False), st.data())
def test_a_budget_below_what_the_best_cohort_costs_binds_and_stays_optimal(
    instance: tuple[list[Option], dict[str, int]], data: st.DataObject
) -> None:
    options, needs = instance
    free = choose(options, Limits(needs))
    money = data.draw(st.integers(0, max(0, int(free.cost) - 1)))
    limits = Limits(needs, money=money)
    check(options, limits)
    if free.cost > 0:
        assert choose(options, limits).cost <= money


@settings(max_examples=60, deadline=None)
@given(instances(), st.integers(1, 10))
def test_a_deadline_keeps_every_longer_plan_out_and_stays_optimal(
    instance: tuple[list[Option], dict[str, int]], weeks: int
) -> None:
    options, needs = instance
    limits = Limits(needs, weeks=weeks)
    check(options, limits)
    assert all(o.weeks <= weeks for o in choose(options, limits).chosen)


@settings(max_examples=60, deadline=None)
@given(instances(), st.integers(0, 1), st.integers(0, 2))
def test_caps_on_roles_and_departments_hold_and_stay_optimal(
    instance: tuple[list[Option], dict[str, int]], per_role: int, per_department: int
) -> None:
    options, needs = instance
    limits = Limits(needs, max_per_role=per_role, max_per_department=per_department)
    check(options, limits)
    chosen = choose(options, limits).chosen
    assert at_most(chosen, lambda o: o.from_role, per_role)
    assert at_most(chosen, lambda o: o.department, per_department)


@settings(max_examples=60, deadline=None)
@given(instances(runs=True), st.integers(0, 3000))
def test_cohort_runs_are_paid_once_however_many_take_them(
    instance: tuple[list[Option], dict[str, int]], money: int
) -> None:
    options, needs = instance
    check(options, Limits(needs, money=money))


def test_a_shared_bootcamp_wins_over_cheaper_seats_once_two_people_take_it() -> None:
    run = {"bootcamp": 900.0}

    def option(person: str, seat: float, runs: dict[str, float], key: int) -> Option:
        return Option(person, "soc", "desk", "tech", 3, 40, 8, seat, runs, key=key)

    options = [
        option("E1", 0, run, 0),
        option("E1", 600, {}, 1),
        option("E2", 0, run, 2),
        option("E2", 600, {}, 3),
    ]
    one = choose(options, Limits({"soc": 1}))
    two = choose(options, Limits({"soc": 2}))
    assert (one.cost, dict(one.runs)) == (600.0, {})  # one seat beats a whole run
    assert (two.cost, dict(two.runs)) == (900.0, run)  # one run for two beats two seats


def test_the_weightier_vacancy_is_filled_first_even_at_a_higher_cost() -> None:
    cheap = Option("E1", "easy", "d", "x", weight=1, hours=1, weeks=1, seat_cost=0, key=0)
    dear = Option("E1", "hard", "d", "x", weight=5, hours=90, weeks=9, seat_cost=5000, key=1)
    assert [o.role for o in choose([cheap, dear], Limits({"easy": 1, "hard": 1})).chosen] == [
        "hard"
    ]
