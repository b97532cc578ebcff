"""GET /v1/audit/access-log: admins see who read whose record, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.access import Role
from recommender.store import write_transaction
from recommender.store.access import tombstone_access_log
from tests.api.test_employees import ROUTE, Api, serve

LOG = "/v1/audit/access-log"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serve(f"sqlite:///{tmp_path / 'reskill.db'}") as api:
        yield api


def _read(api: Api, headers: dict[str, str], *people: str) -> None:
    for person in people:
        assert api.client.get(f"/v1/employees/{person}", headers=headers).status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_read_the_access_log(api: Api, role: Role) -> None:
    response = api.client.get(LOG, headers=api.key(role))
    assert response.status_code == (200 if role == Role.ADMIN else 403)


def test_no_key_gets_401(api: Api) -> None:
    assert api.client.get(LOG).status_code == 401


def test_the_log_lists_reads_newest_first_with_who_and_when(api: Api) -> None:
    talent = api.key(Role.TALENT)
    _read(api, talent, "E1", "E2", "E1")
    response = api.client.get(LOG, headers=api.key(Role.ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["limit"] == 50
    assert [i["employee_id"] for i in body["items"]] == ["E1", "E2", "E1"]
    key_id = talent["X-API-Key"].split("_")[1]
    first = body["items"][0]
    assert (first["key_id"], first["role"], first["action"]) == (key_id, "talent", "employees.read")
    assert first["route"] == ROUTE and first["tombstone"] is None
    assert first["at"] >= body["items"][-1]["at"]


def test_the_log_filters_by_person_and_honours_limit(api: Api) -> None:
    _read(api, api.key(Role.TALENT), "E1", "E2", "E1", "E2")
    admin = api.key(Role.ADMIN)
    about_e2 = api.client.get(LOG, params={"employee_id": "E2"}, headers=admin).json()
    assert [i["employee_id"] for i in about_e2["items"]] == ["E2", "E2"]
    newest = api.client.get(LOG, params={"limit": 3}, headers=admin).json()
    assert [i["employee_id"] for i in newest["items"]] == ["E2", "E1", "E2"]
    assert api.client.get(LOG, params={"limit": 100}, headers=admin).status_code == 200


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1000000000000000000000", "NaN"])
def test_a_limit_outside_1_to_100_is_422_without_echoing_it(api: Api, limit: str) -> None:
    response = api.client.get(LOG, params={"limit": limit}, headers=api.key(Role.ADMIN))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]
    assert "input" not in response.json()["errors"][0]
    if len(limit) > 1:
        assert limit not in response.text


def test_the_access_log_is_never_cached(api: Api) -> None:
    response = api.client.get(LOG, headers=api.key(Role.ADMIN))
    assert response.headers["cache-control"] == "no-store"


def test_an_erased_person_appears_only_as_a_tombstone(api: Api) -> None:
    _read(api, api.key(Role.TALENT), "E1", "E2")
    with write_transaction(api.engine) as conn:
        marker = tombstone_access_log(conn, "E1")
    items = api.client.get(LOG, headers=api.key(Role.ADMIN)).json()["items"]
    assert [(i["employee_id"], i["tombstone"]) for i in items] == [("E2", None), (None, marker)]
    assert marker is not None
