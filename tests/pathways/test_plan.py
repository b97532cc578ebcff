"""The result types: the objective's order on plans, weeks, and the JSON rendering."""

from __future__ import annotations

from recommender.pathways import Objective, employee_profile, plan_key, plan_training
from recommender.pathways.plan import whole_weeks
from tests.pathways.security_org import MONDAY, make_course, security_catalog


def test_plan_key_orders_plans_by_the_objective_then_the_next_criteria() -> None:
    quick = [make_course("quick", 9, 300, {"siem": 3})]
    cheap = [make_course("cheap", 12, 0, {"siem": 3})]
    assert plan_key(quick, 4, Objective.HOURS) < plan_key(cheap, 4, Objective.HOURS)
    assert plan_key(cheap, 4, Objective.COST) < plan_key(quick, 4, Objective.COST)
    # 9 h and 12 h both take 3 weeks at 4 h a week: the cheaper one wins.
    assert plan_key(cheap, 4, Objective.WEEKS) < plan_key(quick, 4, Objective.WEEKS)


def test_whole_weeks_round_up_but_not_past_a_week_missed_by_rounding() -> None:
    assert [whole_weeks(h, 5) for h in (0, 0.5, 5, 5.0000000001, 10.5)] == [0, 1, 1, 1, 3]


def test_plan_renders_as_json_ready_dict() -> None:
    catalog = security_catalog()
    data = plan_training(
        catalog, employee_profile(catalog, "E1"), "analyst", start=MONDAY
    ).to_dict()
    assert data["total_hours"] == 70.0 and data["finish"] == "2025-04-14"
    assert [s["course_id"] for s in data["steps"]] == ["net-basics", "sec-plus", "siem-course"]
    assert data["steps"][1]["closes"] == ["security"]
