"""A person corrects their own skills and certifications over HTTP: who may, what changes.

The app serves the bundled Riverside Health dataset (built for this module: the tests
correct records). Thomas Kowalski (E000176) is a tier-1 service desk technician listed with
ticketing systems (inferred) and cryptography; E000302 is another technician; E999999 is
nobody.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender
from recommender.store import load_catalog, make_engine, save_catalog, upgrade
from recommender.store.access import create_key, read_access_log
from recommender.store.schema import employee_corrections
from tests.conftest import DATA_DIR

ME, OTHER, NOBODY = "E000176", "E000302", "E999999"
SOC = "soc-analyst-1"
SKILL = "/v1/employees/{}/skills/{}"
CERTIFICATIONS = "/v1/employees/{}/certifications"
CORRECTIONS = "/v1/employees/{}/corrections"
WRITE_ROUTES = {
    "PUT /v1/employees/{employee_id}/skills/{skill_id}",
    "POST /v1/employees/{employee_id}/certifications",
}


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    @property
    def service(self) -> Recommender:
        service: Recommender = self.client.app.state.recommender  # type: ignore[attr-defined]
        return service

    def key(self, role: Role, employee_id: str | None = None) -> dict[str, str]:
        """Headers with a fresh key; an employee key belongs to ``ME`` unless told otherwise."""
        if role == Role.EMPLOYEE and employee_id is None:
            employee_id = ME
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee_id).token}

    def plan(self, person: str, headers: dict[str, str]) -> dict[str, Any]:
        response = self.client.get(
            f"/v1/employees/{person}/pathways", params={"target_role": SOC}, headers=headers
        )
        assert response.status_code == 200, response.text
        plan: dict[str, Any] = response.json()["plan"]
        return plan

    def record(self, person: str, headers: dict[str, str]) -> dict[str, Any]:
        response = self.client.get(f"/v1/employees/{person}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def writes(self, person: str) -> list[str]:
        return [
            r.route
            for r in read_access_log(self.engine, employee_id=person)
            if r.action == "skills.write"
        ]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path_factory.mktemp('corrections') / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    data = read_org_tables(DATA_DIR)
    save_catalog(engine, data.catalog, protected=data.protected, kind="org", source="tests")
    try:
        with TestClient(create_app(Settings(database_url=url))) as client:
            yield Api(client, engine)
    finally:
        engine.dispose()


def _skills(record: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {s["skill_id"]: (s["level"], s["evidence"]) for s in record["skills"]}


def test_declaring_a_level_that_closes_a_gap_lowers_the_hours_of_the_plan(api: Api) -> None:
    me = api.key(Role.EMPLOYEE)
    before = api.plan(ME, me)
    # A gap one step of the plan closes alone: met, the plan needs that step no more.
    alone = {s["closes"][0] for s in before["steps"] if len(s["closes"]) == 1}
    gap = next(g for g in before["gaps"] if not g["met"] and g["skill_id"] in alone)
    level = min(5, math.ceil(gap["required"]))

    response = api.client.put(SKILL.format(ME, gap["skill_id"]), json={"level": level}, headers=me)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    (made,) = [c for c in body["corrections"] if c["item_id"] == gap["skill_id"]]
    assert (made["action"], made["kind"], made["level"]) == ("level", "skill", level)
    assert made["set_at"]
    assert _skills(body)[gap["skill_id"]] == (level, "declared")
    served = api.service.catalog.employee(ME)  # this worker serves the correction at once
    assert served.level_of(gap["skill_id"]) == level
    after = api.plan(ME, me)
    assert next(g for g in after["gaps"] if g["skill_id"] == gap["skill_id"])["met"]
    assert after["total_hours"] < before["total_hours"]
    # Talent reads the corrected record, the skill marked self-declared.
    assert _skills(api.record(ME, api.key(Role.TALENT)))[gap["skill_id"]] == (level, "declared")
    assert api.writes(ME)[0] == "PUT /v1/employees/{employee_id}/skills/{skill_id}"


def test_an_inferred_skill_is_confirmed_or_removed(api: Api) -> None:
    me = api.key(Role.EMPLOYEE)
    listed = _skills(api.record(ME, me))
    assert listed["ticketing-systems"][1] == "inferred" and "cryptography" in listed

    confirmed = api.client.put(
        SKILL.format(ME, "ticketing-systems"), json={"action": "confirm"}, headers=me
    )
    removed = api.client.put(
        SKILL.format(ME, "cryptography"), json={"action": "remove"}, headers=me
    )

    assert confirmed.status_code == removed.status_code == 200
    now = _skills(api.record(ME, me))
    assert now["ticketing-systems"] == (listed["ticketing-systems"][0], "declared")
    assert "cryptography" not in now
    shown = api.client.get(CORRECTIONS.format(ME), headers=me).json()
    actions = {c["item_id"]: c["action"] for c in shown["corrections"]}
    assert actions["ticketing-systems"] == "confirm" and actions["cryptography"] == "remove"


def test_a_certification_held_leaves_the_plan(api: Api) -> None:
    talent = api.key(Role.TALENT)
    before = api.plan(OTHER, talent)
    course = before["steps"][0]["course_id"]

    response = api.client.post(
        CERTIFICATIONS.format(OTHER), json={"course_id": course}, headers=talent
    )

    assert response.status_code == 200, response.text
    assert course in response.json()["certifications"]
    assert course in api.record(OTHER, talent)["certifications"]
    after = api.plan(OTHER, talent)
    assert course not in [s["course_id"] for s in after["steps"]]
    assert after["total_hours"] < before["total_hours"]
    assert api.writes(OTHER)[0] == "POST /v1/employees/{employee_id}/certifications"


def test_who_may_correct_a_record(api: Api) -> None:
    body = {"level": 2}
    mine = api.key(Role.EMPLOYEE)
    written = len(api.writes(OTHER))
    someone = api.client.put(SKILL.format(OTHER, "python-programming"), json=body, headers=mine)
    nobody = api.client.put(SKILL.format(NOBODY, "python-programming"), json=body, headers=mine)
    assert someone.status_code == nobody.status_code == 404
    assert someone.json()["title"] == nobody.json()["title"]
    assert api.client.get(CORRECTIONS.format(OTHER), headers=mine).status_code == 404
    course = {"course_id": "comptia-a-plus-core-1"}
    assert (
        api.client.post(CERTIFICATIONS.format(OTHER), json=course, headers=mine).status_code == 404
    )
    for role in (Role.RECRUITER, Role.AUDITOR):
        refused = api.client.put(
            SKILL.format(OTHER, "python-programming"), json=body, headers=api.key(role)
        )
        assert refused.status_code == 403
    assert len(api.writes(OTHER)) == written  # refusals are not logged
    admin = api.client.put(
        SKILL.format(OTHER, "python-programming"), json=body, headers=api.key(Role.ADMIN)
    )
    assert admin.status_code == 200
    assert len(api.writes(OTHER)) == written + 1


@pytest.mark.parametrize(
    ("skill", "body", "status"),
    [
        ("python-programming", {}, 422),
        ("python-programming", {"level": 9}, 422),
        ("python-programming", {"level": 0}, 422),
        ("python-programming", {"action": "promote"}, 422),
        ("python-programming", {"action": "remove", "level": 2}, 422),
        ("phlebotomy", {"action": "confirm"}, 422),  # not listed: declare a level
        ("no-such-skill", {"level": 2}, 404),
    ],
)
def test_a_bad_correction_is_refused_and_changes_nothing(
    api: Api, skill: str, body: dict[str, Any], status: int
) -> None:
    me = api.key(Role.EMPLOYEE)
    before = api.record(ME, me)
    response = api.client.put(SKILL.format(ME, skill), json=body, headers=me)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert api.record(ME, me) == before


def test_an_unknown_course_is_a_404(api: Api) -> None:
    response = api.client.post(
        CERTIFICATIONS.format(ME),
        json={"course_id": "no-such-course"},
        headers=api.key(Role.EMPLOYEE),
    )
    assert response.status_code == 404


def _reimported(path: Path) -> bytes:
    """The bundled file, with OTHER's first skill a level lower: the import rewrites them."""
    if path.name != "employee_skills.csv":
        return path.read_bytes()
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(OTHER + ","))
    person, skill, level, evidence = lines[at].rstrip("\n").split(",")
    lines[at] = f"{person},{skill},{max(1, int(level) - 1)},{evidence}\n"
    return "".join(lines).encode()


def test_corrections_survive_a_reimport_and_go_with_the_person(api: Api) -> None:
    talent = api.key(Role.TALENT)
    put = api.client.put(SKILL.format(OTHER, "siem"), json={"level": 3}, headers=talent)
    assert put.status_code == 200, put.text
    files = [
        ("files", (f.name, _reimported(f), "text/csv")) for f in sorted(DATA_DIR.glob("*.csv"))
    ]
    admin = api.key(Role.ADMIN)

    imported = api.client.post("/v1/imports/org", files=files, headers=admin)

    assert imported.status_code == 200, imported.text
    assert imported.json()["changed"]
    assert _skills(api.record(OTHER, talent))["siem"] == (3, "declared")
    assert load_catalog(api.engine).employee(OTHER).level_of("siem") == 3

    assert api.client.delete(f"/v1/employees/{OTHER}", headers=admin).status_code == 204
    with api.engine.connect() as conn:
        left = conn.execute(
            sa.select(sa.func.count())
            .select_from(employee_corrections)
            .where(employee_corrections.c.employee_id == OTHER)
        ).scalar_one()
    assert left == 0


WITHDRAW_SKILL = "/v1/employees/{}/corrections/skills/{}"
WITHDRAW_CERTIFICATION = "/v1/employees/{}/corrections/certifications/{}"
NURSE, CODER = "E000180", "E000184"  # CODER holds ahima-cca, imported


def test_a_withdrawn_skill_correction_leaves_the_record_as_imported(api: Api) -> None:
    talent = api.key(Role.TALENT)
    before = api.record(NURSE, talent)
    skill, (level, evidence) = next(iter(_skills(before).items()))
    other = level % 5 + 1
    assert api.client.put(SKILL.format(NURSE, skill), json={"level": other}, headers=talent)
    assert api.client.put(SKILL.format(NURSE, "siem"), json={"level": 2}, headers=talent)
    assert _skills(api.record(NURSE, talent))[skill] == (other, "declared")

    changed = api.client.delete(WITHDRAW_SKILL.format(NURSE, skill), headers=talent)
    added = api.client.delete(WITHDRAW_SKILL.format(NURSE, "siem"), headers=talent)

    assert changed.status_code == added.status_code == 200, changed.text
    assert _skills(changed.json())[skill] == (level, evidence)
    assert "siem" in _skills(changed.json())  # the other correction was still stored then
    assert added.json()["corrections"] == []
    assert api.record(NURSE, talent) == before  # served by this worker at once...
    assert api.service.catalog.employee(NURSE) == load_catalog(api.engine).employee(NURSE)
    assert api.writes(NURSE)[:2] == [  # ...as every worker loads it; logged, newest first
        "DELETE /v1/employees/{employee_id}/corrections/skills/{skill_id}"
    ] * 2


def test_a_withdrawn_certification_counts_no_more_and_an_imported_one_stays(api: Api) -> None:
    talent = api.key(Role.TALENT)
    before = api.plan(CODER, talent)
    course = before["steps"][0]["course_id"]
    held = api.client.post(CERTIFICATIONS.format(CODER), json={"course_id": course}, headers=talent)
    assert held.status_code == 200 and course in held.json()["certifications"]

    withdrawn = api.client.delete(WITHDRAW_CERTIFICATION.format(CODER, course), headers=talent)
    imported = api.client.delete(WITHDRAW_CERTIFICATION.format(CODER, "ahima-cca"), headers=talent)

    assert withdrawn.status_code == 200, withdrawn.text
    assert course not in withdrawn.json()["certifications"]
    assert api.plan(CODER, talent)["total_hours"] == before["total_hours"]
    assert imported.status_code == 404  # no correction of it: the import's record stands
    assert "ahima-cca" in api.record(CODER, talent)["certifications"]


def test_withdrawing_what_was_never_corrected_changes_and_logs_nothing(api: Api) -> None:
    me = api.key(Role.EMPLOYEE)
    before, written = api.record(ME, me), len(api.writes(ME))
    version = api.service.data_version
    response = api.client.delete(WITHDRAW_SKILL.format(ME, "phlebotomy"), headers=me)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "correction" in response.json()["detail"]
    assert api.record(ME, me) == before and api.service.data_version == version
    assert len(api.writes(ME)) == written
    someone = api.client.delete(WITHDRAW_SKILL.format(OTHER, "siem"), headers=me)
    assert someone.status_code == 404  # another person's: as if nobody
