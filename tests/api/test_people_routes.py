"""POST /v1/candidates/search: people whose profiles read like a text, for admin and talent
keys only, every person in the answer logged, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import AccessRecord, create_key, read_access_log
from tests.conftest import DATA_DIR, fresh_postgres_database

PATH = "/v1/candidates/search"
SOC_TEXT = (
    "Security operations analyst: monitor SIEM alerts around the clock, triage and escalate "
    "incidents, investigate phishing and malware on clinical endpoints."
)


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    def key(self, role: Role) -> dict[str, str]:
        employee_id = "E000001" if role == Role.EMPLOYEE else None
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee_id).token}

    def log_of(self, headers: dict[str, str]) -> list[AccessRecord]:
        key_id = headers["X-API-Key"].split("_")[1]
        return [r for r in read_access_log(self.engine, limit=1000) if r.key_id == key_id]


@contextmanager
def serve(url: str) -> Iterator[Api]:
    engine = make_engine(url)
    upgrade(engine)
    dataset = read_org_tables(DATA_DIR)
    save_catalog(engine, dataset.catalog, protected=dataset.protected, kind="org", source="tests")
    try:
        with TestClient(create_app(Settings(database_url=url, warm_up=False))) as client:
            yield Api(client, engine)
    finally:
        engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    if request.param == "sqlite":
        with serve(f"sqlite:///{tmp_path_factory.mktemp('people') / 'reskill.db'}") as served:
            yield served
        return
    admin_url = str(request.getfixturevalue("postgres_admin_url"))
    with fresh_postgres_database(admin_url, "reskill_p") as url, serve(url) as served:
        yield served


def test_talent_gets_the_closest_profiles_with_reasons_and_no_store(api: Api) -> None:
    headers = api.key(Role.TALENT)
    response = api.client.post(PATH, json={"text": SOC_TEXT, "limit": 5}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    matches = body["matches"]
    assert [m["rank"] for m in matches] == [1, 2, 3, 4, 5]
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)
    assert set(matches[0]["components"]) == {"similarity", "skills", "role"}
    assert matches[0]["components"]["similarity"] == matches[0]["similarity"]
    assert {"skill_id", "level", "evidence"} <= set(matches[0]["shared_skills"][0])
    assert body["considered"] >= 5
    assert body["approximate"] is False and body["searched"] > 400
    assert {s["id"] for s in body["skills"]}, "the text evidences skills"
    assert all(m["reasons"] for m in matches)
    forbidden = {"sex", "race", "age", "birth_year", "ethnicity", "profile"}
    assert not forbidden & {k for m in matches for k in m}


def test_every_person_returned_is_in_the_access_log(api: Api) -> None:
    headers = api.key(Role.ADMIN)
    body = api.client.post(PATH, json={"text": SOC_TEXT, "limit": 7}, headers=headers).json()
    logged = api.log_of(headers)
    assert sorted(r.employee_id or "" for r in logged) == sorted(
        m["employee_id"] for m in body["matches"]
    )
    assert {r.route for r in logged} == {f"POST {PATH}"} and {r.action for r in logged} == {
        "candidates.read"
    }


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.EMPLOYEE])
def test_recruiters_and_employees_may_not_search_people(api: Api, role: Role) -> None:
    headers = api.key(role)
    response = api.client.post(PATH, json={"text": SOC_TEXT}, headers=headers)
    assert response.status_code == 403
    assert api.log_of(headers) == []


@pytest.mark.parametrize(
    "body",
    [
        {"text": "   "},
        {"text": SOC_TEXT, "limit": 0},
        {"text": SOC_TEXT, "limit": 101},
        {"text": SOC_TEXT, "department": "IT"},
        {"limit": 3},
        {"text": "x" * 20_001},
    ],
)
def test_bad_bodies_are_422_without_echoing_them(api: Api, body: dict[str, object]) -> None:
    response = api.client.post(PATH, json=body, headers=api.key(Role.TALENT))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert SOC_TEXT not in response.text
