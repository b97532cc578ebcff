"""A lost database is a 503, not a 500, and the worker recovers by itself.

One real ``reskill serve`` on PostgreSQL. Every connection to its database is terminated
and new ones are refused for a while (``ALLOW_CONNECTIONS false``, as a database being
restarted or failed over refuses them). Meanwhile every request that needs the database
answers 503 ``application/problem+json`` with ``Retry-After`` (health: ``"degraded"``),
never 500. Once connections are allowed again, the same process answers 200 by itself
(pooled connections are pinged and replaced, the access-log writer thread commits again)
and its version watcher follows changes again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import fresh_postgres_database
from tests.workers.servers import Server, new_key, poll, renamed_copy, reskill

pytestmark = pytest.mark.postgres

#: How long the database refuses connections.
DOWN_SECONDS = 3.0
#: The worker answers 200 again within this after the database is back.
RECOVER_SECONDS = 15.0


@dataclass
class Running:
    url: str
    name: str
    admin_url: str
    server: Server
    admin: str
    talent: str
    folder: Path


@pytest.fixture(scope="module")
def running(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("outage")
    with fresh_postgres_database(postgres_admin_url) as url:
        reskill("init", "--database-url", url)
        admin, talent = new_key(url, "admin"), new_key(url, "talent")
        server = Server(url, folder / "server.log")
        try:
            server.start()
            name = url.rsplit("/", 1)[1]
            yield Running(url, name, postgres_admin_url, server, admin, talent, folder)
        finally:
            server.stop()


def _requests(running: Running) -> dict[str, httpx.Response]:
    server, talent = running.server, running.talent
    return {
        "person": server.get("/v1/employees/E000001", talent),
        "catalogue": server.get("/v1/roles", talent),
        "erasure": server.client.delete(
            "/v1/employees/nobody", headers={"X-API-Key": running.admin}
        ),
    }


def _cut_off(running: Running, allow: bool) -> None:
    admin = sa.create_engine(running.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f'ALTER DATABASE "{running.name}" ALLOW_CONNECTIONS {str(allow).lower()}'
            )
            if not allow:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": running.name},
                )
    finally:
        admin.dispose()


def test_a_lost_database_is_a_503_and_the_worker_recovers_by_itself(running: Running) -> None:
    server, talent = running.server, running.talent
    expected = {"person": 200, "catalogue": 200, "erasure": 404}
    assert {k: r.status_code for k, r in _requests(running).items()} == expected

    _cut_off(running, allow=False)
    seen: list[int] = []
    try:
        went_down = time.monotonic()
        while time.monotonic() - went_down < DOWN_SECONDS:
            for what, response in _requests(running).items():
                seen.append(response.status_code)
                assert response.status_code == 503, (what, response.status_code, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["title"] == "Database unavailable"
                assert int(response.headers["retry-after"]) > 0

        def degraded() -> dict[str, object] | None:
            response = server.get("/v1/health")
            return response.json() if response.status_code == 503 else None

        health, _ = poll(degraded, 3.0, "health saying degraded")
        assert set(health) == {"status", "version"} and health["status"] == "degraded"
    finally:
        _cut_off(running, allow=True)

    def answers() -> bool | None:
        statuses = {k: r.status_code for k, r in _requests(running).items()}
        assert 500 not in statuses.values(), statuses
        return True if statuses == expected else None

    _, seconds = poll(answers, RECOVER_SECONDS, "the worker answering again")
    print(f"answered again {seconds:.2f} s after the database was back; {len(seen)} 503s")
    for _ in range(5):  # and keeps answering: no dead connection left in the pool
        assert {k: r.status_code for k, r in _requests(running).items()} == expected
    poll(
        lambda: True if server.get("/v1/health").status_code == 200 else None,
        3.0,
        "health saying ok",
    )

    # The version watcher survived the outage: a change from the command line is served.
    changed = renamed_copy(running.folder / "data", {"E000001": "Renamed After The Outage"})
    reskill("import", "org", str(changed), "--database-url", running.url)

    def follows() -> bool | None:
        response = server.get("/v1/employees/E000001", talent)
        return True if response.json()["name"] == "Renamed After The Outage" else None

    poll(follows, 3.0, "the watcher following a change after the outage")
    log = server.log()
    assert "Internal error" not in log and "unhandled" not in log and "Traceback" not in log
    assert "database reachable again" in log
