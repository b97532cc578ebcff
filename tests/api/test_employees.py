"""GET /v1/employees/{id}: who may read a record, and every read is in the access log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.catalog import Catalog, ProtectedAttributes
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, read_access_log
from tests.factories import small_catalog

ROUTE = "GET /v1/employees/{employee_id}"
PROTECTED = (
    ProtectedAttributes("E1", sex="female", race_ethnicity="Two or more races", age_band="40-49"),
)


def two_people() -> Catalog:
    """The small catalogue with a second person, E2; E3 is nobody."""
    base = small_catalog()
    ada = replace(base.employee("E1"), profile="Help desk lead.", certifications=("A+",))
    bo = replace(ada, id="E2", name="Bo Example", profile="Night-shift service desk.")
    return Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), [ada, bo]
    )


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    def key(self, role: Role, employee_id: str | None = None) -> dict[str, str]:
        """Headers carrying a fresh key; an employee key belongs to E1 unless told otherwise."""
        if role == Role.EMPLOYEE and employee_id is None:
            employee_id = "E1"
        department = "Ward" if role == Role.MANAGER else None  # a manager manages one
        token = create_key(self.engine, role, employee_id=employee_id, department=department).token
        return {"X-API-Key": token}


@contextmanager
def serve(url: str) -> Iterator[Api]:
    """The app on a migrated database holding :func:`two_people` and E1's protected attributes."""
    engine = make_engine(url)
    upgrade(engine)
    save_catalog(engine, two_people(), protected=PROTECTED, kind="org", source="tests")
    try:
        with TestClient(create_app(Settings(database_url=url))) as client:
            yield Api(client, engine)
    finally:
        engine.dispose()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serve(f"sqlite:///{tmp_path / 'reskill.db'}") as api:
        yield api


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TALENT])
def test_talent_and_admin_read_anyones_record(api: Api, role: Role) -> None:
    response = api.client.get("/v1/employees/E2", headers=api.key(role))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "E2" and body["name"] == "Bo Example"
    assert body["role_id"] == "help-desk" and body["profile"] == "Night-shift service desk."
    assert sorted(body["skills"], key=lambda s: s["skill_id"]) == [
        {"skill_id": "networking", "level": 2, "evidence": "manager_verified"},
        {"skill_id": "ticketing", "level": 3, "evidence": "declared"},
    ]
    assert body["certifications"] == ["A+"] and body["opted_out"] is False


def test_an_employee_reads_their_own_record(api: Api) -> None:
    response = api.client.get("/v1/employees/E1", headers=api.key(Role.EMPLOYEE, "E1"))
    assert response.status_code == 200
    assert response.json()["name"] == "Ada Example"


def test_another_persons_record_is_the_same_404_as_an_id_that_does_not_exist(api: Api) -> None:
    headers = api.key(Role.EMPLOYEE, "E1")
    someone_else = api.client.get("/v1/employees/E2", headers=headers)
    nobody = api.client.get("/v1/employees/E3", headers=headers)
    assert someone_else.status_code == nobody.status_code == 404
    assert nobody.headers["content-type"] == "application/problem+json"
    # Same length ids, so body and headers must match byte for byte once the id is swapped.
    assert someone_else.text.replace("E2", "E3") == nobody.text
    same_headers = {k: v for k, v in someone_else.headers.items() if k != "date"}
    assert same_headers == {k: v for k, v in nobody.headers.items() if k != "date"}
    assert "Bo Example" not in someone_else.text


def test_a_recruiter_key_gets_403(api: Api) -> None:
    response = api.client.get("/v1/employees/E1", headers=api.key(Role.RECRUITER))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "employees.read" in response.json()["detail"]
    assert "Ada" not in response.text


def test_no_key_gets_401(api: Api) -> None:
    response = api.client.get("/v1/employees/E1")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_id_is_404_for_talent_too(api: Api) -> None:
    response = api.client.get("/v1/employees/E3", headers=api.key(Role.TALENT))
    assert response.status_code == 404
    assert "E3" in response.json()["detail"]


def test_a_record_is_never_cached(api: Api) -> None:
    response = api.client.get("/v1/employees/E1", headers=api.key(Role.TALENT))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def _keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_no_protected_attribute_appears_at_any_depth(api: Api) -> None:
    response = api.client.get("/v1/employees/E1", headers=api.key(Role.ADMIN))
    assert response.status_code == 200
    keys = {k.casefold() for k in _keys(response.json())}
    assert len(keys) > 10  # the walk saw the record, nested skills included
    assert not {k for k in keys if re.search("sex|gender|race|ethnic|age", k)}
    for value in ("female", "Two or more races", "40-49"):
        assert value not in response.text


def test_each_read_writes_one_log_row_naming_key_and_person(database_url: str) -> None:
    with serve(database_url) as api:
        key = create_key(api.engine, Role.TALENT)
        headers = {"Authorization": f"Bearer {key.token}"}
        before = datetime.now(UTC)
        for employee in ("E1", "E2", "E1"):
            assert api.client.get(f"/v1/employees/{employee}", headers=headers).status_code == 200
        rows = read_access_log(api.engine)
    assert [r.employee_id for r in rows] == ["E1", "E2", "E1"]  # newest first
    for row in rows:
        assert (row.key_id, row.role, row.action) == (key.key_id, "talent", "employees.read")
        assert row.route == ROUTE and row.tombstone is None
        assert row.at.tzinfo is not None and before <= row.at <= datetime.now(UTC)
        assert re.fullmatch("[0-9a-f]{32}", row.request_id)
    assert len({r.request_id for r in rows}) == 3


def test_refused_reads_are_not_logged(api: Api) -> None:
    employee, recruiter = api.key(Role.EMPLOYEE, "E1"), api.key(Role.RECRUITER)
    assert api.client.get("/v1/employees/E2", headers=employee).status_code == 404
    assert api.client.get("/v1/employees/E3", headers=employee).status_code == 404
    assert api.client.get("/v1/employees/E1", headers=recruiter).status_code == 403
    assert api.client.get("/v1/employees/E1").status_code == 401
    assert api.client.get("/v1/employees/E3", headers=api.key(Role.ADMIN)).status_code == 404
    assert read_access_log(api.engine) == []
    assert api.client.get("/v1/employees/E1", headers=employee).status_code == 200
    assert [r.employee_id for r in read_access_log(api.engine)] == ["E1"]


def test_a_read_that_cannot_be_logged_fails_and_returns_no_data(api: Api) -> None:
    headers = api.key(Role.TALENT)
    with api.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE access_log"))
    client = TestClient(api.client.app, raise_server_exceptions=False)
    response = client.get("/v1/employees/E1", headers=headers)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "Ada" not in response.text and "help-desk" not in response.text
