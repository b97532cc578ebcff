"""The data version: bumped in the writer's transaction by every change that matters to
answers, read in the same snapshot as the catalogue. Every test runs on SQLite and on
PostgreSQL (notifications: PostgreSQL only)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.erasure import erase_employee
from recommender.store import (
    delete_employee,
    load_catalog,
    load_versioned_catalog,
    make_engine,
    save_catalog,
    upgrade,
    write_transaction,
)
from recommender.store.access import create_key, revoke_key
from recommender.store.versions import CHANNEL, VersionListener, bump, current
from tests.store.test_repository import PROTECTED, full_catalog

ADMIN = Principal("admin01", Role.ADMIN)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _reason(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT reason FROM data_version").scalar_one())


def test_a_new_database_is_at_version_one_and_each_bump_adds_one(engine: sa.Engine) -> None:
    assert current(engine) == 1
    with write_transaction(engine) as conn:
        assert bump(conn, "first") == 2
        assert bump(conn, "second") == 3
        assert current(conn) == 3  # the writer sees its own bump
    assert current(engine) == 3
    assert _reason(engine) == "second"


def test_a_bump_rolls_back_with_its_transaction(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        assert bump(conn, "doomed") == 2
        raise RuntimeError("the change failed")
    assert current(engine) == 1
    assert _reason(engine) == "created"


def test_concurrent_bumps_never_lose_one(engine: sa.Engine) -> None:
    threads, each = 6, 10
    seen: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer() -> None:
        try:
            for _ in range(each):
                with write_transaction(engine) as conn:
                    version = bump(conn, "concurrent")
                with lock:
                    seen.append(version)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert sorted(seen) == list(range(2, 2 + threads * each))  # every bump, none twice
    assert current(engine) == 1 + threads * each


def test_the_catalogue_and_its_version_are_read_together(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, protected=PROTECTED, kind="test", source="a")
    loaded, version = load_versioned_catalog(engine)
    assert loaded == load_catalog(engine)
    assert version == current(engine) == 2


def test_an_import_bumps_the_version_only_when_it_changed_something(engine: sa.Engine) -> None:
    catalog = full_catalog()
    assert save_catalog(engine, catalog, protected=PROTECTED, kind="test", source="a").changed
    assert current(engine) == 2 and _reason(engine) == "save test"
    assert not save_catalog(engine, catalog, protected=PROTECTED, kind="test", source="a").changed
    assert current(engine) == 2
    renamed = replace(catalog.employees["E1"], name="Renamed")
    changed = replace(catalog, employees={**catalog.employees, "E1": renamed})
    save_catalog(engine, changed, kind="test", source="b")
    assert current(engine) == 3
    # A snapshot that removes someone changes the data too.
    without = replace(catalog, employees={"E1": renamed})
    assert save_catalog(engine, without, kind="test", source="c", replace_employees=True).removed
    assert current(engine) == 4


def test_an_erasure_and_a_removal_bump_the_version(engine: sa.Engine) -> None:
    catalog = full_catalog()
    save_catalog(engine, catalog, protected=PROTECTED, kind="test", source="a")
    receipt = erase_employee(engine, catalog, "E1", ADMIN, route="test", request_id="r")
    assert receipt.data_version == current(engine) == 3 and _reason(engine) == "erasure"
    assert delete_employee(engine, "E2") is True
    assert current(engine) == 4
    assert delete_employee(engine, "E2") is False
    assert current(engine) == 4


def test_creating_and_revoking_a_key_bump_the_version(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT)
    assert current(engine) == 2 and _reason(engine) == "key created"
    assert revoke_key(engine, key.key_id) is True
    assert current(engine) == 3 and _reason(engine) == "key revoked"
    assert revoke_key(engine, key.key_id) is False  # nothing changed: no bump
    assert current(engine) == 3


@pytest.mark.postgres
def test_a_bump_notifies_listeners_at_commit_and_never_on_rollback(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    listener = VersionListener(engine)
    try:
        assert listener.wait(0.01) is None  # connects and listens
        with write_transaction(engine) as conn:
            bump(conn, "in flight")
            assert listener.wait(0.2) is None  # not before commit
        started = time.monotonic()
        assert listener.wait(5) == 2
        assert time.monotonic() - started < 1
        with pytest.raises(RuntimeError), write_transaction(engine) as conn:
            bump(conn, "rolled back")
            raise RuntimeError
        assert listener.wait(0.3) is None
        # Several commits between two waits: the newest is reported.
        for _ in range(3):
            with write_transaction(engine) as conn:
                bump(conn, "burst")
        time.sleep(0.1)
        assert listener.wait(1) == 5
    finally:
        listener.close()
        engine.dispose()
    assert CHANNEL == "reskill_data_version"


@pytest.mark.postgres
def test_a_listener_reconnects_after_its_connection_is_terminated(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    listener = VersionListener(engine)
    try:
        listener.wait(0.01)
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
            )
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for it
            listener.wait(1)
        assert listener.wait(0.01) is None  # a new connection, listening again
        with write_transaction(engine) as conn:
            bump(conn, "after the loss")
        assert listener.wait(5) == 2
    finally:
        listener.close()
        engine.dispose()
