"""API keys and the access log, in the same MetaData as the catalogue tables.

``api_keys`` holds one row per key: its public id, the SHA-256 of its secret
(never the secret), its role and, for employee keys, the employee it belongs
to. Erasing that employee deletes their keys (``ON DELETE CASCADE``). A key may
expire (``expires_at``); an expired key is refused exactly like an unknown or a
revoked one. ``last_used_at`` is kept cheaply: the one lookup every request runs
also says whether it is older than :data:`LAST_USED_INTERVAL`, and only then is it
written, by one conditional ``UPDATE`` that never waits for a lock (a busy
database skips it; a later request writes it).

``access_log`` records every read of a person's data: who (key id, role), what
(action, route, employee id), when (UTC) and the request id. It has no foreign
keys, so it outlives keys and people. When a person is erased,
:func:`tombstone_access_log` replaces their id with a tombstone marker: the
history keeps its shape (how many reads, by whom, when) but no longer names
the person. A read is logged only while the person is stored (:func:`log_reads`,
:func:`record_reads` return whom they logged), so no read can name an erased person.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from recommender.access import (
    IssuedKey,
    Principal,
    Role,
    check_key_owner,
    hash_secret,
    new_key,
    parse_key,
    secret_matches,
)
from recommender.errors import InvalidInput, KeyNoLongerValid, UnknownEmployee
from recommender.store.engine import SQLITE_BUSY_TIMEOUT_MS, DriverStatement, write_transaction
from recommender.store.group_commit import group_commit
from recommender.store.schema import employee_goals, employees, metadata
from recommender.store.versions import bump

log = logging.getLogger(__name__)

__all__ = [
    "LAST_USED_INTERVAL",
    "LAST_USED_LOCK_WAIT_MS",
    "api_keys",
    "access_log",
    "KeyRecord",
    "AccessRecord",
    "create_key",
    "find_principal",
    "list_keys",
    "revoke_key",
    "log_access",
    "log_reads",
    "record_reads",
    "record_reads_async",
    "read_access_log",
    "stored_among",
    "tombstone_access_log",
]

MAX_LOG_PAGE = 1000
#: ``last_used_at`` is written at most once per key per this interval, never per request.
LAST_USED_INTERVAL = timedelta(minutes=15)
#: The longest the ``last_used_at`` write waits for a lock (SQLite's write lock, a
#: PostgreSQL row lock) before it is skipped: authentication never queues behind an import.
LAST_USED_LOCK_WAIT_MS = 1
_ROLES = ", ".join(f"'{r}'" for r in Role)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column(
        "employee_id",
        sa.String,
        sa.ForeignKey("employees.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("label", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("department", sa.Text, nullable=True),
    sa.CheckConstraint(f"role IN ({_ROLES})", name="role_known"),
    sa.CheckConstraint(
        "(role = 'employee') = (employee_id IS NOT NULL)", name="employee_key_owner"
    ),
    sa.CheckConstraint(
        "(role = 'manager') = (department IS NOT NULL)", name="manager_key_department"
    ),
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("route", sa.Text, nullable=False),
    sa.Column("employee_id", sa.String, nullable=True, index=True),
    sa.Column("tombstone", sa.String(40), nullable=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.CheckConstraint("employee_id IS NULL OR tombstone IS NULL", name="employee_or_tombstone"),
)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A stored key as listings show it: everything but the secret's digest."""

    key_id: str
    role: Role
    employee_id: str | None
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = None
    department: str | None = None  # the department a manager key manages

    def status(self, now: datetime | None = None) -> str:
        """``"revoked"``, ``"expired"`` (at ``now``, default the current UTC time) or ``"active"``.

        Examples
        --------
        >>> made = datetime(2026, 1, 1, tzinfo=UTC)
        >>> key = KeyRecord("k", Role.TALENT, None, None, made, None, None, made + timedelta(days=1))
        >>> key.status(made), key.status(made + timedelta(days=2))
        ('active', 'expired')
        """
        if self.revoked_at is not None:
            return "revoked"
        now = datetime.now(UTC) if now is None else now
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One access-log row. ``employee_id`` is ``None`` and ``tombstone`` set once erased."""

    at: datetime
    key_id: str
    role: str
    action: str
    route: str
    employee_id: str | None
    tombstone: str | None
    request_id: str


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time reskill stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def create_key(
    engine: sa.Engine,
    role: Role,
    *,
    employee_id: str | None = None,
    label: str | None = None,
    expires_at: datetime | None = None,
    department: str | None = None,
) -> IssuedKey:
    """Issue a key for ``role``; only the digest of its secret is stored. Bumps the data
    version.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    role : Role
    employee_id : str, optional
        The employee an employee key belongs to (required for them, refused for others).
    label : str, optional
        A note saying who holds the key.
    expires_at : datetime, optional
        When the key stops working (time-zone aware, in the future); never by default.
    department : str, optional
        The department a manager key manages (required for them, refused for others).

    Raises
    ------
    InvalidInput
        An employee key without an employee, an employee id on another role, or an
        ``expires_at`` without a time zone or not in the future.
    UnknownEmployee
        ``employee_id`` is not in the database.
    """
    role = Role(role)
    check_key_owner(role, employee_id, department)
    now = datetime.now(UTC)
    if expires_at is not None:
        expires_at = _check_expiry(expires_at, now)
    key = new_key()
    with write_transaction(engine) as conn:
        if employee_id is not None and not _employee_exists(conn, employee_id):
            raise UnknownEmployee(employee_id)
        conn.execute(
            sa.insert(api_keys).values(
                id=key.key_id,
                secret_hash=hash_secret(key.secret),
                role=str(role),
                employee_id=employee_id,
                label=label,
                created_at=now,
                expires_at=expires_at,
                department=department.strip() if department is not None else None,
            )
        )
        bump(conn, "key created")
    return key


def _check_expiry(expires_at: datetime, now: datetime) -> datetime:
    """``expires_at`` in UTC (SQLite keeps no offset: every stored time is UTC)."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise InvalidInput(f"a key's expiry needs a time zone, got {expires_at.isoformat()}")
    expires_at = expires_at.astimezone(UTC)
    if expires_at <= now:
        raise InvalidInput(
            f"a key's expiry must be in the future, got {expires_at:%Y-%m-%d %H:%M} UTC"
        )
    return expires_at


def _employee_exists(conn: sa.Connection, employee_id: str) -> bool:
    query = sa.select(employees.c.id).where(employees.c.id == employee_id)
    return conn.execute(query).first() is not None


class _UtcTime(sa.types.TypeDecorator[datetime]):
    """A UTC time bound into the key lookup, in the form each database compares with the
    stored times: on PostgreSQL a ``timestamptz``; on SQLite the text SQLAlchemy's
    ``DateTime`` stores (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC), made by the C
    ``isoformat``: SQLAlchemy's own formatting cost about 20 microseconds per value, and
    every request binds two."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        kind = sa.String() if dialect.name == "sqlite" else sa.DateTime(timezone=True)
        return dialect.type_descriptor(kind)

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _time(name: str) -> sa.BindParameter[datetime]:
    return sa.bindparam(name, type_=_UtcTime())


_LAST_USED_STALE = sa.or_(
    api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < _time("stale_before")
)

#: A key is active at the bound ``now``: not revoked, not expired. Every check of a key (its
#: lookup, the keyed access-log insert, the recheck after a keyed read logged nobody) uses it.
_KEY_ACTIVE_NOW = sa.and_(
    api_keys.c.revoked_at.is_(None),
    sa.or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > _time("now")),
)

#: Built once, executed with the key id and the times bound: every authenticated request
#: runs it. Times are compared in SQL against bound UTC values, which each driver stores and
#: compares alike (SQLite: text in one format, naive UTC; PostgreSQL: timestamptz), so the
#: result needs no processing: the last column says whether ``last_used_at`` is due.
_FIND_KEY = sa.select(
    api_keys.c.secret_hash,
    api_keys.c.role,
    api_keys.c.employee_id,
    api_keys.c.department,
    sa.case((_LAST_USED_STALE, sa.literal_column("1")), else_=sa.literal_column("0")),
).where(
    api_keys.c.id == sa.bindparam("key_id"),
    _KEY_ACTIVE_NOW,
)

#: Conditional, so concurrent requests that all found it due write it once.
_RECORD_USE = (
    sa.update(api_keys)
    .where(api_keys.c.id == sa.bindparam("key_id"), _LAST_USED_STALE)
    .values(last_used_at=_time("now"))
)


def find_principal(
    engine: sa.Engine, token: str, *, now: datetime | None = None
) -> Principal | None:
    """The principal a presented key stands for, or ``None`` if it is unknown, revoked or
    expired (the three are indistinguishable to the caller on purpose).

    Records the use in ``last_used_at`` when the stored one is older than
    :data:`LAST_USED_INTERVAL` (or absent); when the database is busy that write is
    skipped, never waited for, and a later use makes it.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    token : str
        The key as presented, ``rk_<key id>_<secret>``.
    now : datetime, optional
        The time to judge expiry and record use at (time-zone aware); the current UTC
        time by default.
    """
    parsed = parse_key(token)
    if parsed is None:
        return None
    key_id, secret = parsed
    now = datetime.now(UTC) if now is None else _aware_utc(now)
    times = {"now": now, "stale_before": now - LAST_USED_INTERVAL}
    row = _driver(engine, _FIND_KEY).first({"key_id": key_id, **times})
    if row is None:
        return None
    secret_hash, role, employee_id, department, last_used_due = row
    if not secret_matches(secret, secret_hash):
        return None
    if last_used_due:
        _record_use(engine, {"key_id": key_id, **times})
    return Principal(key_id, Role(role), employee_id, department)


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"a time without a time zone: {value.isoformat()}")
    return value.astimezone(UTC)


def _record_use(engine: sa.Engine, params: dict[str, Any]) -> None:
    """Write ``last_used_at`` in a short transaction of its own, or skip it if it would
    wait for a lock: SQLite's write lock (an import holds it for seconds) or a PostgreSQL
    row or table lock. The lookup runs on the event loop; it must not queue behind writers
    (nor take this process's writer queue, :func:`write_transaction`'s lock)."""
    try:
        with engine.connect() as conn, _short_lock_wait(conn), conn.begin():
            if engine.dialect.name != "sqlite":
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LAST_USED_LOCK_WAIT_MS}")
            conn.execute(_RECORD_USE, params)
    except sa.exc.OperationalError as exc:  # busy or locked: the next use tries again
        log.debug("last_used_at of key %s not written: %s", params["key_id"], type(exc).__name__)


@contextmanager
def _short_lock_wait(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, this connection's busy timeout is :data:`LAST_USED_LOCK_WAIT_MS` inside
    the block (set on the driver's connection: no transaction is begun for it)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver: Any = conn.connection.driver_connection
    driver.execute(f"PRAGMA busy_timeout={LAST_USED_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


_DRIVER: weakref.WeakKeyDictionary[sa.Engine, dict[Any, DriverStatement]] = (
    weakref.WeakKeyDictionary()
)
_DRIVER_GUARD = threading.Lock()


def _driver(engine: sa.Engine, statement: Any) -> DriverStatement:
    """``statement`` (one every request runs: the key lookup, the read log insert)
    compiled once per engine for its driver."""
    with _DRIVER_GUARD:
        statements = _DRIVER.setdefault(engine, {})
        if statement not in statements:
            statements[statement] = DriverStatement(engine, statement)
        return statements[statement]


def list_keys(engine: sa.Engine) -> list[KeyRecord]:
    """Every key, oldest first, revoked and expired ones included; never the secrets."""
    columns = [c for c in api_keys.c if c.name != "secret_hash"]
    query = sa.select(*columns).order_by(api_keys.c.created_at, api_keys.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        KeyRecord(
            r.id,
            Role(r.role),
            r.employee_id,
            r.label,
            _utc(r.created_at) or datetime.now(UTC),
            _utc(r.last_used_at),
            _utc(r.revoked_at),
            _utc(r.expires_at),
            r.department,
        )
        for r in rows
    ]


def revoke_key(engine: sa.Engine, key_id: str) -> bool:
    """Revoke a key at once (every worker looks keys up per request); ``False`` if no such
    key is active. A revocation bumps the data version."""
    with write_transaction(engine) as conn:
        result = conn.execute(
            sa.update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if result.rowcount:
            bump(conn, "key revoked")
    return bool(result.rowcount)


def log_access(
    conn: sa.Connection,
    principal: Principal,
    *,
    action: str,
    route: str,
    employee_id: str | None,
    request_id: str,
) -> None:
    """Record one access inside the caller's transaction (it commits or rolls back with it)."""
    conn.execute(_INSERT_LOG, [_log_row(principal, action, route, employee_id, request_id)])


#: Built once: a fresh ``insert().values(...)`` per row cost more CPU than the write itself
#: (SQLAlchemy coerces every value and recomputes the cache key each time).
_INSERT_LOG = sa.insert(access_log)
_LOG_COLUMNS = ("at", "key_id", "role", "action", "route", "employee_id", "request_id")


def _read_insert(*, check_key: bool = False, unless_goal: bool = False) -> sa.Insert:
    """One read's log row, inserted from the person's ``employees`` row: nothing when the
    person is no longer stored. On PostgreSQL the row is locked ``FOR SHARE`` until the
    reader commits, so an erasure's ``DELETE`` waits for the reader's log row (which its
    tombstoning then covers), and a reader that comes after the erasure finds no row. On
    SQLite the reader's write transaction serialises with the erasure's the same way.

    With ``check_key``, the row is also inserted only while the reader's key is stored,
    unrevoked and unexpired at ``now`` (bound with each row): a caller that took its key
    from a cache learns of a revocation from the very statement that logs its read, as
    surely as from a lookup of its own (:func:`record_reads`).

    With ``unless_goal``, the row is inserted only while the person has no career goal set
    (``employee_goals``): an answer prepared without one is logged, and so may be sent,
    only while it is still the answer (:func:`record_reads_async`)."""

    def value(name: str) -> sa.BindParameter[object]:
        return sa.bindparam(name, type_=access_log.c[name].type)

    person = sa.bindparam("employee_id", type_=employees.c.id.type)
    values = [employees.c.id if c == "employee_id" else value(c) for c in _LOG_COLUMNS]
    found = sa.select(*values).where(employees.c.id == person)
    if check_key:
        found = found.where(api_keys.c.id == value("key_id"), _KEY_ACTIVE_NOW)
    if unless_goal:
        goal = sa.select(employee_goals.c.employee_id).where(
            employee_goals.c.employee_id == employees.c.id
        )
        found = found.where(~goal.exists())
    found = found.with_for_update(read=True, of=employees)
    return sa.insert(access_log).from_select(list(_LOG_COLUMNS), found)


_INSERT_READ = _read_insert()
_INSERT_READ_RETURNING = _INSERT_READ.returning(access_log.c.employee_id)
#: The same, for a reader whose key came from a cache (:func:`record_reads` ``check_key``).
_INSERT_KEYED_READ = _read_insert(check_key=True)
#: The same two, logged only for a person with no career goal set.
_INSERT_READ_UNLESS_GOAL = _read_insert(unless_goal=True)
_INSERT_KEYED_READ_UNLESS_GOAL = _read_insert(check_key=True, unless_goal=True)


def _log_row(
    principal: Principal, action: str, route: str, employee_id: str | None, request_id: str
) -> dict[str, object]:
    return {
        "at": datetime.now(UTC),
        "key_id": principal.key_id,
        "role": str(principal.role),
        "action": action,
        "route": route,
        "employee_id": employee_id,
        "request_id": request_id,
    }


def stored_among(engine: sa.Engine, employee_ids: Sequence[str]) -> frozenset[str]:
    """Those of ``employee_ids`` stored now (people erased meanwhile are not): what a count
    of people may include."""
    found: set[str] = set()
    ids = sorted(set(employee_ids))
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = sa.select(employees.c.id).where(employees.c.id.in_(chunk))
            found.update(conn.execute(query).scalars())
    return frozenset(found)


def read_access_log(
    engine: sa.Engine, *, employee_id: str | None = None, limit: int = 100
) -> list[AccessRecord]:
    """The newest ``limit`` log rows (all, or about one employee), newest first.

    Raises
    ------
    InvalidInput
        ``limit`` is not between 1 and 1000.
    """
    if not 1 <= limit <= MAX_LOG_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_LOG_PAGE}, got {limit}")
    query = sa.select(access_log).order_by(access_log.c.id.desc()).limit(limit)
    if employee_id is not None:
        query = query.where(access_log.c.employee_id == employee_id)
    with engine.connect() as conn:
        rows: Sequence[sa.Row[tuple[object, ...]]] = conn.execute(query).all()
    return [_access_record(r) for r in rows]


def _access_record(row: sa.Row[tuple[object, ...]]) -> AccessRecord:
    m = row._mapping
    return AccessRecord(
        at=_utc(m["at"]) or datetime.now(UTC),
        key_id=m["key_id"],
        role=m["role"],
        action=m["action"],
        route=m["route"],
        employee_id=m["employee_id"],
        tombstone=m["tombstone"],
        request_id=m["request_id"],
    )


def tombstone_access_log(conn: sa.Connection, employee_id: str) -> str | None:
    """Replace ``employee_id`` in the log with one random tombstone marker, in ``conn``'s transaction.

    Returns
    -------
    str or None
        The marker (the same for every row of this person), or ``None`` if the
        log never named them.
    """
    marker = f"erased-{secrets.token_hex(8)}"
    result = conn.execute(
        sa.update(access_log)
        .where(access_log.c.employee_id == employee_id)
        .values(employee_id=None, tombstone=marker)
    )
    return marker if result.rowcount else None


def log_reads(
    conn: sa.Connection,
    principal: Principal,
    employee_ids: Iterable[str],
    *,
    action: str,
    route: str,
    request_id: str,
) -> tuple[str, ...]:
    """One access-log row per person still stored, in ``conn``'s transaction; returns the
    ids logged, in order. A person erased meanwhile is not logged: the caller must leave
    them out of what it returns (see :func:`_read_insert`)."""
    logged = []
    for employee_id in employee_ids:
        row = _log_row(principal, action, route, employee_id, request_id)
        if conn.execute(_INSERT_READ_RETURNING, row).first() is not None:
            logged.append(employee_id)
    return tuple(logged)


def record_reads(
    engine: sa.Engine,
    principal: Principal,
    employee_ids: Sequence[str],
    *,
    action: str,
    route: str,
    request_id: str,
    check_key: bool = False,
) -> tuple[str, ...]:
    """:func:`log_reads` in a transaction committed when this returns (grouped with other
    callers' reads: :mod:`recommender.store.group_commit`); returns the ids logged (people
    erased meanwhile are not).

    Parameters
    ----------
    check_key : bool
        The principal's key was not looked up for this read (a cache vouched for it): log
        only while the key is still active, checked by the insert itself.

    Raises
    ------
    KeyNoLongerValid
        With ``check_key``, the key was revoked, expired or deleted (its employee erased):
        nothing was logged and nothing may be answered.
    """
    rows, statement = _read_rows(principal, employee_ids, action, route, request_id, check_key)
    counts = group_commit(engine, statement).submit(rows)
    if check_key and not all(counts):
        _check_still_valid(engine, principal.key_id)
    return tuple(e for e, n in zip(employee_ids, counts, strict=True) if n)


async def record_reads_async(
    engine: sa.Engine,
    principal: Principal,
    employee_ids: Sequence[str],
    *,
    action: str,
    route: str,
    request_id: str,
    check_key: bool = False,
    unless_goal: bool = False,
) -> tuple[str, ...]:
    """:func:`record_reads` for a caller on an event loop: it waits without blocking it
    (the writer thread wakes the loop once per batch).

    ``unless_goal``: log (and return) only people with no career goal set, for an answer
    prepared without one; the caller answers the others another way."""
    rows, statement = _read_rows(
        principal, employee_ids, action, route, request_id, check_key, unless_goal
    )
    counts = await group_commit(engine, statement).submit_async(rows)
    if check_key and not all(counts):
        # Rare (an erased person, a revoked key): one lookup, off the loop.
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, _check_still_valid, engine, principal.key_id)
    return tuple(e for e, n in zip(employee_ids, counts, strict=True) if n)


def _read_rows(
    principal: Principal,
    employee_ids: Sequence[str],
    action: str,
    route: str,
    request_id: str,
    check_key: bool,
    unless_goal: bool = False,
) -> tuple[list[dict[str, object]], sa.Insert]:
    rows = [_log_row(principal, action, route, e, request_id) for e in employee_ids]
    if not check_key:
        return rows, _INSERT_READ_UNLESS_GOAL if unless_goal else _INSERT_READ
    for row in rows:
        row["now"] = row["at"]
    return rows, _INSERT_KEYED_READ_UNLESS_GOAL if unless_goal else _INSERT_KEYED_READ


_KEY_ACTIVE = sa.select(api_keys.c.id).where(
    api_keys.c.id == sa.bindparam("key_id"), _KEY_ACTIVE_NOW
)


def _check_still_valid(engine: sa.Engine, key_id: str) -> None:
    """Nothing, if key ``key_id`` is active now; else :class:`KeyNoLongerValid`. Tells a
    keyed read that logged nobody whether its person or its key is gone."""
    row = _driver(engine, _KEY_ACTIVE).first({"key_id": key_id, "now": datetime.now(UTC)})
    if row is None:
        raise KeyNoLongerValid(key_id)
