"""The planner: cheapest valid plans under each objective, held courses, cycles and
unclosable gaps, on hand-built catalogues whose answers are known by construction."""

from __future__ import annotations

import pytest

from recommender.catalog import Catalog, CourseKind
from recommender.errors import NoPathway
from recommender.pathways import (
    LearnerProfile,
    Objective,
    Planner,
    employee_profile,
    order_violation,
    plan_training,
    role_profile,
)
from tests.pathways.security_org import MONDAY, SKILLS, make_course, make_role, security_catalog


def test_plan_closes_every_gap_at_the_fewest_hours() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, employee_profile(catalog, "E1"), "analyst", start=MONDAY)
    assert plan.complete
    assert plan.course_ids == ("net-basics", "sec-plus", "siem-course")
    assert (plan.total_hours, plan.total_cost) == (70.0, 550.0)


def test_pathway_orders_courses_after_their_prerequisites() -> None:
    catalog = security_catalog()
    profile = employee_profile(catalog, "E1")
    plan = plan_training(catalog, profile, "engineer", start=MONDAY)
    courses = [catalog.courses[c] for c in plan.course_ids]
    assert order_violation(courses, profile, plan.analysis.targets()) is None
    order = plan.course_ids
    assert order.index("sec-plus") < order.index("cissp")
    assert order.index("sec-plus") < order.index("siem-course")
    assert order.index("net-plus") < order.index("sec-plus")
    assert plan.total_hours == 250.0


def test_objective_cost_prefers_money_over_hours() -> None:
    courses = [
        make_course("fast-expensive", 10, 900, {"siem": 3}),
        make_course("slow-free", 30, 0, {"siem": 3}),
    ]
    catalog = Catalog.from_items(SKILLS, [make_role("r", 3, {"siem": (3, 1.0)})], courses)
    learner = LearnerProfile()
    assert plan_training(catalog, learner, "r", "hours").course_ids == ("fast-expensive",)
    assert plan_training(catalog, learner, "r", "cost").course_ids == ("slow-free",)


def test_objective_weeks_picks_the_cheaper_plan_among_those_finishing_the_same_week() -> None:
    courses = [
        make_course("nine-hours", 9, 300, {"siem": 3}),
        make_course("twelve-hours", 12, 0, {"siem": 3}),
    ]
    catalog = Catalog.from_items(SKILLS, [make_role("r", 3, {"siem": (3, 1.0)})], courses)
    learner = LearnerProfile(weekly_hours=4)
    assert plan_training(catalog, learner, "r", Objective.HOURS).course_ids == ("nine-hours",)
    weeks = plan_training(catalog, learner, "r", Objective.WEEKS)
    assert weeks.course_ids == ("twelve-hours",) and weeks.weeks == 3


def test_one_course_closing_two_gaps_beats_two_cheaper_single_courses() -> None:
    courses = [
        make_course("a", 30, 0, {"siem": 3}),
        make_course("b", 30, 0, {"security": 3}),
        make_course("both", 50, 0, {"siem": 3, "security": 3}),
    ]
    role = make_role("r", 3, {"siem": (3, 1.0), "security": (3, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], courses)
    assert plan_training(catalog, LearnerProfile(), "r").course_ids == ("both",)


def test_already_held_certifications_are_never_planned_again() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, employee_profile(catalog, "E2"), "engineer", start=MONDAY)
    assert "sec-plus" not in plan.course_ids
    assert "siem-course" in plan.course_ids  # its prerequisite course is held


def test_a_held_course_without_its_levels_is_still_not_replanned() -> None:
    catalog = security_catalog()
    learner = LearnerProfile(
        {"ticketing": 2, "networking": 2}, held_courses=frozenset({"sec-plus"})
    )
    plan = plan_training(catalog, learner, "analyst")
    assert plan.course_ids == ("siem-bootcamp",) and plan.complete


def test_no_gap_means_an_empty_complete_plan() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, role_profile(catalog, "analyst"), "analyst", start=MONDAY)
    assert plan.steps == () and plan.complete and plan.finish == MONDAY
    assert any("already met" in r for r in plan.reasons)


def test_cyclic_skill_prerequisites_without_an_outside_supplier_are_unclosable() -> None:
    courses = [
        make_course("x-course", 10, 0, {"siem": 3}, needs={"forensics": 1}),
        make_course("y-course", 10, 0, {"forensics": 2}, needs={"siem": 1}),
    ]
    role = make_role("r", 3, {"siem": (3, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], courses)
    plan = plan_training(catalog, LearnerProfile(), "r")
    assert plan.course_ids == () and [u.skill_id for u in plan.unclosable] == ["siem"]
    assert "none can start" in plan.unclosable[0].reason


def test_a_skill_cycle_is_broken_by_an_outside_supplier_placed_first() -> None:
    courses = [
        make_course("x-course", 10, 0, {"siem": 3}, needs={"forensics": 1}),
        make_course("y-course", 10, 0, {"forensics": 2}, needs={"siem": 1}),
        make_course("intro", 5, 0, {"forensics": 1}),
    ]
    role = make_role("r", 3, {"siem": (3, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], courses)
    plan = plan_training(catalog, LearnerProfile(), "r")
    assert plan.course_ids == ("intro", "x-course")


def test_unclosable_gap_is_named_with_alternatives_instead_of_failing() -> None:
    catalog = security_catalog()
    role = make_role("dfir", 3, {"forensics": (4, 1.0), "networking": (2, 0.5)})
    catalog = Catalog.from_items(SKILLS, [*catalog.roles.values(), role], catalog.courses.values())
    plan = plan_training(catalog, LearnerProfile(), "dfir")
    assert not plan.complete
    (gap,) = plan.unclosable
    assert (gap.skill_id, gap.required, gap.reachable) == ("forensics", 4.0, 2.0)
    assert "only up to level 2" in gap.reason
    assert gap.alternatives[0] == "forensics-mentor"
    assert plan.course_ids == ("net-basics",)  # the closable gap is still planned
    assert any("Digital forensics cannot be closed" in r for r in plan.reasons)


def test_strict_plan_raises_no_pathway_naming_the_skill() -> None:
    role = make_role("dfir", 3, {"forensics": (4, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], security_catalog().courses.values())
    with pytest.raises(NoPathway, match="Digital forensics"):
        plan_training(catalog, LearnerProfile(), "dfir", strict=True)


def test_a_skill_no_course_teaches_is_reported_with_same_category_alternatives() -> None:
    role = make_role("r", 3, {"threat-modelling": (2, 1.0)})
    courses = [make_course("forensics-mentor", 25, 0, {"forensics": 2}, kind=CourseKind.MENTORSHIP)]
    catalog = Catalog.from_items(SKILLS, [role], courses)
    (gap,) = plan_training(catalog, LearnerProfile(), "r").unclosable
    assert gap.reason == "no course in the catalogue teaches it"
    assert gap.alternatives == ("forensics-mentor",)


def test_planner_is_reusable_across_learners() -> None:
    catalog = security_catalog()
    planner = Planner(catalog)
    a = planner.plan(employee_profile(catalog, "E1"), "analyst", start=MONDAY)
    b = planner.plan(employee_profile(catalog, "E2"), "analyst", start=MONDAY)
    assert a.total_hours == 70 and b.total_hours < a.total_hours
