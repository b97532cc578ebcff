"""The seeded synthetic-employee generator and the employee tables it writes."""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest

from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Employee,
    Evidence,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    SkillLevel,
)
from recommender.errors import InvalidInput
from recommender.generator import GeneratedPopulation, generate_employees, write_employee_tables

REPO = Path(__file__).resolve().parent.parent
COLUMNS_MD = REPO / "data" / "COLUMNS.md"

_IT, _SEC, _CLIN = SkillCategory.IT_OPERATIONS, SkillCategory.SECURITY, SkillCategory.CLINICAL
_HIM, _DATA = SkillCategory.HEALTH_INFORMATION, SkillCategory.DATA_AI


def _role(role_id: str, title: str, family: str, *reqs: tuple[str, int, float]) -> Role:
    requirements = tuple(Requirement(s, level, imp) for s, level, imp in reqs)
    return Role(role_id, title, f"{title}.", "00-0000.00", family, 3, requirements)


def hospital_catalog() -> Catalog:
    """Five families, a chief officer, one O*NET role that must never be staffed."""
    skills = [
        Skill("troubleshooting", "Troubleshooting", _IT),
        Skill("ticketing", "Ticketing systems", _IT),
        Skill("windows", "Windows administration", _IT),
        Skill("networking", "Networking", _IT),
        Skill("customer-service", "Customer service", SkillCategory.INTERPERSONAL),
        Skill("siem", "SIEM", _SEC),
        Skill("incident-response", "Incident response", _SEC),
        Skill("security-basics", "Security fundamentals", _SEC),
        Skill("risk-management", "Risk management", _SEC),
        Skill("leadership", "Leadership", SkillCategory.BUSINESS),
        Skill("patient-care", "Patient care", _CLIN),
        Skill("medication", "Medication administration", _CLIN),
        Skill("ehr", "EHR use", _HIM),
        Skill("clinical-workflow", "Clinical workflow design", _HIM),
        Skill("icd10", "ICD-10-CM coding", _HIM),
        Skill("cpt", "CPT coding", _HIM),
        Skill("sql", "SQL", _DATA),
        Skill("statistics", "Statistics", _DATA),
    ]
    roles = [
        _role(
            "help-desk",
            "Help Desk Technician",
            "IT Support",
            ("troubleshooting", 3, 1.0),
            ("ticketing", 3, 0.8),
            ("windows", 3, 0.6),
            ("customer-service", 3, 0.3),
        ),
        _role(
            "soc-analyst",
            "SOC Analyst",
            "Security",
            ("siem", 3, 1.0),
            ("incident-response", 3, 0.9),
            ("networking", 3, 0.6),
            ("security-basics", 2, 0.4),
        ),
        _role(
            "ciso",
            "Chief Information Security Officer",
            "Security",
            ("risk-management", 5, 1.0),
            ("security-basics", 5, 0.8),
            ("leadership", 4, 0.7),
        ),
        _role(
            "rn",
            "Registered Nurse",
            "Nursing",
            ("patient-care", 4, 1.0),
            ("medication", 4, 0.9),
            ("ehr", 3, 0.6),
            ("customer-service", 3, 0.2),
        ),
        _role(
            "nurse-informaticist",
            "Clinical Informatics Nurse",
            "Informatics",
            ("ehr", 4, 1.0),
            ("clinical-workflow", 4, 0.9),
            ("patient-care", 3, 0.5),
            ("sql", 2, 0.3),
        ),
        _role(
            "coder",
            "Medical Coder",
            "Health Information",
            ("icd10", 4, 1.0),
            ("cpt", 3, 0.9),
            ("ehr", 2, 0.4),
        ),
        _role(
            "data-analyst",
            "Healthcare Data Analyst",
            "Data & AI",
            ("sql", 4, 1.0),
            ("statistics", 3, 0.8),
            ("ehr", 2, 0.3),
        ),
        Role(
            "15-1212.00",
            "Information Security Analysts",
            "O*NET occupation.",
            "15-1212.00",
            "Security",
            4,
            (Requirement("siem", 3.6, 0.9),),
            source=RoleSource.ONET,
        ),
    ]
    cert = CourseKind.CERTIFICATION
    courses = [
        Course(
            "a-plus",
            "CompTIA A+",
            "CompTIA",
            cert,
            120,
            500,
            "online",
            (
                SkillLevel("troubleshooting", 3),
                SkillLevel("windows", 3),
                SkillLevel("networking", 2),
            ),
        ),
        Course(
            "security-plus",
            "CompTIA Security+",
            "CompTIA",
            cert,
            80,
            404,
            "online",
            (SkillLevel("security-basics", 3), SkillLevel("networking", 3)),
        ),
        Course(
            "ccs",
            "Certified Coding Specialist",
            "AHIMA",
            cert,
            100,
            399,
            "online",
            (SkillLevel("icd10", 4), SkillLevel("cpt", 4)),
        ),
        Course(
            "sql-course",
            "SQL for Healthcare",
            "Internal",
            CourseKind.COURSE,
            20,
            0,
            "online",
            (SkillLevel("sql", 2),),
        ),
    ]
    return Catalog.from_items(skills, roles, courses)


CATALOG = hospital_catalog()


@pytest.fixture(scope="module")
def population() -> GeneratedPopulation:
    return generate_employees(CATALOG, 5000, seed=11)


def _by_role(population: GeneratedPopulation, role_id: str) -> list[Employee]:
    return [e for e in population.employees if e.role_id == role_id]


def test_same_seed_gives_identical_population() -> None:
    assert generate_employees(CATALOG, 300, seed=5) == generate_employees(CATALOG, 300, seed=5)


def test_output_does_not_depend_on_catalogue_insertion_order() -> None:
    shuffled = Catalog.from_items(
        reversed(list(CATALOG.skills.values())),
        reversed(list(CATALOG.roles.values())),
        reversed(list(CATALOG.courses.values())),
    )
    assert generate_employees(shuffled, 200, seed=5) == generate_employees(CATALOG, 200, seed=5)


def test_different_seed_gives_different_population() -> None:
    a = generate_employees(CATALOG, 300, seed=5).employees
    b = generate_employees(CATALOG, 300, seed=6).employees
    assert [e.name for e in a] != [e.name for e in b]
    assert [e.skills for e in a] != [e.skills for e in b]


def test_population_has_n_employees_with_sequential_unique_ids() -> None:
    employees = generate_employees(CATALOG, 250, seed=1).employees
    assert [e.id for e in employees] == [f"E{i:06d}" for i in range(1, 251)]
    shifted = generate_employees(CATALOG, 3, seed=1, start_id=1000).employees
    assert [e.id for e in shifted] == ["E001000", "E001001", "E001002"]


def test_start_id_changes_only_the_ids() -> None:
    a = generate_employees(CATALOG, 50, seed=1).employees
    b = generate_employees(CATALOG, 50, seed=1, start_id=501).employees
    assert [(e.name, e.skills, e.profile) for e in a] == [(e.name, e.skills, e.profile) for e in b]


def test_zero_employees_is_an_empty_population() -> None:
    assert generate_employees(CATALOG, 0, seed=1) == GeneratedPopulation((), (), ())


@pytest.mark.parametrize(("n", "start_id"), [(-1, 1), (5, 0)])
def test_bad_size_or_start_id_is_rejected(n: int, start_id: int) -> None:
    with pytest.raises(InvalidInput, match=str(n if n < 0 else start_id)):
        generate_employees(CATALOG, n, seed=1, start_id=start_id)


def test_catalogue_without_org_roles_is_rejected() -> None:
    onet_only = Catalog.from_items(roles=[CATALOG.role("15-1212.00")])
    with pytest.raises(InvalidInput, match="no organisation roles"):
        generate_employees(onet_only, 10, seed=1)


def test_every_employee_holds_an_org_role_of_the_catalogue(
    population: GeneratedPopulation,
) -> None:
    roles = {e.role_id for e in population.employees}
    assert roles <= set(CATALOG.roles)
    assert all(CATALOG.role(r).source is RoleSource.ORG for r in roles)
    assert "15-1212.00" not in roles


def test_headcount_has_many_nurses_few_security_staff_and_one_ciso() -> None:
    counts = Counter(e.role_id for e in generate_employees(CATALOG, 500, seed=3).employees)
    assert counts.most_common(1)[0][0] == "rn"
    assert counts["rn"] > 0.5 * 500
    assert counts["ciso"] == 1
    assert 0 < counts["soc-analyst"] < counts["help-desk"] < counts["coder"]


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        # Informatics specialists of a clinical field are fewer than its clinicians, and an
        # LIS analyst is counted as informatics, not as laboratory staff.
        ("Pharmacy informatics pharmacist", "Pharmacist"),
        ("Laboratory information systems (LIS) analyst", "Medical laboratory scientist"),
        # Senior developers and engineers are fewer than application developers.
        ("Software developer", "Application developer"),
        ("Integration engineer", "Application developer"),
        # One clinical engineer leads several biomedical equipment technicians.
        ("Clinical engineer", "Biomedical equipment technician"),
        # An IT project manager is not weighted as a line manager.
        ("IT project manager", "IT manager"),
    ],
)
def test_headcount_weights_order_related_hospital_roles(smaller: str, larger: str) -> None:
    from recommender.generator.headcount import role_weight

    def weight(title: str) -> float:
        return role_weight(Role("x", title, "", "00-0000.00", "Nowhere", 3))

    assert 0 < weight(smaller) < weight(larger)


def test_new_title_rules_leave_the_penetration_tester_a_security_role() -> None:
    from recommender.generator.headcount import FAMILY_WEIGHTS, role_weight

    tester = Role("pt", "Penetration tester", "", "15-1299.04", "Security", 4)
    assert role_weight(tester) == FAMILY_WEIGHTS["security"]


def test_skill_levels_are_whole_numbers_1_to_5(population: GeneratedPopulation) -> None:
    levels = [s.level for e in population.employees for s in e.skills]
    assert all(isinstance(level, int) and 1 <= level <= 5 for level in levels)


def test_role_skill_levels_centre_on_the_required_levels(
    population: GeneratedPopulation,
) -> None:
    diffs = [
        s.level - round(req.level)
        for e in population.employees
        for s in e.skills
        if s.evidence is not Evidence.CERTIFIED
        and (req := CATALOG.role(e.role_id).requirement(s.skill_id)) is not None
    ]
    assert len(diffs) > 10_000
    assert statistics.fmean(abs(d) for d in diffs) < 0.75
    assert -0.5 < statistics.fmean(diffs) < 0.0  # mostly at or just below the requirement


def test_important_requirements_are_never_missing(population: GeneratedPopulation) -> None:
    for e in population.employees[:500]:
        held = {s.skill_id for s in e.skills}
        needed = {r.skill_id for r in CATALOG.role(e.role_id).requirements if r.importance >= 0.5}
        assert needed <= held, e.id


def test_low_importance_requirements_are_sometimes_missing(
    population: GeneratedPopulation,
) -> None:
    nurses = _by_role(population, "rn")
    without = sum(
        e.level_of("customer-service") == 0
        and "customer-service" not in {s.skill_id for s in e.skills}
        for e in nurses
    )
    assert 0.1 * len(nurses) < without < 0.6 * len(nurses)


def test_everyone_has_one_to_four_skills_from_outside_the_role(
    population: GeneratedPopulation,
) -> None:
    for e in population.employees:
        own = {r.skill_id for r in CATALOG.role(e.role_id).requirements}
        extra = [
            s for s in e.skills if s.skill_id not in own and s.evidence is not Evidence.CERTIFIED
        ]
        assert 1 <= len(extra) <= 4, e.id


def test_help_desk_staff_pick_up_security_more_than_clinical_skills(
    population: GeneratedPopulation,
) -> None:
    def category_count(category: SkillCategory) -> int:
        return sum(
            CATALOG.skill(s.skill_id).category is category
            for e in _by_role(population, "help-desk")
            for s in e.skills
            if s.evidence is not Evidence.CERTIFIED
        )

    assert category_count(_SEC) > 3 * category_count(_CLIN)


def test_certified_skills_are_taught_by_a_held_certification(
    population: GeneratedPopulation,
) -> None:
    for e in population.employees:
        teaches = {t.skill_id: t.level for c in e.certifications for t in CATALOG.course(c).teaches}
        certified = {s.skill_id: s.level for s in e.skills if s.evidence is Evidence.CERTIFIED}
        assert set(certified) == set(teaches), e.id
        assert all(certified[s] >= teaches[s] for s in certified), e.id


def test_only_certifications_that_fit_the_role_are_held(
    population: GeneratedPopulation,
) -> None:
    held = Counter((e.role_id, c) for e in population.employees for c in e.certifications)
    assert all(CATALOG.course(c).kind is CourseKind.CERTIFICATION for _, c in held)
    assert held[("help-desk", "a-plus")] > 0
    assert held[("coder", "ccs")] > 0
    assert not any(role == "rn" for role, _ in held)
    assert ("coder", "a-plus") not in held


def test_certification_dates_line_up_and_are_in_the_past(
    population: GeneratedPopulation,
) -> None:
    for e, dates in zip(population.employees, population.earned_on, strict=True):
        assert len(dates) == len(e.certifications)
        assert all(d.year >= 2015 and d.isoformat() < "2026-01-01" for d in dates)


def test_about_three_percent_opt_out(population: GeneratedPopulation) -> None:
    share = sum(e.opted_out for e in population.employees) / len(population.employees)
    assert 0.02 <= share <= 0.04


def test_tenure_sites_and_learning_hours_are_in_range(population: GeneratedPopulation) -> None:
    employees = population.employees
    assert all(0.2 <= e.tenure_years <= 35 for e in employees)
    assert statistics.median(e.tenure_years for e in employees) < statistics.fmean(
        e.tenure_years for e in employees
    )  # skewed towards short tenure
    hours = [e.weekly_learning_hours for e in employees]
    assert all(2 <= h <= 10 for h in hours)
    assert sum(3 <= h <= 5 for h in hours) > 0.6 * len(hours)
    assert 3 <= len({e.location for e in employees}) <= 5
    assert {e.location for e in _by_role(population, "rn")}.isdisjoint({"Remote"})


def test_department_follows_job_family(population: GeneratedPopulation) -> None:
    departments = {(e.role_id, e.department) for e in population.employees}
    assert len({d for r, d in departments if r == "rn"}) == 1
    assert ("help-desk", "Information Technology") in departments


def test_protected_attributes_cover_every_employee_in_order(
    population: GeneratedPopulation,
) -> None:
    assert [p.employee_id for p in population.protected] == [e.id for e in population.employees]
    values = Counter(p.race_ethnicity for p in population.protected)
    assert 0.02 < values[None] / len(population.protected) < 0.06
    assert {p.sex for p in population.protected} == {"Female", "Male"}
    assert {p.age_band for p in population.protected} == {"under 40", "40 and over"}


def test_protected_seed_never_changes_the_employees() -> None:
    a = generate_employees(CATALOG, 1000, seed=8, protected_seed=1)
    b = generate_employees(CATALOG, 1000, seed=8, protected_seed=2)
    assert a.employees == b.employees
    assert a.earned_on == b.earned_on
    assert a.protected != b.protected


def test_sex_shares_follow_job_family(population: GeneratedPopulation) -> None:
    def female_share(role_id: str) -> float:
        sexes = [
            p.sex
            for e, p in zip(population.employees, population.protected, strict=True)
            if e.role_id == role_id
        ]
        return sexes.count("Female") / len(sexes)

    assert 0.8 < female_share("rn") < 0.95
    assert female_share("help-desk") < 0.45


def test_long_tenure_means_older(population: GeneratedPopulation) -> None:
    pairs = list(zip(population.employees, population.protected, strict=True))
    assert all(p.age_band == "40 and over" for e, p in pairs if e.tenure_years >= 22)

    def older(lo: float, hi: float) -> float:
        bands = [p.age_band for e, p in pairs if lo <= e.tenure_years < hi]
        return bands.count("40 and over") / len(bands)

    assert older(0, 3) < older(10, 22)


def test_profiles_name_the_role_and_differ_within_a_role(
    population: GeneratedPopulation,
) -> None:
    for e in population.employees[:1000]:
        assert CATALOG.role(e.role_id).title in e.profile, e.id
        assert 60 <= len(e.profile.split()) <= 160, e.id
    nurses = _by_role(population, "rn")
    assert len({e.profile for e in nurses}) == len(nurses)
    openings = Counter(e.profile.split(".")[0].split(" ")[1] for e in nurses)
    assert len(openings) > 5


def test_profiles_mention_certifications_and_some_interests(
    population: GeneratedPopulation,
) -> None:
    certified = [e for e in population.employees if e.certifications]
    assert all(CATALOG.course(e.certifications[0]).title in e.profile for e in certified)
    interested = sum("cybersecurity" in e.profile for e in _by_role(population, "help-desk"))
    assert interested > 0


def _documented_headers() -> dict[str, list[str]]:
    """Column names per file, read from the table in data/COLUMNS.md."""
    headers: dict[str, list[str]] = {}
    current = ""
    for line in COLUMNS_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.fullmatch(r"[a-z_]+", cells[1]) or cells[1] == "column":
            continue
        if cells[0]:
            current = cells[0].split(" ")[0]
        headers.setdefault(current, []).append(cells[1])
    return headers


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_write_employee_tables_writes_documented_headers_and_rows(tmp_path: Path) -> None:
    population = generate_employees(CATALOG, 400, seed=2)
    counts = write_employee_tables(tmp_path, population)
    documented = _documented_headers()
    employees = population.employees
    expected = {
        "employees.csv": len(employees),
        "employee_skills.csv": sum(len(e.skills) for e in employees),
        "employee_certifications.csv": sum(len(e.certifications) for e in employees),
        "protected_attributes.csv": len(employees),
    }
    assert counts == expected
    for name, rows in expected.items():
        table = _read(tmp_path / name)
        assert table[0] == documented[name], name
        assert len(table) == rows + 1, name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)


def test_written_rows_carry_the_generated_values(tmp_path: Path) -> None:
    population = generate_employees(CATALOG, 50, seed=2)
    write_employee_tables(tmp_path, population)
    first = population.employees[0]
    row = dict(zip(*_read(tmp_path / "employees.csv")[:2], strict=True))
    assert row["employee_id"] == first.id
    assert float(row["tenure_years"]) == first.tenure_years
    assert row["opted_out"] == str(first.opted_out).lower()
    assert row["profile"] == first.profile
    skill_rows = _read(tmp_path / "employee_skills.csv")[1:]
    assert skill_rows[0] == [
        first.id,
        first.skills[0].skill_id,
        str(first.skills[0].level),
        first.skills[0].evidence.value,
    ]
    cert_rows = _read(tmp_path / "employee_certifications.csv")[1:]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r[2]) for r in cert_rows)


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        write_employee_tables(tmp_path / folder, generate_employees(CATALOG, 200, seed=9))
    for name in ("employees.csv", "employee_skills.csv", "protected_attributes.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_misaligned_protected_attributes_are_rejected(tmp_path: Path) -> None:
    population = generate_employees(CATALOG, 5, seed=2)
    broken = GeneratedPopulation(population.employees, population.protected[::-1])
    with pytest.raises(InvalidInput, match="employee order"):
        write_employee_tables(tmp_path, broken)
    assert list(tmp_path.iterdir()) == []


def _write_catalogue_csvs(directory: Path, catalog: Catalog) -> None:
    """The org roles, skills and courses of ``catalog`` as the files of COLUMNS.md."""
    headers = _documented_headers()
    org_roles = [r for r in catalog.roles.values() if r.source is RoleSource.ORG]
    tables: dict[str, list[list[object]]] = {
        "skills.csv": [
            [s.id, s.name, s.category.value, s.description, ""] for s in catalog.skills.values()
        ],
        "roles.csv": [
            [
                r.id,
                r.title,
                r.description,
                r.soc_code,
                r.job_family,
                r.job_zone,
                r.open_positions,
                "",
                "false",
                "",
                "|".join(r.feeder_roles),
            ]
            for r in org_roles
        ],
        "role_skills.csv": [
            [r.id, q.skill_id, int(q.level), q.importance]
            for r in org_roles
            for q in r.requirements
        ],
        "courses.csv": [
            [
                c.id,
                c.title,
                c.provider,
                c.kind.value,
                c.hours,
                c.cost,
                c.delivery,
                "",
                "false",
                "false",
                "",
                c.pricing.value,
            ]
            for c in catalog.courses.values()
        ],
        "course_skills.csv": [
            [c.id, t.skill_id, int(t.level)] for c in catalog.courses.values() for t in c.teaches
        ],
    }
    for name, rows in tables.items():
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([headers[name], *rows])


def test_cli_writes_the_same_employees_as_the_library(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from recommender.cli import app

    data, out, expected = tmp_path / "data", tmp_path / "out", tmp_path / "expected"
    data.mkdir()
    _write_catalogue_csvs(data, CATALOG)
    args = ["generate", "employees", "--n", "120", "--seed", "4", "--data", str(data)]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "120 rows to" in result.output
    write_employee_tables(expected, generate_employees(CATALOG, 120, seed=4))
    for name in ("employees.csv", "employee_skills.csv", "protected_attributes.csv"):
        assert (out / name).read_bytes() == (expected / name).read_bytes(), name


def test_cli_regenerates_in_place_over_stale_employee_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from recommender.cli import app

    _write_catalogue_csvs(tmp_path, CATALOG)
    (tmp_path / "employees.csv").write_text("employee_id,name\nE1,someone of a deleted role\n")
    result = CliRunner().invoke(
        app, ["generate", "employees", "--n", "30", "--seed", "1", "--data", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert len(_read(tmp_path / "employees.csv")) == 31


def test_cli_reports_an_invalid_catalogue_without_writing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from recommender.cli import app

    _write_catalogue_csvs(tmp_path, CATALOG)
    with (tmp_path / "role_skills.csv").open("a", encoding="utf-8") as handle:
        handle.write("rn,no-such-skill,3,0.5\n")
    result = CliRunner().invoke(
        app, ["generate", "employees", "--n", "30", "--data", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no-such-skill" in result.output
    assert not (tmp_path / "employees.csv").exists()


def test_written_tables_pass_the_org_importer_and_read_back_unchanged(tmp_path: Path) -> None:
    from recommender.ingest.tables import read_org_tables

    _write_catalogue_csvs(tmp_path, CATALOG)
    population = generate_employees(CATALOG, 300, seed=3)
    write_employee_tables(tmp_path, population)
    dataset = read_org_tables(tmp_path)
    assert dataset.report.warnings == ()
    assert dict(dataset.catalog.employees) == {e.id: e for e in population.employees}
    assert sorted(dataset.protected, key=lambda p: p.employee_id) == list(population.protected)
