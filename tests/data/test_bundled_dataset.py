"""The bundled default dataset in data/ is complete, consistent and tells the mission's stories.

These tests read the CSV files with the csv module (ids stay strings, nothing is coerced)
so they check the files exactly as a new user receives them. The column layout is the
one in data/COLUMNS.md.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

Row = dict[str, str]

HEADERS: dict[str, list[str]] = {
    "skills.csv": ["skill_id", "name", "category", "description", "aliases"],
    "roles.csv": [
        "role_id",
        "title",
        "description",
        "soc_code",
        "job_family",
        "job_zone",
        "open_positions",
        "median_days_to_fill",
        "hard_to_fill",
        "pay_band",
        "feeder_roles",
    ],
    "role_skills.csv": ["role_id", "skill_id", "level", "importance"],
    "role_tasks.csv": ["role_id", "task"],
    "courses.csv": [
        "course_id",
        "title",
        "provider",
        "kind",
        "hours",
        "cost_usd",
        "delivery",
        "url",
        "hours_estimated",
        "cost_estimated",
        "description",
        "pricing",
    ],
    "course_skills.csv": ["course_id", "skill_id", "level"],
    "course_prerequisites.csv": ["course_id", "prerequisite_type", "prerequisite_id", "level"],
}

SKILL_CATEGORIES = {
    "clinical",
    "it_operations",
    "security",
    "data_ai",
    "health_information",
    "business",
    "interpersonal",
}
JOB_FAMILIES = {
    "IT Support",
    "Infrastructure",
    "Applications",
    "Security",
    "Data & AI",
    "Informatics",
    "Nursing",
    "Clinical",
    "Clinical Engineering",
    "Health Information",
    "Revenue Cycle",
    "Leadership",
}
BOOLEANS = {"true", "false"}
LEVELS = {"1", "2", "3", "4", "5"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOC_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")

# (from role, to role, skills the two must both require): the mission's transitions.
MISSION_TRANSITIONS = [
    (
        "service-desk-technician-1",
        "soc-analyst-1",
        {"ticketing-systems", "incident-ticket-triage", "networking-fundamentals", "os-windows"},
    ),
    (
        "registered-nurse",
        "nurse-informaticist",
        {"clinical-documentation", "ehr-use", "patient-safety", "clinical-workflow"},
    ),
    ("medical-coder", "ehr-analyst", {"icd-10-coding", "ehr-use", "hipaa-privacy"}),
    (
        "medical-coder",
        "health-information-technician",
        {"icd-10-coding", "health-records-management", "hipaa-privacy"},
    ),
    (
        "medical-coder",
        "health-information-manager",
        {"icd-10-coding", "health-records-management", "hipaa-privacy"},
    ),
    ("medical-coder", "ehr-reporting-analyst", {"ehr-use", "hipaa-privacy", "medical-terminology"}),
    (
        "medical-transcriptionist",
        "healthcare-data-analyst",
        {"medical-terminology", "documentation-quality-review"},
    ),
    (
        "medical-assistant",
        "telehealth-coordinator",
        {"patient-scheduling", "ehr-use", "patient-communication"},
    ),
    (
        "radiologist",
        "clinical-ai-specialist",
        {"diagnostic-image-interpretation", "pacs-ris", "ai-fundamentals"},
    ),
]

# Feeder moves into the IT, clinical-engineering and informatics roles that real hospitals
# fill from inside (issue 16): (from role, to role, skills the two must both require).
FEEDER_TRANSITIONS = [
    ("interface-analyst", "integration-engineer", {"hl7-fhir", "health-data-standards", "sql"}),
    ("application-developer", "software-developer", {"software-development", "api-development"}),
    ("ehr-analyst", "qa-test-analyst", {"ehr-testing", "requirements-analysis"}),
    (
        "desktop-support-technician",
        "biomedical-equipment-technician",
        {"hardware-troubleshooting", "clinical-device-support", "it-asset-management"},
    ),
    (
        "biomedical-equipment-technician",
        "medical-device-security-specialist",
        {"clinical-device-support", "networking-fundamentals", "it-asset-management"},
    ),
    (
        "pharmacist",
        "pharmacy-informatics-pharmacist",
        {"pharmacy-practice", "pharmacology", "clinical-decision-support"},
    ),
    ("medical-laboratory-scientist", "lis-analyst", {"laboratory-testing", "ehr-use"}),
]


@cache
def read(name: str) -> tuple[list[str], tuple[Row, ...]]:
    """Return the header and rows of a bundled CSV file, read as the importer reads it."""
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = tuple(dict(row) for row in reader)
        return list(reader.fieldnames or []), rows


def rows(name: str) -> tuple[Row, ...]:
    return read(name)[1]


def ids(name: str, column: str) -> set[str]:
    return {row[column] for row in rows(name)}


def requirements() -> dict[str, dict[str, int]]:
    """Map each role to its required skills and levels."""
    needed: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows("role_skills.csv"):
        needed[row["role_id"]][row["skill_id"]] = int(row["level"])
    return needed


def numbered(name: str) -> Iterator[tuple[int, Row]]:
    """Yield rows with the line number a user would see in an editor (header is line 1)."""
    for index, row in enumerate(rows(name)):
        yield index + 2, row


def onet_table(onet_dir: Path, file_name: str) -> list[Row]:
    with (onet_dir / file_name).open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle, delimiter="\t")]


# --- shape -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_every_file_has_exactly_the_documented_columns(name: str) -> None:
    header, _ = read(name)
    assert header == HEADERS[name]


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_no_row_has_missing_or_extra_cells(name: str) -> None:
    broken = [
        line
        for line, row in numbered(name)
        if None in row or any(value is None for value in row.values())
    ]
    assert broken == [], f"{name}: rows with the wrong number of cells at lines {broken}"


def test_dataset_is_large_enough_to_be_useful() -> None:
    assert len(rows("roles.csv")) >= 45
    assert len(rows("skills.csv")) >= 160
    assert len(rows("courses.csv")) >= 65


@pytest.mark.parametrize(
    ("name", "column"),
    [("skills.csv", "skill_id"), ("roles.csv", "role_id"), ("courses.csv", "course_id")],
)
def test_ids_are_unique_slugs(name: str, column: str) -> None:
    values = [row[column] for row in rows(name)]
    duplicates = sorted({value for value in values if values.count(value) > 1})
    assert duplicates == [], f"{name}: duplicate {column}"
    assert [value for value in values if not SLUG.match(value)] == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("role_skills.csv", ("role_id", "skill_id")),
        ("course_skills.csv", ("course_id", "skill_id")),
        ("course_prerequisites.csv", ("course_id", "prerequisite_type", "prerequisite_id")),
        ("role_tasks.csv", ("role_id", "task")),
    ],
)
def test_link_tables_have_no_duplicate_pairs(name: str, key: tuple[str, ...]) -> None:
    seen: set[tuple[str, ...]] = set()
    duplicates = []
    for line, row in numbered(name):
        pair = tuple(row[column] for column in key)
        if pair in seen:
            duplicates.append((line, pair))
        seen.add(pair)
    assert duplicates == []


def test_every_text_field_users_read_is_filled_in() -> None:
    required = {
        "skills.csv": ["name", "category", "description"],
        "roles.csv": ["title", "description", "soc_code", "job_family", "job_zone"],
        "courses.csv": [
            "title",
            "provider",
            "kind",
            "hours",
            "cost_usd",
            "delivery",
            "description",
        ],
        "role_tasks.csv": ["task"],
    }
    blanks = [
        (name, line, column)
        for name, columns in required.items()
        for line, row in numbered(name)
        for column in columns
        if not row[column].strip()
    ]
    assert blanks == []


# --- skills ----------------------------------------------------------------------------


def test_skill_categories_are_the_documented_ones() -> None:
    assert {row["category"] for row in rows("skills.csv")} == SKILL_CATEGORIES


def test_skill_aliases_are_non_empty_pipe_separated_names() -> None:
    bad = [
        row["skill_id"]
        for row in rows("skills.csv")
        if row["aliases"] and any(not alias.strip() for alias in row["aliases"].split("|"))
    ]
    assert bad == []


def test_siem_is_found_under_its_product_names() -> None:
    siem = next(row for row in rows("skills.csv") if row["skill_id"] == "siem")
    aliases = set(siem["aliases"].split("|"))
    assert {"Splunk", "Microsoft Sentinel"} <= aliases


# --- roles -----------------------------------------------------------------------------


def test_roles_use_valid_soc_codes_families_zones_and_flags() -> None:
    problems = []
    for line, row in numbered("roles.csv"):
        if not SOC_CODE.match(row["soc_code"]):
            problems.append((line, "soc_code", row["soc_code"]))
        if row["job_family"] not in JOB_FAMILIES:
            problems.append((line, "job_family", row["job_family"]))
        if row["job_zone"] not in LEVELS:
            problems.append((line, "job_zone", row["job_zone"]))
        if row["hard_to_fill"] not in BOOLEANS:
            problems.append((line, "hard_to_fill", row["hard_to_fill"]))
        if int(row["open_positions"]) < 0:
            problems.append((line, "open_positions", row["open_positions"]))
        if row["median_days_to_fill"] and int(row["median_days_to_fill"]) < 0:
            problems.append((line, "median_days_to_fill", row["median_days_to_fill"]))
    assert problems == []


def test_every_job_family_is_represented() -> None:
    assert {row["job_family"] for row in rows("roles.csv")} == JOB_FAMILIES


def test_every_soc_code_exists_in_onet(onet_dir: Path) -> None:
    known = {row["O*NET-SOC Code"] for row in onet_table(onet_dir, "Occupation Data.txt")}
    unknown = sorted(
        (row["role_id"], row["soc_code"])
        for row in rows("roles.csv")
        if row["soc_code"] not in known
    )
    assert unknown == []


def test_job_zones_are_within_one_of_onet(onet_dir: Path) -> None:
    zone = {
        row["O*NET-SOC Code"]: int(row["Job Zone"]) for row in onet_table(onet_dir, "Job Zones.txt")
    }
    off = sorted(
        (row["role_id"], row["soc_code"], int(row["job_zone"]), zone[row["soc_code"]])
        for row in rows("roles.csv")
        if row["soc_code"] in zone and abs(int(row["job_zone"]) - zone[row["soc_code"]]) > 1
    )
    assert off == []


def test_hard_to_fill_roles_include_security_and_data_ai_with_vacancies() -> None:
    hard = [row for row in rows("roles.csv") if row["hard_to_fill"] == "true"]
    families = {row["job_family"] for row in hard}
    assert {"Security", "Data & AI"} <= families
    without_vacancy = [row["role_id"] for row in hard if int(row["open_positions"]) <= 0]
    assert without_vacancy == []
    without_time = [row["role_id"] for row in hard if not row["median_days_to_fill"]]
    assert without_time == []


def test_every_role_has_six_to_fourteen_requirements_and_four_to_six_tasks() -> None:
    needed = requirements()
    tasks: dict[str, int] = defaultdict(int)
    for row in rows("role_tasks.csv"):
        tasks[row["role_id"]] += 1
    for role_id in ids("roles.csv", "role_id"):
        assert 6 <= len(needed[role_id]) <= 14, role_id
        assert 4 <= tasks[role_id] <= 6, role_id


# --- references ------------------------------------------------------------------------


def test_role_links_point_at_known_roles_and_skills() -> None:
    roles, skills = ids("roles.csv", "role_id"), ids("skills.csv", "skill_id")
    dangling = [
        (name, line)
        for name in ("role_skills.csv", "role_tasks.csv")
        for line, row in numbered(name)
        if row["role_id"] not in roles or ("skill_id" in row and row["skill_id"] not in skills)
    ]
    assert dangling == []


def _declared_paths() -> list[tuple[str, str]]:
    return [
        (feeder, row["role_id"])
        for row in rows("roles.csv")
        for feeder in row["feeder_roles"].split("|")
        if feeder
    ]


def test_declared_career_paths_are_sparse_known_and_climb_at_most_one_job_zone() -> None:
    zones = {row["role_id"]: int(row["job_zone"]) for row in rows("roles.csv")}
    paths = _declared_paths()
    assert 15 <= len(paths) <= 30 and len(set(paths)) == len(paths)
    assert all(a in zones and a != b for a, b in paths)
    assert all(zones[b] - zones[a] <= 1 for a, b in paths)
    for path in [
        ("registered-nurse", "nurse-informaticist"),
        ("medical-assistant", "telehealth-coordinator"),
        ("licensed-practical-nurse", "telehealth-coordinator"),
        ("service-desk-technician-1", "soc-analyst-1"),
        ("medical-coder", "cdi-specialist"),
        ("registered-nurse", "cdi-specialist"),
        ("pharmacist", "pharmacy-informatics-pharmacist"),
        ("medical-laboratory-scientist", "lis-analyst"),
    ]:
        assert path in paths


# --- levels and numbers ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["role_skills.csv", "course_skills.csv"])
def test_levels_are_whole_numbers_one_to_five(name: str) -> None:
    bad = [line for line, row in numbered(name) if row["level"] not in LEVELS]
    assert bad == []


def test_importance_is_in_zero_exclusive_to_one() -> None:
    bad = [
        line for line, row in numbered("role_skills.csv") if not 0 < float(row["importance"]) <= 1
    ]
    assert bad == []


# --- the course graph ------------------------------------------------------------------


def test_advanced_certifications_demand_earlier_skills() -> None:
    prerequisites: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows("course_prerequisites.csv"):
        if row["prerequisite_type"] == "skill":
            prerequisites[row["course_id"]][row["prerequisite_id"]] = int(row["level"])
    assert max(prerequisites["isc2-cissp"].values()) >= 4
    assert prerequisites["ancc-informatics-nursing"].get("registered-nursing-practice", 0) >= 3
    assert prerequisites["comptia-cysa-plus"]


# --- the mission -----------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target", "shared"), MISSION_TRANSITIONS)
def test_mission_transitions_share_required_skills(
    source: str, target: str, shared: set[str]
) -> None:
    needed = requirements()
    common = set(needed[source]) & set(needed[target])
    assert len(common) >= 3, f"{source} -> {target} share only {sorted(common)}"
    assert shared <= common, f"{source} -> {target} lacks {sorted(shared - common)}"


@pytest.mark.parametrize(("source", "target", "shared"), FEEDER_TRANSITIONS)
def test_feeder_transitions_share_required_skills(
    source: str, target: str, shared: set[str]
) -> None:
    needed = requirements()
    common = set(needed[source]) & set(needed[target])
    assert len(common) >= 3, f"{source} -> {target} share only {sorted(common)}"
    assert shared <= common, f"{source} -> {target} lacks {sorted(shared - common)}"


@pytest.mark.parametrize("senior", ["security-engineer", "security-architect", "ciso"])
def test_senior_security_roles_are_far_from_the_help_desk(senior: str) -> None:
    needed = requirements()
    desk = needed["service-desk-technician-1"]
    big_gaps = [skill for skill, level in needed[senior].items() if level - desk.get(skill, 0) >= 2]
    assert len(big_gaps) >= 6, big_gaps


def test_nurses_are_not_the_hard_to_fill_focus() -> None:
    nursing = [row for row in rows("roles.csv") if row["job_family"] == "Nursing"]
    assert nursing and all(row["hard_to_fill"] == "false" for row in nursing)
