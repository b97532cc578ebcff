"""The branch and bound: plans by fewest hours (then least cost) against the programme.

The search (:class:`~recommender.pathways.search.Search`) must give the programme's hours
and cost on random catalogues (hypothesis), whether it settles a plan or runs out of
budget and hands over; it is also run alone on a small catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from recommender.catalog import Catalog, Course, CourseKind, SkillLevel
from recommender.pathways import LearnerProfile, Objective, Planner, order_violation
from recommender.pathways.search import Exhausted, Order, Search
from tests.pathways.security_org import make_course

SKILLS = ("a", "b", "c", "d")
_LEVELS = st.integers(1, 4)
_TEACHES = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 4), min_size=1, max_size=2)


# -- the search alone -----------------------------------------------------------------------

#: Security to level 2 in one 10 h course, or in 3 h + 4 h through level 1.
_DIRECT = make_course("direct", 10, 0, {"security": 2})
_INTRO = make_course("intro", 3, 0, {"security": 1})
_STEP = make_course("step", 4, 0, {"security": 2}, needs={"security": 1})


def _search(budget: int = 100, order: Order = Order.HOURS) -> Search:
    courses = [_DIRECT, _INTRO, _STEP]

    def supply(skill_id: str, level: float) -> list[Course]:
        return [
            c
            for c in courses
            if any(t.skill_id == skill_id and t.level >= level for t in c.teaches)
            and not any(p.skill_id == skill_id and p.level >= level for p in c.prerequisite_skills)
        ]

    return Search(Catalog.from_items(courses=courses), supply, LearnerProfile(), budget, order)


def test_the_search_finds_the_fewest_hours_through_a_prerequisite_chain() -> None:
    search = _search()
    found = search.fewest({"security": 2.0}, math.inf)
    assert found is not None and {c.id for c in found} == {"intro", "step"}
    assert search.totals == (7.0, 0.0)


def test_the_search_returns_none_when_every_set_is_above_the_ceiling() -> None:
    assert _search().fewest({"security": 2.0}, 6.5) is None


def test_the_search_raises_when_it_spends_its_budget() -> None:
    with pytest.raises(Exhausted):
        _search(budget=1).fewest({"security": 2.0}, math.inf)


def test_the_search_knows_what_no_sequence_of_courses_reaches() -> None:
    search = _search()
    assert search.reachable(("security", 2.0))
    assert not search.reachable(("security", 3.0))


# -- the search against the programme, fewest hours then least cost ------------------------

#: Few distinct hours and costs, zero included, so that sets often tie on hours (and on both).
_TIED_HOURS = st.sampled_from([0, 0, 5, 10, 10, 20, 20, 40])
_TIED_COSTS = st.sampled_from([0, 0, 0, 25, 50, 50, 100])
#: Hours whose float sums round: 0.1 + 0.2 != 0.3, yet the programme takes them as tied.
_FRACTIONAL_HOURS = st.sampled_from([0, 0.1, 0.2, 0.3, 0.3, 0.6, 0.7, 0.8])


@st.composite
def tied_instances(
    draw: st.DrawFn, hours: st.SearchStrategy[float] = _TIED_HOURS
) -> tuple[list[Course], LearnerProfile, dict[str, float]]:
    """Up to 12 courses over 4 skills: skill prerequisites (cycles included), prerequisite
    courses, zero-hour and free courses, held courses, and many ties on hours."""
    n = draw(st.integers(1, 12))
    ids = [f"c{i}" for i in range(n)]
    teaches = [draw(_TEACHES) for _ in ids]
    taught = sorted({(s, lv) for t in teaches for s, lv in t.items()})
    courses = []
    for i, cid in enumerate(ids):
        needs = dict(draw(st.lists(st.sampled_from(taught), max_size=2)))
        after = draw(st.sampled_from([None, None, None, *ids[:i], *ids[i + 1 :]]))
        courses.append(
            Course(
                cid,
                cid,
                "t",
                CourseKind.COURSE,
                draw(hours),
                draw(_TIED_COSTS),
                "online",
                tuple(SkillLevel(s, lv) for s, lv in teaches[i].items()),
                prerequisite_skills=tuple(SkillLevel(s, lv) for s, lv in needs.items()),
                prerequisite_courses=(after,) if after else (),
            )
        )
    levels = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(0, 2), max_size=2))
    held = draw(st.frozensets(st.sampled_from(ids), max_size=2))
    profile = LearnerProfile(levels, held_courses=held, weekly_hours=draw(st.integers(1, 10)))
    targets = dict(draw(st.lists(st.sampled_from(taught), min_size=1, max_size=4)))
    targets |= draw(st.dictionaries(st.sampled_from(SKILLS), _LEVELS, max_size=1))
    return courses, profile, {s: float(v) for s, v in targets.items()}


def _totals(courses: Sequence[Course], order: Sequence[str]) -> tuple[float, float]:
    by_id = {c.id: c for c in courses}
    return sum(by_id[c].hours for c in order), sum(by_id[c].cost for c in order)


def _check_search_against_programme(
    instance: tuple[list[Course], LearnerProfile, dict[str, float]],
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(hours, cost) of the searched plan and of the programme's, after checking the
    searched plan's order and unclosable gaps."""
    courses, profile, targets = instance
    catalog = Catalog.from_items(courses=courses)
    searched = Planner(catalog).select(profile, targets, Objective.HOURS)
    solved = Planner(catalog, budget=0).select(profile, targets, Objective.HOURS)
    assert searched.unclosable == solved.unclosable
    closable = {s: lv for s, lv in targets.items() if s not in searched.unclosable}
    by_id = {c.id: c for c in courses}
    assert order_violation([by_id[c] for c in searched.order], profile, closable) is None
    assert not set(searched.order) & profile.held_courses
    return _totals(courses, searched.order), _totals(courses, solved.order)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tied_instances())
def test_plans_by_hours_have_the_programmes_hours_and_cost(
    instance: tuple[list[Course], LearnerProfile, dict[str, float]],
) -> None:
    searched, solved = _check_search_against_programme(instance)
    target(float(len(instance[0])), label="courses")
    assert searched == solved


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tied_instances(hours=_FRACTIONAL_HOURS))
def test_plans_by_hours_break_rounding_ties_on_cost_like_the_programme(
    instance: tuple[list[Course], LearnerProfile, dict[str, float]],
) -> None:
    # Hours tied up to float rounding (0.1 + 0.2 against 0.3) count as tied, as in the
    # programme, so the cost is the programme's; the hours agree to that tolerance.
    (hours, cost), (solved_hours, solved_cost) = _check_search_against_programme(instance)
    assert cost == solved_cost
    assert math.isclose(hours, solved_hours, rel_tol=1e-7, abs_tol=1e-7)


def test_a_plan_by_hours_takes_the_cheaper_of_two_sets_tied_on_hours() -> None:
    # Two routes of 20 hours to b: one 10 h free course then a 10 h course at $100, or
    # a single 20 h course at $50. The plan takes the $50 route.
    a = Course("a", "a", "t", CourseKind.COURSE, 10, 0, "online", (SkillLevel("a", 2),))
    b = Course("b", "b", "t", CourseKind.COURSE, 10, 100, "online", (SkillLevel("b", 2),),
               prerequisite_skills=(SkillLevel("a", 2),))  # fmt: skip
    c = Course("c", "c", "t", CourseKind.COURSE, 20, 50, "online", (SkillLevel("b", 2),))
    planner = Planner(Catalog.from_items(courses=[a, b, c]))
    assert planner.select(LearnerProfile(), {"b": 2.0}).order == ("c",)
    assert planner.select(LearnerProfile({"a": 2}), {"b": 2.0}).order == ("b",)


def test_a_plan_by_hours_breaks_a_float_rounding_tie_on_cost() -> None:
    # 0.1 + 0.2 hours (0.30000000000000004) against 0.3 hours: tied for the programme,
    # so the cheaper pair wins although its float sum is a hair larger.
    a = Course("a", "a", "t", CourseKind.COURSE, 0.1, 0, "online", (SkillLevel("a", 1),))
    b = Course("b", "b", "t", CourseKind.COURSE, 0.2, 0, "online", (SkillLevel("b", 1),),
               prerequisite_skills=(SkillLevel("a", 1),))  # fmt: skip
    c = Course("c", "c", "t", CourseKind.COURSE, 0.3, 75, "online", (SkillLevel("b", 1),))
    catalog = Catalog.from_items(courses=[a, b, c])
    assert Planner(catalog).select(LearnerProfile(), {"b": 1.0}).order == ("a", "b")
    assert Planner(catalog, budget=0).select(LearnerProfile(), {"b": 1.0}).order == ("a", "b")


def test_a_spent_search_budget_falls_back_to_the_programme_with_the_same_plan() -> None:
    a = Course("a", "a", "t", CourseKind.COURSE, 10, 0, "online", (SkillLevel("a", 2),))
    b = Course("b", "b", "t", CourseKind.COURSE, 10, 100, "online", (SkillLevel("b", 2),),
               prerequisite_skills=(SkillLevel("a", 2),))  # fmt: skip
    c = Course("c", "c", "t", CourseKind.COURSE, 20, 50, "online", (SkillLevel("b", 2),))
    planner = Planner(Catalog.from_items(courses=[a, b, c]))
    for budget in (0, 1, 2, 3, 1000):
        assert planner.select(LearnerProfile(), {"b": 2.0}, budget=budget).order == ("c",)


# -- fewest hours, with a ceiling and a budget --------------------------------------------

FIVE_SKILLS = ("a", "b", "c", "d", "e")

Instance = tuple[list[Course], LearnerProfile, dict[str, float]]


@st.composite
def chained_instances(draw: st.DrawFn) -> Instance:
    """Up to 12 courses over 5 skills: prerequisite chains, cycles, prerequisite courses,
    zero-hour courses, held courses (with or without their levels), equal hours (ties)."""
    n = draw(st.integers(1, 12))
    ids = [f"c{i}" for i in range(n)]
    teaches = [
        draw(
            st.dictionaries(st.sampled_from(FIVE_SKILLS), st.integers(1, 4), min_size=1, max_size=3)
        )
        for _ in ids
    ]
    taught = sorted({(s, lv) for t in teaches for s, lv in t.items()})
    courses = []
    for i, cid in enumerate(ids):
        needs = dict(draw(st.lists(st.sampled_from(taught), max_size=2)))
        after = draw(st.sampled_from([None, None, None, None, *ids[:i], *ids[i + 1 :]]))
        courses.append(
            Course(
                cid,
                cid,
                "t",
                CourseKind.COURSE,
                draw(st.sampled_from([0, 5, 10, 10, 20, 20, 30, 40])),
                0,
                "online",
                tuple(SkillLevel(s, lv) for s, lv in teaches[i].items()),
                prerequisite_skills=tuple(SkillLevel(s, lv) for s, lv in needs.items()),
                prerequisite_courses=(after,) if after else (),
            )
        )
    levels = draw(st.dictionaries(st.sampled_from(FIVE_SKILLS), st.integers(0, 3), max_size=3))
    held = draw(st.frozensets(st.sampled_from(ids), max_size=2))
    profile = LearnerProfile(levels, held_courses=held, weekly_hours=draw(st.integers(1, 10)))
    targets = dict(draw(st.lists(st.sampled_from(taught), min_size=1, max_size=4)))
    targets |= draw(st.dictionaries(st.sampled_from(FIVE_SKILLS), st.integers(1, 5), max_size=1))
    return courses, profile, {s: float(v) for s, v in targets.items()}


def _hours(planner: Planner, order: tuple[str, ...]) -> float:
    return float(sum(planner.catalog.courses[c].hours for c in order))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chained_instances())
def test_fewest_hours_equals_the_programme_in_hours_and_unclosable_gaps(instance: Instance) -> None:
    courses, profile, targets = instance
    planner = Planner(Catalog.from_items(courses=courses))
    fast = planner.fewest_hours(profile, targets)
    exact = planner.select(profile, targets, Objective.HOURS, tie_break=False)
    assert fast is not None
    assert fast.unclosable == exact.unclosable
    assert _hours(planner, fast.order) == _hours(planner, exact.order)
    closable = {s: lv for s, lv in targets.items() if s not in fast.unclosable}
    by_id = {c.id: c for c in courses}
    assert order_violation([by_id[c] for c in fast.order], profile, closable) is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chained_instances(), st.integers(0, 30))
def test_fewest_hours_answers_the_same_under_a_ceiling_or_a_small_budget(
    instance: Instance, budget: int
) -> None:
    courses, profile, targets = instance
    planner = Planner(Catalog.from_items(courses=courses))
    free = planner.fewest_hours(profile, targets)
    assert free is not None
    hours = _hours(planner, free.order)
    assert planner.fewest_hours(profile, targets, ceiling=hours) == free
    assert planner.fewest_hours(profile, targets, ceiling=hours - 0.5) is None
    tight = planner.fewest_hours(profile, targets, budget=budget)  # falls back to the programme
    assert tight is not None and _hours(planner, tight.order) == hours
    assert tight.unclosable == free.unclosable


def test_fewest_hours_breaks_a_skill_cycle_with_an_outside_supplier() -> None:
    # x and y each require the skill the other teaches; only z (dearer) starts the chain.
    courses = [
        Course("x", "x", "t", CourseKind.COURSE, 5, 0, "online", (SkillLevel("a", 3),),
               prerequisite_skills=(SkillLevel("b", 2),)),
        Course("y", "y", "t", CourseKind.COURSE, 5, 0, "online", (SkillLevel("b", 2),),
               prerequisite_skills=(SkillLevel("a", 3),)),
        Course("z", "z", "t", CourseKind.COURSE, 30, 0, "online", (SkillLevel("b", 2),)),
    ]  # fmt: skip
    planner = Planner(Catalog.from_items(courses=courses))
    chosen = planner.fewest_hours(LearnerProfile(), {"a": 3.0})
    assert chosen is not None and chosen.order == ("z", "x")
