"""Erasing a person: their records, their name in the access log, their profile vector.

:func:`erase_employee` does, in ONE write transaction, everything the database holds
about a person: it deletes their record, skills, certifications, protected attributes
and API keys, removes them from stored shortlists (when the store has them), replaces
their id in the access log by a random tombstone, and logs the erasure itself as an
access-log row that carries the tombstone, never the id. Either all of it commits or
none of it does. Then it deletes the vector of their profile text from the on-disk
embedding cache.

What the caller still has to do: stop serving the person (swap in a Recommender over
:func:`without_employee` of its catalogue). Reads still answered from the old catalogue
cannot name the person again: a read is logged only from the person's stored row
(:func:`recommender.store.access.log_reads`), so after the erasure commits it logs nothing
and the route answers as if the person never existed, and a read racing the erasure
either commits its log row before the erasure's tombstoning covers it or waits and finds
them gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import sqlalchemy as sa

from recommender.access import Action, Principal
from recommender.candidates.index import profile_text
from recommender.catalog import Catalog
from recommender.embeddings import CachedEncoder
from recommender.errors import UnknownEmployee
from recommender.store import schema
from recommender.store.access import access_log, api_keys, log_access, tombstone_access_log
from recommender.store.engine import write_transaction

__all__ = ["ErasureReceipt", "erase_employee", "without_employee"]

#: Tables holding a person's rows, deleted children first, with the column naming them.
_PERSONAL_ROWS: tuple[tuple[sa.Table, sa.Column[str]], ...] = (
    (schema.protected_attributes, schema.protected_attributes.c.employee_id),
    (schema.employee_skills, schema.employee_skills.c.employee_id),
    (schema.employee_certifications, schema.employee_certifications.c.employee_id),
    (api_keys, api_keys.c.employee_id),
    (schema.employees, schema.employees.c.id),
)


@dataclass(frozen=True, slots=True)
class ErasureReceipt:
    """What one erasure removed; it names the person only by their tombstone.

    Attributes
    ----------
    tombstone : str
        The marker that replaced the person's id in every access-log row, the
        erasure's own row included.
    rows_deleted : Mapping[str, int]
        Rows deleted per table (``employees``, ``employee_skills``, ``api_keys``, ...).
    log_rows_tombstoned : int
        Access-log rows that named the person before the erasure.
    shortlist_entries_removed : int or None
        Entries removed from stored shortlists; ``None`` when this installation
        has no shortlist store.
    vectors_purged : int
        Profile vectors deleted from the embedding cache (0 without a cache, or when
        the vector was not cached).
    """

    tombstone: str
    rows_deleted: Mapping[str, int]
    log_rows_tombstoned: int
    shortlist_entries_removed: int | None
    vectors_purged: int


def erase_employee(
    engine: sa.Engine,
    catalog: Catalog,
    employee_id: str,
    principal: Principal,
    *,
    route: str,
    request_id: str,
    cache: CachedEncoder | None = None,
) -> ErasureReceipt:
    """Erase ``employee_id`` from the database (one transaction), then from the cache.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database holding the person, the access log and stored shortlists.
    catalog : Catalog
        The catalogue being served: it gives the profile text whose vector is purged.
    employee_id : str
        The person to erase.
    principal : Principal
        Who erases; logged (key id and role) in the erasure's access-log row.
    route, request_id : str
        Recorded in the erasure's access-log row, as for reads.
    cache : CachedEncoder, optional
        The service's encoder; the person's profile vector is deleted from its
        on-disk cache under its model name.

    Returns
    -------
    ErasureReceipt

    Raises
    ------
    UnknownEmployee
        No such person in the database, or the caller may not erase them; nothing
        is changed.
    sqlalchemy.exc.SQLAlchemyError
        The transaction failed and was rolled back; nothing is changed.
    """
    if not principal.may_access_employee(Action.EMPLOYEES_ERASE, employee_id):
        raise UnknownEmployee(employee_id)
    employee = catalog.employees.get(employee_id)
    texts = {profile_text(catalog, employee)} if employee is not None else set()
    with write_transaction(engine) as conn:
        texts |= _stored_profile(conn, employee_id)
        deleted = _delete_person(conn, employee_id)  # raises (rolls back) for nobody
        removed = _forget_shortlist_entries(conn, employee_id)
        named = _count_log_rows(conn, employee_id)
        log_access(
            conn,
            principal,
            action=str(Action.EMPLOYEES_ERASE),
            route=route,
            employee_id=employee_id,
            request_id=request_id,
        )
        tombstone = tombstone_access_log(conn, employee_id)
        assert tombstone is not None  # the erasure's own row names the person
    purged = 0 if cache is None else cache.cache.delete(cache.name, sorted(texts))
    return ErasureReceipt(tombstone, MappingProxyType(deleted), named, removed, purged)


def without_employee(catalog: Catalog, employee_id: str) -> Catalog:
    """``catalog`` without ``employee_id`` (the same catalogue if they are not in it).

    Examples
    --------
    >>> from recommender.catalog import Employee
    >>> c = Catalog.from_items(employees=[Employee("E1", "A", "r", "IT", "Main", 1.0, ())])
    >>> list(without_employee(c, "E1").employees), list(c.employees)
    ([], ['E1'])
    """
    if employee_id not in catalog.employees:
        return catalog
    kept = {i: e for i, e in catalog.employees.items() if i != employee_id}
    return replace(catalog, employees=MappingProxyType(kept))


def _stored_profile(conn: sa.Connection, employee_id: str) -> set[str]:
    """The profile text the database holds for the person (the served one may be older)."""
    query = sa.select(schema.employees.c.profile).where(schema.employees.c.id == employee_id)
    profile = conn.execute(query).scalar_one_or_none()
    return {profile} if profile and profile.strip() else set()


def _delete_person(conn: sa.Connection, employee_id: str) -> dict[str, int]:
    """Delete every row about the person; raise :class:`UnknownEmployee` if there was none."""
    deleted: dict[str, int] = {}
    for table, column in _PERSONAL_ROWS:
        deleted[table.name] = int(
            conn.execute(sa.delete(table).where(column == employee_id)).rowcount
        )
    if not deleted[schema.employees.name]:
        raise UnknownEmployee(employee_id)
    return deleted


def _forget_shortlist_entries(conn: sa.Connection, employee_id: str) -> int | None:
    """Remove the person from stored shortlists, if this installation stores any."""
    try:
        from recommender.store.shortlists import forget_employee
    except ImportError:
        return None
    return int(forget_employee(conn, employee_id))


def _count_log_rows(conn: sa.Connection, employee_id: str) -> int:
    query = sa.select(sa.func.count()).where(access_log.c.employee_id == employee_id)
    return int(conn.execute(query).scalar_one())
