"""Stored nominations: who nominated whom for which target, why, and when.

A nomination is personal data: writing one logs a ``nominations.write`` about the person in
the same transaction, and every read of one passes the gate (which logs it). The person's
rows go with them on erasure (:mod:`recommender.store.erasures`; ``ON DELETE CASCADE`` too).
Who may nominate whom is the gate's to decide (:meth:`recommender.gate.Gate.nominate`); who
may withdraw which nomination too (:meth:`recommender.gate.Gate.withdraw_nomination`): the row
is deleted and the withdrawal logged about the person in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.errors import NotFound, UnknownEmployee
from recommender.store.access import log_reads
from recommender.store.engine import write_transaction
from recommender.store.schema import nominations

__all__ = [
    "StoredNomination",
    "UnknownNomination",
    "add_nomination",
    "read_nominations",
    "withdraw_nomination",
]


class UnknownNomination(NotFound):
    """No such nomination, or not one the caller may withdraw (the same answer for both)."""

    kind = "nomination"


@dataclass(frozen=True, slots=True)
class StoredNomination:
    """One nomination: the person, the target role (``None``: the academy), the reason,
    when, and the key (and its role) that made it."""

    id: str
    employee_id: str
    role_id: str | None
    reason: str
    nominated_at: datetime
    nominated_by: str
    nominator_role: Role

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "employee_id": self.employee_id,
            "role_id": self.role_id,
            "reason": self.reason,
            "nominated_at": self.nominated_at.isoformat(),
            "nominated_by": self.nominated_by,
            "nominator_role": str(self.nominator_role),
        }


def add_nomination(
    engine: sa.Engine,
    principal: Principal,
    employee_id: str,
    *,
    role_id: str | None,
    reason: str,
    action: str,
    route: str,
    request_id: str,
) -> StoredNomination:
    """Store a nomination by ``principal``, logged as ``action`` in the same transaction.

    Raises
    ------
    UnknownEmployee
        The person is not stored (erased meanwhile): nothing is written or logged.
    """
    made = StoredNomination(
        uuid.uuid4().hex,
        employee_id,
        role_id,
        reason,
        datetime.now(UTC),
        principal.key_id,
        principal.role,
    )
    with write_transaction(engine) as conn:
        logged = log_reads(
            conn, principal, [employee_id], action=action, route=route, request_id=request_id
        )
        if not logged:
            raise UnknownEmployee(employee_id)
        conn.execute(
            sa.insert(nominations).values(
                id=made.id,
                employee_id=employee_id,
                role_id=role_id,
                reason=reason,
                nominated_at=made.nominated_at,
                nominated_by=made.nominated_by,
                nominator_role=str(made.nominator_role),
            )
        )
    return made


def read_nominations(
    engine: sa.Engine, employee_ids: Collection[str] | None = None
) -> Mapping[str, tuple[StoredNomination, ...]]:
    """Stored nominations by person (oldest first), of ``employee_ids`` or everyone. No
    access check and no log: the gate logs whoever it answers about."""
    query = sa.select(nominations).order_by(nominations.c.nominated_at, nominations.c.id)
    if employee_ids is not None:
        query = query.where(nominations.c.employee_id.in_(sorted(employee_ids)))
    out: dict[str, list[StoredNomination]] = {}
    with engine.connect() as conn:
        for r in conn.execute(query).mappings():
            out.setdefault(r["employee_id"], []).append(_nomination(r))
    return {k: tuple(v) for k, v in out.items()}


def withdraw_nomination(
    engine: sa.Engine,
    principal: Principal,
    nomination_id: str,
    *,
    may: Callable[[StoredNomination], bool],
    action: str,
    route: str,
    request_id: str,
) -> StoredNomination:
    """Delete the nomination ``nomination_id`` if ``may(nomination)``, logged as ``action``
    about the person in the same transaction; returns what was deleted.

    Raises
    ------
    UnknownNomination
        No such nomination (never made, withdrawn already, or its person erased), or
        ``may`` refuses it: nothing is deleted or logged.
    """
    with write_transaction(engine) as conn:
        row = (
            conn.execute(sa.select(nominations).where(nominations.c.id == nomination_id))
            .mappings()
            .first()
        )
        if row is None:
            raise UnknownNomination(nomination_id)
        found = _nomination(row)
        if not may(found):
            raise UnknownNomination(nomination_id)
        logged = log_reads(
            conn, principal, [found.employee_id], action=action, route=route, request_id=request_id
        )
        gone = conn.execute(sa.delete(nominations).where(nominations.c.id == nomination_id))
        if not logged or gone.rowcount != 1:  # erased, or withdrawn by another call meanwhile
            raise UnknownNomination(nomination_id)  # rolls the log row back
    return found


def _nomination(r: sa.RowMapping) -> StoredNomination:
    at = r["nominated_at"]
    return StoredNomination(
        r["id"],
        r["employee_id"],
        r["role_id"],
        r["reason"],
        at if at.tzinfo is not None else at.replace(tzinfo=UTC),
        r["nominated_by"],
        Role(r["nominator_role"]),
    )
