"""Corrections people make to their own record: rows of ``employee_corrections``.

A correction is part of what answers read (the catalogue is loaded with every correction
applied, :func:`apply_stored`), so writing one moves the data version in the same
transaction (:func:`write_correction`), like an import or an erasure: every worker follows
it, and prepared pages and shortlists are made again from the corrected record. Writing is
logged like a read of the person, in that transaction: a person erased meanwhile gets no
correction and no log row. Imports never touch the table; erasure (and a snapshot import
that removes the person) deletes the rows with the person
(:mod:`recommender.store.erasures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from recommender.access import Principal
from recommender.catalog import Employee
from recommender.corrections import Correction, CorrectionAction, corrected
from recommender.errors import NotFound, UnknownEmployee
from recommender.store.access import log_reads
from recommender.store.engine import write_transaction
from recommender.store.schema import employee_corrections
from recommender.store.versions import bump

__all__ = [
    "UnknownCorrection",
    "read_corrections",
    "write_correction",
    "withdraw_correction",
    "apply_stored",
    "correction_lines",
]


class UnknownCorrection(NotFound):
    """The person has no stored correction of that skill or certification."""

    kind = "correction"

_T = employee_corrections
_COLUMNS = (_T.c.employee_id, _T.c.action, _T.c.item_id, _T.c.level, _T.c.set_at, _T.c.set_by)
_ORDER = (_T.c.employee_id, _T.c.set_at, _T.c.kind, _T.c.item_id)


def _correction(row: Any) -> Correction:  # a row of _COLUMNS
    at = row.set_at if row.set_at.tzinfo is not None else row.set_at.replace(tzinfo=UTC)
    return Correction(CorrectionAction(row.action), row.item_id, row.level, at, row.set_by)


def read_corrections(engine: sa.Engine, employee_id: str) -> tuple[Correction, ...]:
    """``employee_id``'s corrections, oldest first."""
    with engine.connect() as conn:
        return _corrections_of(conn, employee_id)


def _corrections_of(conn: sa.Connection, employee_id: str) -> tuple[Correction, ...]:
    query = sa.select(*_COLUMNS).where(_T.c.employee_id == employee_id).order_by(*_ORDER)
    return tuple(_correction(row) for row in conn.execute(query))


def apply_stored(conn: sa.Connection, people: Sequence[Employee]) -> list[Employee]:
    """``people`` with the corrections stored for them applied (read in ``conn``'s
    snapshot); everyone else as given."""
    found: dict[str, list[Correction]] = {}
    for row in conn.execute(sa.select(*_COLUMNS).order_by(*_ORDER)):
        found.setdefault(row.employee_id, []).append(_correction(row))
    if not found:
        return list(people)
    return [corrected(p, found[p.id]) if p.id in found else p for p in people]


def correction_lines(conn: sa.Connection) -> list[str]:
    """Every stored correction as a sorted line, for the content fingerprint."""
    return sorted(repr(tuple(row)) for row in conn.execute(sa.select(_T)))


def write_correction(
    engine: sa.Engine,
    principal: Principal,
    employee_id: str,
    correction: Correction,
    *,
    action: str,
    route: str,
    request_id: str,
) -> tuple[Correction, int]:
    """Store ``correction`` of ``employee_id`` (replacing their earlier one of the same
    skill or course), logged as ``action`` and moving the data version, in one
    transaction; the correction as stored and the new data version.

    Raises
    ------
    UnknownEmployee
        The person is not stored (erased meanwhile): nothing is written or logged.
    """
    at = datetime.now(UTC)
    stored = Correction(
        correction.action, correction.item_id, correction.level, at, principal.key_id
    )
    with write_transaction(engine) as conn:
        logged = log_reads(
            conn, principal, [employee_id], action=action, route=route, request_id=request_id
        )
        if not logged:
            raise UnknownEmployee(employee_id)
        key = (_T.c.employee_id == employee_id) & (_T.c.kind == stored.kind)
        conn.execute(sa.delete(_T).where(key & (_T.c.item_id == stored.item_id)))
        conn.execute(
            sa.insert(_T).values(
                employee_id=employee_id,
                kind=stored.kind,
                item_id=stored.item_id,
                action=str(stored.action),
                level=stored.level,
                set_at=at,
                set_by=principal.key_id,
            )
        )
        version = bump(conn, "correction")
    return stored, version


def withdraw_correction(
    engine: sa.Engine,
    principal: Principal,
    employee_id: str,
    kind: str,
    item_id: str,
    *,
    action: str,
    route: str,
    request_id: str,
) -> tuple[Employee, tuple[Correction, ...], int]:
    """Delete ``employee_id``'s correction of one skill or certification (``kind``
    ``"skill"`` or ``"certification"``), logged as ``action`` and moving the data version,
    in one transaction. Returns the person's record as now loaded (as imported, with the
    corrections left applied), those corrections, and the new data version.

    Raises
    ------
    UnknownEmployee
        The person is not stored (erased meanwhile): nothing is deleted or logged.
    UnknownCorrection
        No such correction is stored: nothing is deleted or logged.
    """
    # The repository loads the catalogue with corrections applied (it imports this module).
    from recommender.store.repository import load_imported_employee

    with write_transaction(engine) as conn:
        logged = log_reads(
            conn, principal, [employee_id], action=action, route=route, request_id=request_id
        )
        imported = load_imported_employee(conn, employee_id)
        if not logged or imported is None:
            raise UnknownEmployee(employee_id)
        key = (_T.c.employee_id == employee_id) & (_T.c.kind == kind) & (_T.c.item_id == item_id)
        if conn.execute(sa.delete(_T).where(key)).rowcount == 0:
            raise UnknownCorrection(f"{kind} {item_id} of {employee_id}")  # rolls the log back
        left = _corrections_of(conn, employee_id)
        version = bump(conn, "correction")
    return corrected(imported, left), left, version
