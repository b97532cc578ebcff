"""Every route x every role x every method, against the access table of the issue.

The table below is the issue's, written out by hand: it is deliberately *not* derived from
:data:`recommender.access.PERMISSIONS`, so a wrong permission there (or a route declaring
the wrong action) fails here. The walk runs the real app on SQLite with the bundled data,
sends each route a valid request (valid ids, minimal valid bodies) with each kind of key
and without one, and checks: the roles the table allows succeed, the others get 403 (an
employee asking about someone else gets 404, as for an unknown id), no key gets 401, a
method the path does not serve gets 405, and nothing is ever a 5xx.

Routes come from the app itself, so a route added without a line in :data:`ACCESS` fails
:func:`test_every_route_is_in_the_access_table_and_every_entry_is_served`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key
from tests.conftest import DATA_DIR

A, T, R, E, AU = Role.ADMIN, Role.TALENT, Role.RECRUITER, Role.EMPLOYEE, Role.AUDITOR
M = Role.MANAGER
WARD = "Nursing Services"  # the manager key's department: ME's
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: FastAPI's own documentation routes and the web pages (signed-in sessions, not keys:
#: tests/web walks them), outside the access table.
UNLISTED = ("/docs", "/openapi.json", "/redoc", "/app")  # /app: the pages, tests/web

ME = "E000001"  # the employee key's own record (a registered nurse)
SOMEONE_ELSE = "E000002"
ERASED = "E000400"  # the only person the walk erases
ROLE = "soc-analyst-1"
SKILL = "ehr-use"  # one the nurse is listed with (inferred)
COURSE = "comptia-a-plus-core-1"
#: A TestClient response (httpx's or httpx2's, whichever Starlette uses here).
Reply = Any


@dataclass(frozen=True)
class Rule:
    """Who may call a route, and a valid request for it.

    ``allowed`` is ``None`` for a public route. ``own`` marks routes about one person,
    which an employee key may call about itself only.
    """

    allowed: frozenset[Role] | None
    own: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    upload: bool = False


def rule(*roles: Role, **kwargs: Any) -> Rule:
    return Rule(frozenset(roles), **kwargs)


PUBLIC = Rule(None)
CATALOGUE = rule(A, T, R, AU)  # an auditor reads the catalogue to know the role ids
PERSONAL = rule(A, T, E, own=True)

#: The issue's access table: (method, path) -> who may call it.
ACCESS: dict[tuple[str, str], Rule] = {
    ("GET", "/v1/health"): PUBLIC,
    ("GET", "/v1/roles"): CATALOGUE,
    ("GET", "/v1/roles/{role_id}"): CATALOGUE,
    ("GET", "/v1/skills"): CATALOGUE,
    ("GET", "/v1/courses"): CATALOGUE,
    ("GET", "/v1/roles/{role_id}/candidates"): rule(A, T, params={"limit": 3}),
    ("POST", "/v1/candidates/search"): rule(
        A, T, json={"text": "Triages SIEM alerts and leads incident response.", "limit": 3}
    ),
    ("POST", "/v1/shortlists"): rule(A, T, R, json={"role_id": ROLE, "limit": 3}),
    ("GET", "/v1/shortlists/{shortlist_id}"): rule(A, T, R),
    ("GET", "/v1/employees/{employee_id}"): PERSONAL,
    ("GET", "/v1/employees/{employee_id}/opportunities"): rule(A, T, E, own=True),
    ("GET", "/v1/employees/{employee_id}/pathways"): rule(
        A, T, E, own=True, params={"target_role": "nurse-informaticist"}
    ),
    ("GET", "/v1/pathways"): rule(
        A, T, E, params={"from_role": "service-desk-technician-1", "to_role": ROLE}
    ),
    ("POST", "/v1/match"): rule(
        A, T, E, json={"text": "Help desk technician who triages alerts in Splunk.", "top": 3}
    ),
    ("POST", "/v1/titles/normalize"): rule(
        A, T, E, json={"titles": ["Sr. Cyber Defense Analyst II"], "top": 3}
    ),
    ("GET", "/v1/employees/{employee_id}/goal"): PERSONAL,
    ("PUT", "/v1/employees/{employee_id}/goal"): rule(
        A, T, E, own=True, json={"job_family": "Security"}
    ),
    ("DELETE", "/v1/employees/{employee_id}/goal"): rule(A, T, E, own=True),
    ("GET", "/v1/employees/{employee_id}/corrections"): PERSONAL,
    ("PUT", "/v1/employees/{employee_id}/skills/{skill_id}"): rule(
        A, T, E, own=True, json={"level": 3}
    ),
    ("POST", "/v1/employees/{employee_id}/certifications"): rule(
        A, T, E, own=True, json={"course_id": COURSE}
    ),
    # A correction the caller has just made (Walk.prepare), withdrawn:
    ("DELETE", "/v1/employees/{employee_id}/corrections/skills/{skill_id}"): rule(
        A, T, E, own=True
    ),
    ("DELETE", "/v1/employees/{employee_id}/corrections/certifications/{course_id}"): rule(
        A, T, E, own=True
    ),
    ("GET", "/v1/hard-to-fill"): rule(A, T, params={"within_hours": 100}),
    ("GET", "/v1/audit/impact-ratio"): rule(A, AU, params={"role_id": ROLE}),
    ("POST", "/v1/imports/org"): rule(A, upload=True),
    ("DELETE", "/v1/employees/{employee_id}"): rule(A),
    ("GET", "/v1/audit/access-log"): rule(A, params={"limit": 5}),
    ("POST", "/v1/academy/plans"): rule(A, T, json={"roles": [ROLE], "money": 2000, "weeks": 52}),
    ("GET", "/v1/academy/plans/{plan_id}"): rule(A, T),  # a recruiter sees no plan
    ("POST", "/v1/employees/{employee_id}/nominations"): rule(
        A, T, M, json={"role_id": ROLE, "reason": "Leads the ward's phishing drills."}
    ),
    ("GET", "/v1/employees/{employee_id}/nominations"): rule(A, T, M, E, own=True),
    ("GET", "/v1/nominations"): rule(A, T, M),
    ("DELETE", "/v1/nominations/{nomination_id}"): rule(A, T, M),  # a nomination it made
}


def _routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(method, path)`` of every endpoint, inside included routers and mounts too."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
                yield method, prefix + route.path
        elif isinstance(route, Mount):
            inner = getattr(route, "routes", None)
            if inner:
                yield from _routes(inner, prefix + route.path)
            else:  # an app (static files...): every GET under it
                yield "GET", f"{prefix}{route.path}/{{path}}"
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _routes(nested.routes, prefix)


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """What ``app`` serves, less FastAPI's documentation routes."""
    return {
        (method, path)
        for method, path in _routes(app.routes)
        if not any(path == u or path.startswith(u + "/") for u in UNLISTED)
    }


SERVED = served_routes(create_app())
PATHS = sorted({path for _, path in SERVED | set(ACCESS)})


def test_every_route_is_in_the_access_table_and_every_entry_is_served() -> None:
    unlisted = sorted(SERVED - set(ACCESS))
    missing = sorted(set(ACCESS) - SERVED)
    assert not unlisted and not missing, (
        f"routes the app serves that the access table does not list: {unlisted}; "
        f"routes in the access table that the app does not serve: {missing}"
    )


@dataclass
class Walk:
    """The app on the bundled data, one key per role, and a shortlist stored per role."""

    client: TestClient
    keys: dict[Role, str]
    shortlists: dict[Role, str]
    plan: str = "0" * 32

    def headers(self, caller: Role | None) -> dict[str, str]:
        return {} if caller is None else {"Authorization": f"Bearer {self.keys[caller]}"}

    def url(self, method: str, path: str, caller: Role | None, person: str = ME) -> str:
        """``path`` with valid ids: the caller's own shortlist, a person who may be erased,
        a nomination the caller has just made (if it may nominate)."""
        shortlist = self.shortlists.get(caller or A) or self.shortlists.get(A, "0" * 32)
        made = "{nomination_id}" in path and method == "DELETE"
        return path.format(
            role_id=ROLE,
            skill_id=SKILL,
            employee_id=ERASED if method == "DELETE" and path.count("/") == 3 else person,
            shortlist_id=shortlist,
            plan_id=self.plan,
            course_id=COURSE,
            nomination_id=self.nomination(caller) if made else "0" * 32,
        )

    def nomination(self, caller: Role | None) -> str:
        """The id of a nomination of ME that ``caller`` makes now; a made-up id for a caller
        that may not nominate."""
        route = ("POST", "/v1/employees/{employee_id}/nominations")
        if caller is None or caller not in (ACCESS[route].allowed or ()):
            return "0" * 32
        response = self.client.post(
            f"/v1/employees/{ME}/nominations", json=ACCESS[route].json, headers=self.headers(caller)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def prepare(self, method: str, path: str, caller: Role | None, person: str) -> None:
        """Before a withdrawal: the correction it withdraws, made now by ``caller`` (a
        caller that may not correct the person is refused here too; not checked)."""
        if method != "DELETE" or "/corrections/" not in path or caller is None:
            return
        headers = self.headers(caller)
        if "/skills/" in path:
            self.client.put(
                f"/v1/employees/{person}/skills/{SKILL}", json={"level": 3}, headers=headers
            )
        else:
            body = {"course_id": COURSE}
            self.client.post(f"/v1/employees/{person}/certifications", json=body, headers=headers)

    def call(self, method: str, path: str, caller: Role | None, person: str = ME) -> Reply:
        entry = ACCESS.get((method, path), Rule(None))
        self.prepare(method, path, caller, person)
        return self.client.request(
            method,
            self.url(method, path, caller, person),
            headers=self.headers(caller),
            params=entry.params,
            json=entry.json,
            files=_upload() if entry.upload else None,
        )


def _upload() -> list[tuple[str, tuple[str, bytes, str]]]:
    """The bundled data as an upload: one ``files`` part per CSV file."""
    return [("files", (f.name, f.read_bytes(), "text/csv")) for f in sorted(DATA_DIR.glob("*.csv"))]


def _store_shortlists(client: TestClient, keys: dict[Role, str]) -> dict[Role, str]:
    """One stored shortlist per role that may store one (a recruiter reads only its own)."""
    if ("POST", "/v1/shortlists") not in SERVED:
        return {}
    body = ACCESS[("POST", "/v1/shortlists")].json
    made = {}
    for role in ACCESS[("POST", "/v1/shortlists")].allowed or ():
        response = client.post("/v1/shortlists", json=body, headers={"X-API-Key": keys[role]})
        assert response.status_code == 201, response.text
        made[role] = response.headers["location"].rsplit("/", 1)[-1]
    return made


def _store_plan(client: TestClient, keys: dict[Role, str]) -> str:
    """One stored academy plan (admin and talent keys read every plan)."""
    if ("POST", "/v1/academy/plans") not in SERVED:
        return "0" * 32
    body = ACCESS[("POST", "/v1/academy/plans")].json
    response = client.post("/v1/academy/plans", json=body, headers={"X-API-Key": keys[A]})
    assert response.status_code == 201, response.text
    return str(response.headers["location"].rsplit("/", 1)[-1])


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    url = f"sqlite:///{tmp_path_factory.mktemp('walk') / 'reskill.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        data = read_org_tables(DATA_DIR)
        save_catalog(engine, data.catalog, protected=data.protected, kind="org", source="tests")
        keys = {
            r: create_key(
                engine,
                r,
                employee_id=ME if r == E else None,
                department=WARD if r == M else None,
            ).token
            for r in Role
        }
        with TestClient(create_app(Settings(database_url=url))) as client:
            yield Walk(client, keys, _store_shortlists(client, keys), _store_plan(client, keys))
    finally:
        engine.dispose()


def _check(response: Reply, what: str, status: int | None = None) -> None:
    """``response`` has ``status`` (a problem+json), or succeeded when ``status`` is None."""
    seen = f"{what}: {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, seen
    if status is None:
        assert 200 <= response.status_code < 300, seen
    else:
        assert response.status_code == status, seen
        assert response.headers["content-type"] == "application/problem+json", seen


@pytest.mark.parametrize("route", sorted(ACCESS), ids=" ".join)
def test_each_role_gets_what_the_access_table_grants(walk: Walk, route: tuple[str, str]) -> None:
    assert route in SERVED, f"{route} is in the access table, but the app does not serve it"
    method, path = route
    entry = ACCESS[route]
    for caller in Role:
        allowed = entry.allowed is None or caller in entry.allowed
        response = walk.call(method, path, caller)
        _check(response, f"{method} {path} as {caller}", None if allowed else 403)
    if entry.own and E in (entry.allowed or ()):
        response = walk.call(method, path, E, person=SOMEONE_ELSE)
        _check(response, f"{method} {path} as an employee about someone else", 404)
    if M in (entry.allowed or ()) and "{employee_id}" in path:
        response = walk.call(method, path, M, person=SOMEONE_ELSE)
        _check(response, f"{method} {path} as a manager about another department", 404)


@pytest.mark.parametrize("route", sorted(ACCESS), ids=" ".join)
def test_no_key_is_a_401_except_on_public_routes(walk: Walk, route: tuple[str, str]) -> None:
    assert route in SERVED, f"{route} is in the access table, but the app does not serve it"
    method, path = route
    response = walk.call(method, path, None)
    public = ACCESS[route].allowed is None
    _check(response, f"{method} {path} without a key", None if public else 401)
    if not public:
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", PATHS)
def test_a_method_a_path_does_not_serve_is_405_for_everyone(walk: Walk, path: str) -> None:
    served = {method for method, p in SERVED if p == path}
    assert served, f"{path} is in the access table, but the app serves no method on it"
    for method in sorted(set(METHODS) - served):
        for caller in [None, *Role]:
            response = walk.call(method, path, caller)
            _check(response, f"{method} {path} as {caller or 'no key'}", 405)
