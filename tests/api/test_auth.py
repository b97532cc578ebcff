"""API keys over HTTP: deny by default, 401 for no or bad key, 403 for the wrong role."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from api.auth import PUBLIC_ROUTES, authenticate, presented_key
from api.main import create_app
from api.operations import api_routes
from api.settings import Settings
from api.web.pages import PUBLIC_PAGES
from api.web.session import require_session
from recommender.access import Action, Role, allows
from recommender.service import Recommender
from recommender.store import access, make_engine, save_catalog, upgrade
from recommender.store.access import api_keys, create_key, list_keys, revoke_key
from tests.factories import small_catalog
from tests.store.lock_holder import write_lock_held

CATALOG_ROUTES = ("/v1/roles", "/v1/roles/soc-analyst", "/v1/skills", "/v1/courses")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'reskill.db'}")
    upgrade(engine)
    save_catalog(engine, small_catalog(), kind="org", source="tests")
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: sa.Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(settings, recommender=Recommender(small_catalog()))) as c:
        yield c


def _token(engine: sa.Engine, role: Role) -> str:
    employee = "E1" if role == Role.EMPLOYEE else None
    department = "Ward" if role == Role.MANAGER else None
    return create_key(engine, role, employee_id=employee, department=department).token


def _needs_authentication(dependant: Dependant) -> bool:
    """Looks the key up before the handler runs (``authenticate``), or hands it to
    ``api.deps.OneTrip``, whose one way to run anything authenticates first."""
    return any(
        d.call in (authenticate, presented_key) or _needs_authentication(d)
        for d in dependant.dependencies
    )


def _needs_session(dependant: Dependant) -> bool:
    return any(d.call is require_session or _needs_session(d) for d in dependant.dependencies)


def test_every_route_needs_a_key_except_the_public_allow_list() -> None:
    routes = list(api_routes(create_app().routes))
    assert {"/v1/health", "/v1/roles"} <= {r.path for r in routes}
    for route in routes:
        if route.path.startswith("/app/"):  # the pages: a signed-in session, not a key
            public = all((method, route.path) in PUBLIC_PAGES for method in route.methods)
            assert _needs_session(route.dependant) != public, route.path
            continue
        public = all((method, route.path) in PUBLIC_ROUTES for method in route.methods)
        assert _needs_authentication(route.dependant) != public, route.path


def test_health_answers_without_a_key(client: TestClient) -> None:
    assert client.get("/v1/health").status_code == 200


@pytest.mark.parametrize("path", CATALOG_ROUTES)
def test_no_key_is_a_401_problem_with_a_bearer_challenge(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="reskill"'
    assert "API key" in response.json()["detail"]


def test_an_unknown_key_is_a_401_that_does_not_echo_it(client: TestClient) -> None:
    forged = "rk_abcdefgh_" + "A" * 43
    for headers in ({"Authorization": f"Bearer {forged}"}, {"X-API-Key": forged}):
        response = client.get("/v1/roles", headers=headers)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert forged not in response.text


def test_a_key_works_as_bearer_token_or_x_api_key(client: TestClient, engine: sa.Engine) -> None:
    token = _token(engine, Role.TALENT)
    assert client.get("/v1/roles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/v1/roles", headers={"X-API-Key": token}).status_code == 200
    basic = client.get("/v1/roles", headers={"Authorization": f"Basic {token}"})
    assert basic.status_code == 401


def test_a_revoked_key_is_refused_at_once(client: TestClient, engine: sa.Engine) -> None:
    key = create_key(engine, Role.ADMIN)
    headers = {"X-API-Key": key.token}
    assert client.get("/v1/skills", headers=headers).status_code == 200
    revoke_key(engine, key.key_id)
    assert client.get("/v1/skills", headers=headers).status_code == 401


@pytest.mark.parametrize("role", list(Role))
def test_catalog_routes_follow_the_permission_table(
    client: TestClient, engine: sa.Engine, role: Role
) -> None:
    headers = {"X-API-Key": _token(engine, role)}
    expected = 200 if allows(role, Action.CATALOG_READ) else 403
    for path in CATALOG_ROUTES:
        assert client.get(path, headers=headers).status_code == expected, path


def test_the_wrong_role_is_a_403_problem_naming_role_and_action(
    client: TestClient, engine: sa.Engine
) -> None:
    response = client.get("/v1/roles", headers={"X-API-Key": _token(engine, Role.EMPLOYEE)})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" not in response.headers
    assert "employee" in response.json()["detail"] and "catalog.read" in response.json()["detail"]


def test_an_unauthenticated_request_learns_nothing_from_validation(client: TestClient) -> None:
    assert client.get("/v1/roles", params={"limit": "NaN"}).status_code == 401


def test_openapi_documents_both_ways_to_send_a_key(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert "security" in schema["paths"]["/v1/roles"]["get"]
    assert "security" not in schema["paths"]["/v1/health"]["get"]


# -- expiry and last use, on SQLite and PostgreSQL ----------------------------------------


@pytest.fixture
def any_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def any_client(any_engine: sa.Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=any_engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(settings, recommender=Recommender(small_catalog()))) as c:
        yield c


def _refusal(client: TestClient, token: str) -> tuple[int, object, str | None]:
    response = client.get("/v1/roles", headers={"X-API-Key": token})
    return response.status_code, response.json(), response.headers.get("www-authenticate")


def _expire(engine: sa.Engine, key_id: str) -> None:
    """Time passes: the key's expiry is now a second ago."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(sa.update(api_keys).where(api_keys.c.id == key_id).values(expires_at=past))


def test_an_expired_key_is_refused_exactly_like_an_unknown_or_revoked_one(
    any_client: TestClient, any_engine: sa.Engine
) -> None:
    soon = datetime.now(UTC) + timedelta(days=1)
    expiring, revoked = (
        create_key(any_engine, Role.TALENT, expires_at=soon),
        create_key(any_engine, Role.TALENT),
    )
    assert any_client.get("/v1/roles", headers={"X-API-Key": expiring.token}).status_code == 200
    _expire(any_engine, expiring.key_id)
    revoke_key(any_engine, revoked.key_id)
    unknown = _refusal(any_client, "rk_abcdefgh_" + "A" * 43)
    assert unknown[0] == 401
    assert _refusal(any_client, expiring.token) == unknown
    assert _refusal(any_client, revoked.token) == unknown


def test_a_key_expiring_in_the_future_works(any_client: TestClient, any_engine: sa.Engine) -> None:
    key = create_key(any_engine, Role.TALENT, expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert any_client.get("/v1/roles", headers={"X-API-Key": key.token}).status_code == 200


def _key_writes(client: TestClient) -> list[str]:
    """The UPDATEs of ``api_keys`` the app's engine runs from now on."""
    writes: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            writes.append(statement)

    sa.event.listen(client.app.state.engine, "before_cursor_execute", seen)  # type: ignore[attr-defined]
    return writes


def _last_used(engine: sa.Engine, key_id: str) -> datetime | None:
    return {r.key_id: r.last_used_at for r in list_keys(engine)}[key_id]


def test_many_requests_write_last_used_once_and_again_after_the_interval(
    any_client: TestClient, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = create_key(any_engine, Role.TALENT)
    headers = {"X-API-Key": key.token}
    writes = _key_writes(any_client)
    for _ in range(20):
        assert any_client.get("/v1/skills", headers=headers).status_code == 200
    assert len(writes) == 1
    first = _last_used(any_engine, key.key_id)
    assert first is not None
    monkeypatch.setattr(access, "LAST_USED_INTERVAL", timedelta(0))  # the interval has passed
    assert any_client.get("/v1/skills", headers=headers).status_code == 200
    assert len(writes) == 2
    second = _last_used(any_engine, key.key_id)
    assert second is not None and second > first


def test_a_request_is_served_while_an_import_holds_the_write_lock(
    any_client: TestClient, any_engine: sa.Engine
) -> None:
    """Another process's import holds the lock for 3 s: the request does not wait for it;
    its use is recorded by the first request after the import."""
    key = create_key(any_engine, Role.TALENT)
    headers = {"X-API-Key": key.token}
    with write_lock_held(any_engine, seconds=3):
        started = time.perf_counter()
        response = any_client.get("/v1/skills", headers=headers)
        waited = time.perf_counter() - started
        assert response.status_code == 200
        assert waited < 1.5
    assert _last_used(any_engine, key.key_id) is None
    assert any_client.get("/v1/skills", headers=headers).status_code == 200
    assert _last_used(any_engine, key.key_id) is not None


# -- reads of a person by a key the worker remembers ------------------------------------------

PERSON_READS = ("/v1/employees/E1", "/v1/employees/E1/opportunities")


@pytest.fixture
def people_engine(any_engine: sa.Engine) -> sa.Engine:
    save_catalog(any_engine, small_catalog(), kind="org", source="tests")
    return any_engine


@pytest.fixture
def people_client(people_engine: sa.Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=people_engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("path", PERSON_READS)
@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_remembered_key_is_refused_on_the_next_person_read_once_revoked_or_expired(
    people_client: TestClient, people_engine: sa.Engine, path: str, how: str
) -> None:
    """Person reads take a key verified in the last minute from the worker's memory and
    skip its lookup; revoking (or the expiry of) that key must still refuse the very next
    read, with the same 401 as an unknown key, and log nothing for it."""
    key = create_key(people_engine, Role.TALENT, expires_at=datetime.now(UTC) + timedelta(days=1))
    headers = {"X-API-Key": key.token}
    for _ in range(3):  # the first looks the key up; the others take it from memory
        assert people_client.get(path, headers=headers).status_code == 200
    if how == "revoked":
        revoke_key(people_engine, key.key_id)
    else:
        _expire(people_engine, key.key_id)
    logged = len(access.read_access_log(people_engine))
    response = people_client.get(path, headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["detail"] == "The API key is invalid, expired or revoked."
    assert len(access.read_access_log(people_engine)) == logged
    assert people_client.get(path, headers=headers).status_code == 401


@pytest.mark.parametrize("path", PERSON_READS)
def test_an_employee_key_remembered_by_the_worker_dies_with_its_erased_employee(
    people_client: TestClient, people_engine: sa.Engine, path: str
) -> None:
    own = {"X-API-Key": create_key(people_engine, Role.EMPLOYEE, employee_id="E1").token}
    admin = {"X-API-Key": create_key(people_engine, Role.ADMIN).token}
    for _ in range(2):
        assert people_client.get(path, headers=own).status_code == 200
    assert people_client.delete("/v1/employees/E1", headers=admin).status_code in (200, 204)
    assert people_client.get(path, headers=own).status_code == 401


@pytest.mark.parametrize("path", PERSON_READS)
def test_every_person_read_by_a_remembered_key_is_logged(
    people_client: TestClient, people_engine: sa.Engine, path: str
) -> None:
    key = create_key(people_engine, Role.TALENT)
    for _ in range(5):
        assert people_client.get(path, headers={"X-API-Key": key.token}).status_code == 200
    rows = [r for r in access.read_access_log(people_engine) if r.key_id == key.key_id]
    assert len(rows) == 5 and {r.employee_id for r in rows} == {"E1"}
    assert len({r.request_id for r in rows}) == 5


@pytest.mark.parametrize("path", ["/v1/employees/{}", "/v1/employees/{}/opportunities"])
def test_a_revoked_remembered_key_cannot_tell_a_stored_id_from_an_unknown_one(
    people_client: TestClient, people_engine: sa.Engine, path: str
) -> None:
    key = create_key(people_engine, Role.TALENT)
    headers = {"X-API-Key": key.token}
    assert people_client.get(path.format("E1"), headers=headers).status_code == 200
    assert people_client.get(path.format("NOBODY"), headers=headers).status_code == 404
    revoke_key(people_engine, key.key_id)
    stored = people_client.get(path.format("E1"), headers=headers)
    unknown = people_client.get(path.format("NOBODY"), headers=headers)
    assert (stored.status_code, stored.json()) == (unknown.status_code, unknown.json())
    assert stored.status_code == 401
