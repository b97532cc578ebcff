"""A worker follows the data version: a change made by another process is served within
2 s, and a change that leaves the catalogue alone (a key) keeps the served Recommender.

In process, on SQLite (no notifications there: the watcher's one-second poll does it);
the same on PostgreSQL with real worker processes is ``tests/workers``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key
from recommender.store.versions import current
from tests.store.test_repository import PROTECTED, full_catalog


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine
    key: dict[str, str]

    @property
    def served(self) -> Recommender:
        service: Recommender = self.client.app.state.recommender  # type: ignore[attr-defined]
        return service


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    save_catalog(engine, full_catalog(), protected=PROTECTED, kind="test", source="a")
    key = {"X-API-Key": create_key(engine, Role.TALENT).token}
    settings = Settings(database_url=url, embeddings=False, warm_up=False, embedding_cache=None)
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, engine, key)
    finally:
        engine.dispose()


def _until(condition: object, seconds: float = 2.0) -> float:
    started = time.monotonic()
    while not callable(condition) or not condition():
        assert time.monotonic() - started < seconds, "not within the deadline"
        time.sleep(0.02)
    return time.monotonic() - started


def test_the_served_recommender_knows_the_version_it_was_loaded_at(api: Api) -> None:
    assert api.served.data_version == current(api.engine) == 3  # created, saved, key


def test_a_change_made_by_another_process_is_served_within_two_seconds(api: Api) -> None:
    assert api.client.get("/v1/employees/E1", headers=api.key).json()["name"] != "Elsewhere"
    catalog = full_catalog()
    renamed = replace(catalog.employees["E1"], name="Elsewhere")
    save_catalog(
        api.engine,
        replace(catalog, employees={**catalog.employees, "E1": renamed}),
        kind="cli",
        source="b",
    )

    def served() -> bool:
        response = api.client.get("/v1/employees/E1", headers=api.key)
        return bool(response.json()["name"] == "Elsewhere")

    _until(served)
    assert api.served.data_version == current(api.engine)


def test_a_new_key_moves_the_version_but_keeps_the_served_recommender(api: Api) -> None:
    before = api.served
    create_key(api.engine, Role.ADMIN)
    version = current(api.engine)
    _until(lambda: api.served.data_version == version)
    assert api.served is before  # the catalogue did not change: nothing was rebuilt


def test_a_recommender_given_to_the_app_is_not_replaced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    given = Recommender(full_catalog(), engine=engine)
    settings = Settings(database_url=url, embeddings=False, warm_up=False, embedding_cache=None)
    with TestClient(create_app(settings, recommender=given)) as client:
        create_key(engine, Role.ADMIN)
        time.sleep(1.5)  # longer than a poll: nothing may happen
        assert client.app.state.recommender is given  # type: ignore[attr-defined]
    engine.dispose()
