"""The O*NET importer: the real 29.3 database, and tiny hand-typed databases in tmp_path."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from recommender.catalog import Catalog, Requirement, RoleSource, SkillCategory, Technology
from recommender.errors import InvalidCatalog
from recommender.ingest.onet import (
    ONET_OPTIONAL_FILES,
    ONET_REQUIRED_FILES,
    OccupationTitles,
    load_onet,
    load_onet_titles,
    onet_release,
    soc_major_group,
)

# Recording file opens ------------------------------------------------------------------------

_opened: list[str] | None = None
_hook_installed = False


def _record_open(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _opened is not None and args:
        _opened.append(str(args[0]))


@contextmanager
def recording_opens() -> Iterator[list[str]]:
    """Every path opened inside the block (audit hooks cannot be removed, so one is reused)."""
    global _opened, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_record_open)
        _hook_installed = True
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


# A hand-typed miniature O*NET database --------------------------------------------------------

Table = list[list[str]]
SEC, RN, CNA, CEO = "15-1212.00", "29-1141.00", "31-1131.00", "11-1011.00"
RATING_HEADER = [
    "O*NET-SOC Code",
    "Title",
    "Element ID",
    "Element Name",
    "Scale ID",
    "Scale Name",
    "Data Value",
    "N",
    "Standard Error",
    "Lower CI Bound",
    "Upper CI Bound",
    "Recommend Suppress",
    "Not Relevant",
    "Date",
    "Domain Source",
]


def rating(
    code: str,
    element: str,
    name: str,
    scale: str,
    value: str,
    suppress: str = "N",
    not_relevant: str = "",
) -> list[str]:
    scale_name = {"IM": "Importance", "LV": "Level"}[scale]
    return [
        code,
        "t",
        element,
        name,
        scale,
        scale_name,
        value,
        "8",
        "0.1",
        "0",
        "5",
        suppress,
        not_relevant,
        "08/2023",
        "Analyst",
    ]


def mini_tables() -> dict[str, Table]:
    return {
        "Occupation Data.txt": [
            ["O*NET-SOC Code", "Title", "Description"],
            [SEC, "Information Security Analysts", "Plan and carry out security measures."],
            [RN, "Registered Nurses", "Assess patient health problems and needs."],
            [CNA, "Nursing Assistants", "Provide basic patient care."],
            [CEO, "Chief Executives", "Direct organizations."],
        ],
        "Job Zones.txt": [
            ["O*NET-SOC Code", "Title", "Job Zone", "Date", "Domain Source"],
            [SEC, "Information Security Analysts", "4", "08/2023", "Analyst"],
            [RN, "Registered Nurses", "3", "08/2023", "Analyst"],
            [CNA, "Nursing Assistants", "2", "08/2023", "Analyst"],
        ],
        "Skills.txt": [
            RATING_HEADER,
            rating(SEC, "2.A.1.a", "Reading Comprehension", "IM", "3.00"),
            rating(SEC, "2.A.1.a", "Reading Comprehension", "LV", "3.50", not_relevant="N"),
            rating(SEC, "2.B.3.d", "Installation", "IM", "1.00"),
            rating(SEC, "2.B.3.d", "Installation", "LV", "0.00", not_relevant="Y"),
            rating(RN, "2.A.1.a", "Reading Comprehension", "IM", "4.00", suppress="Y"),
            rating(RN, "2.A.1.a", "Reading Comprehension", "LV", "7.00", suppress="Y"),
            rating(RN, "2.B.3.d", "Installation", "IM", "1.50"),
            rating(RN, "2.B.3.d", "Installation", "LV", "0.35", not_relevant="Y"),
        ],
        "Knowledge.txt": [
            RATING_HEADER,
            rating(SEC, "2.C.3.a", "Computers and Electronics", "IM", "5.00"),
            rating(SEC, "2.C.3.a", "Computers and Electronics", "LV", "6.00"),
            rating(RN, "2.C.3.a", "Computers and Electronics", "IM", "2.00"),
        ],
        "Task Statements.txt": [
            [
                "O*NET-SOC Code",
                "Title",
                "Task ID",
                "Task",
                "Task Type",
                "Incumbents Responding",
                "Date",
                "Domain Source",
            ],
            [RN, "t", "1", "Maintain supplies.", "Supplemental", "20", "08/2023", "Incumbent"],
            [RN, "t", "2", "Monitor patients.", "Core", "20", "08/2023", "Incumbent"],
            [RN, "t", "3", '"Explain ""triage"" levels."', "Core", "20", "08/2023", "Incumbent"],
            [CNA, "t", "4", "Turn or reposition patients.", "Core", "20", "08/2023", "Incumbent"],
        ],
        "Tasks to DWAs.txt": [
            [
                "O*NET-SOC Code",
                "Title",
                "Task ID",
                "Task",
                "DWA ID",
                "DWA Title",
                "Date",
                "Domain Source",
            ],
            [SEC, "t", "9", "x", "4.A.1", "Monitor computer systems.", "03/2014", "Analyst"],
            [SEC, "t", "8", "y", "4.A.2", "Develop security policies.", "03/2014", "Analyst"],
            [SEC, "t", "7", "z", "4.A.1", "Monitor computer systems.", "03/2014", "Analyst"],
        ],
        "Technology Skills.txt": [
            [
                "O*NET-SOC Code",
                "Title",
                "Example",
                "Commodity Code",
                "Commodity Title",
                "Hot Technology",
                "In Demand",
            ],
            [SEC, "t", "Splunk Enterprise", "43232305", "Network monitoring software", "Y", "Y"],
            [SEC, "t", "Wireshark", "43232305", "Network monitoring software", "N", "N"],
        ],
        "Alternate Titles.txt": [
            ["O*NET-SOC Code", "Title", "Alternate Title", "Short Title", "Source(s)"],
            [RN, "t", "Registered Nurse", "RN", "08"],
            [RN, "t", "Staff Nurse", "", "08"],
            [CEO, "t", "Chief Executive Officer", "CEO", "08"],
        ],
        "Sample of Reported Titles.txt": [
            ["O*NET-SOC Code", "Title", "Reported Job Title", "Shown in My Next Move"],
            [RN, "t", "staff nurse", "Y"],
            [RN, "t", "Charge Nurse", "N"],
        ],
        "Interests.txt": [
            [
                "O*NET-SOC Code",
                "Title",
                "Element ID",
                "Element Name",
                "Scale ID",
                "Scale Name",
                "Data Value",
                "Date",
                "Domain Source",
            ],
            [RN, "t", "1.B.1.c", "Social", "OI", "Occupational Interests", "6.5", "11/2023", "ML"],
            [
                RN,
                "t",
                "1.B.1.g",
                "First Interest High-Point",
                "IH",
                "High-Point",
                "3",
                "11/2023",
                "ML",
            ],
        ],
        "Work Styles.txt": [
            [
                "O*NET-SOC Code",
                "Title",
                "Element ID",
                "Element Name",
                "Scale ID",
                "Scale Name",
                "Data Value",
                "N",
                "Date",
                "Domain Source",
            ],
            [
                RN,
                "t",
                "1.C.5.a",
                "Dependability",
                "IM",
                "Importance",
                "4.8",
                "20",
                "08/2023",
                "Incumbent",
            ],
        ],
        "Content Model Reference.txt": [
            ["Element ID", "Element Name", "Description"],
            ["2.C.3.a", "Computers and Electronics", "Knowledge of circuit boards and software."],
        ],
    }


def write_onet(
    directory: Path,
    tables: dict[str, Table],
    *,
    reshape: Callable[[Table], Table] = lambda table: table,
    prefix: str = "",
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        lines = ["\t".join(row) for row in reshape(table)]
        (directory / name).write_text(prefix + "\n".join(lines) + "\n", encoding="utf-8")
    return directory


def reversed_with_extra_column(table: Table) -> Table:
    """What a later release might do: reorder every column and insert a new one."""
    return [
        [("Added In 31.0" if i == 0 else "extra"), *reversed(row)] for i, row in enumerate(table)
    ]


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return write_onet(tmp_path / "onet", mini_tables())


@pytest.fixture
def mini_catalog(mini: Path) -> Catalog:
    return load_onet(mini)


def problems_of(directory: Path) -> InvalidCatalog:
    with pytest.raises(InvalidCatalog) as caught:
        load_onet(directory)
    return caught.value


# The real O*NET 29.3 database -----------------------------------------------------------------


@pytest.fixture(scope="module")
def onet(onet_dir: Path) -> Catalog:
    return load_onet(onet_dir)


def test_every_occupation_with_a_job_zone_becomes_an_onet_role(onet: Catalog) -> None:
    assert len(onet.roles) == 923
    assert {role.source for role in onet.roles.values()} == {RoleSource.ONET}


def test_occupations_without_ratings_are_kept_with_what_they_have(onet: Catalog) -> None:
    unrated = [role for role in onet.roles.values() if not role.requirements]
    assert len(unrated) == 44
    for role in unrated:
        assert role.title and role.description and role.tasks
        assert 1 <= role.job_zone <= 5


def test_rated_occupations_get_a_complete_profile_on_reskill_scales(onet: Catalog) -> None:
    skill_ids = set(onet.skills)
    rated = [role for role in onet.roles.values() if role.requirements]
    assert len(rated) == 923 - 44
    for role in rated:
        assert {r.skill_id for r in role.requirements} == skill_ids
        assert all(1 <= r.level <= 5 and 0 <= r.importance <= 1 for r in role.requirements)


def test_skills_and_knowledge_elements_become_described_skills(onet: Catalog) -> None:
    categories = [skill.category for skill in onet.skills.values()]
    assert categories.count(SkillCategory.ONET_SKILL) == 35
    assert categories.count(SkillCategory.ONET_KNOWLEDGE) == 33
    computers = onet.skill("onet:2.C.3.a")
    assert computers.name == "Computers and Electronics"
    assert computers.description.startswith("Knowledge of circuit boards")


def test_information_security_analysts_need_advanced_computer_knowledge(onet: Catalog) -> None:
    analysts = onet.role("15-1212.00")
    assert analysts.title == "Information Security Analysts"
    assert analysts.job_zone == 4
    assert analysts.job_family == "Computer and Mathematical"
    computers = analysts.requirement("onet:2.C.3.a")
    assert computers is not None
    assert computers.level > 1 + 16 / 7  # an O*NET level above 4 of 7


def test_registered_nurses_have_tasks_and_nurse_titles(onet: Catalog) -> None:
    nurses = onet.role("29-1141.00")
    assert nurses.job_family == "Healthcare Practitioners and Technical"
    assert len(nurses.tasks) > 10
    assert any("nurse" in title.lower() for title in nurses.alternate_titles)
    assert len(set(nurses.alternate_titles)) == len(nurses.alternate_titles)


def test_technologies_carry_hot_and_in_demand_flags(onet: Catalog) -> None:
    technologies = [t for role in onet.roles.values() for t in role.technologies]
    assert {t.hot for t in technologies} == {True, False}
    assert {t.in_demand for t in technologies} == {True, False}
    assert any(t.hot for t in onet.role("15-1212.00").technologies)


def test_codes_keep_their_written_form(onet: Catalog) -> None:
    chief = onet.role("11-1011.00")
    assert chief.soc_code == "11-1011.00"
    assert all(len(code) == 10 for code in onet.roles)


def test_profiles_and_context_come_from_every_optional_file(onet: Catalog) -> None:
    analysts = onet.role("15-1212.00")
    assert analysts.work_activities and analysts.technologies
    assert [name for name, _ in analysts.interests] == [
        "Realistic",
        "Investigative",
        "Artistic",
        "Social",
        "Enterprising",
        "Conventional",
    ]
    assert analysts.work_styles


def test_loading_the_real_database_never_opens_related_occupations(onet_dir: Path) -> None:
    with recording_opens() as opened:
        load_onet(onet_dir)
    names = [Path(path).name for path in opened]
    assert "Skills.txt" in names  # the recorder sees the importer's reads
    assert not [name for name in names if name.startswith("Related Occupations")]


def test_release_is_read_from_the_readme(onet_dir: Path) -> None:
    assert onet_release(onet_dir) == "29.3"


# Mapping rules, on hand-typed rows ------------------------------------------------------------


def test_levels_and_importances_map_onto_reskill_scales(mini_catalog: Catalog) -> None:
    analysts = mini_catalog.role(SEC)
    assert analysts.requirements == (
        Requirement("onet:2.A.1.a", level=3.0, importance=0.5),
        Requirement("onet:2.B.3.d", level=1.0, importance=0.0),
        Requirement("onet:2.C.3.a", level=1 + 24 / 7, importance=1.0),
    )


def test_not_relevant_and_suppressed_ratings_are_kept_with_their_im_importance(
    mini_catalog: Catalog,
) -> None:
    nurses = mini_catalog.role(RN)
    assert nurses.requirement("onet:2.A.1.a") == Requirement("onet:2.A.1.a", 5.0, 0.75)
    assert nurses.requirement("onet:2.B.3.d") == Requirement("onet:2.B.3.d", 1.2, 0.125)


def test_an_element_without_a_level_gives_no_requirement(mini_catalog: Catalog) -> None:
    assert mini_catalog.role(RN).requirement("onet:2.C.3.a") is None


def test_out_of_range_ratings_are_clipped(tmp_path: Path) -> None:
    tables = mini_tables()
    tables["Knowledge.txt"][1][6] = "5.40"  # IM above 5
    tables["Knowledge.txt"][2][6] = "7.70"  # LV above 7
    catalog = load_onet(write_onet(tmp_path, tables))
    assert catalog.role(SEC).requirement("onet:2.C.3.a") == Requirement("onet:2.C.3.a", 5.0, 1.0)


def test_role_fields_come_from_their_files(mini_catalog: Catalog) -> None:
    analysts = mini_catalog.role(SEC)
    assert (analysts.title, analysts.job_zone, analysts.job_family) == (
        "Information Security Analysts",
        4,
        "Computer and Mathematical",
    )
    assert analysts.description == "Plan and carry out security measures."
    assert analysts.work_activities == ("Monitor computer systems.", "Develop security policies.")
    assert analysts.technologies == (
        Technology("Splunk Enterprise", "43232305", "Network monitoring software", True, True),
        Technology("Wireshark", "43232305", "Network monitoring software", False, False),
    )
    assert (analysts.open_positions, analysts.hard_to_fill) == (0, False)


def test_tasks_list_core_before_supplemental_in_file_order(mini_catalog: Catalog) -> None:
    assert mini_catalog.role(RN).tasks == (
        "Monitor patients.",
        'Explain "triage" levels.',
        "Maintain supplies.",
    )


def test_alternate_titles_merge_short_and_reported_titles_once_each(
    mini_catalog: Catalog,
) -> None:
    assert mini_catalog.role(RN).alternate_titles == (
        "Registered Nurse",
        "RN",
        "Staff Nurse",
        "Charge Nurse",
    )


def test_interests_use_the_oi_scale_and_work_styles_importance(mini_catalog: Catalog) -> None:
    nurses = mini_catalog.role(RN)
    assert nurses.interests == (("Social", 6.5),)
    assert nurses.work_styles == (("Dependability", 4.8),)


def test_work_styles_with_a_single_other_scale_use_that_scale(tmp_path: Path) -> None:
    tables = mini_tables()
    tables["Work Styles.txt"][1][4] = "WI"
    assert load_onet(write_onet(tmp_path, tables)).role(RN).work_styles == (("Dependability", 4.8),)


def test_occupations_outside_job_zones_are_not_roles(mini_catalog: Catalog) -> None:
    assert set(mini_catalog.roles) == {SEC, RN, CNA}


def test_optional_files_may_be_absent(tmp_path: Path) -> None:
    tables = {name: table for name, table in mini_tables().items() if name in ONET_REQUIRED_FILES}
    catalog = load_onet(write_onet(tmp_path, tables))
    nurses = catalog.role(RN)
    assert (nurses.tasks, nurses.work_activities, nurses.technologies) == ((), (), ())
    assert (nurses.alternate_titles, nurses.interests, nurses.work_styles) == ((), (), ())
    assert catalog.skill("onet:2.C.3.a").description == ""


def test_progress_is_reported_once_per_file(mini: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    load_onet(mini, progress=lambda step, done, total: calls.append((step, done, total)))
    names = ONET_REQUIRED_FILES + ONET_OPTIONAL_FILES
    assert calls == [(name, i, len(names)) for i, name in enumerate(names, start=1)]


def test_soc_major_group_names_the_group() -> None:
    assert soc_major_group("15-1212.00") == "Computer and Mathematical"


# Robustness to file layout --------------------------------------------------------------------


def test_reordered_and_extra_columns_load_the_same_catalog(
    tmp_path: Path, mini_catalog: Catalog
) -> None:
    reshaped = write_onet(tmp_path / "later", mini_tables(), reshape=reversed_with_extra_column)
    assert load_onet(reshaped) == mini_catalog


def test_files_starting_with_a_byte_order_mark_load(tmp_path: Path, mini_catalog: Catalog) -> None:
    with_bom = write_onet(tmp_path / "bom", mini_tables(), prefix="\ufeff")
    assert (with_bom / "Skills.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_onet(with_bom) == mini_catalog


def test_related_occupations_are_never_opened(mini: Path) -> None:
    (mini / "Related Occupations.txt").mkdir()  # opening a directory fails
    (mini / "Related Occupations (dev split).txt").mkdir()
    with recording_opens() as opened:
        catalog = load_onet(mini)
    assert len(catalog.roles) == 3
    assert not [path for path in opened if Path(path).name.startswith("Related Occupations")]


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ONET_REQUIRED_FILES)
def test_a_missing_required_file_is_named(tmp_path: Path, missing: str) -> None:
    tables = mini_tables()
    del tables[missing]
    error = problems_of(write_onet(tmp_path, tables))
    assert [(p.file, p.row, p.field) for p in error.problems] == [(missing, None, None)]
    assert missing in str(error)


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("Skills.txt", "Data Value"),
        ("Job Zones.txt", "Job Zone"),
        ("Occupation Data.txt", "O*NET-SOC Code"),
        ("Technology Skills.txt", "Hot Technology"),
    ],
)
def test_a_missing_required_column_names_file_and_column(
    tmp_path: Path, file: str, column: str
) -> None:
    tables = mini_tables()
    tables[file][0] = ["Renamed" if name == column else name for name in tables[file][0]]
    error = problems_of(write_onet(tmp_path, tables))
    assert [(p.file, p.row, p.field) for p in error.problems] == [(file, None, column)]
    assert file in str(error) and column in str(error)


def test_a_rating_for_an_unknown_occupation_names_its_row(tmp_path: Path) -> None:
    tables = mini_tables()
    tables["Skills.txt"][3][0] = "99-9999.00"
    error = problems_of(write_onet(tmp_path, tables))
    assert [(p.file, p.row, p.field) for p in error.problems] == [
        ("Skills.txt", 4, "O*NET-SOC Code")
    ]
    assert "99-9999.00" in str(error)


def test_a_value_that_is_not_a_number_names_its_row(tmp_path: Path) -> None:
    tables = mini_tables()
    tables["Knowledge.txt"][2][6] = "high"
    error = problems_of(write_onet(tmp_path, tables))
    assert [(p.file, p.row, p.field) for p in error.problems] == [
        ("Knowledge.txt", 3, "Data Value")
    ]
    assert "'high'" in str(error)


def test_a_bad_job_zone_names_its_row(tmp_path: Path) -> None:
    tables = mini_tables()
    tables["Job Zones.txt"][2][2] = "6"
    error = problems_of(write_onet(tmp_path, tables))
    assert [(p.file, p.row, p.field) for p in error.problems] == [("Job Zones.txt", 3, "Job Zone")]


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    directory = write_onet(tmp_path, mini_tables())
    path = directory / "Occupation Data.txt"
    path.write_bytes(path.read_bytes().replace(b"Nursing", "Nürsing".encode("latin-1")))
    error = problems_of(directory)
    assert [(p.file, p.row, p.field) for p in error.problems] == [
        ("Occupation Data.txt", None, None)
    ]
    assert "UTF-8" in str(error)


# Titles of every occupation, rated or not ------------------------------------------------------

TITLE_FILES = ("Occupation Data.txt", "Alternate Titles.txt", "Sample of Reported Titles.txt")


def test_titles_are_loaded_for_every_occupation_of_occupation_data(onet_dir: Path) -> None:
    rows = (onet_dir / "Occupation Data.txt").read_text(encoding="utf-8-sig").splitlines()[1:]
    occupations = load_onet_titles(onet_dir)
    assert len(occupations) == len(rows) > 923
    assert len({o.code for o in occupations}) == len(occupations)
    assert all(o.title and o.description for o in occupations)


def test_an_all_other_occupation_comes_with_its_alternate_titles(onet_dir: Path) -> None:
    by_code = {o.code: o for o in load_onet_titles(onet_dir)}
    computers = by_code["15-1299.00"]
    assert computers.title == "Computer Occupations, All Other"
    assert "General Information Technology Specialist" in computers.alternate_titles
    assert "Data Center Technician" in computers.alternate_titles
    assert "15-1299.00" not in load_onet(onet_dir).roles


def test_rated_occupations_get_the_same_titles_as_their_roles(
    onet: Catalog, onet_dir: Path
) -> None:
    for occupation in load_onet_titles(onet_dir):
        role = onet.roles.get(occupation.code)
        if role is not None:
            assert (occupation.title, occupation.description) == (role.title, role.description)
            assert occupation.alternate_titles == role.alternate_titles


def test_loading_titles_never_opens_related_occupations(onet_dir: Path, mini: Path) -> None:
    (mini / "Related Occupations.txt").mkdir()  # opening a directory fails
    with recording_opens() as opened:
        load_onet_titles(onet_dir)
        load_onet_titles(mini)
    names = [Path(path).name for path in opened]
    assert "Occupation Data.txt" in names  # the recorder sees the reads
    assert not [name for name in names if name.startswith("Related Occupations")]


def test_titles_of_unrated_occupations_merge_alternate_short_and_reported_titles(
    mini: Path,
) -> None:
    occupations = load_onet_titles(mini)
    assert [o.code for o in occupations] == [SEC, RN, CNA, CEO]
    assert occupations[3] == OccupationTitles(
        CEO, "Chief Executives", "Direct organizations.", ("Chief Executive Officer", "CEO")
    )
    assert occupations[1].alternate_titles == load_onet(mini).role(RN).alternate_titles


def test_titles_need_only_occupation_data(tmp_path: Path) -> None:
    tables = {"Occupation Data.txt": mini_tables()["Occupation Data.txt"]}
    occupations = load_onet_titles(write_onet(tmp_path, tables))
    assert [(o.code, o.alternate_titles) for o in occupations][:2] == [(SEC, ()), (RN, ())]


def test_titles_without_occupation_data_name_the_file(tmp_path: Path) -> None:
    tables = {name: mini_tables()[name] for name in TITLE_FILES[1:]}
    with pytest.raises(InvalidCatalog) as caught:
        load_onet_titles(write_onet(tmp_path, tables))
    assert [(p.file, p.row) for p in caught.value.problems] == [("Occupation Data.txt", None)]


@pytest.mark.parametrize(
    ("row", "column", "value", "field", "reason"),
    [
        (2, 0, "15-1212", "O*NET-SOC Code", "is not an O*NET-SOC code"),
        (3, 0, SEC, "O*NET-SOC Code", "is listed twice"),
        (4, 1, " ", "Title", "has a blank title"),
    ],
)
def test_a_bad_occupation_row_names_its_line_and_field(
    tmp_path: Path, row: int, column: int, value: str, field: str, reason: str
) -> None:
    tables = {name: mini_tables()[name] for name in TITLE_FILES}
    tables["Occupation Data.txt"][row - 1][column] = value
    with pytest.raises(InvalidCatalog) as caught:
        load_onet_titles(write_onet(tmp_path, tables))
    assert [(p.file, p.row, p.field) for p in caught.value.problems] == [
        ("Occupation Data.txt", row, field)
    ]
    assert reason in str(caught.value)
