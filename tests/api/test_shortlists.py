"""Candidate shortlists over HTTP: ranking, stored shortlists, the recruiter view, the log.

One app per module and database (SQLite and PostgreSQL) over the bundled 500-person
dataset; tests that create keys or shortlists make their own, so they do not depend on
each other's order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Principal, Role
from recommender.candidates.records import SHORTLIST_REASONS as RECRUITER_REASONS
from recommender.catalog import Catalog
from recommender.errors import InvalidInput
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade, write_transaction
from recommender.store.access import AccessRecord, create_key, read_access_log
from recommender.store.schema import shortlist_entries, shortlists
from recommender.store.shortlists import (
    ShortlistContent,
    ShortlistEntry,
    UnknownShortlist,
    forget_employee,
    load_shortlist,
    save_shortlist,
)
from tests.conftest import DATA_DIR, fresh_postgres_database

ROLE = "soc-analyst-1"
CANDIDATES = f"/v1/roles/{ROLE}/candidates"
RECRUITER_FIELDS = {
    "rank",
    "employee_id",
    "name",
    "current_role_title",
    "score",
    "readiness",
    "hours_to_ready",
    "weeks_to_ready",
    "matched",
    "missing",
    "reasons",
}
STORED_FIELDS = {
    "id",
    "created_at",
    "role_id",
    "role_title",
    "limit",
    "filters",
    "considered",
    "certified",
    "view",
    "candidates",
}


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine
    catalog: Catalog

    def key(self, role: Role, employee_id: str | None = None) -> dict[str, str]:
        """Headers with a fresh key of ``role`` (an employee key belongs to E000001)."""
        if role == Role.EMPLOYEE and employee_id is None:
            employee_id = "E000001"
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee_id).token}

    def log_of(self, headers: dict[str, str]) -> list[AccessRecord]:
        """The committed access-log rows written for the key in ``headers``, newest first."""
        key_id = headers["X-API-Key"].split("_")[1]
        return [r for r in read_access_log(self.engine, limit=1000) if r.key_id == key_id]

    def stored_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(shortlists)).scalar())


@contextmanager
def fresh_database(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of ``kind`` for one module (PostgreSQL: created, then dropped)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('shortlists') / 'reskill.db'}"
        return
    admin_url = str(request.getfixturevalue("postgres_admin_url"))
    with fresh_postgres_database(admin_url, "reskill_m") as url:
        yield url


@contextmanager
def serve(url: str) -> Iterator[Api]:
    """The app over the bundled dataset (catalogue and protected attributes) at ``url``."""
    engine = make_engine(url)
    upgrade(engine)
    dataset = read_org_tables(DATA_DIR)
    save_catalog(engine, dataset.catalog, protected=dataset.protected, kind="org", source="tests")
    try:
        with TestClient(create_app(Settings(database_url=url, warm_up=False))) as client:
            yield Api(client, engine, client.app.state.recommender.catalog)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with fresh_database(request.param, request, tmp_path_factory) as url, serve(url) as served:
        yield served


def ids_of(body: dict[str, Any]) -> list[str]:
    return [c["employee_id"] for c in body["candidates"]]


# -- ranking -----------------------------------------------------------------------------


def test_candidates_come_best_first_with_their_explanations(api: Api) -> None:
    response = api.client.get(CANDIDATES, params={"limit": 5}, headers=api.key(Role.TALENT))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    role = api.catalog.role(ROLE)
    assert (body["role_id"], body["role_title"], body["limit"]) == (ROLE, role.title, 5)
    assert body["considered"] > 5 and body["certified"] is True
    people = body["candidates"]
    assert [c["rank"] for c in people] == [1, 2, 3, 4, 5]
    assert [c["score"] for c in people] == sorted((c["score"] for c in people), reverse=True)
    for c in people:
        check_candidate(api.catalog, c)


def check_candidate(catalog: Catalog, c: dict[str, Any]) -> None:
    """One candidate agrees with the catalogue, and its numbers explain its score."""
    person, role = catalog.employee(c["employee_id"]), catalog.role(ROLE)
    assert (c["name"], c["department"], c["location"]) == (
        person.name,
        person.department,
        person.location,
    )
    assert c["current_role_id"] == person.role_id != ROLE
    assert c["current_role_title"] == catalog.role(person.role_id).title
    assert sum(c["contributions"].values()) == pytest.approx(c["score"], abs=2e-3)
    for part, weight in c["weights"].items():
        expected = weight * max(0.0, c["components"][part])
        assert c["contributions"][part] == pytest.approx(expected, abs=1e-3)
    required = {r.skill_id: r for r in role.requirements}
    assert {g["skill_id"] for g in c["matched"] + c["missing"]} == set(required)
    for gap in c["matched"] + c["missing"]:
        assert gap["current"] == person.level_of(gap["skill_id"])
        assert gap["required"] == required[gap["skill_id"]].level
        assert gap["name"] == catalog.skill(gap["skill_id"]).name
    assert all(g["current"] >= g["required"] for g in c["matched"])
    assert all(g["current"] < g["required"] for g in c["missing"])
    met = sum(g["importance"] for g in c["matched"])
    assert c["readiness"] == pytest.approx(
        met / sum(r.importance for r in required.values()), abs=1e-4
    )
    assert c["hours_exact"] is True and c["weekly_learning_hours"] == person.weekly_learning_hours
    assert c["weeks_to_ready"] == math.ceil(
        c["hours_to_ready"] / person.weekly_learning_hours - 1e-9
    )
    assert c["reasons"][0].startswith(
        f"Meets {len(c['matched'])} of {len(required)} requirements of {role.title}"
    )


def test_filters_narrow_the_shortlist_and_are_reported(api: Api) -> None:
    params = {
        "limit": 10,
        "department": "information technology",
        "min_readiness": 0.25,
        "max_hours": 300,
    }
    response = api.client.get(CANDIDATES, params=params, headers=api.key(Role.ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["filters"] == {
        "department": "information technology",
        "location": None,
        "min_readiness": 0.25,
        "max_hours": 300.0,
    }
    assert 0 < len(body["candidates"]) <= 10
    for c in body["candidates"]:
        assert api.catalog.employee(c["employee_id"]).department == "Information Technology"
        assert c["readiness"] >= 0.25 and c["hours_to_ready"] <= 300


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "abc-limit"},
        {"min_readiness": 1.5},
        {"max_hours": -1},
        {"max_hours": "nan"},
        {"max_hours": "inf"},
        {"department": ""},
    ],
)
def test_out_of_range_queries_are_422_problems_that_do_not_echo_them(
    api: Api, query: dict[str, Any]
) -> None:
    headers = api.key(Role.TALENT)
    response = api.client.get(CANDIDATES, params=query, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "abc-limit" not in response.text
    assert api.log_of(headers) == []


def test_an_unknown_role_is_a_404_problem(api: Api) -> None:
    headers = api.key(Role.TALENT)
    response = api.client.get("/v1/roles/no-such-role/candidates", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    posted = api.client.post("/v1/shortlists", json={"role_id": "no-such-role"}, headers=headers)
    assert posted.status_code == 404
    assert api.log_of(headers) == []


def test_an_unknown_department_is_a_422_problem(api: Api) -> None:
    response = api.client.get(
        CANDIDATES, params={"department": "Astrology"}, headers=api.key(Role.TALENT)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


# -- stored shortlists -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"role_id": ROLE, "colour": "blue-secret"},
        {"role_id": ROLE, "filters": {"dept": "blue-secret"}},
        {"role_id": ROLE, "limit": 0},
        {"role_id": ROLE, "limit": 101},
        {"role_id": ROLE, "limit": "blue-secret"},
        {"role_id": ROLE, "filters": {"min_readiness": 2}},
        {"role_id": ROLE, "filters": {"max_hours": -5}},
        {"limit": 5},
    ],
)
def test_a_malformed_shortlist_request_is_a_422_that_stores_and_logs_nothing(
    api: Api, body: dict[str, Any]
) -> None:
    headers, before = api.key(Role.TALENT), api.stored_count()
    response = api.client.post("/v1/shortlists", json=body, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "blue-secret" not in response.text
    assert api.stored_count() == before and api.log_of(headers) == []


def test_a_non_finite_number_in_the_body_is_a_422(api: Api) -> None:
    raw = '{"role_id": "' + ROLE + '", "filters": {"max_hours": NaN}}'
    response = api.client.post(
        "/v1/shortlists",
        content=raw,
        headers={**api.key(Role.TALENT), "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_a_stored_shortlist_reads_back_exactly_as_it_was_saved(api: Api) -> None:
    headers = api.key(Role.TALENT)
    request = {"role_id": ROLE, "limit": 4, "filters": {"min_readiness": 0.2}}
    created = api.client.post("/v1/shortlists", json=request, headers=headers)
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert re.fullmatch("[0-9a-f]{32}", body["id"])
    assert created.headers["location"] == f"/v1/shortlists/{body['id']}"
    assert set(body) == STORED_FIELDS and body["view"] == "full"
    assert (body["limit"], body["filters"]["min_readiness"]) == (4, 0.2)
    now = api.client.get(CANDIDATES, params={"limit": 4, "min_readiness": 0.2}, headers=headers)
    assert ids_of(body) == ids_of(now.json()) and len(ids_of(body)) == 4
    for c in body["candidates"]:
        check_candidate(api.catalog, c)
    fetched = api.client.get(created.headers["location"], headers=headers)
    assert fetched.status_code == 200 and fetched.json() == body
    another = api.client.post("/v1/shortlists", json=request, headers=headers).json()
    assert another["id"] != body["id"] and ids_of(another) == ids_of(body)


def renamed(catalog: Catalog) -> Catalog:
    """The same catalogue with every employee renamed."""
    people = [replace(e, name=f"Renamed {e.id}") for e in catalog.employees.values()]
    return Catalog.from_items(
        catalog.skills.values(), catalog.roles.values(), catalog.courses.values(), people
    )


def test_a_stored_shortlist_is_not_recomputed_after_the_service_is_swapped(api: Api) -> None:
    headers = api.key(Role.ADMIN)
    created = api.client.post("/v1/shortlists", json={"role_id": ROLE, "limit": 3}, headers=headers)
    location, body = created.headers["location"], created.json()
    app: Any = api.client.app
    original = app.state.recommender
    app.state.recommender = original.with_catalog(renamed(original.catalog))
    try:
        fresh = api.client.get(CANDIDATES, params={"limit": 3}, headers=headers).json()
        assert all(c["name"].startswith("Renamed ") for c in fresh["candidates"])
        again = api.client.get(location, headers=headers)
    finally:
        app.state.recommender = original
    assert again.status_code == 200 and again.json() == body
    assert not any(c["name"].startswith("Renamed ") for c in body["candidates"])


# -- the recruiter view ------------------------------------------------------------------


def test_a_recruiter_gets_the_shortlist_fields_only(api: Api) -> None:
    headers = api.key(Role.RECRUITER)
    created = api.client.post(
        "/v1/shortlists", json={"role_id": ROLE, "limit": 10}, headers=headers
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == STORED_FIELDS and body["view"] == "recruiter"
    assert len(body["candidates"]) == 10
    for c in body["candidates"]:
        assert set(c) == RECRUITER_FIELDS
        assert all(set(g) == {"skill_id", "name"} for g in c["matched"] + c["missing"])
        assert c["reasons"] and all(r.startswith(RECRUITER_REASONS) for r in c["reasons"])
    text = created.text
    for employee_id in ids_of(body):
        person = api.catalog.employee(employee_id)
        assert person.name in text
        for private in (person.department, person.location, person.profile, *person.certifications):
            assert private not in text, private
    assert "h/week" not in text and "(has " not in text
    full = api.client.get(CANDIDATES, params={"limit": 10}, headers=api.key(Role.TALENT)).json()
    assert ids_of(full) == ids_of(body)
    assert [c["score"] for c in full["candidates"]] == [c["score"] for c in body["candidates"]]
    fetched = api.client.get(created.headers["location"], headers=headers)
    assert fetched.status_code == 200 and fetched.json() == body


def test_the_full_view_holds_what_the_recruiter_view_leaves_out(api: Api) -> None:
    """The recruiter test above is not vacuous: the same people's private fields exist."""
    full = api.client.get(CANDIDATES, params={"limit": 10}, headers=api.key(Role.TALENT)).text
    people = [api.catalog.employee(i) for i in re.findall(r'"employee_id":"(E\d{6})"', full)]
    assert len(people) == 10
    assert all(p.department in full and p.location in full for p in people)
    assert "h/week" in full and "(has " in full


def test_a_recruiter_reads_only_the_shortlists_its_own_key_made(api: Api) -> None:
    mine, other, talent = (api.key(r) for r in (Role.RECRUITER, Role.RECRUITER, Role.TALENT))
    request = {"role_id": ROLE, "limit": 2}
    own, others, talents = (
        api.client.post("/v1/shortlists", json=request, headers=h).headers["location"]
        for h in (mine, other, talent)
    )
    assert api.client.get(own, headers=mine).status_code == 200
    refused = [api.client.get(loc, headers=mine) for loc in (others, talents)]
    missing = api.client.get("/v1/shortlists/" + "0" * 32, headers=mine)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    for response in refused:
        assert response.status_code == 404 and response.text == missing.text
        assert not re.search(r"E\d{6}", response.text)
    for key in (talent, api.key(Role.ADMIN)):
        for location in (own, others, talents):
            fetched = api.client.get(location, headers=key)
            assert fetched.status_code == 200 and fetched.json()["view"] == "full"
    actions = sorted(r.action for r in api.log_of(mine))
    assert actions == ["shortlists.read"] * 2 + ["shortlists.write"] * 2  # refused reads: none


def test_roles_outside_the_table_are_refused(api: Api) -> None:
    recruiter, employee = api.key(Role.RECRUITER), api.key(Role.EMPLOYEE)
    location = api.client.post(
        "/v1/shortlists", json={"role_id": ROLE, "limit": 1}, headers=api.key(Role.TALENT)
    ).headers["location"]
    responses = [
        api.client.get(CANDIDATES, headers=recruiter),
        api.client.get(CANDIDATES, headers=employee),
        api.client.post("/v1/shortlists", json={"role_id": ROLE}, headers=employee),
        api.client.get(location, headers=employee),
    ]
    for response in responses:
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert not re.search(r"E\d{6}", response.text)
    assert api.client.get(location).status_code == 401
    assert api.log_of(recruiter) == [] and api.log_of(employee) == []


# -- the access log ----------------------------------------------------------------------


def assert_logged(rows: list[AccessRecord], people: list[str], action: str, route: str) -> None:
    assert sorted(r.employee_id or "" for r in rows) == sorted(people)
    assert {(r.action, r.route, r.tombstone) for r in rows} == {(action, route, None)}
    assert len({r.request_id for r in rows}) == 1
    assert re.fullmatch("[0-9a-f]{32}", rows[0].request_id)


def test_every_person_in_a_reply_is_logged_and_committed_before_it(api: Api) -> None:
    headers = api.key(Role.TALENT)
    ranked = api.client.get(CANDIDATES, params={"limit": 5}, headers=headers).json()
    assert_logged(
        api.log_of(headers), ids_of(ranked), "candidates.read", "GET /v1/roles/{role_id}/candidates"
    )
    created = api.client.post("/v1/shortlists", json={"role_id": ROLE, "limit": 3}, headers=headers)
    written = api.log_of(headers)[:3]
    assert_logged(written, ids_of(created.json()), "shortlists.write", "POST /v1/shortlists")
    api.client.get(created.headers["location"], headers=headers)
    read = api.log_of(headers)[:3]
    assert_logged(
        read, ids_of(created.json()), "shortlists.read", "GET /v1/shortlists/{shortlist_id}"
    )
    assert len(api.log_of(headers)) == 5 + 3 + 3
    assert all(r.role == "talent" for r in api.log_of(headers))


@contextmanager
def access_log_unavailable(engine: sa.Engine) -> Iterator[None]:
    """Rename the access log away for a moment, so that writing to it fails."""
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE access_log RENAME TO access_log_away"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE access_log_away RENAME TO access_log"))


def test_a_shortlist_that_cannot_be_logged_is_neither_stored_nor_returned(api: Api) -> None:
    headers, before = api.key(Role.TALENT), api.stored_count()
    client = TestClient(api.client.app, raise_server_exceptions=False)
    with access_log_unavailable(api.engine):
        created = client.post("/v1/shortlists", json={"role_id": ROLE, "limit": 3}, headers=headers)
        ranked = client.get(CANDIDATES, params={"limit": 3}, headers=headers)
    for response in (created, ranked):
        assert response.status_code == 500
        assert not re.search(r"E\d{6}", response.text)
    assert api.stored_count() == before


# -- storage -----------------------------------------------------------------------------


def entries_of(engine: sa.Engine, employee_id: str) -> int:
    query = sa.select(sa.func.count()).where(shortlist_entries.c.employee_id == employee_id)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar())


def test_forget_employee_removes_a_person_from_every_stored_shortlist(api: Api) -> None:
    headers = api.key(Role.TALENT)
    made = [
        api.client.post("/v1/shortlists", json={"role_id": ROLE, "limit": n}, headers=headers)
        for n in (3, 5)
    ]
    person = made[0].json()["candidates"][0]["employee_id"]
    assert all(person in ids_of(m.json()) for m in made)
    listed = entries_of(api.engine, person)
    assert listed >= 2
    with write_transaction(api.engine) as conn:
        assert forget_employee(conn, person) == listed
    assert entries_of(api.engine, person) == 0
    for m in made:
        after = api.client.get(m.headers["location"], headers=headers).json()
        kept = [c for c in m.json()["candidates"] if c["employee_id"] != person]
        assert after["candidates"] == kept and len(kept) == len(m.json()["candidates"]) - 1
    with write_transaction(api.engine) as conn:
        assert forget_employee(conn, person) == 0


def test_forget_employee_rolls_back_with_the_erasure_that_called_it(api: Api) -> None:
    headers = api.key(Role.TALENT)
    created = api.client.post("/v1/shortlists", json={"role_id": ROLE, "limit": 2}, headers=headers)
    person = ids_of(created.json())[0]
    with pytest.raises(RuntimeError), write_transaction(api.engine) as conn:
        assert forget_employee(conn, person) >= 1
        raise RuntimeError("the rest of the erasure failed")
    assert person in ids_of(api.client.get(created.headers["location"], headers=headers).json())


def test_entries_go_with_their_shortlist_and_need_no_employee_row(api: Api) -> None:
    content = ShortlistContent(
        role_id=ROLE,
        role_title="SOC analyst",
        limit=2,
        filters={"department": None},
        considered=2,
        certified=True,
        entries=(
            ShortlistEntry(1, "former-person", {"rank": 1, "note": "no employee row"}),
            ShortlistEntry(2, "E000001", {"rank": 2}),
        ),
    )
    with write_transaction(api.engine) as conn:
        stored = save_shortlist(conn, Principal("abcd1234", Role.TALENT), content)
    loaded = load_shortlist(api.engine, stored.id)
    assert loaded == stored
    with write_transaction(api.engine) as conn:
        conn.execute(sa.delete(shortlists).where(shortlists.c.id == stored.id))
    assert entries_of(api.engine, "former-person") == 0
    with pytest.raises(UnknownShortlist):
        load_shortlist(api.engine, stored.id)


def test_a_non_finite_payload_is_refused_before_anything_is_written(api: Api) -> None:
    content = ShortlistContent(ROLE, "t", 1, {"max_hours": float("inf")}, 0, True, ())
    before = api.stored_count()
    with pytest.raises(InvalidInput, match="cannot be stored"):
        with write_transaction(api.engine) as conn:
            save_shortlist(conn, Principal("abcd1234", Role.TALENT), content)
    assert api.stored_count() == before
