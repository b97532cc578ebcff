"""Nominations over HTTP: who may nominate whom, who sees them, the log, erasure, plans."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.errors import InvalidInput
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, read_access_log
from tests.conftest import DATA_DIR

WARD = "Nursing Services"
NURSE = "E000001"  # in Nursing Services
ANALYST = "E000002"  # in Data & Analytics
DESK = "Information Technology"

pytestmark = pytest.mark.slow


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    def key(
        self, role: Role, *, employee: str | None = None, department: str | None = None
    ) -> dict[str, str]:
        token = create_key(self.engine, role, employee_id=employee, department=department).token
        return {"X-API-Key": token}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path_factory.mktemp('nominations') / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    data = read_org_tables(DATA_DIR)
    save_catalog(engine, data.catalog, protected=data.protected, kind="org", source="tests")
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield Api(client, engine)
    engine.dispose()


def nominate(
    api: Api, headers: dict[str, str], person: str, role: str | None = "soc-analyst-1"
) -> int:
    body = {"role_id": role, "reason": "Runs the ward's phishing drills."}
    return api.client.post(
        f"/v1/employees/{person}/nominations", json=body, headers=headers
    ).status_code


def test_a_manager_nominates_only_in_their_department(api: Api) -> None:
    manager = api.key(Role.MANAGER, department=WARD)
    assert nominate(api, manager, NURSE) == 201
    assert nominate(api, manager, ANALYST) == 404  # outside the ward: as if nobody
    seen = api.client.get("/v1/nominations", headers=manager).json()["nominations"]
    assert seen and {n["employee_id"] for n in seen} <= {e for e in _people_of(api, WARD)}
    assert (
        api.client.get(f"/v1/employees/{ANALYST}/nominations", headers=manager).status_code == 404
    )


def test_talent_nominates_anyone_on_a_managers_behalf_and_the_employee_sees_it(api: Api) -> None:
    talent = api.key(Role.TALENT)
    assert nominate(api, talent, ANALYST, None) == 201  # for the academy, no role
    own = api.key(Role.EMPLOYEE, employee=ANALYST)
    mine = api.client.get(f"/v1/employees/{ANALYST}/nominations", headers=own).json()
    assert any(
        n["role_id"] is None and n["nominator_role"] == "talent" for n in mine["nominations"]
    )
    other = api.client.get(f"/v1/employees/{NURSE}/nominations", headers=own)
    assert other.status_code == 404
    assert api.client.get("/v1/nominations", headers=own).status_code == 403


def test_recruiters_and_auditors_neither_nominate_nor_read(api: Api) -> None:
    for role in (Role.RECRUITER, Role.AUDITOR):
        headers = api.key(role)
        assert nominate(api, headers, NURSE) == 403
        assert api.client.get("/v1/nominations", headers=headers).status_code == 403


def test_every_nomination_read_and_write_is_logged(api: Api) -> None:
    talent = api.key(Role.TALENT)
    key_id = talent["X-API-Key"].split("_")[1]
    nominate(api, talent, NURSE)
    api.client.get(f"/v1/employees/{NURSE}/nominations", headers=talent)
    rows = [r for r in read_access_log(api.engine, limit=1000) if r.key_id == key_id]
    assert {(r.action, r.employee_id) for r in rows} >= {
        ("nominations.write", NURSE),
        ("nominations.read", NURSE),
    }


def test_a_manager_key_needs_its_department() -> None:
    engine = make_engine("sqlite://")
    upgrade(engine)
    with pytest.raises(InvalidInput, match="department"):
        create_key(engine, Role.MANAGER)
    with pytest.raises(InvalidInput, match="department"):
        create_key(engine, Role.TALENT, department=WARD)


def test_plans_show_who_was_nominated_and_by_whom_and_erasure_removes_it(api: Api) -> None:
    talent, admin = api.key(Role.TALENT), api.key(Role.ADMIN)
    body = {"roles": ["soc-analyst-1"], "money": 3000, "weeks": 52, "start": "2027-01-04"}
    plan = api.client.post("/v1/academy/plans", json=body, headers=talent).json()
    person = plan["assignments"][0]["employee_id"]
    assert nominate(api, talent, person) == 201
    preferred = body | {"only_nominated": True}
    again = api.client.post("/v1/academy/plans", json=preferred, headers=talent).json()
    chosen = {a["employee_id"]: a for a in again["assignments"]}
    assert set(chosen) <= _nominated(api, talent) and person in chosen
    assert (
        chosen[person]["nominated"]
        and chosen[person]["nominations"][0]["nominator_role"] == "talent"
    )
    assert api.client.delete(f"/v1/employees/{person}", headers=admin).status_code == 204
    assert person not in _nominated(api, talent)


def _nominated(api: Api, headers: dict[str, str]) -> set[str]:
    listed = api.client.get("/v1/nominations", headers=headers).json()["nominations"]
    return {n["employee_id"] for n in listed}


def _people_of(api: Api, department: str) -> set[str]:
    with api.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id FROM employees WHERE department = :d"), {"d": department}
        )
        return {r[0] for r in rows}


def test_a_stored_shortlist_shows_who_nominated_whom_to_talent_not_to_recruiters(api: Api) -> None:
    talent, recruiter = api.key(Role.TALENT), api.key(Role.RECRUITER)
    body = {"role_id": "soc-analyst-1", "limit": 3}
    first = api.client.post("/v1/shortlists", json=body, headers=talent).json()
    person = first["candidates"][0]["employee_id"]
    assert nominate(api, talent, person) == 201
    again = api.client.post("/v1/shortlists", json=body, headers=talent).json()
    shown = {c["employee_id"]: c for c in again["candidates"]}
    assert shown[person]["nominations"][0]["reason"] == "Runs the ward's phishing drills."
    brief = api.client.post("/v1/shortlists", json=body, headers=recruiter).json()
    assert all("nominations" not in c for c in brief["candidates"])


def _made(api: Api, headers: dict[str, str], person: str = NURSE) -> str:
    body = {"role_id": "soc-analyst-1", "reason": "Runs the ward's phishing drills."}
    response = api.client.post(f"/v1/employees/{person}/nominations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _ids(api: Api, person: str = NURSE) -> set[str]:
    talent = api.key(Role.TALENT)
    listed = api.client.get(f"/v1/employees/{person}/nominations", headers=talent).json()
    return {n["id"] for n in listed["nominations"]}


def _withdrawals(api: Api, headers: dict[str, str]) -> int:
    key_id = headers["X-API-Key"].split("_")[1]
    rows = read_access_log(api.engine, employee_id=NURSE, limit=1000)
    return sum(1 for r in rows if r.key_id == key_id and r.action == "nominations.write")


def test_the_manager_who_nominated_withdraws_it_and_the_withdrawal_is_logged(api: Api) -> None:
    manager = api.key(Role.MANAGER, department=WARD)
    made = _made(api, manager)
    assert _withdrawals(api, manager) == 1  # the nomination itself
    response = api.client.delete(f"/v1/nominations/{made}", headers=manager)
    assert response.status_code == 204, response.text
    assert made not in _ids(api)
    assert _withdrawals(api, manager) == 2
    again = api.client.delete(f"/v1/nominations/{made}", headers=manager)
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert _withdrawals(api, manager) == 2  # nothing withdrawn, nothing logged


def test_a_manager_withdraws_only_its_own_talent_and_admins_any(api: Api) -> None:
    manager, other = api.key(Role.MANAGER, department=WARD), api.key(Role.MANAGER, department=WARD)
    talent, admin = api.key(Role.TALENT), api.key(Role.ADMIN)
    by_talent, by_other = _made(api, talent), _made(api, other)
    for made in (by_talent, by_other, "0" * 32):  # another key's: the same 404 as nothing
        assert api.client.delete(f"/v1/nominations/{made}", headers=manager).status_code == 404
    assert _withdrawals(api, manager) == 0
    assert {by_talent, by_other} <= _ids(api)
    assert api.client.delete(f"/v1/nominations/{by_other}", headers=talent).status_code == 204
    assert api.client.delete(f"/v1/nominations/{by_talent}", headers=admin).status_code == 204
    assert not {by_talent, by_other} & _ids(api)


def test_a_manager_cannot_withdraw_once_the_person_left_its_department(api: Api) -> None:
    talent = api.key(Role.TALENT)
    made = _made(api, talent, ANALYST)  # in Data & Analytics
    ward = api.key(Role.MANAGER, department=WARD)
    assert api.client.delete(f"/v1/nominations/{made}", headers=ward).status_code == 404
    assert made in _ids(api, ANALYST)


def test_recruiters_auditors_and_employees_withdraw_nothing(api: Api) -> None:
    made = _made(api, api.key(Role.TALENT))
    for headers in (
        api.key(Role.RECRUITER),
        api.key(Role.AUDITOR),
        api.key(Role.EMPLOYEE, employee=NURSE),  # not even the person nominated
    ):
        assert api.client.delete(f"/v1/nominations/{made}", headers=headers).status_code == 403
    assert made in _ids(api)
