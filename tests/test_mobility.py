"""Mobility options for an employee, and the hard-to-fill view."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from recommender.candidates import (
    CandidateIndex,
    MobilityOption,
    demand_score,
    hard_to_fill_view,
    mobility_options,
)
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
from recommender.errors import InvalidInput, UnknownEmployee
from recommender.ingest.tables import read_org_tables
from recommender.pathways import CoverageJudge, Planner, employee_profile, order_violation

DATA = Path(__file__).resolve().parent.parent / "data"
START = date(2025, 1, 6)


def _employee(eid: str, role: str, skills: dict[str, int], opted_out: bool = False) -> Employee:
    return Employee(
        eid,
        eid,
        role,
        "IT",
        "Main",
        1.0,
        tuple(EmployeeSkill(s, lv, Evidence.DECLARED) for s, lv in skills.items()),
        opted_out=opted_out,
    )


def mobility_catalog() -> Catalog:
    """From help desk (ticketing 3, networking 2): the analyst role needs networking 2 and
    siem 2 (20 h course), the engineer needs networking 2 and siem 4 (300 h course), both
    a job zone up; the architect is three zones up (never a viable single move).
    The analyst has 1 opening, the engineer 6 and is hard to fill."""
    skills = [
        Skill(s, s.title(), SkillCategory.SECURITY) for s in ("ticketing", "networking", "siem")
    ]
    roles = [
        Role(
            "help-desk",
            "Help desk",
            "",
            "",
            "IT",
            2,
            (Requirement("ticketing", 3, 1.0), Requirement("networking", 2, 1.0)),
        ),
        Role(
            "analyst",
            "Analyst",
            "",
            "",
            "Security",
            3,
            (Requirement("networking", 2, 1.0), Requirement("siem", 2, 1.0)),
            open_positions=1,
        ),
        Role(
            "engineer",
            "Engineer",
            "",
            "",
            "Security",
            3,
            (Requirement("networking", 2, 1.0), Requirement("siem", 4, 1.0)),
            open_positions=6,
            median_days_to_fill=120,
            hard_to_fill=True,
        ),
        Role(
            "architect",
            "Architect",
            "",
            "",
            "Security",
            5,
            (Requirement("networking", 2, 1.0), Requirement("siem", 2, 1.0)),
        ),
    ]
    courses = [
        Course(
            "siem-2",
            "SIEM basics",
            "x",
            CourseKind.COURSE,
            20,
            0,
            "online",
            (SkillLevel("siem", 2),),
        ),
        Course(
            "siem-4",
            "SIEM advanced",
            "x",
            CourseKind.COURSE,
            300,
            0,
            "online",
            (SkillLevel("siem", 4),),
        ),
    ]
    employees = [
        _employee("E1", "help-desk", {"ticketing": 3, "networking": 2}),
        _employee("E2", "analyst", {"networking": 2, "siem": 2}),
        _employee("E3", "help-desk", {"ticketing": 3, "networking": 2, "siem": 4}, opted_out=True),
    ]
    return Catalog.from_items(skills, roles, courses, employees)


@pytest.fixture(scope="module")
def small() -> CandidateIndex:
    catalog = mobility_catalog()
    return CandidateIndex().fit(catalog, CoverageJudge(catalog))


@pytest.fixture(scope="module")
def bundled() -> CandidateIndex:
    catalog = read_org_tables(DATA).catalog
    return CandidateIndex().fit(catalog, CoverageJudge(catalog))


def test_mobility_lists_viable_moves_with_their_exact_plans(small: CandidateIndex) -> None:
    options = mobility_options(small, "E1", start=START)
    assert [o.role_id for o in options] == ["analyst", "engineer"]
    analyst, engineer = options
    assert (analyst.hours, analyst.plan.course_ids, analyst.weeks) == (20.0, ("siem-2",), 5)
    assert (engineer.hours, engineer.plan.course_ids) == (300.0, ("siem-4",))
    assert analyst.score == pytest.approx(sum(analyst.contributions().values()))
    assert "Demand: 6 open position(s), 120 days to fill, hard to fill." in engineer.reasons


def test_demand_can_outweigh_hours_when_weighted_so(small: CandidateIndex) -> None:
    from recommender.candidates import MobilityWeights

    options = mobility_options(small, "E1", weights=MobilityWeights(0, 0.1, 0.9))
    assert [o.role_id for o in options] == ["engineer", "analyst"]


def test_unviable_moves_appear_only_when_asked(small: CandidateIndex) -> None:
    assert "architect" not in {o.role_id for o in mobility_options(small, "E1")}
    everything = mobility_options(small, "E1", include_unviable=True)
    architect = next(o for o in everything if o.role_id == "architect")
    assert not architect.viable and "not a viable single move" in architect.reasons[0]


def test_mobility_refuses_opted_out_and_unknown_employees(small: CandidateIndex) -> None:
    with pytest.raises(InvalidInput, match="'E3' opted out"):
        mobility_options(small, "E3")
    with pytest.raises(UnknownEmployee, match="'E9'"):
        mobility_options(small, "E9")


def test_mobility_top_equals_planning_every_role_on_bundled_data(bundled: CandidateIndex) -> None:
    catalog, planner = bundled.catalog_, Planner(bundled.catalog_)
    for employee_id in ("E000001", "E000002", "E000050"):
        top = mobility_options(bundled, employee_id, limit=3, start=START)
        everything = mobility_options(bundled, employee_id, limit=100, start=START)
        assert [o.role_id for o in top] == [o.role_id for o in everything[:3]]
        # Tier first (near, long-term, step down), then toward the goal, then score.
        tiers = {"near": 0, "long_term": 1, "step_down": 2}
        keys = [(tiers[o.tier], not o.toward_goal, -o.score) for o in everything]
        assert keys == sorted(keys)
        profile = employee_profile(catalog, employee_id)
        for option in top:
            plan = planner.plan(profile, option.role_id, start=START)
            assert option.hours == plan.total_hours
            assert option.role_id != catalog.employees[employee_id].role_id


def test_mobility_on_bundled_data_equals_planning_every_option_by_the_programme(
    bundled: CandidateIndex,
) -> None:
    # The same index, but its planner solves the mixed integer programme for every plan
    # (a search budget of 0): the reference the branch and bound must reproduce.
    catalog = bundled.catalog_
    by_programme = CandidateIndex().fit(catalog, bundled.judge_)
    by_programme.planner_ = Planner(catalog, budget=0)
    # A spread of people, people with moves where two plans tie on hours and differ in
    # cost (E000007 to security-engineer, ...), and unviable moves (more roles than fit).
    tied = ["E000007", "E000082", "E000211", "E000239", "E000243"]
    asked = [(e, False) for e in [*bundled.employee_ids_[::25], *tied]]
    asked += [(e, True) for e in ["E000002", "E000017", *bundled.employee_ids_[7::100]]]
    for employee_id, unviable in asked:
        fast, exact = (
            mobility_options(index, employee_id, include_unviable=unviable, start=START)
            for index in (bundled, by_programme)
        )
        assert [_totals(o) for o in fast] == [_totals(o) for o in exact], employee_id
        profile = employee_profile(catalog, employee_id)
        for option in fast:
            closable = {
                g.skill_id: g.required
                for g in option.plan.analysis.missing
                if g.skill_id not in {u.skill_id for u in option.plan.unclosable}
            }
            courses = [catalog.courses[c] for c in option.plan.course_ids]
            assert order_violation(courses, profile, closable) is None


def _totals(option: MobilityOption) -> tuple[object, ...]:
    plan = option.plan
    return (option.rank, option.role_id, option.score, plan.total_hours, plan.total_cost)


def test_demand_score_grows_with_openings_and_the_hard_to_fill_flag() -> None:
    def role(n: int, hard: bool) -> Role:
        return Role("r", "R", "", "", "IT", 3, open_positions=n, hard_to_fill=hard)

    assert demand_score(role(0, False)) == 0.0
    assert demand_score(role(1, False)) < demand_score(role(6, False)) < 0.5
    assert demand_score(role(6, False)) < demand_score(role(1, True)) < 1.0


def test_hard_to_fill_view_counts_employees_within_reach(small: CandidateIndex) -> None:
    assert [r.role_id for r in hard_to_fill_view(small, within_hours=50)] == ["engineer"]
    rows = {r.role_id: r for r in hard_to_fill_view(small, within_hours=50, all_roles=True)}
    assert list(rows)[:2] == ["engineer", "analyst"]  # more openings first
    # E1 and E2 need 300 h for the engineer role; E3 (ready, but opted out) never counts.
    assert (rows["engineer"].within_reach, rows["engineer"].incumbents) == (0, 0)
    assert (rows["analyst"].within_reach, rows["analyst"].incumbents) == (1, 1)
    assert rows["analyst"].ready_now == 0
    assert hard_to_fill_view(small, within_hours=300)[0].within_reach == 2


def test_hard_to_fill_view_ranks_bundled_roles_by_openings_then_days(
    bundled: CandidateIndex,
) -> None:
    rows = hard_to_fill_view(bundled, within_hours=200)
    keys = [(-r.open_positions, -(r.median_days_to_fill or 0), r.within_reach) for r in rows]
    assert keys == sorted(keys)
    assert rows and all(r.hard_to_fill for r in rows)
    assert "registered-nurse" not in {r.role_id for r in rows}
    assert all(r.ready_now <= r.within_reach for r in rows)
    with pytest.raises(InvalidInput, match="within_hours"):
        hard_to_fill_view(bundled, within_hours=-1)
