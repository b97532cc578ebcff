"""The cases of issue 4 on the bundled dataset: plans and paths must come out sensibly.

Plans start from a role's typical profile (stable however the synthetic employees are
regenerated) and, where the issue speaks of a person, from every bundled employee in
that role. Stepping stones use the baseline :class:`CoverageJudge` until the transition
model is wired in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from recommender.catalog import Catalog, Course, SkillCategory
from recommender.ingest.tables import read_org_tables
from recommender.pathways import (
    CoverageJudge,
    LearnerProfile,
    Planner,
    SteppingStones,
    TrainingPlan,
    employee_profile,
    order_violation,
    role_profile,
)
from tests.conftest import DATA_DIR

HELP_DESK = "service-desk-technician-1"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return read_org_tables(DATA_DIR).catalog


@pytest.fixture(scope="module")
def planner(catalog: Catalog) -> Planner:
    return Planner(catalog)


@pytest.fixture(scope="module")
def stones(catalog: Catalog) -> SteppingStones:
    return SteppingStones.build(catalog, CoverageJudge(catalog))


def _learners(catalog: Catalog, role_id: str) -> Iterator[LearnerProfile]:
    yield role_profile(catalog, role_id)
    for employee in sorted(catalog.employees.values(), key=lambda e: e.id):
        if employee.role_id == role_id:
            yield employee_profile(catalog, employee.id)


def _taught(catalog: Catalog, plan: TrainingPlan) -> set[str]:
    return {t.skill_id for c in plan.course_ids for t in catalog.courses[c].teaches}


def _is_clinical(catalog: Catalog, course: Course) -> bool:
    categories = [catalog.skills[t.skill_id].category for t in course.teaches]
    return categories.count(SkillCategory.CLINICAL) * 2 > len(categories)


def _check_valid(catalog: Catalog, profile: LearnerProfile, plan: TrainingPlan) -> None:
    courses = [catalog.courses[c] for c in plan.course_ids]
    assert plan.complete, plan.unclosable
    assert order_violation(courses, profile, plan.analysis.targets()) is None


def test_help_desk_to_security_analyst_is_built_on_security_fundamentals(
    catalog: Catalog, planner: Planner
) -> None:
    for profile in _learners(catalog, HELP_DESK):
        plan = planner.plan(profile, "information-security-analyst")
        _check_valid(catalog, profile, plan)
        taught = _taught(catalog, plan)
        assert "security-fundamentals" in taught
        assert {"siem", "incident-response"} <= taught
        clinical = [c for c in plan.course_ids if _is_clinical(catalog, catalog.courses[c])]
        assert clinical == [], f"{profile.employee_id}: clinical courses {clinical}"


@pytest.mark.parametrize("target", ["security-engineer", "security-architect"])
def test_help_desk_to_senior_security_goes_through_stepping_stones(
    catalog: Catalog, stones: SteppingStones, target: str
) -> None:
    assert not stones.judge.is_viable(HELP_DESK, target)
    path = stones.shortest_path(HELP_DESK, target)
    assert len(path.hops) >= 2
    middle = {catalog.roles[r].job_family for r in path.roles[1:-1]}
    assert middle & {"Security", "Infrastructure"}, path.roles
    for hop in path.hops:
        assert stones.judge.is_viable(hop.from_role, hop.to_role)
        assert catalog.roles[hop.to_role].job_zone - catalog.roles[hop.from_role].job_zone <= 1
        assert hop.plan.complete
    assert path.reasons and "not viable" in path.reasons[0]


def test_nurse_to_nurse_informaticist_learns_informatics_ehr_and_data(
    catalog: Catalog, planner: Planner
) -> None:
    for profile in _learners(catalog, "registered-nurse"):
        plan = planner.plan(profile, "nurse-informaticist")
        _check_valid(catalog, profile, plan)
        taught = _taught(catalog, plan)
        assert "nursing-informatics" in taught
        assert any(s.startswith("ehr-") for s in taught)
        transfers = {g.skill_id for g in plan.analysis.transferring}
        assert "data-visualization" in taught | transfers  # learned, or held already
    typical = planner.plan(role_profile(catalog, "registered-nurse"), "nurse-informaticist")
    assert "data-visualization" in _taught(catalog, typical)
    transfers = {g.skill_id for g in typical.analysis.transferring}
    assert "registered-nursing-practice" in transfers
    assert any("Registered nursing" in r for r in typical.reasons if r.startswith("Transfers"))


@pytest.mark.parametrize(
    ("source", "target", "must_learn", "must_transfer"),
    [
        ("medical-coder", "ehr-analyst", {"ehr-build-configuration"}, {"medical-terminology"}),
        (
            "medical-transcriptionist",
            "healthcare-data-analyst",
            {"sql", "healthcare-analytics"},
            {"medical-terminology"},
        ),
        (
            "medical-assistant",
            "telehealth-coordinator",
            {"telehealth-delivery", "telehealth-technology"},
            {"patient-scheduling"},
        ),
    ],
)
def test_health_roles_move_into_information_and_data_roles(
    catalog: Catalog,
    planner: Planner,
    source: str,
    target: str,
    must_learn: set[str],
    must_transfer: set[str],
) -> None:
    for profile in _learners(catalog, source):
        plan = planner.plan(profile, target)
        _check_valid(catalog, profile, plan)
        assert must_learn <= _taught(catalog, plan)
    typical = planner.plan(role_profile(catalog, source), target)
    assert must_transfer <= {g.skill_id for g in typical.analysis.transferring}
