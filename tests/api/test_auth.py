"""API keys over HTTP: deny by default, 401 for no or bad key, 403 for the wrong role."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from api.auth import PUBLIC_ROUTES, authenticate
from api.main import create_app
from api.settings import Settings
from recommender.access import Action, Role, allows
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, revoke_key
from tests.factories import small_catalog

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
    return create_key(engine, role, employee_id=employee).token


def _needs_authentication(dependant: Dependant) -> bool:
    return any(d.call is authenticate or _needs_authentication(d) for d in dependant.dependencies)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI >= 0.16x nests them lazily)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", route)
        yield from _api_routes(getattr(nested, "routes", ()))


def test_every_route_needs_a_key_except_the_public_allow_list() -> None:
    routes = list(_api_routes(create_app().routes))
    assert {"/v1/health", "/v1/roles"} <= {r.path for r in routes}
    for route in routes:
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
