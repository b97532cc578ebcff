"""A person's record and first page of opportunities, answered before FastAPI routes them
(:mod:`api.quick_reads`), are the same answers, refusals and access-log rows as the routes
give, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.quick_reads import QuickReads
from api.settings import Settings
from recommender.access import Role
from recommender.store.access import create_key, read_access_log, revoke_key
from tests.small_org import hashing_service, loaded, small_org

# What a server adds on its own, not the app.
_SERVER_HEADERS = {"date", "server"}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_org(tmp_path_factory.mktemp("org"), n=30)


@pytest.fixture
def engine(database_url: str, org: Path) -> Iterator[sa.Engine]:
    with loaded(database_url, org) as engine:
        yield engine


@contextmanager
def worker(engine: sa.Engine, *, quick_reads: bool) -> Iterator[TestClient]:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        prepare_opportunities=True,
        prepare_processes=1,
        embeddings=False,
        version_poll_seconds=0,
        quick_reads=quick_reads,
    )
    with TestClient(create_app(settings, recommender=hashing_service(engine))) as client:
        yield client


def quick_lane(client: TestClient) -> QuickReads | None:
    layer: Any = client.app.middleware_stack  # type: ignore[attr-defined]
    while layer is not None:
        if isinstance(layer, QuickReads):
            return layer
        layer = getattr(layer, "app", None)
    return None


def people(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM employees ORDER BY id")).scalars())


def answer(client: TestClient, path: str, headers: dict[str, str]) -> tuple[Any, ...]:
    response = client.get(path, headers=headers)
    kept = sorted((k, v) for k, v in response.headers.items() if k not in _SERVER_HEADERS)
    return response.status_code, kept, response.content


def logged(engine: sa.Engine) -> list[tuple[Any, ...]]:
    rows = read_access_log(engine, limit=1000)
    # Keys differ between the two runs: roles, actions, routes and people are compared.
    return sorted((r.role, r.action, r.route, r.employee_id) for r in rows)


def ask_everything(client: TestClient, engine: sa.Engine, ids: list[str]) -> list[tuple[Any, ...]]:
    """The same questions, with keys made for this worker: successes and every refusal."""
    talent = create_key(engine, Role.TALENT).token
    own = create_key(engine, Role.EMPLOYEE, employee_id=ids[0]).token
    recruiter = create_key(engine, Role.RECRUITER).token
    revoked = create_key(engine, Role.TALENT)
    bearer = {"Authorization": f"Bearer {talent}"}
    asked: list[tuple[str, dict[str, str]]] = []
    for person in ids[:6]:
        asked += [(f"/v1/employees/{person}", bearer)]
        asked += [(f"/v1/employees/{person}/opportunities", {"X-API-Key": talent})]
    asked += [
        ("/v1/employees/nobody-at-all", bearer),
        ("/v1/employees/nobody-at-all/opportunities", bearer),
        (f"/v1/employees/{ids[0]}", {"X-API-Key": own}),
        (f"/v1/employees/{ids[0]}/opportunities", {"Authorization": f"bearer {own}"}),
        (f"/v1/employees/{ids[1]}", {"X-API-Key": own}),  # someone else: 404
        (f"/v1/employees/{ids[1]}", {"X-API-Key": recruiter}),  # 403
        (f"/v1/employees/{ids[1]}/opportunities", {"X-API-Key": recruiter}),
        (f"/v1/employees/{ids[2]}", {}),  # no key: 401
        (f"/v1/employees/{ids[2]}", {"Authorization": "Basic abc"}),
        (f"/v1/employees/{ids[2]}/opportunities?limit=10", bearer),  # a query: the route
        (f"/v1/employees/{ids[2]}/opportunities?limit=3", bearer),
    ]
    answers = [answer(client, path, headers) for path, headers in asked]
    # A key this worker remembers, then revoked: refused at once, nothing logged.
    answers.append(answer(client, f"/v1/employees/{ids[3]}", {"X-API-Key": revoked.token}))
    revoke_key(engine, revoked.key_id)
    answers.append(answer(client, f"/v1/employees/{ids[3]}", {"X-API-Key": revoked.token}))
    answers.append(
        answer(client, f"/v1/employees/{ids[3]}/opportunities", {"X-API-Key": revoked.token})
    )
    # A goal set: the first page prepared ahead no longer answers; the route plans toward it.
    roles = client.get("/v1/roles?limit=1", headers=bearer).json()["items"]
    put = client.put(
        f"/v1/employees/{ids[4]}/goal", headers=bearer, json={"role_id": roles[0]["id"]}
    )
    assert put.status_code == 200
    answers.append(answer(client, f"/v1/employees/{ids[4]}/opportunities", bearer))
    return answers


def test_quick_reads_answer_and_log_exactly_as_the_routes_do(engine: sa.Engine) -> None:
    ids = people(engine)
    with worker(engine, quick_reads=False) as client:
        assert quick_lane(client) is None
        by_routes = ask_everything(client, engine, ids)
    log_by_routes = logged(engine)
    with engine.begin() as conn:  # the same start for the second worker
        conn.execute(sa.text("DELETE FROM access_log"))
        conn.execute(sa.text("DELETE FROM employee_goals"))
    with worker(engine, quick_reads=True) as client:
        quick = ask_everything(client, engine, ids)
        lane = quick_lane(client)
        assert lane is not None
        # Every quick success by a remembered key (a key's first request looks it up, in
        # the route): 11 of the talent key's 12, the own key's first page.
        assert lane.answered == 12
    assert [a[0] for a in quick] == [a[0] for a in by_routes]
    for mine, theirs in zip(quick, by_routes, strict=True):
        assert mine == theirs
    assert logged(engine) == log_by_routes
    statuses = [a[0] for a in quick]
    assert statuses.count(200) >= 16 and {401, 403, 404} <= set(statuses)
