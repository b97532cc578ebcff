"""Reads of a person's data, each recorded in the access log before it is answered.

Every successful read of an employee's record writes one ``access_log`` row
(who, what, which route, which person, which request, when) in its own write
transaction *before* the record is handed back: if the row cannot be written
the read fails, so there are no unlogged reads. Reads that are refused (the
person does not exist, or the caller may not see them) return nothing and are
not logged as reads.

Reading the access log itself is not logged: it is an admin-only view of the
log, and logging it would add rows naming the very person being audited.
"""

from __future__ import annotations

import sqlalchemy as sa

from recommender.access import Action, Principal
from recommender.catalog import Catalog, Employee
from recommender.errors import UnknownEmployee
from recommender.store.access import AccessRecord, read_access_log, record_reads

__all__ = ["read_employee", "access_log"]


def read_employee(
    engine: sa.Engine,
    catalog: Catalog,
    principal: Principal,
    employee_id: str,
    *,
    route: str,
    request_id: str,
) -> Employee:
    """``employee_id``'s record for ``principal``, logged as one ``employees.read`` access.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database holding the access log.
    catalog : Catalog
        Where the record is read from.
    principal : Principal
        The caller; an employee key sees only its own record.
    employee_id : str
        The person asked for.
    route : str
        The route that served the read, e.g. ``"GET /v1/employees/{employee_id}"``.
    request_id : str
        The id of the request, to tie the log row to server logs.

    Returns
    -------
    Employee
        The record, returned only after its access-log row is committed.

    Raises
    ------
    UnknownEmployee
        No such person, or the caller may not read them: the two are
        indistinguishable on purpose, so a refused read reveals nothing. Also when the
        person was erased after the served catalogue was loaded (nothing is logged).
    sqlalchemy.exc.SQLAlchemyError
        The log row could not be written; the record is not returned.
    """
    if not principal.may_read_employee(employee_id):
        raise UnknownEmployee(employee_id)
    employee = catalog.employee(employee_id)
    logged = record_reads(
        engine,
        principal,
        [employee_id],
        action=str(Action.EMPLOYEES_READ),
        route=route,
        request_id=request_id,
    )
    if not logged:  # erased since the catalogue being served was loaded
        raise UnknownEmployee(employee_id)
    return employee


def access_log(
    engine: sa.Engine, *, employee_id: str | None = None, limit: int = 50
) -> list[AccessRecord]:
    """The newest ``limit`` access-log rows, all or about one person, newest first.

    Raises
    ------
    InvalidInput
        ``limit`` is outside what the store allows.
    """
    return read_access_log(engine, employee_id=employee_id, limit=limit)
