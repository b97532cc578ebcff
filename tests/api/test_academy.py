"""Academy plans over HTTP: planned, stored, read back exactly, logged, erased, refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, read_access_log
from tests.conftest import DATA_DIR

BODY = {
    "roles": ["soc-analyst-1", "ehr-reporting-analyst", "data-analyst"],
    "money": 3000,
    "weeks": 52,
    "max_per_role": 2,
    "start": "2027-01-04",
}

pytestmark = pytest.mark.slow


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    def key(self, role: Role) -> dict[str, str]:
        employee = "E000001" if role == Role.EMPLOYEE else None
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee).token}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path_factory.mktemp('academy') / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    data = read_org_tables(DATA_DIR)
    save_catalog(engine, data.catalog, protected=data.protected, kind="org", source="tests")
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield Api(client, engine)
    engine.dispose()


@pytest.fixture(scope="module")
def made(api: Api) -> dict[str, object]:
    response = api.client.post("/v1/academy/plans", json=BODY, headers=api.key(Role.TALENT))
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/academy/plans/{response.json()['id']}"
    return dict(response.json())


def test_a_stored_plan_reads_back_exactly_as_saved(api: Api, made: dict[str, object]) -> None:
    again = api.client.get(f"/v1/academy/plans/{made['id']}", headers=api.key(Role.TALENT))
    assert again.status_code == 200 and again.json() == made
    assignments = made["assignments"]
    assert isinstance(assignments, list) and assignments
    assert made["total_cost"] <= BODY["money"]  # type: ignore[operator]
    assert made["filled"] == len(assignments)
    assert all(a["finish"] <= "2028-01-03" for a in assignments)
    assert made["audit"] is None  # a talent key reads no impact-ratio report


def test_an_admin_sees_the_selection_audited_like_a_shortlist(
    api: Api, made: dict[str, object]
) -> None:
    again = api.client.get(f"/v1/academy/plans/{made['id']}", headers=api.key(Role.ADMIN))
    audit = again.json()["audit"]
    assert audit is not None and ("refused" in audit or "dimensions" in audit)


def test_every_person_in_a_plan_read_is_logged(api: Api, made: dict[str, object]) -> None:
    talent = api.key(Role.TALENT)
    key_id = talent["X-API-Key"].split("_")[1]
    api.client.get(f"/v1/academy/plans/{made['id']}", headers=talent)
    rows = [r for r in read_access_log(api.engine, limit=1000) if r.key_id == key_id]
    people = {a["employee_id"] for a in made["assignments"]}  # type: ignore[attr-defined]
    assert {r.employee_id for r in rows if r.action == "academy.read"} == people


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.EMPLOYEE, Role.AUDITOR])
def test_no_one_but_talent_and_admins_sees_or_makes_a_plan(
    api: Api, made: dict[str, object], role: Role
) -> None:
    headers = api.key(role)
    assert api.client.get(f"/v1/academy/plans/{made['id']}", headers=headers).status_code == 403
    assert api.client.post("/v1/academy/plans", json=BODY, headers=headers).status_code == 403


def test_an_unknown_role_or_field_is_refused(api: Api) -> None:
    talent = api.key(Role.TALENT)
    bad = api.client.post("/v1/academy/plans", json={"roles": ["nope"]}, headers=talent)
    assert bad.status_code == 404
    extra = api.client.post("/v1/academy/plans", json=BODY | {"x": 1}, headers=talent)
    assert extra.status_code == 422


def test_an_erased_person_leaves_every_stored_plan(api: Api) -> None:
    talent, admin = api.key(Role.TALENT), api.key(Role.ADMIN)
    made = api.client.post("/v1/academy/plans", json=BODY, headers=talent).json()
    person = made["assignments"][0]["employee_id"]
    assert api.client.delete(f"/v1/employees/{person}", headers=admin).status_code == 204
    again = api.client.get(f"/v1/academy/plans/{made['id']}", headers=talent).json()
    assert person not in {a["employee_id"] for a in again["assignments"]}
    fresh = api.client.post("/v1/academy/plans", json=BODY, headers=talent).json()
    assert person not in {a["employee_id"] for a in fresh["assignments"]}
