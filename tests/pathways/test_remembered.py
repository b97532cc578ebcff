"""Selections remembered across learners (:meth:`Planner.select`, "Remembered selections").

A planner that remembers must give every learner exactly the selection a planner that
remembers nothing gives, whoever it planned for before: on random catalogues (hypothesis),
for a learner planned after another whose levels, held courses or weekly hours differ in a
few places, by the search and by the programme (a budget of 0).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.catalog import Catalog
from recommender.pathways import LearnerProfile, Objective, Planner
from tests.pathways.security_org import make_course
from tests.pathways.test_search import FIVE_SKILLS, Instance, chained_instances, tied_instances


@st.composite
def neighbours(
    draw: st.DrawFn, instances: st.SearchStrategy[Instance]
) -> tuple[Instance, LearnerProfile]:
    """An instance and a second learner: the first with a few levels, held courses or the
    weekly hours changed (often nothing the plan reads, so the two share a situation)."""
    courses, profile, targets = draw(instances)
    levels = dict(profile.levels)
    for skill in draw(st.lists(st.sampled_from(FIVE_SKILLS), max_size=2)):
        levels[skill] = draw(st.integers(0, 4))
    held = set(profile.held_courses)
    if draw(st.booleans()):
        held ^= {draw(st.sampled_from([c.id for c in courses]))}
    weekly = draw(st.sampled_from([profile.weekly_hours, profile.weekly_hours, 3.0]))
    other = LearnerProfile(levels, held_courses=frozenset(held), weekly_hours=weekly)
    return (courses, profile, targets), other


def _check(pair: tuple[Instance, LearnerProfile], budget: int) -> None:
    (courses, first, targets), second = pair
    catalog = Catalog.from_items(courses=courses)
    remembering = Planner(catalog, budget=budget)
    remembering.select(first, targets, Objective.HOURS)
    again = remembering.select(second, targets, Objective.HOURS)
    fresh = Planner(catalog, budget=budget, remember=0).select(second, targets, Objective.HOURS)
    assert again == fresh
    assert remembering.select(first, targets, Objective.HOURS) == Planner(
        catalog, budget=budget, remember=0
    ).select(first, targets, Objective.HOURS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(neighbours(chained_instances()), st.sampled_from([0, 3, 400]))
def test_a_remembered_selection_is_the_one_planning_afresh_gives(
    pair: tuple[Instance, LearnerProfile], budget: int
) -> None:
    _check(pair, budget)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(neighbours(tied_instances()), st.sampled_from([0, 400]))
def test_a_remembered_selection_breaks_ties_as_planning_afresh_does(
    pair: tuple[Instance, LearnerProfile], budget: int
) -> None:
    _check(pair, budget)


def test_learners_differing_only_in_what_the_plan_never_reads_share_one_selection() -> None:
    intro = make_course("intro", 3, 0, {"security": 1})
    step = make_course("step", 4, 0, {"security": 2}, needs={"security": 1})
    planner = Planner(Catalog.from_items(courses=[intro, step]))
    targets = {"security": 2.0}
    first = planner.select(LearnerProfile({"sql": 1}), targets)
    assert planner.remembered == 1
    assert planner.select(LearnerProfile({"sql": 4}, weekly_hours=9), targets) == first
    assert planner.remembered == 1  # the same situation: no search
    # Already at security 1: the step's prerequisite is met, another situation.
    assert planner.select(LearnerProfile({"security": 1}), targets).order == ("step",)
    assert planner.remembered == 2


def test_a_planner_that_remembers_nothing_keeps_nothing() -> None:
    intro = make_course("intro", 3, 0, {"security": 1})
    planner = Planner(Catalog.from_items(courses=[intro]), remember=0)
    planner.select(LearnerProfile(), {"security": 1.0})
    assert planner.remembered == 0


def test_the_least_recently_used_situation_is_forgotten_first() -> None:
    courses = [make_course(f"c{i}", 1 + i, 0, {f"s{i}": 1}) for i in range(3)]
    planner = Planner(Catalog.from_items(courses=courses), remember=2)

    def ask(i: int) -> None:
        planner.select(LearnerProfile(), {f"s{i}": 1.0})

    ask(0)
    ask(1)
    ask(0)  # served from memory, now the most recently used
    assert planner.hits == 1
    ask(2)  # forgets situation 1, not 0
    assert planner.remembered == 2
    ask(0)
    assert planner.hits == 2
    ask(1)
    assert planner.hits == 2  # planned again
