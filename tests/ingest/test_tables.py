"""read_org_tables: the valid mini dataset, and every class of bad input (BAD_INPUTS 4.1, 4.2)."""

from __future__ import annotations

import codecs
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from recommender.catalog import Catalog, CourseKind, Evidence, Requirement, RoleSource
from recommender.errors import InvalidCatalog, Problem
from recommender.ingest.tables import ImportLimits, OrgDataset, escape_formula, read_org_tables

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "org_mini"
TODAY = date(2025, 6, 1)

EMPLOYEES_HEADER = (
    "employee_id,name,role_id,department,location,tenure_years,weekly_learning_hours,"
    "opted_out,profile\n"
)


def org_dir(tmp_path: Path, keep: bool = True, **files: str | bytes) -> Path:
    """The mini dataset in tmp_path (or only ``files`` when keep=False), with overrides."""
    out = tmp_path / "org"
    if keep:
        shutil.copytree(MINI, out)
    else:
        out.mkdir()
    for table, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        (out / f"{table}.csv").write_bytes(data)
    return out


def load(path: Path, **kwargs: object) -> OrgDataset:
    return read_org_tables(path, today=TODAY, **kwargs)  # type: ignore[arg-type]


def problems(path: Path, **kwargs: object) -> tuple[Problem, ...]:
    with pytest.raises(InvalidCatalog) as caught:
        load(path, **kwargs)
    return caught.value.problems


def find(found: tuple[Problem, ...], file: str, row: int | None, field: str | None) -> Problem:
    """The problem at (file, row, field); fails listing every problem when there is none."""
    for p in found:
        if (p.file, p.row, p.field) == (file, row, field):
            return p
    raise AssertionError(f"no problem at {(file, row, field)}; got:\n" + "\n".join(map(str, found)))


def employees(*rows: str) -> str:
    return EMPLOYEES_HEADER + "".join(r + "\n" for r in rows)


GOOD_EMPLOYEE = "E009,Dee,nurse,ER,Main,1,4,false,"


# -- the valid dataset -------------------------------------------------------------------


def test_valid_mini_dataset_loads_with_its_counts() -> None:
    data = load(MINI)
    assert data.report.counts == {
        "skills": 4, "roles": 3, "role_skills": 5, "role_tasks": 3, "courses": 3,
        "course_skills": 4, "course_prerequisites": 2, "employees": 3, "employee_skills": 5,
        "employee_certifications": 2, "protected_attributes": 3,
    }  # fmt: skip
    assert data.report.warnings == ()
    catalog = data.catalog
    soc = catalog.role("soc-analyst-1")
    assert soc.source is RoleSource.ORG and soc.hard_to_fill and soc.pay_band == "B6"
    assert soc.requirements == (Requirement("siem", 3, 1.0), Requirement("python", 2, 0.5))
    assert soc.tasks[0] == "Review SIEM alerts and escalate incidents."
    assert catalog.role("data-analyst").median_days_to_fill is None
    python_data = catalog.course("python-data")
    assert python_data.prerequisite_courses == ("sql-basics",)
    assert catalog.course("splunk-fund").prerequisite_skills[0].skill_id == "python"
    assert catalog.course("splunk-fund").kind is CourseKind.CERTIFICATION
    ana = catalog.employee("E001")
    assert ana.name == "Ana Núñez" and "\n" in ana.profile
    assert ana.skills[0].evidence is Evidence.MANAGER_VERIFIED
    assert catalog.employee("E002").certifications == ("sql-basics",)
    assert catalog.employee("E003").opted_out


def test_reading_the_same_files_twice_gives_equal_datasets() -> None:
    assert load(MINI) == load(MINI)


def test_formula_prefixed_text_is_stored_as_entered_and_escaped_on_export() -> None:
    assert load(MINI).catalog.employee("E003").profile == "=not a formula"
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert escape_formula(dangerous) == "'" + dangerous
    assert escape_formula("Nurse") == "Nurse"


def test_protected_attributes_map_to_eeo1_and_every_mapping_is_counted(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path,
        protected_attributes="employee_id,sex,race_ethnicity,age_band\n"
        "E001,M,Black,\nE002,Other,White|Asian,\nE003,Declined,Martian,\n",
    )
    data = load(path)
    assert [(p.sex, p.race_ethnicity) for p in data.protected] == [
        ("Male", "Black or African American"), (None, "Two or More Races"), (None, None),
    ]  # fmt: skip
    how = {(m.field, m.raw): (m.category, m.how, m.count) for m in data.report.demographics}
    assert how[("sex", "M")] == ("Male", "synonym", 1)
    assert how[("race_ethnicity", "White|Asian")] == ("Two or More Races", "multiple values", 1)
    assert how[("sex", "Declined")] == (None, "blank or declined", 1)
    warned = {(w.row, w.field) for w in data.report.warnings}
    assert warned == {(3, "sex"), (4, "race_ethnicity")}


def test_protected_values_never_reach_the_catalogue(tmp_path: Path) -> None:
    catalog = load(MINI).catalog
    assert all(not hasattr(e, "sex") for e in catalog.employees.values())


# -- base catalogue ----------------------------------------------------------------------


def test_an_upload_of_employees_only_resolves_references_in_the_base_catalogue(
    tmp_path: Path,
) -> None:
    base = load(MINI).catalog
    path = org_dir(
        tmp_path,
        keep=False,
        employees=employees("E100,Eve,nurse,ER,Main,1,4,false,"),
        employee_skills="employee_id,skill_id,level,evidence\nE100,triage,3,declared\n",
    )
    data = load(path, base=base)
    assert list(data.catalog.employees) == ["E100"]
    assert data.catalog.skills == {} and data.catalog.roles == {}
    assert data.catalog.employee("E100").skills[0].skill_id == "triage"


def test_without_a_base_catalogue_the_same_upload_reports_missing_files_and_references(
    tmp_path: Path,
) -> None:
    path = org_dir(
        tmp_path,
        keep=False,
        employees=employees("E100,Eve,nurse,ER,Main,1,4,false,"),
        employee_skills="employee_id,skill_id,level,evidence\nE100,triage,3,declared\n",
    )
    found = problems(path)
    assert "required file is missing" in find(found, "skills.csv", None, None).reason
    assert find(found, "employees.csv", 2, "role_id").reason == "unknown role 'nurse'"


def test_child_rows_must_come_with_their_parent_entity(tmp_path: Path) -> None:
    base = load(MINI).catalog
    path = org_dir(
        tmp_path,
        keep=False,
        employees=employees("E100,Eve,nurse,ER,Main,1,4,false,"),
        employee_skills="employee_id,skill_id,level,evidence\nE001,triage,3,declared\n",
    )
    reason = find(problems(path, base=base), "employee_skills.csv", 2, "employee_id").reason
    assert "'E001' is only in the existing catalogue: add it to employees.csv" in reason


def test_a_file_id_differing_only_in_case_from_a_base_id_is_rejected(tmp_path: Path) -> None:
    base = load(MINI).catalog
    path = org_dir(
        tmp_path,
        keep=False,
        employees=employees("e001,Eve,nurse,ER,Main,1,4,false,"),
        employee_skills="employee_id,skill_id,level,evidence\ne001,triage,3,declared\n",
    )
    reason = find(problems(path, base=base), "employees.csv", 2, "employee_id").reason
    assert "differs only in letter case from 'E001' in the existing catalogue" in reason


# -- several problems at once ------------------------------------------------------------


def test_problems_in_several_files_are_all_reported_together(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path,
        role_skills="role_id,skill_id,level,importance\nnurse,triage,6,1\nnurse,sequel,2,0\n",
        employees=employees("E001,Ana,nurse,ER,Main,1,4,maybe,", "E002,Ben,nurse,ER,Main,1,50,no,"),
    )
    found = problems(path)
    assert find(found, "role_skills.csv", 2, "level").reason == "level 6 is outside 1-5"
    assert "did you mean 'sql'?" in find(found, "role_skills.csv", 3, "skill_id").reason
    assert "outside (0, 1]" in find(found, "role_skills.csv", 3, "importance").reason
    assert "not a boolean" in find(found, "employees.csv", 2, "opted_out").reason
    assert "outside (0, 40]" in find(found, "employees.csv", 3, "weekly_learning_hours").reason
    assert "unknown employee 'E003'" in find(found, "employee_skills.csv", 6, "employee_id").reason


# -- 4.1 CSV exports ---------------------------------------------------------------------


def test_c1_a_utf8_bom_is_removed_before_the_header_is_read(tmp_path: Path) -> None:
    content = codecs.BOM_UTF8 + (MINI / "skills.csv").read_bytes()
    data = load(org_dir(tmp_path, skills=content))
    assert data.catalog.skill("sql").name == "SQL"
    assert data.report.files[0].header_changes == ()


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_c2_utf16_with_a_bom_is_decoded_also_tab_delimited(tmp_path: Path, codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text = (MINI / "employees.csv").read_text(encoding="utf-8")
    tab = text.replace(",", "\t").replace("ER nurse; interested", "ER nurse, interested")
    data = load(org_dir(tmp_path, employees=bom + tab.encode(codec)))
    assert data.catalog.employee("E001").name == "Ana Núñez"
    report = next(f for f in data.report.files if f.table == "employees")
    assert (report.encoding, report.delimiter) == ("utf-16", "\t")


def test_c2_utf16_without_a_bom_is_rejected_with_the_fix(tmp_path: Path) -> None:
    content = (MINI / "skills.csv").read_text().encode("utf-16-le")
    reason = find(problems(org_dir(tmp_path, skills=content)), "skills.csv", 1, None).reason
    assert reason.startswith("file looks like UTF-16 without a byte-order mark")


def test_c3_a_windows_1252_file_is_rejected_naming_the_line_and_byte(tmp_path: Path) -> None:
    content = employees(GOOD_EMPLOYEE, "E010,Renée,nurse,ER,Main,1,4,false,").encode("cp1252")
    problem = find(problems(org_dir(tmp_path, employees=content)), "employees.csv", 3, None)
    assert problem.reason.startswith("file is not UTF-8 (byte 0xe9 at line 3): save it as UTF-8")


def test_c4_a_semicolon_file_is_read_with_a_warning(tmp_path: Path) -> None:
    content = (MINI / "role_skills.csv").read_text().replace(",", ";")
    data = load(org_dir(tmp_path, role_skills=content))
    assert data.report.counts["role_skills"] == 5
    assert any("semicolon-delimited" in w.reason for w in data.report.warnings)


def test_c4_a_semicolon_file_missing_columns_names_the_delimiter(tmp_path: Path) -> None:
    path = org_dir(tmp_path, role_skills="role_id;skill_id;level\nnurse;triage;4\n")
    reason = find(problems(path), "role_skills.csv", 1, None).reason
    assert reason == "looks semicolon-delimited: missing columns importance"


def test_c4_a_comma_file_missing_columns_lists_them(tmp_path: Path) -> None:
    path = org_dir(tmp_path, role_skills="role_id,skill\nnurse,triage\n")
    reason = find(problems(path), "role_skills.csv", 1, None).reason
    assert reason == "missing columns skill_id, level, importance"


def test_c5_an_unbalanced_quote_is_reported_at_the_line_it_starts(tmp_path: Path) -> None:
    content = employees(GOOD_EMPLOYEE, 'E010,"Eve,nurse,ER,Main,1,4,false,', GOOD_EMPLOYEE)
    found = problems(org_dir(tmp_path, employees=content))
    assert "unbalanced quote" in find(found, "employees.csv", 3, None).reason


def test_c5_a_quote_closed_lines_later_is_reported_as_unbalanced(tmp_path: Path) -> None:
    content = employees('E010,"Eve,nurse,ER,Main,1,4,false,', 'E011,Fay",nurse,ER,Main,1,4,no,x')
    found = problems(org_dir(tmp_path, employees=content))
    reason = find(found, "employees.csv", 2, "name").reason
    assert "probably an unbalanced quote starting at line 2" in reason


def test_c6_ragged_rows_are_reported_per_line(tmp_path: Path) -> None:
    text = (MINI / "employees.csv").read_text()
    extra = [GOOD_EMPLOYEE + ",extra", "E011,Fay,nurse,ER", "E012,Gus,nurse,ER,M,1,4,no,"]
    found = problems(org_dir(tmp_path, employees=text + "\n".join(extra) + "\n"))
    assert [(p.file, p.row, p.field) for p in found] == [
        ("employees.csv", 6, None), ("employees.csv", 7, None),
    ]  # fmt: skip
    assert "10 fields where the header has 9 (extra values" in found[0].reason
    assert "4 fields where the header has 9 (missing values" in found[1].reason


def test_c7_a_duplicate_header_is_rejected(tmp_path: Path) -> None:
    path = org_dir(tmp_path, role_tasks="role_id,task,Task\nnurse,a,b\n")
    reason = find(problems(path), "role_tasks.csv", 1, "task").reason
    assert reason == "duplicate column 'task' (columns 2 and 3): keep one"


def test_c8_header_variants_are_normalised_and_reported(tmp_path: Path) -> None:
    header = (
        "Employee ID, Name ,ROLE-ID,Department,Location,Tenure Years,weekly learning hours,"
        "Opted Out,Profile\n"
    )
    rows = (MINI / "employees.csv").read_text().split("\n", 1)[1]
    data = load(org_dir(tmp_path, employees=header + rows))
    report = next(f for f in data.report.files if f.table == "employees")
    assert ("Employee ID", "employee_id") in report.header_changes
    assert ("ROLE-ID", "role_id") in report.header_changes
    assert data.catalog == load(MINI).catalog


def test_c9_a_field_over_the_csv_limit_is_reported_not_raised(tmp_path: Path) -> None:
    content = employees(GOOD_EMPLOYEE + '"' + "x" * 140_000)
    reason = find(problems(org_dir(tmp_path, employees=content)), "employees.csv", 2, None).reason
    assert "longer than 131,072 characters" in reason


def test_c9_free_text_over_10000_characters_is_rejected(tmp_path: Path) -> None:
    content = employees(GOOD_EMPLOYEE + "y" * 10_001)
    reason = find(
        problems(org_dir(tmp_path, employees=content)), "employees.csv", 2, "profile"
    ).reason
    assert reason == "is 10,001 characters long; the limit is 10,000"


def test_c9_a_name_over_200_characters_is_rejected(tmp_path: Path) -> None:
    content = employees(GOOD_EMPLOYEE.replace("Dee", "d" * 201))
    reason = find(problems(org_dir(tmp_path, employees=content)), "employees.csv", 2, "name").reason
    assert "limit is 200" in reason


@pytest.mark.parametrize(("cell", "what"), [("D\x00e", "NUL byte"), ("D\x1be", "U+001B")])
def test_c10_nul_and_control_characters_are_rejected(tmp_path: Path, cell: str, what: str) -> None:
    content = employees(GOOD_EMPLOYEE.replace("Dee", cell))
    reason = find(problems(org_dir(tmp_path, employees=content)), "employees.csv", 2, "name").reason
    assert what in reason


def test_c11_an_empty_file_is_rejected(tmp_path: Path) -> None:
    reason = find(problems(org_dir(tmp_path, role_tasks="\n\n")), "role_tasks.csv", None, None)
    assert reason.reason.startswith("file is empty")


def test_c11_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    found = problems(org_dir(tmp_path, role_tasks="role_id,task\r\n\r\n"))
    assert find(found, "role_tasks.csv", None, None).reason.startswith("no rows")


def test_c11_blank_and_whitespace_lines_are_ignored_and_counted(tmp_path: Path) -> None:
    content = "role_id,task\n\nnurse,Triage patients.\n   \n,\nnurse,Chart.\n\n\n"
    data = load(org_dir(tmp_path, role_tasks=content))
    report = next(f for f in data.report.files if f.table == "role_tasks")
    assert (report.rows_loaded, report.blank_lines) == (2, 5)
    assert data.catalog.role("nurse").tasks == ("Triage patients.", "Chart.")


def test_c12_rows_beyond_the_limit_are_rejected(tmp_path: Path) -> None:
    content = "role_id,task\n" + "".join(f"nurse,task {i}\n" for i in range(6))
    found = problems(org_dir(tmp_path, role_tasks=content), limits=ImportLimits(max_rows=5))
    assert find(found, "role_tasks.csv", 7, None).reason == "more than 5 rows: split the file"


def test_c12_columns_beyond_the_limit_are_rejected(tmp_path: Path) -> None:
    header = "role_id,task," + ",".join(f"c{i}" for i in range(200)) + "\n"
    found = problems(org_dir(tmp_path, role_tasks=header + "nurse,x\n"))
    assert "202 columns exceed the limit of 100" in find(found, "role_tasks.csv", 1, None).reason


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("#N/A", "'#N/A' is an Excel error value"),
        ("1,000", "thousands separator: write 1000"),
        ("1,5", "decimal comma: write 1.5"),
        ("1.23E+05", "scientific notation"),
    ],
)
def test_c13_excel_artefacts_in_numbers_are_rejected(
    tmp_path: Path, cell: str, fragment: str
) -> None:
    content = employees(f'E009,Dee,nurse,ER,Main,"{cell}",4,false,')
    reason = find(
        problems(org_dir(tmp_path, employees=content)), "employees.csv", 2, "tenure_years"
    )
    assert fragment in reason.reason


def test_c13_ids_keep_leading_zeros_and_are_never_numbers(tmp_path: Path) -> None:
    text = (MINI / "employees.csv").read_text()
    extra = GOOD_EMPLOYEE.replace("E009", "00123") + "\n" + GOOD_EMPLOYEE.replace("E009", "1E5")
    data = load(org_dir(tmp_path, employees=text + extra + "\n"))
    assert list(data.catalog.employees)[-2:] == ["00123", "1E5"]


def test_c13_an_excel_date_serial_is_not_a_date(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path, employee_certifications="employee_id,course_id,earned_on\nE002,sql-basics,45123\n"
    )
    reason = find(problems(path), "employee_certifications.csv", 2, "earned_on").reason
    assert reason == "'45123' is not a date in the form YYYY-MM-DD (an Excel date serial?)"


def test_c15_mixed_newlines_are_accepted(tmp_path: Path) -> None:
    content = "role_id,task\r\nnurse,a\rnurse,b\nnurse,c\r\n"
    data = load(org_dir(tmp_path, role_tasks=content))
    assert data.catalog.role("nurse").tasks == ("a", "b", "c")


# -- 4.2 domain semantics ----------------------------------------------------------------


def test_d1_identical_duplicate_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    text = (MINI / "employees.csv").read_text()
    data = load(
        org_dir(
            tmp_path, employees=text + "E002,Ben Okafor,data-analyst,Analytics,Remote,2,5,no,\n"
        )
    )
    report = next(f for f in data.report.files if f.table == "employees")
    assert (report.rows_read, report.rows_loaded, report.duplicates_dropped) == (4, 3, 1)


def test_d1_conflicting_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    text = (MINI / "employees.csv").read_text()
    path = org_dir(tmp_path, employees=text + "E002,Ben Okafor,nurse,ER,Remote,2,5,no,\n")
    reason = find(problems(path), "employees.csv", 6, "employee_id").reason
    assert reason == "duplicate employee_id 'E002' conflicts with line 4"


def test_d2_ids_equal_after_normalisation_are_the_same_id(tmp_path: Path) -> None:
    content = employees(
        "E001,Dee,nurse,ER,Main,1,4,false,",
        "\uff25\uff10\uff10\uff11\u200b ,Dee,nurse,ER,Main,1,4,false,",
    )
    path = org_dir(
        tmp_path,
        employees=content,
        employee_skills="employee_id,skill_id,level,evidence\nE001,sql,1,declared\n",
        employee_certifications="employee_id,course_id,earned_on\nE001,sql-basics,\n",
        protected_attributes="employee_id,sex,race_ethnicity,age_band\nE001,,,\n",
    )
    data = load(path)
    assert list(data.catalog.employees) == ["E001"]
    assert data.report.files[7].duplicates_dropped == 1


def test_d2_ids_differing_only_in_case_collide(tmp_path: Path) -> None:
    content = employees("E001,Dee,nurse,ER,Main,1,4,false,", "e001,Dee,nurse,ER,Main,1,4,false,")
    reason = find(problems(org_dir(tmp_path, employees=content)), "employees.csv", 3, "employee_id")
    assert reason.reason == "employee_id 'e001' differs only in letter case from 'E001' at line 2"


def test_d3_an_unknown_skill_suggests_the_nearest_one(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path,
        employee_skills="employee_id,skill_id,level,evidence\nE001,sequel,2,declared\nE001,Python3,2,declared\n",
    )
    found = problems(path)
    assert (
        find(found, "employee_skills.csv", 2, "skill_id").reason
        == "unknown skill 'sequel' (did you mean 'sql'?)"
    )
    assert (
        find(found, "employee_skills.csv", 3, "skill_id").reason
        == "unknown skill 'Python3' (did you mean 'python'?)"
    )


def test_d4_a_look_alike_skill_id_is_flagged(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path,
        employee_skills="employee_id,skill_id,level,evidence\nE001,\u0440ython,2,declared\n",
    )
    reason = find(problems(path), "employee_skills.csv", 2, "skill_id").reason
    assert reason == (
        "unknown skill '\u0440ython' (did you mean 'python'?; it mixes cyrillic and latin letters)"
    )


def test_d4_a_defined_id_mixing_scripts_is_loaded_with_a_warning(tmp_path: Path) -> None:
    text = (MINI / "skills.csv").read_text() + "\u0420y-tools,Py tools,data_ai,,\n"
    data = load(org_dir(tmp_path, skills=text))
    (warning,) = data.report.warnings
    assert (warning.file, warning.row, warning.field) == ("skills.csv", 6, "skill_id")
    assert "mixes cyrillic and latin letters" in warning.reason


def test_d5_dangling_references_are_reported_in_every_file(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path,
        employees=(MINI / "employees.csv").read_text().replace("data-analyst", "data-analyts"),
        employee_certifications="employee_id,course_id,earned_on\nE002,sql-basic,\n",
        course_skills="course_id,skill_id,level\nsql-basics,sql,2\nghost,sql,2\n",
    )
    found = problems(path)
    assert (
        "unknown role 'data-analyts' (did you mean 'data-analyst'?)"
        == find(found, "employees.csv", 4, "role_id").reason
    )
    assert (
        "unknown course 'sql-basic'"
        in find(found, "employee_certifications.csv", 2, "course_id").reason
    )
    assert "unknown course 'ghost'" in find(found, "course_skills.csv", 3, "course_id").reason


ROLES_WITH_FEEDERS = (
    "role_id,title,description,soc_code,job_family,job_zone,open_positions,"
    "median_days_to_fill,hard_to_fill,pay_band,feeder_roles\n"
    "soc-analyst-1,SOC Analyst I,Monitors alerts.,15-1212.00,Security,4,3,62,true,B6,{soc}\n"
    "data-analyst,Data Analyst,Builds reports.,15-2051.01,Data & AI,4,1,,no,,{data}\n"
    "nurse,Registered Nurse,Cares for patients.,29-1141.00,Nursing,3,12,45,yes,B5,\n"
)


def test_feeder_roles_are_read_in_order_and_the_column_may_be_absent(tmp_path: Path) -> None:
    roles = ROLES_WITH_FEEDERS.format(soc="data-analyst | nurse|data-analyst", data="")
    catalog = load(org_dir(tmp_path, roles=roles)).catalog
    assert catalog.role("soc-analyst-1").feeder_roles == ("data-analyst", "nurse")
    assert catalog.role("data-analyst").feeder_roles == ()
    assert load(MINI).catalog.role("soc-analyst-1").feeder_roles == ()  # no such column


def test_a_feeder_role_that_does_not_exist_names_file_row_and_field(tmp_path: Path) -> None:
    roles = ROLES_WITH_FEEDERS.format(soc="nurse", data="data-analyts|nurse")
    found = problems(org_dir(tmp_path, roles=roles))
    assert find(found, "roles.csv", 3, "feeder_roles").reason == (
        "unknown role 'data-analyts' (did you mean 'data-analyst'?)"
    )
    assert len(found) == 1


def test_a_role_cannot_be_its_own_feeder_role(tmp_path: Path) -> None:
    roles = ROLES_WITH_FEEDERS.format(soc="nurse|soc-analyst-1", data="")
    found = problems(org_dir(tmp_path, roles=roles))
    assert find(found, "roles.csv", 2, "feeder_roles").reason == (
        "role 'soc-analyst-1' cannot be a feeder role of itself"
    )


def test_a_feeder_role_may_be_a_role_of_the_stored_catalogue(tmp_path: Path) -> None:
    base = load(MINI).catalog
    roles = (
        "role_id,title,description,soc_code,job_family,job_zone,open_positions,"
        "median_days_to_fill,hard_to_fill,pay_band,feeder_roles\n"
        "charge-nurse,Charge nurse,Leads a shift.,29-1141.00,Nursing,4,1,,no,B6,nurse\n"
    )
    role_skills = "role_id,skill_id,level,importance\ncharge-nurse,triage,4,1\n"
    path = org_dir(tmp_path, keep=False, roles=roles, role_skills=role_skills)
    assert load(path, base=base).catalog.role("charge-nurse").feeder_roles == ("nurse",)


@pytest.mark.parametrize(
    ("rows", "line", "cycle"),
    [
        ("sql-basics,course,sql-basics,\n", 2, "sql-basics -> sql-basics"),
        (
            "sql-basics,course,python-data,\npython-data,course,sql-basics,\n",
            2,
            "python-data -> sql-basics -> python-data",
        ),
    ],
)
def test_d6_prerequisite_cycles_are_reported_with_their_path(
    tmp_path: Path, rows: str, line: int, cycle: str
) -> None:
    path = org_dir(
        tmp_path, course_prerequisites="course_id,prerequisite_type,prerequisite_id,level\n" + rows
    )
    reason = find(problems(path), "course_prerequisites.csv", line, "prerequisite_id").reason
    assert reason == f"prerequisite cycle: {cycle}"


def test_d6_a_cycle_through_the_base_catalogue_is_found(tmp_path: Path) -> None:
    base = load(MINI).catalog  # python-data requires sql-basics
    path = org_dir(
        tmp_path,
        keep=False,
        courses=(MINI / "courses.csv").read_text().split("python-data")[0],
        course_skills="course_id,skill_id,level\nsql-basics,sql,2\n",
        course_prerequisites="course_id,prerequisite_type,prerequisite_id,level\nsql-basics,course,python-data,\n",
    )
    reason = find(
        problems(path, base=base), "course_prerequisites.csv", 2, "prerequisite_id"
    ).reason
    assert reason == "prerequisite cycle: python-data -> sql-basics -> python-data"


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        ("-5", "hours -5 is outside [0, 5000]"),
        ("1e9", "scientific notation"),
        ("1000000000", "outside [0, 5000]"),
        ("NaN", "'NaN' is not a finite number"),
        ("Infinity", "'Infinity' is not a finite number"),
        ("12h", "'12h' is not a number"),
        ('"1,5"', "decimal comma"),
    ],
)
def test_d9_absurd_hours_are_rejected(tmp_path: Path, hours: str, fragment: str) -> None:
    text = (
        (MINI / "courses.csv")
        .read_text()
        .replace("SQL Basics,Internal,course,12,", f"SQL Basics,Internal,course,{hours},")
    )
    reason = find(problems(org_dir(tmp_path, courses=text)), "courses.csv", 2, "hours").reason
    assert fragment in reason


def test_d9_cost_above_the_bound_is_rejected(tmp_path: Path) -> None:
    text = (
        (MINI / "courses.csv")
        .read_text()
        .replace("certification,20,125,", "certification,20,100001,")
    )
    assert (
        "outside [0, 100000]"
        in find(problems(org_dir(tmp_path, courses=text)), "courses.csv", 4, "cost_usd").reason
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2030-01-01", "2030-01-01 is in the future"),
        ("1900-01-01", "1900-01-01 is before 1950-01-01"),
        ("2024-02-30", "2024-02-30 is not a real calendar date"),
        ("24-01-05", "'24-01-05' is not a date in the form YYYY-MM-DD"),
        ("05/01/2024", "'05/01/2024' is not a date in the form YYYY-MM-DD"),
    ],
)
def test_d10_bad_dates_are_rejected(tmp_path: Path, value: str, reason: str) -> None:
    path = org_dir(
        tmp_path,
        employee_certifications=f"employee_id,course_id,earned_on\nE002,sql-basics,{value}\n",
    )
    assert find(problems(path), "employee_certifications.csv", 2, "earned_on").reason == reason


@pytest.mark.parametrize(
    ("level", "reason"),
    [
        ("6", "level 6 is outside 1-5"),
        ("0", "level 0 is outside 1-5"),
        ("3.5", "level '3.5' is not a whole number"),
    ],
)
def test_d11_levels_off_the_1_to_5_scale_are_rejected(
    tmp_path: Path, level: str, reason: str
) -> None:
    path = org_dir(tmp_path, course_skills=f"course_id,skill_id,level\nsql-basics,sql,{level}\n")
    assert find(problems(path), "course_skills.csv", 2, "level").reason == reason


@pytest.mark.parametrize(
    ("table", "old", "new", "row", "field", "fragment"),
    [
        (
            "skills",
            "data_ai,Querying",
            "dataai,Querying",
            2,
            "category",
            "is not one of: clinical, it_operations",
        ),
        (
            "courses",
            "course,12,0,online",
            "course,12,0,web",
            2,
            "delivery",
            "not one of: online, in_person",
        ),
        ("roles", "15-1212.00", "151212", 2, "soc_code", "NN-NNNN.NN"),
        ("roles", "Security,4,3", "Security,9,3", 2, "job_zone", "job_zone 9 is outside 1-5"),
        (
            "courses",
            "https://example.org/python",
            "javascript:alert(1)",
            3,
            "url",
            "not an https:// URL",
        ),
        ("employee_skills", "certified", "sworn", 4, "evidence", "not one of: declared, certified"),
    ],
)
def test_enums_and_formats_list_what_is_allowed(
    tmp_path: Path, table: str, old: str, new: str, row: int, field: str, fragment: str
) -> None:
    path = org_dir(tmp_path)
    (path / f"{table}.csv").write_text((MINI / f"{table}.csv").read_text().replace(old, new, 1))
    assert fragment in find(problems(path), f"{table}.csv", row, field).reason


def test_d14_demographics_are_mapped_not_rejected(tmp_path: Path) -> None:
    path = org_dir(
        tmp_path,
        protected_attributes="employee_id,sex,race_ethnicity,age_band\nE001,Non-binary,Hispanic;White,\n",
    )
    data = load(path)
    assert (data.protected[0].sex, data.protected[0].race_ethnicity) == (None, "Hispanic or Latino")


def test_t8_bidi_controls_are_stripped_from_ids_and_text_is_nfc(tmp_path: Path) -> None:
    content = employees("\u202eE001,Rene\u0301e,nurse,ER,Main,1,4,false,")
    path = org_dir(tmp_path, employees=content)
    (path / "employee_certifications.csv").unlink()
    (path / "protected_attributes.csv").unlink()
    path.joinpath("employee_skills.csv").write_text(
        "employee_id,skill_id,level,evidence\nE001,sql,1,declared\n"
    )
    employee = load(path).catalog.employee("E001")
    assert employee.name == "Ren\u00e9e"


# -- XLSX --------------------------------------------------------------------------------


def write_workbook(path: Path, source: Path = MINI) -> None:
    import csv

    book = openpyxl.Workbook()
    book.remove(book.active)
    for csv_path in sorted(source.glob("*.csv")):
        sheet = book.create_sheet(csv_path.stem)
        with csv_path.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                sheet.append([_typed(c) for c in row])
    book.save(path)


def _typed(cell: str) -> object:
    """Cells as Excel would hold them: numbers as numbers, formulas stored as text."""
    if cell.startswith("="):
        return cell  # openpyxl writes this as a formula; see the test below for cached values
    try:
        return int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return cell


def test_an_xlsx_workbook_loads_the_same_catalogue_as_the_csv_directory(tmp_path: Path) -> None:
    source = tmp_path / "csv"
    shutil.copytree(MINI, source)
    text = (source / "employees.csv").read_text().replace("=not a formula", "plain")
    (source / "employees.csv").write_text(text)
    write_workbook(tmp_path / "org.xlsx", source)
    from_xlsx, from_csv = load(tmp_path / "org.xlsx"), load(source)
    assert from_xlsx.catalog == from_csv.catalog
    assert from_xlsx.protected == from_csv.protected
    assert from_xlsx.report.counts == from_csv.report.counts


def test_xlsx_numeric_ids_are_stringified_when_integral_and_rejected_otherwise(
    tmp_path: Path,
) -> None:
    source = tmp_path / "csv"
    shutil.copytree(MINI, source)
    write_workbook(tmp_path / "org.xlsx", source)
    book = openpyxl.load_workbook(tmp_path / "org.xlsx")
    book["employees"]["A2"] = 123.0
    book["employee_skills"]["A2"] = 123
    book["employee_skills"]["A3"] = 123
    book["employees"]["A3"] = 1.5
    book["employees"]["F4"] = "#N/A"
    book.save(tmp_path / "org.xlsx")
    found = problems(tmp_path / "org.xlsx")
    assert (
        "id cell holds the number 1.5"
        in find(found, "org.xlsx[employees]", 3, "employee_id").reason
    )
    assert "Excel error value" in find(found, "org.xlsx[employees]", 4, "tenure_years").reason
    assert not [p for p in found if p.row == 2 and p.file == "org.xlsx[employees]"]


def test_xlsx_numeric_ids_are_counted_in_the_report(tmp_path: Path) -> None:
    write_workbook(tmp_path / "org.xlsx")
    book = openpyxl.load_workbook(tmp_path / "org.xlsx")
    for row in range(2, 7):
        cell = book["employee_skills"][f"A{row}"]
        cell.value = {"E001": 1, "E002": 2, "E003": 3}[cell.value]
    for row, eid in ((2, 1), (3, 2), (4, 3)):
        book["employees"][f"A{row}"] = eid
    book["employee_certifications"]["A2"] = 2
    book["employee_certifications"]["A3"] = 3
    for row, eid in ((2, 1), (3, 2), (4, 3)):
        book["protected_attributes"][f"A{row}"] = float(eid)
    book["employees"]["I4"] = "plain"
    book.save(tmp_path / "org.xlsx")
    data = load(tmp_path / "org.xlsx")
    assert list(data.catalog.employees) == ["1", "2", "3"]
    converted = {f.table: f.ids_converted for f in data.report.files}
    assert converted["employee_skills"] == 5 and converted["protected_attributes"] == 3
    assert any("leading zeros" in w.reason for w in data.report.warnings)


def test_a_workbook_missing_a_sheet_names_the_sheet(tmp_path: Path) -> None:
    write_workbook(tmp_path / "org.xlsx")
    book = openpyxl.load_workbook(tmp_path / "org.xlsx")
    del book["course_skills"]
    book.save(tmp_path / "org.xlsx")
    reason = find(problems(tmp_path / "org.xlsx"), "org.xlsx[course_skills]", None, None).reason
    assert reason.startswith("required file is missing")


def test_a_missing_source_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    reason = find(problems(tmp_path / "nope.csv"), "nope.csv", None, None).reason
    assert "not a directory of CSV files or an .xlsx workbook" in reason


def test_an_unreadable_workbook_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "org.xlsx").write_bytes(b"not a zip")
    assert "cannot be read as an XLSX workbook" in problems(tmp_path / "org.xlsx")[0].reason


def test_base_catalogue_default_is_empty() -> None:
    assert load(MINI, base=Catalog()).catalog == load(MINI).catalog
