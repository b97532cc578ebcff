"""Opportunities answered ahead: equal to asking, moved to today exactly, carried over a
data change only where still true."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from recommender.candidates import mobility_options
from recommender.candidates.precompute import PREPARED_LIMIT, PreparedOpportunities
from recommender.catalog import Catalog, EmployeeSkill, Evidence
from recommender.ingest.tables import read_org_tables
from recommender.pathways import employee_profile
from recommender.service import Recommender

DATA = Path(__file__).resolve().parent.parent / "data"
DAY = date(2025, 3, 3)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return read_org_tables(DATA).catalog


@pytest.fixture(scope="module")
def prepared(bundled: Catalog) -> Recommender:
    """The bundled organisation with every answer prepared by two forked workers."""
    service = Recommender(bundled)
    seen: list[tuple[int, int]] = []
    asked = service.prepare_opportunities(
        lambda done, total: seen.append((done, total)), processes=2, today=DAY
    )
    rankable = service.candidate_index.employee_ids_
    assert asked == len(rankable) == len(service.prepared_opportunities)
    assert seen[0] == (0, asked) and seen[-1] == (asked, asked)
    return service


def test_prepared_answers_equal_asking_for_everyone(prepared: Recommender) -> None:
    index = prepared.candidate_index
    for employee_id in index.employee_ids_:
        kept = prepared.prepared_opportunities.get(employee_id)
        assert kept is not None
        options, start = kept
        assert start == DAY
        assert options == mobility_options(
            index, employee_id, PREPARED_LIMIT, start=DAY, routes=prepared.routes
        )


def test_one_process_prepares_the_same_answers(prepared: Recommender) -> None:
    alone = PreparedOpportunities()
    some = prepared.candidate_index.employee_ids_[:40]
    index = prepared.candidate_index
    filled = alone.fill(index, processes=1, start=DAY, employee_ids=some, routes=prepared.routes)
    assert filled == len(some)
    for employee_id in some:
        assert alone.get(employee_id) == prepared.prepared_opportunities.get(employee_id)


def test_opportunities_are_served_from_the_prepared_answers(prepared: Recommender) -> None:
    employee_id = prepared.candidate_index.employee_ids_[3]
    assert prepared.has_opportunities(employee_id)
    assert not prepared.has_opportunities(employee_id, 5)
    assert not prepared.has_opportunities(employee_id, include_unviable=True)
    served = prepared.opportunities(employee_id, today=DAY)
    assert served == prepared.prepared_opportunities.get(employee_id)[0]  # type: ignore[index]


def test_an_answer_from_an_earlier_day_moves_to_today_exactly(bundled: Catalog) -> None:
    service = Recommender(bundled)
    people = service.candidate_index.employee_ids_[:25]
    service.prepared_opportunities.fill(
        service.candidate_index, start=DAY, employee_ids=people, routes=service.routes
    )
    later = DAY + timedelta(days=9)
    moved_some = False
    for employee_id in people:
        served = service.opportunities(employee_id, today=later)
        assert served == mobility_options(
            service.candidate_index,
            employee_id,
            PREPARED_LIMIT,
            start=later,
            routes=service.routes,
        )
        assert all(o.plan.start == later for o in served)
        moved_some |= any(o.plan.steps for o in served)
        # Moved once: the kept answer now begins on the later day.
        assert service.prepared_opportunities.get(employee_id) == (served, later)
    assert moved_some


def test_other_questions_are_remembered_and_moved_too(bundled: Catalog) -> None:
    service = Recommender(bundled)
    employee_id = service.candidate_index.employee_ids_[0]
    first = service.opportunities(employee_id, 3, include_unviable=True, today=DAY)
    assert service.has_opportunities(employee_id, 3, include_unviable=True)
    later = DAY + timedelta(days=30)
    moved = service.opportunities(employee_id, 3, include_unviable=True, today=later)
    index = service.candidate_index
    assert moved == mobility_options(
        index, employee_id, 3, include_unviable=True, start=later, routes=service.routes
    )
    assert [o.role_id for o in moved] == [o.role_id for o in first]


def test_a_plan_moved_to_another_day_is_the_plan_made_that_day(bundled: Catalog) -> None:
    service = Recommender(bundled)
    planner = service.planner
    checked = 0
    for employee_id in list(bundled.employees)[:12]:
        profile = employee_profile(bundled, employee_id)
        for role_id in ("soc-analyst-1", "nurse-informaticist", "data-analyst"):
            if role_id not in bundled.roles:
                continue
            plan = planner.plan(profile, role_id, start=DAY)
            for later in (DAY + timedelta(days=1), DAY + timedelta(days=400), DAY):
                assert planner.starting(plan, later) == planner.plan(profile, role_id, start=later)
            checked += bool(plan.steps)
    assert checked  # some of those plans had dated steps to move


def _catalog_with(bundled: Catalog, **changes: object) -> Catalog:
    parts = {
        "skills": bundled.skills.values(),
        "roles": bundled.roles.values(),
        "courses": bundled.courses.values(),
        "employees": bundled.employees.values(),
    }
    parts.update(changes)  # type: ignore[arg-type]
    return Catalog.from_items(parts["skills"], parts["roles"], parts["courses"], parts["employees"])


def test_answers_carry_over_only_for_records_that_did_not_change(
    bundled: Catalog, prepared: Recommender
) -> None:
    rankable = prepared.candidate_index.employee_ids_
    erased, changed, same = rankable[0], rankable[1], rankable[2]
    person = bundled.employees[changed]
    learned = replace(
        person,
        skills=(*person.skills, EmployeeSkill("python-programming", 4, Evidence.CERTIFIED))
        if all(s.skill_id != "python-programming" for s in person.skills)
        else person.skills[1:],
    )
    people = [
        learned if e.id == changed else e for e in bundled.employees.values() if e.id != erased
    ]
    after = prepared.with_catalog(_catalog_with(bundled, employees=people))
    kept = after.prepared_opportunities
    assert erased not in kept and changed not in kept
    assert same in kept and len(kept) == len(rankable) - 2
    # Only the changed person is answered again, and everyone's answer is still right.
    assert after.prepare_opportunities(processes=1, today=DAY) == 1
    for employee_id in (changed, same):
        assert after.opportunities(employee_id, today=DAY) == mobility_options(
            after.candidate_index, employee_id, PREPARED_LIMIT, start=DAY, routes=after.routes
        )


def test_nothing_carries_over_when_the_courses_change(
    bundled: Catalog, prepared: Recommender
) -> None:
    course = next(iter(bundled.courses.values()))
    cheaper = replace(course, cost=course.cost / 2 + 1)
    courses = [cheaper if c.id == course.id else c for c in bundled.courses.values()]
    after = prepared.with_catalog(_catalog_with(bundled, courses=courses))
    assert len(after.prepared_opportunities) == 0


def test_an_answer_reads_nothing_of_the_other_employees(bundled: Catalog) -> None:
    """What makes carrying answers over sound: one person's opportunities are the same in
    an organisation where they are the only employee."""
    service = Recommender(bundled)
    for employee_id in service.candidate_index.employee_ids_[:15]:
        alone = Recommender(_catalog_with(bundled, employees=[bundled.employees[employee_id]]))
        assert alone.opportunities(employee_id, today=DAY) == service.opportunities(
            employee_id, today=DAY
        )
