"""The repository: what is saved loads back, saves are atomic and idempotent.

Every test runs on SQLite and on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Employee,
    EmployeeSkill,
    Evidence,
    ProtectedAttributes,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    SkillLevel,
    Technology,
)
from recommender.errors import InvalidCatalog
from recommender.store import (
    TableCounts,
    content_fingerprint,
    counts,
    delete_employee,
    load_catalog,
    load_protected_attributes,
    load_versioned_catalog,
    make_engine,
    save_catalog,
    schema,
    upgrade,
)
from tests.conftest import fresh_postgres_database

UNICODE = "Zoë 👩🏽‍⚕️ ممرضة e\u0301 \u05e9\u05dc\u05d5\u05dd 漢字"


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def full_catalog() -> Catalog:
    """A small catalogue with every field of every dataclass set to a non-default value."""
    skills = [
        Skill(
            "ehr", "EHR charting", SkillCategory.HEALTH_INFORMATION, "Charts.", ("Epic", "Cerner")
        ),
        Skill("sql", "SQL", SkillCategory.DATA_AI, "Queries.", ("Structured Query Language",)),
        Skill("triage", "Triage", SkillCategory.CLINICAL, UNICODE, (UNICODE,)),
    ]
    nurse = Role(
        id="nurse",
        title="Registered nurse",
        description="Cares for patients.",
        soc_code="29-1141.00",
        job_family="Nursing",
        job_zone=3,
        requirements=(Requirement("triage", 4, 1.0), Requirement("ehr", 2.5, 0.25)),
        open_positions=7,
        median_days_to_fill=45,
        hard_to_fill=True,
        pay_band="B5",
        source=RoleSource.ORG,
        tasks=("Assess patients", "Chart vitals", UNICODE),
        work_activities=("Caring for others", "Documenting"),
        technologies=(
            Technology("Epic Systems", "43231602", "Medical software", hot=True, in_demand=True),
            Technology("Microsoft Excel", "43232110", "Spreadsheet software", hot=True),
        ),
        alternate_titles=("RN", "Staff nurse"),
        interests=(("Social", 0.9), ("Investigative", 0.5)),
        work_styles=(("Dependability", 0.95),),
        feeder_roles=("15-2051.00",),
    )
    analyst = Role(
        id="15-2051.00",
        title="Data scientists",
        description="Analyse data.",
        soc_code="15-2051.00",
        job_family="Computer and Mathematical",
        job_zone=5,
        requirements=(Requirement("sql", 3.857142857142857, 0.8125),),
        source=RoleSource.ONET,
        tasks=("Write queries",),
        alternate_titles=("Data analyst",),
    )
    courses = [
        Course(
            id="sql-101",
            title="SQL basics",
            provider="Coursera",
            kind=CourseKind.COURSE,
            hours=12.5,
            cost=49.0,
            delivery="online",
            teaches=(SkillLevel("sql", 2),),
            url="https://example.org/sql",
            hours_estimated=True,
            cost_estimated=True,
            description="Learn SELECT.",
        ),
        Course(
            id="sql-201",
            title="SQL analytics",
            provider="Internal",
            kind=CourseKind.MENTORSHIP,
            hours=20,
            cost=0,
            delivery="in_person",
            teaches=(SkillLevel("sql", 3.5), SkillLevel("ehr", 2)),
            prerequisite_skills=(SkillLevel("sql", 2),),
            prerequisite_courses=("sql-101",),
            url="",
            description=UNICODE,
        ),
    ]
    employees = [
        Employee(
            id="E1",
            name=UNICODE,
            role_id="nurse",
            department="Ward 3",
            location="North",
            tenure_years=4.5,
            skills=(
                EmployeeSkill("triage", 4, Evidence.MANAGER_VERIFIED),
                EmployeeSkill("ehr", 2, Evidence.DECLARED),
            ),
            certifications=("BLS", "ACLS"),
            profile="Night shifts; curious about data.",
            weekly_learning_hours=6.0,
            opted_out=True,
        ),
        Employee(
            "E2",
            "Bo",
            "nurse",
            "Ward 4",
            "South",
            1.0,
            (EmployeeSkill("sql", 1, Evidence.INFERRED),),
        ),
    ]
    return Catalog.from_items(skills, [nurse, analyst], courses, employees)


PROTECTED = (
    ProtectedAttributes("E1", "female", "Hispanic or Latino", "35-44"),
    ProtectedAttributes("E2"),
)


def rows_of(engine: sa.Engine, table: sa.Table) -> set[tuple[Any, ...]]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(sa.select(table))}


def test_saved_catalogue_loads_back_equal(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, protected=PROTECTED, kind="test", source="full_catalog")

    loaded = load_catalog(engine)

    assert loaded == catalog
    assert list(loaded.roles) == sorted(catalog.roles)
    assert loaded.role("nurse").tasks == catalog.role("nurse").tasks
    assert load_protected_attributes(engine) == {p.employee_id: p for p in PROTECTED}


def workforce(ids: Sequence[str] = ("E3", "E10", "E2", "E1", "E4")) -> Catalog:
    """:func:`full_catalog`'s skills, roles and courses, and people (in the order of
    ``ids``) holding skills out of alphabetical order, certifications but no skills, or
    neither; three of the first five hold "sql" at 3."""
    base = full_catalog()
    sql3 = EmployeeSkill("sql", 3, Evidence.DECLARED)
    skills = [
        (
            sql3,
            EmployeeSkill("ehr", 2, Evidence.CERTIFIED),
            EmployeeSkill("triage", 1, Evidence.INFERRED),
        ),
        (),
        (EmployeeSkill("triage", 5, Evidence.MANAGER_VERIFIED), sql3),
        (sql3,),
        (),
    ]
    certifications = [("BLS",), ("ACLS", "BLS"), (), (), ()]
    employees = [
        Employee(id_, f"Person {id_}", "nurse", "Ward 3", "North", 2.5, held, certs)
        for id_, held, certs in zip(ids, cycle(skills), cycle(certifications))
    ]
    return Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), employees
    )


def test_employees_load_back_ordered_by_id_with_their_items_in_saved_order(
    engine: sa.Engine,
) -> None:
    catalog = workforce()
    save_catalog(engine, catalog, kind="test", source="workforce")

    loaded, _ = load_versioned_catalog(engine)

    assert loaded == catalog
    assert list(loaded.employees) == ["E1", "E10", "E2", "E3", "E4"]
    assert [s.skill_id for s in loaded.employee("E3").skills] == ["sql", "ehr", "triage"]
    assert loaded.employee("E10").skills == ()
    assert loaded.employee("E10").certifications == ("ACLS", "BLS")
    assert loaded.employee("E4") == catalog.employee("E4")


def test_loaded_employees_share_equal_skills_and_repeated_strings(engine: sa.Engine) -> None:
    save_catalog(engine, workforce(), kind="test", source="workforce")

    people = load_catalog(engine).employees

    sql3 = [s for e in people.values() for s in e.skills if s.skill_id == "sql"]
    assert len(sql3) == 3 and all(s is sql3[0] for s in sql3)
    assert people["E3"].department is people["E2"].department
    assert people["E3"].tenure_years is people["E2"].tenure_years
    assert people["E3"].certifications[0] is people["E10"].certifications[1]


@pytest.mark.postgres
def test_employees_load_in_id_order_where_the_database_collates_otherwise(
    postgres_admin_url: str,
) -> None:
    ids = ["_z", "a-2", "a1", "A1", "b", "B"]  # how ICU's English collation sorts them
    catalog = workforce(ids)
    icu = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en'"
    with fresh_postgres_database(postgres_admin_url, "reskill_icu", icu) as url:
        engine = make_engine(url)
        upgrade(engine)
        save_catalog(engine, catalog, kind="test", source="icu")
        with engine.connect() as conn:
            table = schema.employees
            stored = conn.execute(sa.select(table.c.id).order_by(table.c.id)).scalars().all()
        loaded = load_catalog(engine)
        engine.dispose()

    assert stored == ids
    assert loaded == catalog
    assert list(loaded.employees) == sorted(ids)


def test_loaded_catalogue_saves_back_as_unchanged(engine: sa.Engine) -> None:
    save_catalog(engine, full_catalog(), kind="test", source="first")

    result = save_catalog(engine, load_catalog(engine), kind="test", source="reloaded")

    assert not result.changed


def test_saving_the_same_catalogue_twice_writes_nothing(engine: sa.Engine) -> None:
    first = save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="a")
    before = content_fingerprint(engine)

    second = save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="a")

    assert first.changed and first.import_run_id is not None
    assert not second.changed and second.import_run_id is None
    assert all(c.inserted == c.updated == c.deleted == 0 for c in second.tables.values())
    assert second.tables["role_tasks"].unchanged == 4
    assert content_fingerprint(engine) == before
    assert counts(engine)["import_runs"] == 1


def test_changing_one_role_rewrites_only_that_roles_rows(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, kind="test", source="a")
    tasks_before = rows_of(engine, schema.role_tasks)
    nurse = dataclasses.replace(catalog.role("nurse"), tasks=("Assess patients", "Teach families"))
    changed = Catalog.from_items(catalog.skills.values(), [nurse, catalog.role("15-2051.00")])

    result = save_catalog(engine, changed, kind="test", source="b")

    assert result.changed
    assert result.tables["roles"] == TableCounts(updated=1, unchanged=1)
    assert result.tables["role_tasks"] == TableCounts(inserted=2, deleted=3, unchanged=1)
    assert result.tables["skills"] == TableCounts(unchanged=3)
    tasks_after = rows_of(engine, schema.role_tasks)
    assert {r for r in tasks_before if r[0] != "nurse"} == {
        r for r in tasks_after if r[0] != "nurse"
    }
    assert sorted(r[2] for r in tasks_after if r[0] == "nurse") == [
        "Assess patients",
        "Teach families",
    ]
    assert load_catalog(engine).employees == catalog.employees
    assert counts(engine)["import_runs"] == 2


def test_entities_missing_from_a_later_save_are_kept(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, kind="test", source="a")

    save_catalog(engine, Catalog.from_items(skills=[catalog.skill("sql")]), kind="test", source="b")

    assert load_catalog(engine) == catalog


def test_failed_save_leaves_the_database_unchanged(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, protected=PROTECTED, kind="test", source="a")
    before, rows_before = content_fingerprint(engine), counts(engine)
    new_skill = Skill("python", "Python", SkillCategory.DATA_AI)
    stray = Employee("E9", "Stray", "no-such-role", "X", "Y", 1.0)
    renamed = dataclasses.replace(catalog.role("nurse"), title="Nurse (renamed)")
    bad = Catalog.from_items([new_skill], [renamed], employees=[stray])

    with pytest.raises(IntegrityError):
        save_catalog(engine, bad, kind="test", source="bad")

    assert content_fingerprint(engine) == before
    assert counts(engine) == rows_before


def test_foreign_keys_are_enforced(engine: sa.Engine) -> None:
    save_catalog(engine, full_catalog(), kind="test", source="a")
    employee = {
        "id": "E3",
        "name": "N",
        "role_id": "missing",
        "department": "",
        "location": "",
        "tenure_years": 0.0,
        "profile": "",
        "weekly_learning_hours": 1.0,
        "opted_out": False,
        "entity_hash": "x",
    }

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.delete(schema.roles).where(schema.roles.c.id == "nurse"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(schema.employees).values(employee))
    assert load_catalog(engine).role("nurse").title == "Registered nurse"


def test_deleting_a_role_nobody_holds_cascades_to_its_child_rows(engine: sa.Engine) -> None:
    save_catalog(engine, full_catalog(), kind="test", source="a")

    with engine.begin() as conn:
        conn.execute(sa.delete(schema.roles).where(schema.roles.c.id == "15-2051.00"))

    assert {r[0] for r in rows_of(engine, schema.role_tasks)} == {"nurse"}
    assert {r[0] for r in rows_of(engine, schema.role_alternate_titles)} == {"nurse"}
    assert rows_of(engine, schema.role_feeders) == set()  # the deleted role fed the nurse
    assert load_catalog(engine).role("nurse").feeder_roles == ()


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("role_requirements", "level", 7.0),
        ("role_requirements", "level", 0.5),
        ("role_requirements", "importance", 1.5),
        ("role_requirements", "level", "12abc"),
        ("courses", "hours", -1.0),
        ("courses", "hours", "12abc"),
        ("courses", "cost", -0.01),
        ("roles", "job_zone", 6),
        ("roles", "job_zone", "3x"),
        ("roles", "open_positions", -1),
        ("employee_skills", "level", 6),
        ("employee_skills", "evidence", "rumour"),
        ("skills", "category", "astrology"),
    ],
)
def test_check_constraints_reject_bad_values_written_directly(
    engine: sa.Engine, table: str, column: str, value: object
) -> None:
    save_catalog(engine, full_catalog(), kind="test", source="a")
    target = schema.metadata.tables[table]
    key = next(iter(target.primary_key.columns))
    parent_id = {
        "role_requirements": "nurse",
        "courses": "sql-101",
        "roles": "nurse",
        "employee_skills": "E1",
        "skills": "sql",
    }[table]

    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(sa.update(target).where(key == parent_id).values({column: sa.literal(value)}))


def test_delete_employee_erases_every_row_about_the_person(engine: sa.Engine) -> None:
    save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="a")

    assert delete_employee(engine, "E1") is True
    assert delete_employee(engine, "E1") is False

    for table in (
        schema.employees,
        schema.employee_skills,
        schema.employee_certifications,
        schema.protected_attributes,
    ):
        assert all("E1" not in row for row in rows_of(engine, table)), table.name
    assert set(load_catalog(engine).employees) == {"E2"}
    assert set(load_protected_attributes(engine)) == {"E2"}


@pytest.mark.parametrize("where", ["skill_alias", "employee_name", "protected", "source"])
def test_nul_in_a_string_is_rejected_before_anything_is_written(
    engine: sa.Engine, where: str
) -> None:
    catalog, source = full_catalog(), "a"
    protected: Sequence[ProtectedAttributes] = PROTECTED
    if where == "skill_alias":
        catalog = Catalog.from_items([Skill("x", "X", SkillCategory.BUSINESS, aliases=("a\x00b",))])
    elif where == "employee_name":
        employee = dataclasses.replace(catalog.employee("E2"), name="Bo\x00")
        catalog = Catalog.from_items(
            catalog.skills.values(), catalog.roles.values(), (), [employee]
        )
    elif where == "protected":
        protected = (ProtectedAttributes("E1", sex="f\x00"),)
    else:
        source = "file\x00.txt"

    with pytest.raises(InvalidCatalog, match="NUL character") as raised:
        save_catalog(engine, catalog, protected=protected, kind="test", source=source)

    assert len(raised.value.problems) == 1
    assert all(n == 0 for n in counts(engine).values())


def test_nul_error_names_the_table_field_and_entity(engine: sa.Engine) -> None:
    role = dataclasses.replace(full_catalog().role("nurse"), tasks=("ok", "bad\x00task"))

    with pytest.raises(InvalidCatalog) as raised:
        save_catalog(engine, Catalog.from_items(roles=[role]), kind="test", source="a")

    problem = raised.value.problems[0]
    assert problem.field == "role_tasks.task"
    assert "'nurse'" in problem.reason


def test_non_finite_numbers_are_rejected(engine: sa.Engine) -> None:
    course = dataclasses.replace(full_catalog().course("sql-101"), hours=float("nan"), teaches=())

    with pytest.raises(InvalidCatalog, match="courses.hours.*not finite"):
        save_catalog(engine, Catalog.from_items(courses=[course]), kind="test", source="a")


def test_unicode_round_trips_exactly(engine: sa.Engine) -> None:
    save_catalog(engine, full_catalog(), kind="test", source=UNICODE)

    loaded = load_catalog(engine)

    assert loaded.employee("E1").name == UNICODE
    assert loaded.skill("triage").aliases == (UNICODE,)
    assert loaded.role("nurse").tasks[-1] == UNICODE
    assert loaded.course("sql-201").description == UNICODE


def test_load_catalog_can_select_role_sources_and_skip_employees(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, kind="test", source="a")

    onet_only = load_catalog(engine, role_sources={RoleSource.ONET}, include_employees=False)

    assert list(onet_only.roles) == ["15-2051.00"]
    assert onet_only.role("15-2051.00") == catalog.role("15-2051.00")
    assert onet_only.employees == {}
    assert onet_only.courses == catalog.courses


def test_protected_attributes_are_updated_in_place(engine: sa.Engine) -> None:
    save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="a")
    revised = (ProtectedAttributes("E2", age_band="25-34"),)

    result = save_catalog(engine, full_catalog(), protected=revised, kind="test", source="b")

    assert result.tables["protected_attributes"] == TableCounts(updated=1)
    assert load_protected_attributes(engine) == {"E1": PROTECTED[0], "E2": revised[0]}


def test_import_runs_record_the_source_and_counts_of_each_changing_save(engine: sa.Engine) -> None:
    result = save_catalog(engine, full_catalog(), kind="org", source="hr.xlsx")

    with engine.connect() as conn:
        run = conn.execute(sa.select(schema.import_runs)).one()

    assert (run.id, run.kind, run.source) == (result.import_run_id, "org", "hr.xlsx")
    assert run.counts["employee_skills"]["inserted"] == 3
    assert run.finished_at >= run.started_at


def test_one_engine_serves_several_threads(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, kind="test", source="a")

    with ThreadPoolExecutor(max_workers=4) as pool:
        loaded = list(pool.map(lambda _: load_catalog(engine), range(8)))

    assert all(c == catalog for c in loaded)


@pytest.mark.postgres
def test_same_content_has_the_same_fingerprint_on_sqlite_and_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    fingerprints = []
    for url in (f"sqlite:///{tmp_path / 'r.db'}", postgres_url):
        engine = make_engine(url)
        upgrade(engine)
        save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source=url)
        fingerprints.append(content_fingerprint(engine))
        engine.dispose()

    assert fingerprints[0] == fingerprints[1]
