"""Erasing a person: their records, their name in the access log, their profile vector,
their prepared pages.

:func:`erase_employee` does, in ONE write transaction, everything the database holds
about a person: it deletes their record, skills, certifications, protected attributes,
API keys, career goal and corrections, removes them from stored shortlists and published reports, replaces
their id in the access log by a random tombstone, logs the erasure itself as an
access-log row that carries the tombstone, never the id, and records a salted digest
of the id with the same tombstone in ``erased_employees``, so that no later import
brings them back (until an explicit :func:`recommender.store.erasures.rehire`), and it
bumps the data version, so every worker swaps in a catalogue without them. The same
transaction deletes their prepared pages (``prepared_answers``, every data version) and
the stored vector of every text embedded for them (``text_vectors``, every model: the
SHA-256 of their profile text, or of the role-and-skills text that stands for a blank
profile). Either all of it commits or none of it does. Then, on SQLite, it empties the
write-ahead log (which still holds the pages written before), and it deletes the vector
of their profile text from an on-disk embedding cache, if the service uses one.

The per-person deletion is :func:`recommender.store.erasures.forget_people`, the same
one a snapshot import uses for leavers. The difference: a leaver gets no digest, so a
later import may bring them back; an erased person is left out of every import.

What the caller still has to do: stop serving the person (swap in a Recommender over
:func:`without_employee` of its catalogue). Reads still answered from the old catalogue
cannot name the person again: a read is logged only from the person's stored row
(:func:`recommender.store.access.log_reads`), so after the erasure commits it logs nothing
and the route answers as if the person never existed, and a read racing the erasure
either commits its log row before the erasure's tombstoning covers it or waits and finds
them gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import sqlalchemy as sa

from recommender.access import Action, Principal
from recommender.candidates.index import profile_text
from recommender.catalog import Catalog
from recommender.embeddings import CachedEncoder
from recommender.errors import UnknownEmployee
from recommender.store.access import log_access
from recommender.store.engine import write_transaction
from recommender.store.erasures import forget_person, record_erasure, scrub_sqlite
from recommender.store.vectors import forget_texts
from recommender.store.versions import bump

__all__ = [
    "ErasureReceipt",
    "erase_employee",
    "without_employee",
    "purge_profiles",
    "purge_leavers",
]


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
        Entries removed from stored shortlists (``None`` is no longer returned: every
        installation stores shortlists; kept in the type for callers that test it).
    vectors_purged : int
        Profile vectors deleted: rows of the database's ``text_vectors`` (in the
        erasure's transaction) plus entries of an on-disk embedding cache (0 when no
        vector was stored).
    data_version : int
        The data version the erasure committed (:func:`recommender.store.versions.bump`):
        the version just before it is ``data_version - 1``.
    """

    tombstone: str
    rows_deleted: Mapping[str, int]
    log_rows_tombstoned: int
    shortlist_entries_removed: int | None
    vectors_purged: int
    data_version: int = 0


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
        The service's encoder; the person's profile vector is deleted from its cache
        under its model name (the database's ``text_vectors`` lose it in the erasure's
        transaction whatever the encoder).

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
        # Logged first, under the id, so that the tombstoning below covers this row too.
        log_access(
            conn,
            principal,
            action=str(Action.EMPLOYEES_ERASE),
            route=route,
            employee_id=employee_id,
            request_id=request_id,
        )
        forgotten = forget_person(conn, employee_id)  # raises (rolls back) for nobody
        # The text embedded for them when their profile is blank (role and skill names).
        stored_vectors = forgotten.vectors_deleted + forget_texts(conn, texts)
        tombstone = forgotten.tombstones[employee_id]  # the erasure's own row names them
        record_erasure(conn, employee_id, tombstone)
        version = bump(conn, "erasure")
    scrub_sqlite(engine)
    purged = purge_profiles(cache, texts | set(forgotten.profiles))
    return ErasureReceipt(
        tombstone,
        MappingProxyType(dict(forgotten.rows_deleted)),
        forgotten.log_rows_tombstoned - 1,
        forgotten.shortlist_entries_removed,
        stored_vectors + purged,
        version,
    )


def purge_profiles(cache: CachedEncoder | None, texts: Iterable[str]) -> int:
    """Delete the vectors of ``texts`` from ``cache`` (under its model's name); return how
    many it held. Call it after the deletion of the people committed."""
    if cache is None:
        return 0
    return cache.cache.delete(cache.name, sorted(set(texts)))


def purge_leavers(cache: CachedEncoder | None, old: Catalog, new: Catalog) -> int:
    """Delete from ``cache`` the profile vectors of everyone in ``old`` but not in ``new``
    (erased or removed, by this process or another); return how many it held.

    A worker calls it when it swaps ``new`` in, so that a machine-local tier of the
    database's vectors forgets people erased through another machine too."""
    if cache is None:
        return 0
    gone = [e for i, e in old.employees.items() if i not in new.employees]
    texts = {profile_text(old, e) for e in gone} | {e.profile for e in gone if e.profile.strip()}
    return purge_profiles(cache, texts) if texts else 0


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
