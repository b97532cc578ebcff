"""Gap analysis, training plans, schedules, explanations and stepping stones on hand-built
catalogues whose answers are known by construction."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Employee,
    EmployeeSkill,
    Evidence,
    Requirement,
    Role,
    Skill,
    SkillCategory,
    SkillLevel,
)
from recommender.errors import InvalidInput, NoPathway, UnknownEmployee, UnknownRole
from recommender.pathways import (
    CoverageJudge,
    LearnerProfile,
    Objective,
    Planner,
    SteppingStones,
    TransitionJudge,
    analyse_gaps,
    employee_profile,
    order_violation,
    plan_training,
    role_profile,
)

MONDAY = date(2025, 1, 6)


def _course(
    cid: str,
    hours: float,
    cost: float,
    teaches: dict[str, float],
    *,
    needs: dict[str, float] | None = None,
    after: tuple[str, ...] = (),
    kind: CourseKind = CourseKind.COURSE,
) -> Course:
    return Course(
        cid,
        cid.replace("-", " ").title(),
        "Test",
        kind,
        hours,
        cost,
        "online",
        tuple(SkillLevel(s, lv) for s, lv in teaches.items()),
        prerequisite_skills=tuple(SkillLevel(s, lv) for s, lv in (needs or {}).items()),
        prerequisite_courses=after,
    )


def _role(rid: str, zone: int, needs: dict[str, tuple[float, float]]) -> Role:
    reqs = tuple(Requirement(s, lv, imp) for s, (lv, imp) in needs.items())
    return Role(rid, rid.replace("-", " ").title(), "", "15-0000.00", "IT", zone, reqs)


SKILLS = [
    Skill("ticketing", "Ticketing", SkillCategory.IT_OPERATIONS),
    Skill("networking", "Networking", SkillCategory.IT_OPERATIONS),
    Skill("security", "Security fundamentals", SkillCategory.SECURITY),
    Skill("siem", "SIEM", SkillCategory.SECURITY),
    Skill("forensics", "Digital forensics", SkillCategory.SECURITY),
    Skill("threat-modelling", "Threat modelling", SkillCategory.SECURITY),
]


def security_catalog() -> Catalog:
    """Help desk (zone 2) -> analyst (3) -> engineer (4); the cheapest analyst plan is
    net-basics (10 h) then sec-plus (40 h) then siem-course (20 h): 70 h."""
    roles = [
        _role("help-desk", 2, {"ticketing": (3, 1.0), "networking": (1, 0.5)}),
        _role(
            "analyst",
            3,
            {"ticketing": (2, 0.2), "networking": (2, 0.6), "security": (3, 1.0), "siem": (3, 0.8)},
        ),
        _role(
            "engineer",
            4,
            {
                "networking": (3, 0.6),
                "security": (4, 1.0),
                "siem": (3, 0.8),
                "threat-modelling": (3, 0.7),
            },
        ),
    ]
    courses = [
        _course("net-basics", 10, 100, {"networking": 2}),
        _course("net-plus", 60, 390, {"networking": 3}, kind=CourseKind.CERTIFICATION),
        _course(
            "sec-plus",
            40,
            400,
            {"security": 3},
            needs={"networking": 2},
            kind=CourseKind.CERTIFICATION,
        ),
        _course("siem-course", 20, 50, {"siem": 3}, after=("sec-plus",)),
        _course("siem-bootcamp", 65, 2000, {"siem": 3, "security": 3}),
        _course(
            "cissp", 100, 750, {"security": 4}, needs={"security": 3}, kind=CourseKind.CERTIFICATION
        ),
        _course("threat-course", 30, 300, {"threat-modelling": 3}, needs={"security": 3}),
        _course("forensics-mentor", 25, 0, {"forensics": 2}, kind=CourseKind.MENTORSHIP),
    ]
    employees = [
        Employee(
            "E1",
            "Ada",
            "help-desk",
            "IT",
            "Main",
            2.0,
            (
                EmployeeSkill("ticketing", 3, Evidence.DECLARED),
                EmployeeSkill("networking", 1, Evidence.DECLARED),
            ),
            weekly_learning_hours=5,
        ),
        Employee(
            "E2",
            "Bo",
            "help-desk",
            "IT",
            "Main",
            4.0,
            (EmployeeSkill("ticketing", 3, Evidence.DECLARED),),
            certifications=("sec-plus",),
            weekly_learning_hours=5,
        ),
    ]
    return Catalog.from_items(SKILLS, roles, courses, employees)


# -- gap analysis ---------------------------------------------------------------------------


def test_gap_analysis_lists_every_requirement_with_current_required_and_gap() -> None:
    catalog = security_catalog()
    analysis = analyse_gaps(catalog, employee_profile(catalog, "E1"), "analyst")
    by_skill = {g.skill_id: (g.current, g.required, g.importance, g.gap) for g in analysis.gaps}
    assert by_skill == {
        "ticketing": (3.0, 2.0, 0.2, 0.0),
        "networking": (1.0, 2.0, 0.6, 1.0),
        "security": (0.0, 3.0, 1.0, 3.0),
        "siem": (0.0, 3.0, 0.8, 3.0),
    }
    assert [g.skill_id for g in analysis.transferring] == ["ticketing"]


def test_readiness_is_the_importance_weighted_share_of_requirements_met() -> None:
    catalog = security_catalog()
    analysis = analyse_gaps(catalog, employee_profile(catalog, "E1"), "analyst")
    assert analysis.readiness == pytest.approx(0.2 / (0.2 + 0.6 + 1.0 + 0.8))
    assert analyse_gaps(catalog, role_profile(catalog, "analyst"), "analyst").readiness == 1.0


def test_held_certification_counts_as_the_levels_it_teaches() -> None:
    catalog = security_catalog()
    profile = employee_profile(catalog, "E2")
    assert profile.level_of("security") == 3.0
    assert "sec-plus" in profile.held_courses


def test_role_profile_takes_the_required_levels_as_held() -> None:
    profile = role_profile(security_catalog(), "analyst", weekly_hours=6)
    assert profile.level_of("siem") == 3.0 and profile.weekly_hours == 6
    assert profile.role_id == "analyst"


def test_unknown_ids_raise_the_domain_errors() -> None:
    catalog = security_catalog()
    with pytest.raises(UnknownEmployee, match="E404"):
        employee_profile(catalog, "E404")
    with pytest.raises(UnknownRole, match="nowhere"):
        plan_training(catalog, LearnerProfile(), "nowhere")


def test_weekly_hours_must_be_positive() -> None:
    with pytest.raises(InvalidInput, match="weekly learning hours"):
        LearnerProfile(weekly_hours=0)


# -- plans ----------------------------------------------------------------------------------


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
        _course("fast-expensive", 10, 900, {"siem": 3}),
        _course("slow-free", 30, 0, {"siem": 3}),
    ]
    catalog = Catalog.from_items(SKILLS, [_role("r", 3, {"siem": (3, 1.0)})], courses)
    learner = LearnerProfile()
    assert plan_training(catalog, learner, "r", "hours").course_ids == ("fast-expensive",)
    assert plan_training(catalog, learner, "r", "cost").course_ids == ("slow-free",)


def test_objective_weeks_picks_the_cheaper_plan_among_those_finishing_the_same_week() -> None:
    courses = [
        _course("nine-hours", 9, 300, {"siem": 3}),
        _course("twelve-hours", 12, 0, {"siem": 3}),
    ]
    catalog = Catalog.from_items(SKILLS, [_role("r", 3, {"siem": (3, 1.0)})], courses)
    learner = LearnerProfile(weekly_hours=4)
    assert plan_training(catalog, learner, "r", Objective.HOURS).course_ids == ("nine-hours",)
    weeks = plan_training(catalog, learner, "r", Objective.WEEKS)
    assert weeks.course_ids == ("twelve-hours",) and weeks.weeks == 3


def test_one_course_closing_two_gaps_beats_two_cheaper_single_courses() -> None:
    courses = [
        _course("a", 30, 0, {"siem": 3}),
        _course("b", 30, 0, {"security": 3}),
        _course("both", 50, 0, {"siem": 3, "security": 3}),
    ]
    role = _role("r", 3, {"siem": (3, 1.0), "security": (3, 1.0)})
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


def test_schedule_carries_cumulative_totals_and_dates_at_weekly_hours() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, employee_profile(catalog, "E1"), "analyst", start=MONDAY)
    assert [s.cumulative_hours for s in plan.steps] == [10, 50, 70]
    assert [s.cumulative_cost for s in plan.steps] == [100, 500, 550]
    # 5 h/week: 10 h end on day 14, 50 h on day 70, 70 h on day 98.
    assert [s.finish for s in plan.steps] == [
        date(2025, 1, 20),
        date(2025, 3, 17),
        date(2025, 4, 14),
    ]
    assert plan.steps[1].start == plan.steps[0].finish
    assert plan.finish == date(2025, 4, 14) and plan.weeks == 14


def test_no_gap_means_an_empty_complete_plan() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, role_profile(catalog, "analyst"), "analyst", start=MONDAY)
    assert plan.steps == () and plan.complete and plan.finish == MONDAY
    assert any("already met" in r for r in plan.reasons)


def test_cyclic_skill_prerequisites_without_an_outside_supplier_are_unclosable() -> None:
    courses = [
        _course("x-course", 10, 0, {"siem": 3}, needs={"forensics": 1}),
        _course("y-course", 10, 0, {"forensics": 2}, needs={"siem": 1}),
    ]
    role = _role("r", 3, {"siem": (3, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], courses)
    plan = plan_training(catalog, LearnerProfile(), "r")
    assert plan.course_ids == () and [u.skill_id for u in plan.unclosable] == ["siem"]
    assert "none can start" in plan.unclosable[0].reason


def test_a_skill_cycle_is_broken_by_an_outside_supplier_placed_first() -> None:
    courses = [
        _course("x-course", 10, 0, {"siem": 3}, needs={"forensics": 1}),
        _course("y-course", 10, 0, {"forensics": 2}, needs={"siem": 1}),
        _course("intro", 5, 0, {"forensics": 1}),
    ]
    role = _role("r", 3, {"siem": (3, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], courses)
    plan = plan_training(catalog, LearnerProfile(), "r")
    assert plan.course_ids == ("intro", "x-course")


def test_unclosable_gap_is_named_with_alternatives_instead_of_failing() -> None:
    catalog = security_catalog()
    role = _role("dfir", 3, {"forensics": (4, 1.0), "networking": (2, 0.5)})
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
    role = _role("dfir", 3, {"forensics": (4, 1.0)})
    catalog = Catalog.from_items(SKILLS, [role], security_catalog().courses.values())
    with pytest.raises(NoPathway, match="Digital forensics"):
        plan_training(catalog, LearnerProfile(), "dfir", strict=True)


def test_a_skill_no_course_teaches_is_reported_with_same_category_alternatives() -> None:
    role = _role("r", 3, {"threat-modelling": (2, 1.0)})
    courses = [_course("forensics-mentor", 25, 0, {"forensics": 2}, kind=CourseKind.MENTORSHIP)]
    catalog = Catalog.from_items(SKILLS, [role], courses)
    (gap,) = plan_training(catalog, LearnerProfile(), "r").unclosable
    assert gap.reason == "no course in the catalogue teaches it"
    assert gap.alternatives == ("forensics-mentor",)


# -- explanations ---------------------------------------------------------------------------


def test_plan_explains_transfers_missing_skills_and_why_each_course() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, employee_profile(catalog, "E1"), "analyst", start=MONDAY)
    text = " ".join(plan.reasons)
    assert "Transfers: Ticketing (has 3, needs 2)" in text
    assert "Missing:" in text and "SIEM (has 0, needs 3)" in text
    assert "70 hours" in text and "2025-04-14" in text
    steps = {s.course_id: " ".join(s.reasons) for s in plan.steps}
    assert "Unlocks Sec Plus" in steps["net-basics"]
    assert "Closes Security fundamentals (to level 3)" in steps["sec-plus"]
    assert "Unlocks Siem Course" in steps["sec-plus"]
    assert "Closes SIEM" in steps["siem-course"]


def test_plan_renders_as_json_ready_dict() -> None:
    catalog = security_catalog()
    data = plan_training(
        catalog, employee_profile(catalog, "E1"), "analyst", start=MONDAY
    ).to_dict()
    assert data["total_hours"] == 70.0 and data["finish"] == "2025-04-14"
    assert [s["course_id"] for s in data["steps"]] == ["net-basics", "sec-plus", "siem-course"]
    assert data["steps"][1]["closes"] == ["security"]


# -- stepping stones ------------------------------------------------------------------------


def _stones(catalog: Catalog, threshold: float = 0.15) -> SteppingStones:
    return SteppingStones.build(catalog, CoverageJudge(catalog, threshold=threshold))


def test_coverage_judge_satisfies_the_transition_judge_protocol() -> None:
    assert isinstance(CoverageJudge(security_catalog()), TransitionJudge)


def test_a_jump_of_two_job_zones_goes_through_a_stepping_stone() -> None:
    catalog = security_catalog()
    judge = CoverageJudge(catalog, threshold=0.15)
    assert not judge.is_viable("help-desk", "engineer")
    path = _stones(catalog).shortest_path("help-desk", "engineer", start=MONDAY)
    assert path.roles == ("help-desk", "analyst", "engineer")
    assert [(h.from_role, h.to_role) for h in path.hops] == [
        ("help-desk", "analyst"),
        ("analyst", "engineer"),
    ]
    assert "not viable: it climbs 2 job zones" in path.reasons[0]


def test_each_hop_plans_from_what_the_learner_holds_by_then() -> None:
    catalog = security_catalog()
    stones = _stones(catalog)
    path = stones.shortest_path(employee_profile(catalog, "E1"), "engineer", start=MONDAY)
    first, second = path.hops
    assert first.plan.course_ids == ("net-basics", "sec-plus", "siem-course")
    assert set(second.plan.course_ids) == {"net-plus", "cissp", "threat-course"}
    assert "sec-plus" not in second.plan.course_ids
    assert second.plan.start > first.plan.finish
    weights = sum(stones.graph.edges[a, b]["weight"] for a, b in itertools.pairwise(path.roles))
    assert path.total_hours <= weights


def test_edge_weight_is_the_hours_from_one_typical_profile_to_the_next() -> None:
    catalog = security_catalog()
    graph = _stones(catalog).graph
    # help-desk holds networking 1: net-basics 10 + sec-plus 40 + siem-course 20.
    assert graph.edges["help-desk", "analyst"]["weight"] == 70.0
    assert not graph.has_edge("help-desk", "engineer")


def test_k_alternative_paths_come_cheapest_first() -> None:
    base = security_catalog()
    detour = _role(
        "sysadmin", 3, {"ticketing": (2, 0.3), "networking": (3, 1.0), "security": (3, 0.5)}
    )
    catalog = Catalog.from_items(SKILLS, [*base.roles.values(), detour], base.courses.values())
    paths = _stones(catalog).paths("help-desk", "engineer", k=3, start=MONDAY)
    routes = [p.roles for p in paths]
    assert routes[0] == ("help-desk", "analyst", "engineer")
    assert ("help-desk", "sysadmin", "engineer") in routes
    assert len(set(routes)) == len(routes)


def test_roles_reachable_within_hours_follow_the_dijkstra_cutoff() -> None:
    catalog = security_catalog()
    stones = _stones(catalog)
    assert stones.reachable("help-desk", 69) == {}
    assert stones.reachable("help-desk", 70) == {"analyst": 70.0}
    within = stones.reachable("help-desk", 1000)
    assert set(within) == {"analyst", "engineer"}
    assert within["engineer"] > within["analyst"]


def test_no_viable_path_raises_no_pathway_with_the_reason() -> None:
    catalog = security_catalog()
    strict = SteppingStones.build(catalog, CoverageJudge(catalog, threshold=0.99))
    with pytest.raises(NoPathway, match="help-desk.*engineer"):
        strict.shortest_path("help-desk", "engineer")


def test_stepping_stone_queries_validate_their_input() -> None:
    stones = _stones(security_catalog())
    with pytest.raises(InvalidInput, match="k must be"):
        stones.paths("help-desk", "analyst", k=0)
    with pytest.raises(UnknownRole):
        stones.shortest_path("help-desk", "astronaut")
    with pytest.raises(InvalidInput, match="current role"):
        stones.shortest_path(LearnerProfile(), "analyst")


def test_planner_is_reusable_across_learners() -> None:
    catalog = security_catalog()
    planner = Planner(catalog)
    a = planner.plan(employee_profile(catalog, "E1"), "analyst", start=MONDAY)
    b = planner.plan(employee_profile(catalog, "E2"), "analyst", start=MONDAY)
    assert a.total_hours == 70 and b.total_hours < a.total_hours
