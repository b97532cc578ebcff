"""API keys and the access log, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from recommender.access import Principal, Role
from recommender.catalog import Catalog
from recommender.errors import InvalidInput, KeyNoLongerValid, UnknownEmployee
from recommender.store import delete_employee, make_engine, save_catalog, upgrade
from recommender.store.access import (
    LAST_USED_INTERVAL,
    _UtcTime,
    access_log,
    api_keys,
    create_key,
    find_principal,
    list_keys,
    log_access,
    log_reads,
    read_access_log,
    record_reads,
    revoke_key,
    tombstone_access_log,
)
from recommender.store.engine import SQLITE_BUSY_TIMEOUT_MS, write_transaction
from recommender.store.schema import employees
from tests.factories import small_catalog
from tests.store.lock_holder import write_lock_held


def two_people() -> Catalog:
    """The small catalogue with a second person, E2."""
    base = small_catalog()
    bo = replace(base.employee("E1"), id="E2", name="Bo Example")
    return replace(base, employees=MappingProxyType({**base.employees, "E2": bo}))


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    save_catalog(engine, two_people(), kind="org", source="tests")
    yield engine
    engine.dispose()


def _log(conn: sa.Connection, principal: Principal, employee_id: str, request: str) -> None:
    log_access(
        conn,
        principal,
        action="employees.read",
        route="/v1/employees/{employee_id}",
        employee_id=employee_id,
        request_id=request,
    )


def test_a_created_key_authenticates_as_its_role(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT, label="talent team")
    assert find_principal(engine, key.token) == Principal(key.key_id, Role.TALENT, None)


def test_keys_are_stored_only_as_a_hash_of_the_secret(engine: sa.Engine) -> None:
    key = create_key(engine, Role.ADMIN)
    with engine.connect() as conn:
        stored = [str(v) for row in conn.execute(sa.select(api_keys)) for v in row]
    assert key.token.startswith(f"rk_{key.key_id}_") and len(key.secret) >= 43
    assert not any(key.secret in value for value in stored)
    assert key.secret not in repr(key)


def test_a_wrong_secret_unknown_id_or_garbage_does_not_authenticate(engine: sa.Engine) -> None:
    key = create_key(engine, Role.ADMIN)
    other = create_key(engine, Role.ADMIN)
    forged = f"rk_{key.key_id}_{other.secret}"
    assert find_principal(engine, forged) is None
    assert find_principal(engine, f"rk_zzzzzzzz_{key.secret}") is None
    for garbage in ("", "rk_", key.secret, key.token + "x", "rk_" + "\x00" * 60):
        assert find_principal(engine, garbage) is None


def test_a_revoked_key_stops_working_and_is_listed_as_revoked(engine: sa.Engine) -> None:
    key = create_key(engine, Role.RECRUITER)
    assert revoke_key(engine, key.key_id)
    assert find_principal(engine, key.token) is None
    assert not revoke_key(engine, key.key_id)
    assert not revoke_key(engine, "nosuchid")
    [record] = list_keys(engine)
    assert record.key_id == key.key_id and record.revoked_at is not None
    assert record.revoked_at.tzinfo is not None


def _last_used(engine: sa.Engine, key_id: str) -> datetime | None:
    [record] = [r for r in list_keys(engine) if r.key_id == key_id]
    return record.last_used_at


def _count_key_writes(engine: sa.Engine) -> list[str]:
    """Every UPDATE of ``api_keys`` the engine runs from now on (the test's list)."""
    writes: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            writes.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    return writes


def test_a_key_works_until_it_expires_and_is_then_refused_like_an_unknown_one(
    engine: sa.Engine,
) -> None:
    now = datetime.now(UTC)
    ends = now + timedelta(days=90)
    key = create_key(engine, Role.TALENT, expires_at=ends)
    assert find_principal(engine, key.token) == Principal(key.key_id, Role.TALENT, None)
    assert find_principal(engine, key.token, now=ends - timedelta(microseconds=1)) is not None
    assert find_principal(engine, key.token, now=ends) is None
    assert find_principal(engine, key.token, now=ends + timedelta(days=1)) is None
    never = create_key(engine, Role.TALENT)
    assert find_principal(engine, never.token, now=now + timedelta(days=3650)) is not None
    by_id = {r.key_id: r for r in list_keys(engine)}
    assert by_id[key.key_id].expires_at == ends and by_id[never.key_id].expires_at is None
    assert by_id[key.key_id].status(now) == "active"
    assert by_id[key.key_id].status(ends) == "expired"
    revoke_key(engine, key.key_id)
    assert [r.status(ends) for r in list_keys(engine) if r.key_id == key.key_id] == ["revoked"]


def test_expiry_is_stored_in_utc_whatever_zone_it_was_given_in(engine: sa.Engine) -> None:
    """SQLite keeps no offset: a time given at +05:00 must still expire at the same instant."""
    ends = datetime.now(UTC) + timedelta(hours=2)
    plus_five = timezone(timedelta(hours=5))
    key = create_key(engine, Role.TALENT, expires_at=ends.astimezone(plus_five))
    [record] = list_keys(engine)
    assert record.expires_at == ends
    assert find_principal(engine, key.token, now=ends - timedelta(seconds=1)) is not None
    assert find_principal(engine, key.token, now=ends + timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds
        datetime(2030, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2030, 6, 1, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=-7))),
    ],
)
def test_lookup_times_bind_on_sqlite_exactly_as_stored_times_are_written(
    moment: datetime,
) -> None:
    """On SQLite times are text and compared as text: the lookup's quick formatting must
    be SQLAlchemy's DateTime storage format, character for character (in UTC)."""
    dialect = sqlite.dialect()
    stored = sa.DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    bound = _UtcTime().dialect_impl(dialect).bind_processor(dialect)
    assert stored is not None and bound is not None
    assert bound(moment) == stored(moment.astimezone(UTC))


def test_an_expiry_must_be_in_the_future_and_carry_a_time_zone(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInput, match="future"):
        create_key(engine, Role.TALENT, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(InvalidInput, match="time zone"):
        create_key(engine, Role.TALENT, expires_at=datetime(2099, 1, 1))
    assert list_keys(engine) == []


def test_last_used_is_written_once_per_interval_not_per_use(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT)
    start = datetime.now(UTC)
    assert _last_used(engine, key.key_id) is None
    writes = _count_key_writes(engine)
    for minute in range(10):
        assert find_principal(engine, key.token, now=start + timedelta(minutes=minute))
    assert len(writes) == 1
    assert _last_used(engine, key.key_id) == start
    later = start + LAST_USED_INTERVAL + timedelta(seconds=1)
    assert find_principal(engine, key.token, now=later)
    assert len(writes) == 2 and _last_used(engine, key.key_id) == later


def test_a_refused_key_is_not_marked_used(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT, expires_at=datetime.now(UTC) + timedelta(hours=1))
    other = create_key(engine, Role.TALENT)
    assert find_principal(engine, f"rk_{key.key_id}_{other.secret}") is None
    assert find_principal(engine, key.token, now=datetime.now(UTC) + timedelta(hours=2)) is None
    assert _last_used(engine, key.key_id) is None


def test_a_busy_database_skips_the_last_used_write_without_waiting(engine: sa.Engine) -> None:
    """An import holding the write lock (here: this process's other thread) must not hold up
    authentication; the use is recorded by the first request after it."""
    key = create_key(engine, Role.TALENT)
    with write_lock_held(engine, seconds=3):
        started = time.perf_counter()
        assert find_principal(engine, key.token) is not None
        assert time.perf_counter() - started < 1.5
        assert _last_used(engine, key.key_id) is None
    assert find_principal(engine, key.token) is not None
    assert _last_used(engine, key.key_id) is not None


def test_the_last_used_write_hands_its_connection_back_with_the_usual_busy_timeout(
    engine: sa.Engine,
) -> None:
    """The write's short lock wait is for that statement only, skipped or not."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's busy timeout (PostgreSQL's lock_timeout is SET LOCAL)")
    timeouts: list[int] = []

    def checked_in(dbapi_connection: Any, _record: object) -> None:
        timeouts.append(dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0])

    key = create_key(engine, Role.TALENT)
    sa.event.listen(engine, "checkin", checked_in)
    with write_lock_held(engine, seconds=3):
        assert find_principal(engine, key.token) is not None  # skipped
    assert find_principal(engine, key.token) is not None  # written
    assert _last_used(engine, key.key_id) is not None
    assert timeouts and set(timeouts) == {SQLITE_BUSY_TIMEOUT_MS}


def test_an_employee_key_carries_its_employee(engine: sa.Engine) -> None:
    key = create_key(engine, Role.EMPLOYEE, employee_id="E1")
    assert find_principal(engine, key.token) == Principal(key.key_id, Role.EMPLOYEE, "E1")


def test_an_employee_key_needs_a_known_employee(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInput, match="employee"):
        create_key(engine, Role.EMPLOYEE)
    with pytest.raises(UnknownEmployee, match="'E404'"):
        create_key(engine, Role.EMPLOYEE, employee_id="E404")
    with pytest.raises(InvalidInput, match="talent"):
        create_key(engine, Role.TALENT, employee_id="E1")
    assert list_keys(engine) == []


def test_the_database_refuses_an_employee_key_without_an_employee(engine: sa.Engine) -> None:
    row = {"id": "abcdefgh", "secret_hash": "0" * 64, "created_at": datetime.now(UTC)}
    with pytest.raises(sa.exc.IntegrityError), write_transaction(engine) as conn:
        conn.execute(sa.insert(api_keys).values(**row, role="employee", employee_id=None))
    with pytest.raises(sa.exc.IntegrityError), write_transaction(engine) as conn:
        conn.execute(sa.insert(api_keys).values(**row, role="superuser"))


def test_erasing_an_employee_deletes_their_keys(engine: sa.Engine) -> None:
    key = create_key(engine, Role.EMPLOYEE, employee_id="E1")
    assert delete_employee(engine, "E1")
    assert find_principal(engine, key.token) is None
    assert list_keys(engine) == []


def test_access_log_records_who_read_whom_and_when(engine: sa.Engine) -> None:
    talent = Principal("talent01", Role.TALENT)
    before = datetime.now(UTC)
    with write_transaction(engine) as conn:
        _log(conn, talent, "E1", "req-1")
        _log(conn, talent, "E2", "req-2")
    newest, oldest = read_access_log(engine)
    assert (newest.employee_id, newest.request_id, newest.key_id) == ("E2", "req-2", "talent01")
    assert (oldest.role, oldest.action) == ("talent", "employees.read")
    assert before - timedelta(seconds=1) <= oldest.at <= datetime.now(UTC)
    assert [r.request_id for r in read_access_log(engine, employee_id="E1")] == ["req-1"]
    assert len(read_access_log(engine, limit=1)) == 1


def test_access_log_rows_roll_back_with_the_read_they_record(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        _log(conn, Principal("talent01", Role.TALENT), "E1", "req-1")
        raise RuntimeError("the read failed")
    assert read_access_log(engine) == []


def test_reads_recorded_through_the_driver_read_back_as_through_sqlalchemy(
    engine: sa.Engine,
) -> None:
    """record_reads bypasses SQLAlchemy's execution (every request runs it): the rows it
    commits must be the rows the SQLAlchemy path writes, timestamps included."""
    talent = Principal("talent01", Role.TALENT)
    before = datetime.now(UTC)
    record_reads(engine, talent, ["E1", "E2"], action="candidates.read", route="R", request_id="q")
    with write_transaction(engine) as conn:
        log_reads(conn, talent, ["E1"], action="candidates.read", route="R", request_id="q")
    core_e1, driver_e2, driver_e1 = read_access_log(engine)  # newest first
    for row in (driver_e1, driver_e2, core_e1):
        assert (row.key_id, row.role, row.action, row.route, row.request_id) == (
            "talent01",
            "talent",
            "candidates.read",
            "R",
            "q",
        )
        assert row.at.tzinfo is not None
        assert before - timedelta(seconds=1) <= row.at <= datetime.now(UTC)
    assert [driver_e1.employee_id, driver_e2.employee_id, core_e1.employee_id] == [
        "E1",
        "E2",
        "E1",
    ]
    with engine.connect() as conn:  # as stored: text on SQLite, timestamptz on PostgreSQL
        stored = conn.exec_driver_sql("SELECT at FROM access_log").scalars().all()
    assert len({(type(at), len(str(at))) for at in stored}) == 1  # one format for both paths


def test_a_failed_driver_write_records_nothing(engine: sa.Engine) -> None:
    """The rows of one record_reads commit together or not at all."""
    talent = Principal("talent01", Role.TALENT)
    too_long = "r" * 65  # request_id is at most 64 characters (PostgreSQL enforces it)
    rows = ["E1", "E2"]
    try:
        record_reads(engine, talent, rows, action="a", route="R", request_id=too_long)
    except sa.exc.DBAPIError:
        assert read_access_log(engine) == []
    else:  # SQLite does not enforce lengths: both rows, never one
        assert len(read_access_log(engine)) == 2


def test_a_revoked_key_fails_at_once_through_the_driver_lookup(engine: sa.Engine) -> None:
    issued = create_key(engine, Role.TALENT)
    assert find_principal(engine, issued.token) is not None
    assert revoke_key(engine, issued.key_id)
    assert find_principal(engine, issued.token) is None


def test_access_log_limit_is_bounded(engine: sa.Engine) -> None:
    for limit in (0, -1, 1001):
        with pytest.raises(InvalidInput, match=str(limit)):
            read_access_log(engine, limit=limit)


def test_erasure_tombstones_the_person_in_the_access_log(engine: sa.Engine) -> None:
    talent = Principal("talent01", Role.TALENT)
    with write_transaction(engine) as conn:
        _log(conn, talent, "E1", "req-1")
        _log(conn, talent, "E1", "req-2")
        _log(conn, talent, "E2", "req-3")
    with write_transaction(engine) as conn:
        marker = tombstone_access_log(conn, "E1")
        assert tombstone_access_log(conn, "E404") is None
    assert marker is not None and "E1" not in marker
    assert read_access_log(engine, employee_id="E1") == []
    rows = read_access_log(engine)
    assert [(r.employee_id, r.tombstone) for r in rows] == [
        ("E2", None),
        (None, marker),
        (None, marker),
    ]
    with engine.connect() as conn:
        stored = conn.execute(sa.select(access_log.c.employee_id)).scalars().all()
    assert "E1" not in stored


def test_a_person_no_longer_stored_is_not_logged_and_the_caller_is_told(
    engine: sa.Engine,
) -> None:
    """A read served from data loaded before an erasure must not log the erased person (the
    log would name them again); both paths return whom they logged."""
    talent = Principal("talent01", Role.TALENT)
    assert delete_employee(engine, "E1")
    logged = record_reads(engine, talent, ["E1", "E2"], action="a", route="R", request_id="q")
    assert logged == ("E2",)
    with write_transaction(engine) as conn:
        assert log_reads(conn, talent, ["E2", "E1"], action="a", route="R", request_id="q") == (
            "E2",
        )
    assert [r.employee_id for r in read_access_log(engine)] == ["E2", "E2"]


def test_a_read_racing_an_erasure_waits_for_it_and_then_logs_nothing_about_the_person(
    engine: sa.Engine,
) -> None:
    """The erasure below has deleted E1 and tombstoned E1's log rows but not committed. A
    read of E1 must not slip its log row in beside it (it would name E1 after the
    erasure): it waits (PostgreSQL: E1's row is locked; SQLite: one writer at a time),
    then finds E1 gone."""
    talent = Principal("talent01", Role.TALENT)
    done: dict[str, tuple[str, ...]] = {}

    def read() -> None:
        done["logged"] = record_reads(
            engine, talent, ["E1", "E2"], action="a", route="R", request_id="q"
        )

    reader = threading.Thread(target=read)
    with write_transaction(engine) as conn:  # the erasure, in flight
        conn.execute(sa.delete(employees).where(employees.c.id == "E1"))
        tombstone_access_log(conn, "E1")
        reader.start()
        reader.join(timeout=1.0)
        assert reader.is_alive(), "the read did not wait for the erasure"
    reader.join(timeout=30)
    assert done["logged"] == ("E2",)
    assert [r.employee_id for r in read_access_log(engine)] == ["E2"]


# -- reads by a key taken from a cache: the log row itself checks the key ---------------------


def _keyed_reads(engine: sa.Engine, principal: Principal, people: list[str]) -> tuple[str, ...]:
    return record_reads(
        engine, principal, people, action="a", route="R", request_id="q", check_key=True
    )


def test_a_keyed_read_logs_while_the_key_is_active_and_fails_once_it_is_revoked(
    engine: sa.Engine,
) -> None:
    """A worker that remembers a key skips its lookup; the insert that logs the read must
    then refuse a revoked key as surely as the lookup would, and log nothing."""
    key = create_key(engine, Role.TALENT)
    principal = find_principal(engine, key.token)
    assert principal is not None
    assert _keyed_reads(engine, principal, ["E1", "E2"]) == ("E1", "E2")
    revoke_key(engine, key.key_id)
    with pytest.raises(KeyNoLongerValid):
        _keyed_reads(engine, principal, ["E1"])
    assert [r.employee_id for r in read_access_log(engine)] == ["E2", "E1"]


def test_a_keyed_read_fails_once_the_key_has_expired(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT, expires_at=datetime.now(UTC) + timedelta(hours=1))
    principal = find_principal(engine, key.token)
    assert principal is not None
    assert _keyed_reads(engine, principal, ["E1"]) == ("E1",)
    with engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(sa.update(api_keys).where(api_keys.c.id == key.key_id).values(expires_at=past))
    with pytest.raises(KeyNoLongerValid):
        _keyed_reads(engine, principal, ["E1"])
    assert len(read_access_log(engine)) == 1


def test_a_keyed_read_of_an_erased_person_logs_nobody_and_the_key_still_works(
    engine: sa.Engine,
) -> None:
    """No row logged has two causes: the person or the key is gone. An active key is told
    only that the person was not logged (the caller answers 404 as for anyone unknown)."""
    key = create_key(engine, Role.TALENT)
    principal = find_principal(engine, key.token)
    assert principal is not None
    assert delete_employee(engine, "E1")
    assert _keyed_reads(engine, principal, ["E1", "E2"]) == ("E2",)


def test_a_keyed_read_with_an_employee_key_fails_once_its_employee_is_erased(
    engine: sa.Engine,
) -> None:
    key = create_key(engine, Role.EMPLOYEE, employee_id="E1")
    principal = find_principal(engine, key.token)
    assert principal is not None
    assert delete_employee(engine, "E1")
    with pytest.raises(KeyNoLongerValid):
        _keyed_reads(engine, principal, ["E1"])
    assert read_access_log(engine) == []


def test_a_principal_with_no_stored_key_cannot_log_a_keyed_read(engine: sa.Engine) -> None:
    """The command line's principals have no key row: they never take the keyed path, and
    if one did it would be refused, not logged."""
    with pytest.raises(KeyNoLongerValid):
        _keyed_reads(engine, Principal("cli:someone", Role.ADMIN), ["E1"])
    assert record_reads(
        engine, Principal("cli:someone", Role.ADMIN), ["E1"], action="a", route="R", request_id="q"
    ) == ("E1",)
