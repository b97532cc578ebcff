"""A person's corrections to their record, checked and applied (no database)."""

from __future__ import annotations

import pytest

from recommender.catalog import Employee, EmployeeSkill, Evidence
from recommender.corrections import (
    Correction,
    CorrectionAction,
    checked_certification,
    checked_skill_correction,
    corrected,
)
from recommender.errors import InvalidInput, UnknownCourse, UnknownSkill
from tests.store.test_repository import full_catalog

CATALOG = full_catalog()
NURSE = CATALOG.employee("E1")  # triage 4 (manager verified), ehr 2 (declared)
BO = CATALOG.employee("E2")  # sql 1 (inferred)


def test_confirming_keeps_the_level_and_marks_an_inferred_skill_self_declared() -> None:
    confirm = checked_skill_correction(CATALOG, BO, "sql", "confirm", None)
    assert confirm == Correction(CorrectionAction.CONFIRM, "sql", 1)
    assert corrected(BO, [confirm]).skills == (EmployeeSkill("sql", 1, Evidence.DECLARED),)


def test_confirming_never_weakens_stronger_evidence() -> None:
    confirm = checked_skill_correction(CATALOG, NURSE, "triage", "confirm", None)
    assert corrected(NURSE, [confirm]).skills[0] == EmployeeSkill(
        "triage", 4, Evidence.MANAGER_VERIFIED
    )


def test_a_declared_level_replaces_or_adds_the_skill_as_self_declared() -> None:
    lower = checked_skill_correction(CATALOG, NURSE, "triage", "level", 2)
    added = checked_skill_correction(CATALOG, NURSE, "sql", "level", 3)
    skills = corrected(NURSE, [lower, added]).skills
    assert skills == (
        EmployeeSkill("triage", 2, Evidence.DECLARED),
        EmployeeSkill("ehr", 2, Evidence.DECLARED),
        EmployeeSkill("sql", 3, Evidence.DECLARED),
    )


def test_removing_drops_the_skill_and_a_course_held_is_a_certification_once() -> None:
    remove = checked_skill_correction(CATALOG, BO, "sql", "remove", None)
    held = checked_certification(CATALOG, "sql-101")
    fixed = corrected(BO, [remove, held, held])
    assert fixed.skills == () and fixed.certifications == ("sql-101",)
    assert corrected(fixed, [held]) == fixed  # applying again changes nothing


@pytest.mark.parametrize(
    ("person", "skill", "action", "level", "error"),
    [
        (BO, "sql", "level", None, InvalidInput),
        (BO, "sql", "level", 6, InvalidInput),
        (BO, "sql", "level", 0, InvalidInput),
        (BO, "sql", "remove", 2, InvalidInput),
        (BO, "sql", "hold", None, InvalidInput),
        (BO, "sql", "promote", None, InvalidInput),
        (BO, "triage", "confirm", None, InvalidInput),  # not listed for Bo
        (BO, "knitting", "level", 2, UnknownSkill),
    ],
)
def test_a_bad_correction_is_refused(
    person: Employee, skill: str, action: str, level: int | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        checked_skill_correction(CATALOG, person, skill, action, level)


def test_an_unknown_course_is_refused() -> None:
    with pytest.raises(UnknownCourse):
        checked_certification(CATALOG, "knitting-101")
