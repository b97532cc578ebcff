"""Forgetting people in SQL, and remembering whom erasure forgot (salted digests only).

Two things live here, both meant to run inside the caller's transaction:

* :func:`forget_people` (and :func:`forget_person`, its one-person form) is the one
  per-person deletion. Erasure (:func:`recommender.erasure.erase_employee`) and snapshot
  imports (:func:`recommender.store.save_catalog` with ``replace_employees=True``) both
  call it: it deletes the person's record, skills, certifications, protected attributes,
  API keys, career goal and corrections, their prepared pages (every data version), the
  stored vector of their profile text (every model), their stored-shortlist entries and
  published-report memberships, and replaces their id in the access log by a random tombstone.
* Erasure tombstones: :func:`record_erasure` stores a salted SHA-256 digest of an erased
  id (never the id) in ``erased_employees``; :func:`erased_among` tells an import which
  of the ids it carries are tombstoned, so it leaves them out; :func:`rehire` removes a
  digest, so the next import may bring the person back. The salt is random, created
  once per database (``reskill_settings``, name ``erasure_salt``). Ids are normalised as
  imports normalise them (:func:`normalise_employee_id`) before hashing, so ``E001 ``,
  ``e001`` or a full-width ``Ｅ００１`` cannot slip past a tombstone for ``E001``.

The digest is pseudonymisation, not anonymisation: whoever holds the database (salt
included) can test whether a given id was erased. It cannot list the erased ids.

:func:`scrub_sqlite` empties SQLite's write-ahead log after a deletion, so old page
images holding the person's rows do not outlive the commit in the ``-wal`` file.

Examples
--------
>>> normalise_employee_id("\\uff25\\uff10\\uff10\\uff11\\u200b ") == normalise_employee_id("e001")
True
>>> len(id_digest("salt", "E001")), id_digest("salt", "E001 ") == id_digest("salt", "e001")
(64, True)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

import sqlalchemy as sa

from recommender.errors import UnknownEmployee
from recommender.ingest.columns import strip_format_chars
from recommender.ingest.validation import id_key
from recommender.store import schema
from recommender.store.access import access_log, api_keys, tombstone_access_log
from recommender.store.engine import write_transaction
from recommender.store.reports import forget_report_member
from recommender.store.shortlists import forget_employee as forget_shortlist_entries
from recommender.store.vectors import forget_texts

log = logging.getLogger(__name__)

__all__ = [
    "SALT_SETTING",
    "Forgotten",
    "forget_people",
    "forget_person",
    "normalise_employee_id",
    "id_digest",
    "record_erasure",
    "erased_among",
    "rehire",
    "scrub_sqlite",
]

#: The ``reskill_settings`` row holding this database's erasure salt.
SALT_SETTING = "erasure_salt"
_IN_CHUNK = 500  # ids per IN (...) list; far below SQLite's variable limit

#: Tables holding a person's rows, deleted children first, with the column naming them.
#: Prepared pages go after the ``employees`` row: a preparer stores a page only while it
#: finds (and, on PostgreSQL, share-locks) that row, so deleting the row first makes a
#: racing preparer either finish before this deletion sees its page or store nothing
#: (:mod:`recommender.store.preparations`).
_PERSONAL_ROWS: tuple[tuple[sa.Table, sa.Column[str]], ...] = (
    (schema.protected_attributes, schema.protected_attributes.c.employee_id),
    (schema.employee_skills, schema.employee_skills.c.employee_id),
    (schema.employee_certifications, schema.employee_certifications.c.employee_id),
    (api_keys, api_keys.c.employee_id),
    (schema.employee_goals, schema.employee_goals.c.employee_id),
    (schema.employee_corrections, schema.employee_corrections.c.employee_id),
    (schema.nominations, schema.nominations.c.employee_id),
    (schema.employees, schema.employees.c.id),
    (schema.prepared_answers, schema.prepared_answers.c.employee_id),
    (schema.academy_plan_entries, schema.academy_plan_entries.c.employee_id),
)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What :func:`forget_people` removed. Ids and profiles never appear in its repr.

    Attributes
    ----------
    rows_deleted : Mapping[str, int]
        Rows deleted per table: ``protected_attributes``, ``employee_skills``,
        ``employee_certifications``, ``api_keys``, ``employee_goals``,
        ``employee_corrections``, ``employees``,
        ``prepared_answers``.
    shortlist_entries_removed : int
        Entries removed from stored shortlists.
    report_memberships_removed : int
        Rows removed from ``published_report_members``.
    log_rows_tombstoned : int
        Access-log rows that named one of the people and now carry a tombstone.
    ids : tuple of str
        The people who had a record (and lost it), sorted.
    tombstones : Mapping[str, str]
        The tombstone that replaced each person's id in the access log, by id; only
        people the log named are here.
    profiles : tuple of str
        The profile texts the database held for the people, for the caller to purge
        their vectors from an on-disk embedding cache after the commit.
    vectors_deleted : int
        Rows of ``text_vectors`` (any model) deleted for those profile texts, in the
        same transaction.
    """

    rows_deleted: Mapping[str, int]
    shortlist_entries_removed: int
    report_memberships_removed: int
    log_rows_tombstoned: int
    ids: tuple[str, ...] = field(repr=False)
    tombstones: Mapping[str, str] = field(repr=False)
    profiles: tuple[str, ...] = field(repr=False)
    vectors_deleted: int = 0

    @property
    def people(self) -> int:
        """How many people had a record (and lost it)."""
        return len(self.ids)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def forget_people(conn: sa.Connection, employee_ids: Collection[str]) -> Forgotten:
    """Delete every row that names one of ``employee_ids``, in ``conn``'s transaction.

    Ids without a record are no error: their other rows (a shortlist entry, an
    access-log row) are removed or tombstoned all the same. Nothing here records an
    erasure tombstone: erasure does that on top (:func:`record_erasure`); a snapshot
    import removes leavers without one, so a later import may bring them back.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside a write transaction (:func:`recommender.store.write_transaction`); all of
        it commits or rolls back with the caller's other work.
    employee_ids : collection of str
        Stored ids, exactly as stored.

    Returns
    -------
    Forgotten
    """
    ids = sorted(set(employee_ids))
    if conn.dialect.name == "sqlite":
        # Overwrite deleted cells with zeros (the default of some SQLite builds, not all).
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
    stored = _stored_records(conn, ids)
    deleted = {table.name: 0 for table, _ in _PERSONAL_ROWS}
    for chunk in _chunks(ids):
        for table, column in _PERSONAL_ROWS:
            deleted[table.name] += int(
                conn.execute(sa.delete(table).where(column.in_(chunk))).rowcount
            )
    shortlisted = sum(int(forget_shortlist_entries(conn, i)) for i in ids)
    # Published reports keep their selections' sizes: each row naming the person gets a
    # random marker instead (see recommender.store.reports.forget_report_member).
    reported = sum(forget_report_member(conn, i) for i in ids)
    named = _log_rows_naming(conn, ids)
    tombstones: dict[str, str] = {}
    for employee_id in sorted(named):
        marker = tombstone_access_log(conn, employee_id)
        if marker is not None:
            tombstones[employee_id] = marker
    profiles = tuple(p for p in stored.values() if p and p.strip())
    return Forgotten(
        MappingProxyType(deleted),
        shortlisted,
        reported,
        sum(named.values()),
        tuple(sorted(stored)),
        MappingProxyType(tombstones),
        profiles,
        forget_texts(conn, profiles),
    )


def forget_person(conn: sa.Connection, employee_id: str) -> Forgotten:
    """:func:`forget_people` for one stored person.

    Raises
    ------
    UnknownEmployee
        No record of ``employee_id``; the caller must roll back (what was deleted
        of their other rows is in its transaction).
    """
    forgotten = forget_people(conn, [employee_id])
    if not forgotten.people:
        raise UnknownEmployee(employee_id)
    return forgotten


def _stored_records(conn: sa.Connection, ids: Sequence[str]) -> dict[str, str]:
    """The profile text stored for each of ``ids`` that has a record (the served
    catalogue may hold an older one)."""
    table = schema.employees
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        query = sa.select(table.c.id, table.c.profile).where(table.c.id.in_(chunk))
        found.update({str(i): str(p) for i, p in conn.execute(query)})
    return found


def _log_rows_naming(conn: sa.Connection, ids: Sequence[str]) -> dict[str, int]:
    """Access-log rows per person, for the people the log names."""
    column = access_log.c.employee_id
    out: dict[str, int] = {}
    for chunk in _chunks(ids):
        query = sa.select(column, sa.func.count()).where(column.in_(chunk)).group_by(column)
        out.update({str(i): int(n) for i, n in conn.execute(query)})
    return out


# -- erasure tombstones ----------------------------------------------------------------------


def normalise_employee_id(raw: str) -> str:
    """The form of an id that tombstones compare: as imports normalise it, letter case folded.

    NFKC, Unicode format characters (zero-width, bidi controls) removed, surrounding
    white space trimmed (as :func:`recommender.ingest.validation.parse_id`), then case
    folded (imports treat ids that differ only in case as the same person,
    :func:`recommender.ingest.validation.id_key`).
    """
    return id_key(strip_format_chars(unicodedata.normalize("NFKC", raw)).strip())


def id_digest(salt: str, employee_id: str) -> str:
    """The salted SHA-256 (HMAC) of a normalised id: 64 hexadecimal characters."""
    message = normalise_employee_id(employee_id).encode("utf-8", "surrogatepass")
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()


def _salt(conn: sa.Connection, *, create: bool) -> str | None:
    table = schema.settings
    query = sa.select(table.c.value).where(table.c.name == SALT_SETTING)
    salt = conn.execute(query).scalar_one_or_none()
    if salt is not None or not create:
        return salt
    insert = _dialect_insert(conn, table).values(name=SALT_SETTING, value=secrets.token_hex(32))
    conn.execute(insert.on_conflict_do_nothing(index_elements=[table.c.name]))
    return str(conn.execute(query).scalar_one())


def _dialect_insert(conn: sa.Connection, table: sa.Table) -> sa.dialects.postgresql.Insert:
    """An INSERT with ``on_conflict_do_*`` (PostgreSQL's and SQLite's take the same calls)."""
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)  # type: ignore[return-value]
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table)


def record_erasure(conn: sa.Connection, employee_id: str, tombstone: str) -> str:
    """Record that ``employee_id`` was erased, in ``conn``'s transaction; return its digest.

    Stores the salted digest of the id (creating this database's salt the first time)
    with ``tombstone``, the marker that replaced the id in the access log.
    """
    salt = _salt(conn, create=True)
    assert salt is not None
    digest = id_digest(salt, employee_id)
    table = schema.erased_employees
    values = {"id_digest": digest, "erased_at": datetime.now(UTC), "tombstone": tombstone}
    insert = _dialect_insert(conn, table).values(values)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.id_digest],
            set_={"erased_at": values["erased_at"], "tombstone": tombstone},
        )
    )
    return digest


def erased_among(conn: sa.Connection, employee_ids: Iterable[str]) -> frozenset[str]:
    """Those of ``employee_ids`` whose digest is tombstoned (they were erased, not re-hired)."""
    salt = _salt(conn, create=False)
    if salt is None:  # no erasure ever happened here
        return frozenset()
    erased = set(conn.execute(sa.select(schema.erased_employees.c.id_digest)).scalars())
    if not erased:
        return frozenset()
    return frozenset(i for i in employee_ids if id_digest(salt, i) in erased)


def rehire(engine: sa.Engine, employee_id: str) -> bool:
    """Remove the erasure tombstone of ``employee_id``: the next import may bring them back.

    Returns
    -------
    bool
        ``True`` if the id was tombstoned.
    """
    with write_transaction(engine) as conn:
        salt = _salt(conn, create=False)
        if salt is None:
            return False
        table = schema.erased_employees
        query = sa.delete(table).where(table.c.id_digest == id_digest(salt, employee_id))
        return bool(conn.execute(query).rowcount)


def scrub_sqlite(engine: sa.Engine) -> bool:
    """Empty a SQLite database's write-ahead log after people were deleted from it.

    The WAL still holds the page images written before the deletion, names included,
    until a checkpoint copies the newer pages into the database file and the log
    restarts. A ``TRUNCATE`` checkpoint does both; it waits (busy timeout) for readers
    of older snapshots. Does nothing for other databases.

    Returns
    -------
    bool
        ``False`` when SQLite reported the checkpoint busy (the log still holds old
        pages until the next checkpoint); ``True`` otherwise.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning("the WAL checkpoint after an erasure was busy; it runs again later")
    return not busy
