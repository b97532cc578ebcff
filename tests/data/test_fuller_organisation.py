"""The bundled hospital covers its whole IT, data and clinical-technology workforce (issue 16).

Developers, the integration engineer, QA analysts, IT project managers, biomedical technicians,
clinical engineers, pharmacists and laboratory scientists are in the bundled data, and the
feeder moves real hospitals make between them and the informatics and security roles are
planned through the catalogue's real courses: the planner closes every gap, with the items
a talent partner would expect (an integration rotation for an interface analyst, the ISTQB
advanced exam for a tester, an apprenticeship for a desktop technician going to biomed).
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from recommender.catalog import Catalog
from recommender.pathways import LearnerProfile, Objective, Planner, role_profile
from tests.conftest import DATA_DIR

START = date(2026, 1, 5)

#: role id -> (O*NET-SOC code, job family) of the roles issue 16 added.
NEW_ROLES = {
    "application-developer": ("15-1254.00", "Applications"),
    "software-developer": ("15-1252.00", "Applications"),
    "integration-engineer": ("15-1252.00", "Applications"),
    "qa-test-analyst": ("15-1253.00", "Applications"),
    "it-project-manager": ("15-1299.09", "Applications"),
    "biomedical-equipment-technician": ("49-9062.00", "Clinical Engineering"),
    "clinical-engineer": ("17-2031.00", "Clinical Engineering"),
    "pharmacist": ("29-1051.00", "Clinical"),
    "medical-laboratory-scientist": ("29-2011.00", "Clinical"),
    "pharmacy-informatics-pharmacist": ("15-1211.01", "Informatics"),
    "lis-analyst": ("15-1211.01", "Informatics"),
}

#: (from role, to role, items of which the plan by hours must use at least one, most hours).
FEEDER_MOVES = [
    ("interface-analyst", "integration-engineer", {"integration-engine-rotation"}, 700),
    ("application-developer", "software-developer", {"software-engineering-mentorship"}, 600),
    ("ehr-analyst", "qa-test-analyst", {"istqb-ctal-ta"}, 600),
    ("service-desk-technician-2", "qa-test-analyst", {"istqb-ctal-ta"}, 800),
    ("ehr-analyst", "it-project-manager", {"pmi-pmp"}, 600),
    (
        "desktop-support-technician",
        "biomedical-equipment-technician",
        {"biomedical-technician-apprenticeship", "bmet-associate-degree"},
        1000,
    ),
    (
        "biomedical-equipment-technician",
        "clinical-engineer",
        {"medical-device-integration-stretch", "acce-cce"},
        800,
    ),
    (
        "biomedical-equipment-technician",
        "medical-device-security-specialist",
        {"medical-device-security-stretch"},
        1000,
    ),
    (
        "pharmacist",
        "pharmacy-informatics-pharmacist",
        {"pharmacy-informatics-stretch", "epic-willow", "pgy2-pharmacy-informatics-residency"},
        600,
    ),
    ("medical-laboratory-scientist", "lis-analyst", {"lis-build-mentorship", "epic-beaker"}, 800),
]


@cache
def _catalog() -> Catalog:
    from recommender.ingest.tables import read_org_tables

    return read_org_tables(DATA_DIR).catalog


@cache
def _planner() -> Planner:
    return Planner(_catalog())


def test_the_new_roles_are_bundled_with_their_onet_occupations_and_families() -> None:
    catalog = _catalog()
    found = {
        role_id: (catalog.role(role_id).soc_code, catalog.role(role_id).job_family)
        for role_id in NEW_ROLES
    }
    assert found == NEW_ROLES


def test_the_generator_staffs_every_new_role() -> None:
    staffed = {e.role_id for e in _catalog().employees.values()}
    assert set(NEW_ROLES) <= staffed


@pytest.mark.parametrize("role_id", sorted(NEW_ROLES))
def test_a_new_role_can_be_planned_from_an_empty_profile(role_id: str) -> None:
    plan = _planner().plan(LearnerProfile({}), role_id, start=START)
    assert plan.complete, [g.skill_id for g in plan.unclosable]
    assert plan.steps


@pytest.mark.parametrize(
    ("source", "target", "expected", "most_hours"),
    FEEDER_MOVES,
    ids=[f"{s}-to-{t}" for s, t, _, _ in FEEDER_MOVES],
)
def test_a_feeder_move_is_planned_with_the_items_a_talent_partner_expects(
    source: str, target: str, expected: set[str], most_hours: float
) -> None:
    plan = _planner().plan(role_profile(_catalog(), source), target, Objective.HOURS, start=START)
    assert plan.complete, [g.skill_id for g in plan.unclosable]
    assert expected & set(plan.course_ids), plan.course_ids
    assert plan.total_hours <= most_hours, (plan.total_hours, plan.course_ids)


def test_a_pharmacy_technician_becomes_a_pharmacist_only_through_the_pharmd() -> None:
    plan = _planner().plan(
        role_profile(_catalog(), "pharmacy-technician"), "pharmacist", start=START
    )
    assert plan.complete
    assert "pharmd-year-4-naplex" in plan.course_ids
    assert plan.total_hours >= 4000  # a degree, not a reskilling step
