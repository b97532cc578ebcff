"""Academy plans over the bundled data: what a talent partner would expect."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from recommender.academy import CohortPlan, CohortRequest, OpenReason, plan_cohort
from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    CoursePricing,
    Employee,
    Requirement,
    Role,
    SkillLevel,
)
from recommender.ingest.tables import read_org_tables
from recommender.pathways import CoverageJudge, Planner
from recommender.service import Recommender

DATA = Path(__file__).resolve().parents[2] / "data"
START = date(2027, 1, 4)
BUDGET = 3000.0
WEEKS = 52
CAP = 3

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return read_org_tables(DATA).catalog


def security_and_data(catalog: Catalog) -> tuple[str, ...]:
    families = {"Security", "Data & AI"}
    return tuple(sorted(r.id for r in catalog.roles.values() if r.job_family in families))


def academy(catalog: Catalog, people: set[str] | None = None, **changes: object) -> CohortPlan:
    service = Recommender(catalog)
    request = CohortRequest(
        security_and_data(catalog),
        money=BUDGET,
        weeks=WEEKS,
        max_per_role=CAP,
        max_per_department=2 * CAP,
        start=START,
    )
    request = replace(request, **changes)  # type: ignore[arg-type]
    return plan_cohort(catalog, service.judge, service.planner, request, people)


@pytest.fixture(scope="module")
def plan(bundled: Catalog) -> CohortPlan:
    return academy(bundled)


def test_the_service_desk_trains_for_the_soc_and_revenue_cycle_analysts_for_data_roles(
    plan: CohortPlan, bundled: Catalog
) -> None:
    moves = Counter(
        (a.from_role_id.rsplit("-", 1)[0], bundled.role(a.role_id).job_family)
        for a in plan.assignments
    )
    into_soc = [a for a in plan.assignments if a.role_id == "soc-analyst-1"]
    assert len(into_soc) >= 2
    assert all(a.from_role_id.startswith("service-desk-technician") for a in into_soc)
    data = [a for a in plan.assignments if bundled.role(a.role_id).job_family == "Data & AI"]
    assert data and all(a.from_role_id == "revenue-cycle-analyst" for a in data), moves


def test_the_plan_stays_within_the_budget_the_deadline_and_the_caps(plan: CohortPlan) -> None:
    assert 0 < plan.total_cost <= BUDGET
    assert plan.total_cost == sum(a.seat_cost for a in plan.assignments) + sum(
        r.cost for r in plan.runs
    )
    deadline = START + timedelta(weeks=WEEKS)
    for a in plan.assignments:
        assert a.plan.complete and a.plan.start == START and a.plan.finish <= deadline
        assert a.plan.weeks <= WEEKS
    leaving = Counter(a.from_role_id for a in plan.assignments)
    departments = Counter(a.department for a in plan.assignments)
    assert max(leaving.values()) <= CAP and max(departments.values()) <= 2 * CAP
    assert len({a.employee_id for a in plan.assignments}) == plan.filled


def test_every_vacancy_is_filled_or_listed_open_with_its_reason(
    plan: CohortPlan, bundled: Catalog
) -> None:
    filled = Counter(a.role_id for a in plan.assignments)
    open_ = Counter(v.role_id for v in plan.open)
    for role_id, need in plan.needs.items():
        assert need == bundled.role(role_id).open_positions
        assert filled[role_id] + open_[role_id] == need
    reasons = {(v.role_id, v.reason) for v in plan.open}
    # No one in the hospital is a step away from security architect.
    assert ("security-architect", OpenReason.NOBODY_VIABLE) in reasons
    assert {v.reason for v in plan.open} >= {
        OpenReason.NOBODY_VIABLE,
        OpenReason.DEADLINE,
        OpenReason.BUDGET,
        OpenReason.CAP,
    }
    assert all(v.why for v in plan.open)


def test_a_larger_budget_fills_what_the_budget_left_open(
    plan: CohortPlan, bundled: Catalog
) -> None:
    budget_bound = Counter(v.role_id for v in plan.open if v.reason is OpenReason.BUDGET)
    assert budget_bound
    richer = academy(bundled, money=None)
    filled = Counter(a.role_id for a in richer.assignments)
    before = Counter(a.role_id for a in plan.assignments)
    assert richer.value >= plan.value
    assert all(filled[r] >= before[r] + n for r, n in budget_bound.items())


def test_opted_out_and_erased_people_are_never_assigned(plan: CohortPlan, bundled: Catalog) -> None:
    opted_out = {e.id for e in bundled.employees.values() if e.opted_out}
    assert opted_out and not opted_out & set(plan.employee_ids)
    first, second = plan.employee_ids[:2]
    employees = dict(bundled.employees)
    employees[first] = replace(employees[first], opted_out=True)
    changed = replace(bundled, employees=employees)
    erased = set(bundled.employees) - {second}
    again = academy(changed, people=erased)
    assert first not in again.employee_ids and second not in again.employee_ids
    assert again.filled >= 1


def test_the_backfill_names_every_role_a_move_empties(plan: CohortPlan) -> None:
    leaving = Counter((a.from_role_id, a.department) for a in plan.assignments)
    assert {(b.role_id, b.department): b.leaving for b in plan.backfill} == leaving
    assert not any(b.hard_to_fill for b in plan.backfill)  # hard-to-fill roles stay put


def bootcamp_catalog(pricing: CoursePricing) -> Catalog:
    roles = [
        Role("desk", "Service desk", "", "", "IT", 3),
        Role(
            "soc",
            "SOC analyst",
            "",
            "",
            "Security",
            3,
            (Requirement("siem", 3, 1.0),),
            open_positions=2,
            hard_to_fill=True,
            median_days_to_fill=90,
        ),
    ]
    courses = [
        Course(
            "camp",
            "SOC bootcamp",
            "v",
            CourseKind.COURSE,
            40,
            1000,
            "online",
            (SkillLevel("siem", 3),),
            pricing=pricing,
        ),
        Course(
            "seat",
            "SIEM course",
            "v",
            CourseKind.COURSE,
            60,
            700,
            "online",
            (SkillLevel("siem", 3),),
        ),
    ]
    people = [Employee(f"E{i}", f"P{i}", "desk", "IT", "Main", 1.0) for i in range(2)]
    return Catalog.from_items(roles=roles, courses=courses, employees=people)


@pytest.mark.parametrize(
    ("pricing", "cost", "runs"),
    [(CoursePricing.PER_SEAT, 1400.0, 0), (CoursePricing.PER_COHORT, 1000.0, 1)],
)
def test_a_bootcamp_priced_per_cohort_run_is_paid_once_for_the_whole_cohort(
    pricing: CoursePricing, cost: float, runs: int
) -> None:
    catalog = bootcamp_catalog(pricing)
    judge = CoverageJudge(catalog, threshold=0.0)
    plan = plan_cohort(catalog, judge, Planner(catalog), CohortRequest(("soc",), start=START))
    assert plan.filled == 2 and plan.total_cost == cost and len(plan.runs) == runs
