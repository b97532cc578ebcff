"""The plans the README shows, on the bundled data, are plans a talent partner would recognise.

The README's tour asks for E000176's pathway to ``soc-analyst-1`` by cost and for the
registered nurse's pathway to ``nurse-informaticist``. A plan may be optimal for the numbers
and still absurd when a course is mapped to a skill its syllabus does not teach: networking
fundamentals used to be closed by Azure Fundamentals plus AWS Solutions Architect Associate
(whose exam guide assumes networking knowledge rather than teaching it), for a help-desk
technician becoming a SOC analyst.
"""

from __future__ import annotations

from functools import cache

import pytest

from recommender.pathways import Objective
from recommender.pathways.plan import TrainingPlan
from recommender.service import Recommender
from tests.conftest import DATA_DIR

NETWORKING_COURSES = {"comptia-network-plus", "cisco-ccna", "cisco-ccnp-enterprise"}


@cache
def _service() -> Recommender:
    from recommender.ingest.tables import read_org_tables

    return Recommender(read_org_tables(DATA_DIR).catalog)


def _plan(objective: Objective, **source: str) -> TrainingPlan:
    target = "soc-analyst-1" if "employee_id" in source else "nurse-informaticist"
    plan = _service().pathway(target, objective=objective, **source).plan
    assert plan is not None and plan.complete
    return plan


README_PLANS = [
    pytest.param(Objective.COST, {"employee_id": "E000176"}, id="E000176-to-soc-by-cost"),
    pytest.param(Objective.HOURS, {"employee_id": "E000176"}, id="E000176-to-soc-by-hours"),
    pytest.param(Objective.HOURS, {"from_role": "registered-nurse"}, id="rn-to-informaticist"),
]


@pytest.mark.parametrize(("objective", "source"), README_PLANS)
def test_every_step_of_a_readme_plan_closes_a_gap_or_unlocks_a_later_step(
    objective: Objective, source: dict[str, str]
) -> None:
    plan = _plan(objective, **source)
    later: set[str] = set()
    for step in reversed(plan.steps):
        assert step.closes or set(step.unlocks) & later, f"{step.course_id} does nothing here"
        later.add(step.course_id)


def test_the_soc_plan_by_cost_closes_networking_with_a_networking_certification() -> None:
    plan = _plan(Objective.COST, employee_id="E000176")
    role = _service().catalog.role("soc-analyst-1")
    assert "networking-fundamentals" in {r.skill_id for r in role.requirements}
    closers = {s.course_id for s in plan.steps if "networking-fundamentals" in s.closes}
    assert closers and closers <= NETWORKING_COURSES, closers
    cloud = [s.course_id for s in plan.steps if s.course_id.startswith(("aws-", "ms-az-"))]
    assert not cloud, f"a SOC analyst's cheapest plan should need no cloud certification: {cloud}"


def test_the_nurse_informaticist_plan_stays_clinical_and_informatics() -> None:
    plan = _plan(Objective.HOURS, from_role="registered-nurse")
    ids = set(plan.course_ids)
    assert "informatics-council-stretch" in ids or "ancc-informatics-nursing" in ids, ids
    assert not [i for i in ids if i.startswith(("comptia-security", "aws-", "ms-az-", "cisco-"))]
