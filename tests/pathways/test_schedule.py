"""The schedule: a valid order of the chosen courses, running totals, dates, and what each
step closes and unlocks."""

from __future__ import annotations

from datetime import date, timedelta

from recommender.pathways import LearnerProfile, employee_profile, plan_training
from recommender.pathways.schedule import schedule_order, schedule_steps
from tests.pathways.security_org import MONDAY, make_course, security_catalog


def test_schedule_order_puts_every_course_after_its_prerequisites() -> None:
    catalog = security_catalog()
    chosen = [catalog.courses[c] for c in ("siem-course", "sec-plus", "net-basics")]
    order = schedule_order(chosen, employee_profile(catalog, "E1"))
    assert order == ("net-basics", "sec-plus", "siem-course")


def test_schedule_order_takes_a_course_that_unlocks_another_first_then_the_shorter() -> None:
    chosen = [
        make_course("short", 5, 0, {"networking": 1}),
        make_course("long", 20, 0, {"security": 1}),
        make_course("next", 3, 0, {"siem": 1}, needs={"security": 1}),
    ]
    assert schedule_order(chosen, LearnerProfile()) == ("long", "next", "short")


def test_schedule_steps_date_each_course_at_the_weekly_hours_and_say_what_it_opens() -> None:
    first = make_course("first", 10, 100, {"security": 2})
    second = make_course("second", 20, 50, {"siem": 2}, needs={"security": 2})
    steps = schedule_steps(
        [first, second], LearnerProfile(), {"security": 2.0, "siem": 2.0}, MONDAY, 10.0
    )
    assert [(s.start, s.finish) for s in steps] == [
        (MONDAY, MONDAY + timedelta(days=7)),
        (MONDAY + timedelta(days=7), MONDAY + timedelta(days=21)),
    ]
    assert [(s.cumulative_hours, s.cumulative_cost) for s in steps] == [(10, 100), (30, 150)]
    assert [(s.closes, s.unlocks) for s in steps] == [(("security",), ("second",)), (("siem",), ())]


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
