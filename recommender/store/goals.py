"""Career goals people set through the API: one row per person in ``employee_goals``.

A goal is not part of the catalogue: setting one moves no data version and prepares
nothing again. The database is its only home; every opportunities read looks it up (the
gate, :mod:`recommender.gate`), so a goal set through one worker counts in the next read
through any other. Writing one is logged like a read of the person, in the same
transaction (:func:`set_goal`): a person erased meanwhile gets no goal and no log row.
Erasure deletes the row with the person (:mod:`recommender.store.erasures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from recommender.access import Principal
from recommender.errors import UnknownEmployee
from recommender.store.access import api_keys, log_reads
from recommender.store.engine import write_transaction
from recommender.store.schema import employee_goals

__all__ = ["StoredGoal", "read_goal", "set_goal", "clear_goal"]


@dataclass(frozen=True, slots=True)
class StoredGoal:
    """A goal as stored: a role id or a job family, when it was set and by which key;
    ``setter`` says who that key is: ``"self"`` (the person's own key), else the key's role
    (``"talent"``, ``"admin"``), ``None`` once the key is deleted."""

    role_id: str | None
    job_family: str | None
    set_at: datetime
    set_by: str
    setter: str | None = None


def read_goal(engine: sa.Engine, employee_id: str) -> StoredGoal | None:
    """The goal stored for ``employee_id``, or ``None``."""
    query = (
        sa.select(
            employee_goals.c.role_id,
            employee_goals.c.job_family,
            employee_goals.c.set_at,
            employee_goals.c.set_by,
            api_keys.c.role,
            api_keys.c.employee_id.label("key_employee"),
        )
        .outerjoin(api_keys, api_keys.c.id == employee_goals.c.set_by)
        .where(employee_goals.c.employee_id == employee_id)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    at = row.set_at if row.set_at.tzinfo is not None else row.set_at.replace(tzinfo=UTC)
    setter = "self" if row.key_employee == employee_id else row.role
    return StoredGoal(row.role_id, row.job_family, at, row.set_by, setter)


def set_goal(
    engine: sa.Engine,
    principal: Principal,
    employee_id: str,
    *,
    role_id: str | None,
    job_family: str | None,
    action: str,
    route: str,
    request_id: str,
) -> StoredGoal:
    """Store ``employee_id``'s goal (replacing any), logged as ``action`` in the same
    transaction.

    Raises
    ------
    UnknownEmployee
        The person is not stored (erased meanwhile): nothing is written or logged.
    """
    at = datetime.now(UTC)
    with write_transaction(engine) as conn:
        _logged(conn, principal, employee_id, action, route, request_id)
        conn.execute(sa.delete(employee_goals).where(employee_goals.c.employee_id == employee_id))
        conn.execute(
            sa.insert(employee_goals).values(
                employee_id=employee_id,
                role_id=role_id,
                job_family=job_family,
                set_at=at,
                set_by=principal.key_id,
            )
        )
    setter = "self" if principal.employee_id == employee_id else str(principal.role)
    return StoredGoal(role_id, job_family, at, principal.key_id, setter)


def clear_goal(
    engine: sa.Engine,
    principal: Principal,
    employee_id: str,
    *,
    action: str,
    route: str,
    request_id: str,
) -> bool:
    """Delete ``employee_id``'s goal, logged as ``action``; whether there was one.

    Raises
    ------
    UnknownEmployee
        The person is not stored: nothing is changed or logged.
    """
    with write_transaction(engine) as conn:
        _logged(conn, principal, employee_id, action, route, request_id)
        deleted = conn.execute(
            sa.delete(employee_goals).where(employee_goals.c.employee_id == employee_id)
        )
    return bool(deleted.rowcount)


def _logged(
    conn: sa.Connection,
    principal: Principal,
    employee_id: str,
    action: str,
    route: str,
    request_id: str,
) -> None:
    logged = log_reads(
        conn, principal, [employee_id], action=action, route=route, request_id=request_id
    )
    if not logged:
        raise UnknownEmployee(employee_id)
