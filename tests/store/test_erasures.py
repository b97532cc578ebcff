"""Forgetting people and remembering erasures: the per-person deletion, the salted
digests, snapshot saves. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.catalog import Catalog, ProtectedAttributes
from recommender.corrections import Correction, CorrectionAction
from recommender.errors import UnknownEmployee
from recommender.store import (
    content_fingerprint,
    counts,
    load_catalog,
    load_protected_attributes,
    make_engine,
    save_catalog,
    schema,
    upgrade,
    write_transaction,
)
from recommender.store.access import access_log, create_key, log_access
from recommender.store.corrections import read_corrections, write_correction
from recommender.store.erasures import (
    SALT_SETTING,
    erased_among,
    forget_people,
    forget_person,
    id_digest,
    normalise_employee_id,
    record_erasure,
    rehire,
)
from recommender.store.goals import read_goal, set_goal
from tests.store.test_repository import PROTECTED, full_catalog

TALENT = Principal("talent01", Role.TALENT)


def _read(engine: sa.Engine, employee_id: str) -> None:
    with write_transaction(engine) as conn:
        log_access(
            conn,
            TALENT,
            action="employees.read",
            route="GET",
            employee_id=employee_id,
            request_id="r",
        )


def _erase(engine: sa.Engine, employee_id: str) -> None:
    with write_transaction(engine) as conn:
        forgotten = forget_person(conn, employee_id)
        record_erasure(conn, employee_id, forgotten.tombstones.get(employee_id, "erased-test"))


def _table(engine: sa.Engine, table: sa.Table) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(table))]


def _without(catalog: Catalog, *ids: str) -> Catalog:
    kept = [e for e in catalog.employees.values() if e.id not in ids]
    return Catalog.from_items(
        catalog.skills.values(), catalog.roles.values(), catalog.courses.values(), kept
    )


@pytest.mark.parametrize(
    "variant", ["E1", "e1", " E1 ", "\uff25\uff11", "E\u200b1", "E1\u202e", "\u0045\u0031\n"]
)
def test_ids_are_normalised_as_imports_normalise_them_before_hashing(variant: str) -> None:
    assert normalise_employee_id(variant) == normalise_employee_id("E1")
    assert id_digest("salt", variant) == id_digest("salt", "E1")
    assert id_digest("salt", "E1") != id_digest("other salt", "E1")
    assert id_digest("salt", "E1") != id_digest("salt", "E10")


def test_forget_people_removes_every_row_naming_them_and_tombstones_the_log(
    engine: sa.Engine,
) -> None:
    create_key(engine, Role.EMPLOYEE, employee_id="E1")
    for person in ("E1", "E1", "E2"):
        _read(engine, person)
    for person in ("E1", "E2"):  # a career goal each (logged as a write)
        set_goal(
            engine,
            TALENT,
            person,
            role_id=None,
            job_family="Security",
            action="goals.write",
            route="PUT",
            request_id="g",
        )
    for person in ("E1", "E2"):  # a correction each (logged as a write too)
        fixed = Correction(CorrectionAction.LEVEL, "python", 3)
        written = {"action": "skills.write", "route": "PUT", "request_id": "c"}
        write_correction(engine, TALENT, person, fixed, **written)
    with write_transaction(engine) as conn:
        forgotten = forget_people(conn, ["E1", "nobody"])
    assert dict(forgotten.rows_deleted) == {
        "protected_attributes": 1,
        "employee_skills": 2,
        "employee_certifications": 2,
        "api_keys": 1,
        "employee_goals": 1,
        "employee_corrections": 1,
        "nominations": 0,
        "prepared_answers": 0,
        "academy_plan_entries": 0,
        "employees": 1,
    }
    assert read_goal(engine, "E1") is None and read_goal(engine, "E2") is not None
    assert read_corrections(engine, "E1") == () and read_corrections(engine, "E2") != ()
    assert forgotten.people == 1 and forgotten.ids == ("E1",)
    assert forgotten.log_rows_tombstoned == 4 and set(forgotten.tombstones) == {"E1"}
    assert forgotten.profiles == ("Night shifts; curious about data.",)
    assert "E1" not in repr(forgotten) and "Night" not in repr(forgotten)
    log = _table(engine, access_log)
    assert not any("E1" in repr(row) for row in log)
    assert sum(forgotten.tombstones["E1"] in row for row in log) == 4
    assert set(load_catalog(engine).employees) == {"E2"}
    # No erasure tombstone: that is erasure's job, not the deletion's.
    assert _table(engine, schema.erased_employees) == []
    with pytest.raises(UnknownEmployee), write_transaction(engine) as conn:
        forget_person(conn, "E1")


def test_an_erasure_stores_a_salted_digest_never_the_id_and_one_salt_per_database(
    engine: sa.Engine,
) -> None:
    _erase(engine, "E1")
    [(name, salt)] = _table(engine, schema.settings)
    assert name == SALT_SETTING and len(str(salt)) == 64
    [(digest, erased_at, tombstone)] = _table(engine, schema.erased_employees)
    assert digest == id_digest(str(salt), "E1") and "E1" not in repr((digest, tombstone))
    assert isinstance(erased_at, datetime) and str(tombstone).startswith("erased-")
    _erase(engine, "E2")
    assert _table(engine, schema.settings) == [(name, salt)]  # created once
    assert len(_table(engine, schema.erased_employees)) == 2
    with engine.connect() as conn:
        assert erased_among(conn, ["E1", "e2", "E3"]) == {"E1", "e2"}


def test_another_database_gets_another_salt(engine: sa.Engine) -> None:
    other = make_engine("sqlite://")
    upgrade(other)
    save_catalog(other, full_catalog(), protected=PROTECTED, kind="test", source="a")
    _erase(engine, "E1")
    _erase(other, "E1")
    assert _table(engine, schema.settings) != _table(other, schema.settings)
    assert (
        _table(engine, schema.erased_employees)[0][0]
        != _table(other, schema.erased_employees)[0][0]
    )
    other.dispose()


def test_a_save_leaves_out_erased_people_with_all_their_rows_until_rehired(
    engine: sa.Engine,
) -> None:
    _erase(engine, "E1")
    before = content_fingerprint(engine)
    result = save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="b")
    assert result.left_out_erased == 1 and not result.changed
    assert content_fingerprint(engine) == before
    assert set(load_catalog(engine).employees) == {"E2"}
    assert set(load_protected_attributes(engine)) == {"E2"}
    # Protected attributes alone (a partial file) cannot bring them back either.
    alone = save_catalog(engine, Catalog(), protected=PROTECTED[:1], kind="test", source="c")
    assert alone.left_out_erased == 1 and not alone.changed

    assert rehire(engine, " e1") is True and rehire(engine, "E1") is False
    back = save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="d")
    assert back.changed and back.left_out_erased == 0
    assert set(load_catalog(engine).employees) == {"E1", "E2"}
    assert load_catalog(engine).employee("E1") == full_catalog().employee("E1")
    assert set(load_protected_attributes(engine)) == {"E1", "E2"}


def test_rehire_without_any_erasure_changes_nothing(engine: sa.Engine) -> None:
    assert rehire(engine, "E1") is False
    assert _table(engine, schema.settings) == []


def test_a_snapshot_save_removes_absent_people_once_and_is_idempotent(engine: sa.Engine) -> None:
    create_key(engine, Role.EMPLOYEE, employee_id="E1")
    _read(engine, "E1")
    runs = counts(engine)["import_runs"]
    snapshot = _without(full_catalog(), "E1")

    partial = save_catalog(engine, snapshot, kind="test", source="partial")
    assert partial.removed == 0 and set(load_catalog(engine).employees) == {"E1", "E2"}

    first = save_catalog(engine, snapshot, kind="test", source="s", replace_employees=True)
    assert first.changed and first.removed == 1 and first.removed_ids == ("E1",)
    assert first.tables["employees"].deleted == 1
    assert first.tables["employee_skills"].deleted == 2
    assert first.tables["protected_attributes"].deleted == 1
    assert "E1" not in repr(first)
    assert set(load_catalog(engine).employees) == {"E2"}
    assert not any("E1" in repr(row) for row in _table(engine, access_log))
    assert _table(engine, schema.erased_employees) == []  # a leaver, not an erasure
    after_first = content_fingerprint(engine)

    again = save_catalog(engine, snapshot, kind="test", source="s", replace_employees=True)
    assert not again.changed and again.removed == 0
    assert content_fingerprint(engine) == after_first
    assert counts(engine)["import_runs"] == runs + 1

    # A later snapshot that lists the leaver again brings them back.
    back = save_catalog(
        engine, full_catalog(), protected=PROTECTED, kind="test", source="t", replace_employees=True
    )
    assert back.removed == 0 and set(load_catalog(engine).employees) == {"E1", "E2"}


def test_a_snapshot_that_fails_removes_nobody(engine: sa.Engine) -> None:
    before = content_fingerprint(engine)
    broken = _without(full_catalog(), "E1")
    stray = [ProtectedAttributes("E9", "male")]  # no such employee: the foreign key fails
    with pytest.raises(sa.exc.IntegrityError):
        save_catalog(
            engine, broken, protected=stray, kind="test", source="s", replace_employees=True
        )
    assert content_fingerprint(engine) == before
    assert set(load_catalog(engine).employees) == {"E1", "E2"}


def test_the_erasure_row_is_stamped_now(engine: sa.Engine) -> None:
    before = datetime.now(UTC)
    _erase(engine, "E2")
    [(_, erased_at, _)] = _table(engine, schema.erased_employees)
    assert isinstance(erased_at, datetime)
    stamped = erased_at if erased_at.tzinfo else erased_at.replace(tzinfo=UTC)
    assert before.replace(microsecond=0) <= stamped.replace(microsecond=0) <= datetime.now(UTC)
