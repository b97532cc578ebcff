"""Two workers, one database: a change made through one is served by the other.

Two real ``reskill serve`` processes (A and B, each with its own engine and version
watcher) on one PostgreSQL database loaded with the bundled data. An import through A is
served by B within 2 s (B follows the data version); an erasure through A and a key
revoked from the command line take effect in B before the call that made them returns
(B logs every read of a person from the stored row, and looks keys up per request); B
killed with SIGKILL and started again serves the current data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_postgres_database
from tests.workers.servers import (
    Server,
    bundled_csvs,
    key_id,
    new_key,
    poll,
    renamed_copy,
    reskill,
)

pytestmark = pytest.mark.postgres

#: A change made through one worker is served by the others within this (the watcher polls
#: every second; on PostgreSQL a notification wakes it at once).
FOLLOW_SECONDS = 2.0


@dataclass
class Cluster:
    url: str
    a: Server
    b: Server
    admin: str
    talent: str
    folder: Path


@pytest.fixture(scope="module")
def cluster(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("two_workers")
    with fresh_postgres_database(postgres_admin_url) as url:
        reskill("init", "--database-url", url)
        admin, talent = new_key(url, "admin"), new_key(url, "talent")
        a = Server(url, folder / "a.log")
        b = Server(url, folder / "b.log")
        try:
            a.launch(), b.launch()
            a.ready(), b.ready()
            yield Cluster(url, a, b, admin, talent, folder)
        finally:
            a.stop()
            b.stop()


def _name(server: Server, key: str, employee_id: str) -> str | None:
    response = server.get(f"/v1/employees/{employee_id}", key)
    assert response.status_code == 200, response.text
    name: str = response.json()["name"]
    return name


def test_an_import_through_one_worker_is_served_by_the_other_within_two_seconds(
    cluster: Cluster,
) -> None:
    a, b, talent = cluster.a, cluster.b, cluster.talent
    before = _name(b, talent, "E000001")
    assert before != "Renamed Through A"
    response = a.client.post(
        "/v1/imports/org",
        files=bundled_csvs({"E000001": "Renamed Through A"}),
        headers={"X-API-Key": cluster.admin},
    )
    assert response.status_code == 200, response.text
    assert response.json()["tables"]["employees"]["updated"] == 1
    assert _name(a, talent, "E000001") == "Renamed Through A"  # A swapped at once

    def served_by_b() -> str | None:
        name = _name(b, talent, "E000001")
        return name if name == "Renamed Through A" else None

    _, seconds = poll(served_by_b, FOLLOW_SECONDS, "B serving A's import")
    print(f"B served A's import {seconds:.2f} s after A answered")
    assert "serving data version" in b.log()


def test_an_erasure_through_one_worker_is_a_404_in_the_other_at_once(cluster: Cluster) -> None:
    a, b, talent = cluster.a, cluster.b, cluster.talent
    assert b.get("/v1/employees/E000002", talent).status_code == 200
    erased = a.client.delete("/v1/employees/E000002", headers={"X-API-Key": cluster.admin})
    assert erased.status_code == 204, erased.text
    # No waiting: B may still hold E000002 in memory, but never answers about them.
    response = b.get("/v1/employees/E000002", talent)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert a.get("/v1/employees/E000002", talent).status_code == 404


def test_a_key_revoked_from_the_command_line_is_refused_by_every_worker_at_once(
    cluster: Cluster,
) -> None:
    a, b = cluster.a, cluster.b
    doomed = new_key(cluster.url, "talent")
    assert a.get("/v1/roles", doomed).status_code == 200
    assert b.get("/v1/roles", doomed).status_code == 200
    reskill("keys", "revoke", key_id(doomed), "--database-url", cluster.url)
    for server in (b, a):
        response = server.get("/v1/roles", doomed)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_a_worker_killed_and_started_again_serves_the_current_data(cluster: Cluster) -> None:
    a, b, talent = cluster.a, cluster.b, cluster.talent
    # This test's own erasure (the tests of this module may run in other processes, each
    # with its own cluster): made through A before B goes down.
    erased = a.client.delete("/v1/employees/E000006", headers={"X-API-Key": cluster.admin})
    assert erased.status_code == 204, erased.text
    b.kill()
    # A change B never saw: made from the command line while B is down.
    renames = {"E000001": "Renamed Through A", "E000003": "Renamed While B Was Down"}
    changed = renamed_copy(cluster.folder / "data", renames)
    reskill("import", "org", str(changed), "--database-url", cluster.url)
    restarted = Server(cluster.url, cluster.folder / "b2.log", port=b.port).start()
    try:
        assert _name(restarted, talent, "E000003") == "Renamed While B Was Down"
        assert _name(restarted, talent, "E000001") == "Renamed Through A"
        assert restarted.get("/v1/employees/E000006", talent).status_code == 404

        # A follows the command line's import as well.
        def served_by_a() -> str | None:
            name = _name(a, talent, "E000003")
            return name if name == "Renamed While B Was Down" else None

        poll(served_by_a, FOLLOW_SECONDS, "A serving the command line's import")
    finally:
        restarted.stop()


def test_one_port_with_two_worker_processes_serves_a_change_from_both(cluster: Cluster) -> None:
    """``reskill serve --workers 2``: uvicorn's own worker processes, each with its lifespan
    and watcher; an import through the port is served by both."""
    server = Server(cluster.url, cluster.folder / "c.log", workers=2).start()
    try:
        poll(
            lambda: True if server.log().count("Application startup complete") == 2 else None,
            60,
            "both worker processes started",
        )
        renames = {
            "E000001": "Renamed Through A",
            "E000003": "Renamed While B Was Down",
            "E000004": "Renamed Through Two Workers",
        }
        response = server.client.post(
            "/v1/imports/org", files=bundled_csvs(renames), headers={"X-API-Key": cluster.admin}
        )
        assert response.status_code == 200, response.text

        def every_read_new() -> bool | None:
            for _ in range(10):  # a new connection each: any worker may answer
                read = httpx.get(
                    f"{server.base}/v1/employees/E000004",
                    headers={"X-API-Key": cluster.talent},
                    timeout=10,
                )
                if read.json()["name"] != "Renamed Through Two Workers":
                    return None
            return True

        poll(every_read_new, FOLLOW_SECONDS, "every worker serving the import")
        # One worker swapped in its route, the other followed the version.
        swaps = [line for line in server.log().splitlines() if "serving data version" in line]
        assert len(swaps) == 2, server.log()
    finally:
        server.stop()
