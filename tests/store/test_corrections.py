"""Corrections in the database: applied on load, kept by imports, gone with the person,
logged and moving the data version in the write's own transaction."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.catalog import Catalog, EmployeeSkill, Evidence
from recommender.corrections import Correction, CorrectionAction
from recommender.errors import UnknownEmployee
from recommender.store import content_fingerprint, load_catalog, save_catalog
from recommender.store.access import read_access_log
from recommender.store.corrections import (
    UnknownCorrection,
    read_corrections,
    withdraw_correction,
    write_correction,
)
from recommender.store.versions import current
from tests.store.test_repository import full_catalog

ME = Principal("key00001", Role.EMPLOYEE, "E2")
WRITTEN = {"action": "skills.write", "route": "PUT", "request_id": "c"}


def _correct(engine: sa.Engine, correction: Correction) -> int:
    return write_correction(engine, ME, "E2", correction, **WRITTEN)[1]


def test_the_catalogue_loads_with_the_corrections_applied_and_each_moves_the_version(
    engine: sa.Engine,
) -> None:
    before = current(engine)
    fingerprint = content_fingerprint(engine)
    versions = [
        _correct(engine, Correction(CorrectionAction.CONFIRM, "sql", 1)),
        _correct(engine, Correction(CorrectionAction.LEVEL, "triage", 2)),
        _correct(engine, Correction(CorrectionAction.HOLD, "sql-101")),
    ]
    assert versions == [before + 1, before + 2, before + 3] == [*versions[:2], current(engine)]
    bo = load_catalog(engine).employee("E2")
    assert bo.skills == (
        EmployeeSkill("sql", 1, Evidence.DECLARED),
        EmployeeSkill("triage", 2, Evidence.DECLARED),
    )
    assert bo.certifications == ("sql-101",)
    assert content_fingerprint(engine) != fingerprint  # prepared pages are not carried over
    stored = read_corrections(engine, "E2")
    assert [(c.action, c.item_id, c.set_by) for c in stored] == [
        (CorrectionAction.CONFIRM, "sql", "key00001"),
        (CorrectionAction.LEVEL, "triage", "key00001"),
        (CorrectionAction.HOLD, "sql-101", "key00001"),
    ]
    assert all(c.set_at is not None and c.set_at.tzinfo is not None for c in stored)
    log = [r for r in read_access_log(engine, employee_id="E2") if r.action == "skills.write"]
    assert len(log) == 3


def test_the_latest_correction_of_a_skill_replaces_the_earlier_one(engine: sa.Engine) -> None:
    _correct(engine, Correction(CorrectionAction.LEVEL, "sql", 4))
    _correct(engine, Correction(CorrectionAction.REMOVE, "sql"))
    assert [c.action for c in read_corrections(engine, "E2")] == [CorrectionAction.REMOVE]
    assert load_catalog(engine).employee("E2").skills == ()


def test_an_import_keeps_the_corrections_and_a_snapshot_without_the_person_drops_them(
    engine: sa.Engine,
) -> None:
    _correct(engine, Correction(CorrectionAction.LEVEL, "sql", 3))
    catalog = full_catalog()
    bo = catalog.employee("E2")
    changed = replace(bo, skills=(EmployeeSkill("sql", 2, Evidence.INFERRED),))
    people = [catalog.employee("E1"), changed]
    reimport = Catalog.from_items(
        catalog.skills.values(), catalog.roles.values(), catalog.courses.values(), people
    )
    assert save_catalog(engine, reimport, kind="test", source="b", replace_employees=True).changed
    assert load_catalog(engine).employee("E2").skills == (
        EmployeeSkill("sql", 3, Evidence.DECLARED),
    )

    without = Catalog.from_items(
        catalog.skills.values(),
        catalog.roles.values(),
        catalog.courses.values(),
        [catalog.employee("E1")],
    )
    save_catalog(engine, without, kind="test", source="c", replace_employees=True)
    assert read_corrections(engine, "E2") == ()


def test_no_correction_is_written_for_someone_not_stored(engine: sa.Engine) -> None:
    version = current(engine)
    with pytest.raises(UnknownEmployee):
        write_correction(engine, ME, "E9", Correction(CorrectionAction.LEVEL, "sql", 3), **WRITTEN)
    assert current(engine) == version
    assert read_corrections(engine, "E9") == ()
    assert read_access_log(engine, employee_id="E9") == []


def test_a_withdrawal_leaves_the_record_as_imported_with_the_other_corrections(
    engine: sa.Engine,
) -> None:
    imported = load_catalog(engine).employee("E2")
    _correct(engine, Correction(CorrectionAction.LEVEL, "triage", 2))
    _correct(engine, Correction(CorrectionAction.HOLD, "sql-101"))
    _correct(engine, Correction(CorrectionAction.REMOVE, "sql"))
    writes = len(read_access_log(engine, employee_id="E2"))

    record, left, version = withdraw_correction(engine, ME, "E2", "skill", "sql", **WRITTEN)

    assert version == current(engine)
    assert record == load_catalog(engine).employee("E2")  # what every worker loads
    assert record.level_of("sql") == imported.level_of("sql")
    assert record.level_of("triage") == 2 and record.certifications == ("sql-101",)
    assert [c.item_id for c in left] == [c.item_id for c in read_corrections(engine, "E2")]
    assert [c.item_id for c in left] == ["triage", "sql-101"]
    record, left, _ = withdraw_correction(engine, ME, "E2", "certification", "sql-101", **WRITTEN)
    assert record.certifications == imported.certifications
    assert len(read_access_log(engine, employee_id="E2")) == writes + 2


def test_withdrawing_no_stored_correction_changes_and_logs_nothing(engine: sa.Engine) -> None:
    _correct(engine, Correction(CorrectionAction.LEVEL, "triage", 2))
    version, writes = current(engine), len(read_access_log(engine, employee_id="E2"))
    for kind, item in (("skill", "sql"), ("certification", "triage"), ("skill", "nothing")):
        with pytest.raises(UnknownCorrection):
            withdraw_correction(engine, ME, "E2", kind, item, **WRITTEN)
    with pytest.raises(UnknownEmployee):
        withdraw_correction(engine, ME, "E9", "skill", "triage", **WRITTEN)
    assert current(engine) == version
    assert len(read_access_log(engine, employee_id="E2")) == writes
    assert [c.item_id for c in read_corrections(engine, "E2")] == ["triage"]
