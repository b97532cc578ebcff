"""The bundled course catalogue (data/courses.csv and friends) is complete and consistent.

These are the promises a new user relies on when they open reskill on the default
dataset: every course reference resolves, prerequisites never loop, prices and hours
are plausible, and every skill a role asks for can be learned somewhere in the
catalogue, at the level the role asks for, without an unsatisfiable prerequisite.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"

COURSE_COLUMNS = [
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
]
KINDS = {"course", "certification", "mentorship", "stretch_assignment"}
DELIVERIES = {"online", "in_person", "blended", "self_paced", "on_the_job"}
BOOLEANS = {"true", "false"}

# Transitions the project exists for: (current role, target role).
MISSION_TRANSITIONS = [
    ("service-desk-technician-1", "soc-analyst-1"),
    ("registered-nurse", "nurse-informaticist"),
    ("medical-coder", "ehr-analyst"),
    ("medical-coder", "health-information-technician"),
    ("medical-coder", "health-information-manager"),
    ("medical-transcriptionist", "healthcare-data-analyst"),
    ("medical-assistant", "telehealth-coordinator"),
    ("radiologist", "clinical-ai-specialist"),
]

Levels = dict[str, int]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _header(name: str) -> list[str]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def courses() -> dict[str, dict[str, str]]:
    return {row["course_id"]: row for row in _rows("courses.csv")}


@pytest.fixture(scope="module")
def skill_ids() -> set[str]:
    return {row["skill_id"] for row in _rows("skills.csv")}


@pytest.fixture(scope="module")
def teaches() -> dict[str, Levels]:
    out: dict[str, Levels] = defaultdict(dict)
    for row in _rows("course_skills.csv"):
        out[row["course_id"]][row["skill_id"]] = int(row["level"])
    return dict(out)


@pytest.fixture(scope="module")
def prerequisites() -> list[dict[str, str]]:
    return _rows("course_prerequisites.csv")


@pytest.fixture(scope="module")
def requirements() -> dict[str, Levels]:
    out: dict[str, Levels] = defaultdict(dict)
    for row in _rows("role_skills.csv"):
        out[row["role_id"]][row["skill_id"]] = int(row["level"])
    return dict(out)


def _best_taught(teaches: Mapping[str, Levels]) -> Levels:
    best: Levels = defaultdict(int)
    for taught in teaches.values():
        for skill, level in taught.items():
            best[skill] = max(best[skill], level)
    return best


def _reachable(
    start: Levels, teaches: Mapping[str, Levels], prerequisites: Iterable[dict[str, str]]
) -> Levels:
    """Skill levels reachable from ``start`` by taking every course whose prerequisites hold."""
    needs_skill: dict[str, Levels] = defaultdict(dict)
    needs_course: dict[str, set[str]] = defaultdict(set)
    for row in prerequisites:
        if row["prerequisite_type"] == "skill":
            needs_skill[row["course_id"]][row["prerequisite_id"]] = int(row["level"])
        else:
            needs_course[row["course_id"]].add(row["prerequisite_id"])
    have, done = dict(start), set[str]()
    progress = True
    while progress:
        ready = [
            c
            for c in teaches
            if c not in done
            and needs_course[c] <= done
            and all(have.get(s, 0) >= lvl for s, lvl in needs_skill[c].items())
        ]
        progress = bool(ready)
        for course in ready:
            done.add(course)
            for skill, level in teaches[course].items():
                have[skill] = max(have.get(skill, 0), level)
    return have


def _shortfalls(target: Levels, have: Levels) -> dict[str, tuple[int, int]]:
    return {s: (lvl, have.get(s, 0)) for s, lvl in target.items() if have.get(s, 0) < lvl}


# --- courses.csv -----------------------------------------------------------------


def test_courses_file_has_exactly_the_documented_columns() -> None:
    assert _header("courses.csv") == COURSE_COLUMNS
    assert _header("course_skills.csv") == ["course_id", "skill_id", "level"]
    assert _header("course_prerequisites.csv") == [
        "course_id",
        "prerequisite_type",
        "prerequisite_id",
        "level",
    ]


def test_catalogue_offers_at_least_65_courses_and_every_kind(
    courses: dict[str, dict[str, str]],
) -> None:
    assert len(courses) >= 65
    assert {row["kind"] for row in courses.values()} == KINDS


def test_course_ids_are_unique() -> None:
    ids = [row["course_id"] for row in _rows("courses.csv")]
    assert len(ids) == len(set(ids))


def test_course_kind_delivery_and_flags_use_the_documented_values(
    courses: dict[str, dict[str, str]],
) -> None:
    for cid, row in courses.items():
        assert row["kind"] in KINDS, cid
        assert row["delivery"] in DELIVERIES, cid
        assert row["hours_estimated"] in BOOLEANS, cid
        assert row["cost_estimated"] in BOOLEANS, cid
        assert row["title"].strip() and row["provider"].strip() and row["description"].strip(), cid


def test_course_hours_are_positive_and_within_the_importers_limit_per_item(
    courses: dict[str, dict[str, str]],
) -> None:
    for cid, row in courses.items():
        assert 0 < float(row["hours"]) <= 5_000, cid


def test_course_costs_are_non_negative_and_below_a_degree_programme(
    courses: dict[str, dict[str, str]],
) -> None:
    for cid, row in courses.items():
        assert 0 <= float(row["cost_usd"]) <= 25_000, cid


def test_internal_mentorships_and_stretch_assignments_are_free_and_on_the_job(
    courses: dict[str, dict[str, str]],
) -> None:
    for cid, row in courses.items():
        if row["kind"] in {"mentorship", "stretch_assignment"} and row["provider"] == "Internal":
            assert float(row["cost_usd"]) == 0, cid
            assert row["delivery"] == "on_the_job", cid


def test_sponsor_only_epic_prices_are_marked_as_estimates(
    courses: dict[str, dict[str, str]],
) -> None:
    epic = [row for row in courses.values() if row["provider"] == "Epic"]
    assert len(epic) >= 4
    assert all(row["cost_estimated"] == "true" for row in epic)


def test_course_urls_are_https_or_blank(courses: dict[str, dict[str, str]]) -> None:
    for cid, row in courses.items():
        assert row["url"] == "" or row["url"].startswith("https://"), cid


@pytest.mark.parametrize(
    "course_id",
    [
        "comptia-security-plus",
        "comptia-cysa-plus",
        "isc2-cc",
        "isc2-cissp",
        "ms-sc-200",
        "ahima-rhit",
        "ahima-chda",
        "ancc-informatics-nursing",
        "epic-clarity-data-model",
        "soc-shadowing-mentorship",
        "ehr-super-user-stretch",
        "informatics-council-stretch",
        "data-analytics-mentorship",
        "radiology-ai-validation-stretch",
        "internal-hipaa-privacy",
        "phishing-incident-triage-lab",
    ],
)
def test_catalogue_includes_the_steps_of_the_mission_pathways(
    courses: dict[str, dict[str, str]], course_id: str
) -> None:
    assert course_id in courses


# --- course_skills.csv -------------------------------------------------------------


def test_every_course_teaches_at_least_one_skill(
    courses: dict[str, dict[str, str]], teaches: dict[str, Levels]
) -> None:
    assert sorted(set(courses) - set(teaches)) == []


def test_course_skills_reference_known_courses_and_skills(
    courses: dict[str, dict[str, str]], skill_ids: set[str]
) -> None:
    rows = _rows("course_skills.csv")
    assert sorted({r["course_id"] for r in rows} - set(courses)) == []
    assert sorted({r["skill_id"] for r in rows} - skill_ids) == []


def test_course_skill_levels_are_whole_numbers_1_to_5_and_listed_once() -> None:
    rows = _rows("course_skills.csv")
    assert {r["level"] for r in rows} <= {"1", "2", "3", "4", "5"}
    pairs = [(r["course_id"], r["skill_id"]) for r in rows]
    assert len(pairs) == len(set(pairs))


# --- course_prerequisites.csv ------------------------------------------------------


def test_prerequisites_reference_known_courses_and_skills(
    courses: dict[str, dict[str, str]],
    skill_ids: set[str],
    prerequisites: list[dict[str, str]],
) -> None:
    for row in prerequisites:
        assert row["course_id"] in courses, row
        known = courses if row["prerequisite_type"] == "course" else skill_ids
        assert row["prerequisite_type"] in {"course", "skill"}, row
        assert row["prerequisite_id"] in known, row


def test_prerequisite_levels_are_set_for_skills_and_blank_for_courses(
    prerequisites: list[dict[str, str]],
) -> None:
    for row in prerequisites:
        expected = {""} if row["prerequisite_type"] == "course" else {"1", "2", "3", "4", "5"}
        assert row["level"] in expected, row


def test_course_prerequisite_graph_has_no_cycle(
    courses: dict[str, dict[str, str]], prerequisites: list[dict[str, str]]
) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(courses)
    graph.add_edges_from(
        (r["prerequisite_id"], r["course_id"])
        for r in prerequisites
        if r["prerequisite_type"] == "course"
    )
    assert nx.is_directed_acyclic_graph(graph), list(nx.simple_cycles(graph))


def test_every_prerequisite_skill_level_is_taught_by_another_course(
    teaches: dict[str, Levels], prerequisites: list[dict[str, str]]
) -> None:
    for row in prerequisites:
        if row["prerequisite_type"] != "skill":
            continue
        teachers = [
            c
            for c, taught in teaches.items()
            if c != row["course_id"] and taught.get(row["prerequisite_id"], 0) >= int(row["level"])
        ]
        assert teachers, row


# --- the catalogue against the roles -----------------------------------------------


def test_every_role_requirement_is_taught_by_some_course_at_the_required_level(
    teaches: dict[str, Levels], requirements: dict[str, Levels]
) -> None:
    best = _best_taught(teaches)
    unclosable = {
        (role, skill, level, best[skill])
        for role, needs in requirements.items()
        for skill, level in needs.items()
        if best[skill] < level
    }
    assert sorted(unclosable) == []


def test_every_role_is_reachable_from_scratch_without_an_unsatisfiable_prerequisite(
    teaches: dict[str, Levels],
    prerequisites: list[dict[str, str]],
    requirements: dict[str, Levels],
) -> None:
    have = _reachable({}, teaches, prerequisites)
    blocked = {role: _shortfalls(needs, have) for role, needs in requirements.items()}
    assert {role: gaps for role, gaps in blocked.items() if gaps} == {}


@pytest.mark.parametrize(("source", "target"), MISSION_TRANSITIONS)
def test_mission_transition_is_closable_through_the_catalogue(
    source: str,
    target: str,
    teaches: dict[str, Levels],
    prerequisites: list[dict[str, str]],
    requirements: dict[str, Levels],
) -> None:
    have = _reachable(requirements[source], teaches, prerequisites)
    assert _shortfalls(requirements[target], have) == {}


def test_reachability_respects_prerequisites() -> None:
    """Guard for the helper the tests above rely on: a locked course stays locked."""
    teaches = {"intro": {"a": 2}, "advanced": {"b": 4}}
    prerequisites = [
        {
            "course_id": "advanced",
            "prerequisite_type": "skill",
            "prerequisite_id": "a",
            "level": "3",
        }
    ]
    assert _reachable({}, teaches, prerequisites) == {"a": 2}
    assert _reachable({"a": 3}, teaches, prerequisites) == {"a": 3, "b": 4}
