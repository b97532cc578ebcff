"""Stored shortlists: saved once, read back exactly as saved, each read in the access log.

A ``shortlists`` row holds what was asked (role, limit, filters), by which key and role,
when (UTC), and what the ranking said about it (``considered``, ``certified``). One
``shortlist_entries`` row per candidate holds the rank, the employee id and the
candidate as rendered when saved (``payload``, JSON). Reading a shortlist never
recomputes it: a later import, a new model or a swapped service leaves it as it was.
Only erasure changes it: :func:`forget_employee` removes a person from every stored
shortlist, inside the erasure's own transaction.

Who may read one (:func:`may_see`): admin and talent keys read every shortlist; any
other key that may read shortlists reads only those it created itself. Anything else
is the same :class:`UnknownShortlist` as an id that does not exist, so a refused read
reveals nothing.

Saving and reading write one access-log row per person listed, in the same
transaction as the write or the read: nothing is answered before those rows commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from recommender.access import Action, Principal, Role
from recommender.errors import InvalidInput, NotFound
from recommender.store.access import log_reads
from recommender.store.engine import write_transaction
from recommender.store.schema import shortlist_entries, shortlists

__all__ = [
    "UnknownShortlist",
    "ShortlistEntry",
    "ShortlistContent",
    "StoredShortlist",
    "SEE_EVERY_SHORTLIST",
    "may_see",
    "save_shortlist",
    "load_shortlist",
    "create_shortlist",
    "read_shortlist",
    "forget_employee",
]

#: Roles that read every stored shortlist; other roles read only their own key's.
SEE_EVERY_SHORTLIST: frozenset[Role] = frozenset({Role.ADMIN, Role.TALENT})


class UnknownShortlist(NotFound):
    """No such shortlist, or not one the caller may see: the two are the same on purpose.

    The message never repeats the id the caller sent.
    """

    kind = "shortlist"

    def __str__(self) -> str:
        return "unknown shortlist"


@dataclass(frozen=True, slots=True)
class ShortlistEntry:
    """One person on a shortlist: rank (from 1), employee id and the rendered candidate."""

    rank: int
    employee_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ShortlistContent:
    """What a shortlist says: the question (role, limit, filters) and the ranked answer."""

    role_id: str
    role_title: str
    limit: int
    filters: Mapping[str, Any]
    considered: int
    certified: bool
    entries: tuple[ShortlistEntry, ...]

    @property
    def employee_ids(self) -> tuple[str, ...]:
        return tuple(e.employee_id for e in self.entries)


@dataclass(frozen=True, slots=True)
class StoredShortlist:
    """A saved shortlist: its random id, when and by which key it was made, its content."""

    id: str
    created_at: datetime
    created_by: str
    creator_role: Role
    content: ShortlistContent


def may_see(principal: Principal, stored: StoredShortlist) -> bool:
    """Whether ``principal`` may read ``stored``: admin and talent all, others their own.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> mine = StoredShortlist("s1", datetime.now(UTC), "rkey0001", Role.RECRUITER,
    ...                        ShortlistContent("r", "R", 10, {}, 0, True, ()))
    >>> may_see(Principal("rkey0001", Role.RECRUITER), mine)
    True
    >>> may_see(Principal("rkey0002", Role.RECRUITER), mine)
    False
    >>> may_see(Principal("tkey0001", Role.TALENT), mine)
    True
    >>> may_see(Principal("ekey0001", Role.EMPLOYEE, "E1"), mine)
    False
    """
    if not principal.may(Action.SHORTLISTS_READ):
        return False
    return principal.role in SEE_EVERY_SHORTLIST or stored.created_by == principal.key_id


# -- writing -----------------------------------------------------------------------------


def _check_json(content: ShortlistContent) -> None:
    """Refuse what JSON cannot hold faithfully (NaN, infinity) before anything is written."""
    try:
        json.dumps([content.filters, *(e.payload for e in content.entries)], allow_nan=False)
    except ValueError as error:
        raise InvalidInput(f"a shortlist cannot be stored: {error}") from None


def save_shortlist(
    conn: sa.Connection, principal: Principal, content: ShortlistContent
) -> StoredShortlist:
    """Store ``content`` as a new shortlist made by ``principal``, in ``conn``'s transaction.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside the caller's write transaction; the shortlist commits or rolls back with it.
    principal : Principal
        The key that asked; it is recorded as the creator.
    content : ShortlistContent
        The question and the ranked entries.

    Returns
    -------
    StoredShortlist
        With a random 128-bit id (never sequential) and the creation time in UTC.

    Raises
    ------
    InvalidInput
        A filter or a payload holds a non-finite number.
    """
    _check_json(content)
    stored = StoredShortlist(
        uuid.uuid4().hex, datetime.now(UTC), principal.key_id, principal.role, content
    )
    conn.execute(sa.insert(shortlists).values(_shortlist_row(stored)))
    if content.entries:
        conn.execute(
            sa.insert(shortlist_entries),
            [
                {
                    "shortlist_id": stored.id,
                    "rank": e.rank,
                    "employee_id": e.employee_id,
                    "payload": dict(e.payload),
                }
                for e in content.entries
            ],
        )
    return stored


def _shortlist_row(stored: StoredShortlist) -> dict[str, Any]:
    c = stored.content
    return {
        "id": stored.id,
        "role_id": c.role_id,
        "role_title": c.role_title,
        "created_at": stored.created_at,
        "created_by": stored.created_by,
        "creator_role": str(stored.creator_role),
        "candidate_limit": c.limit,
        "filters": dict(c.filters),
        "considered": c.considered,
        "certified": c.certified,
    }


def forget_employee(conn: sa.Connection, employee_id: str) -> int:
    """Remove ``employee_id`` from every stored shortlist, in ``conn``'s transaction.

    The other entries keep their ranks. Meant for erasure, which calls it inside its
    own transaction so that it commits or rolls back with the rest of the erasure.

    Returns
    -------
    int
        How many entries were removed: the number of shortlists that listed the person.
    """
    result = conn.execute(
        sa.delete(shortlist_entries).where(shortlist_entries.c.employee_id == employee_id)
    )
    return int(result.rowcount)


def create_shortlist(
    engine: sa.Engine,
    principal: Principal,
    content: ShortlistContent,
    *,
    route: str,
    request_id: str,
) -> StoredShortlist:
    """Store ``content`` and log one ``shortlists.write`` access per person, in one transaction.

    Raises
    ------
    InvalidInput
        See :func:`save_shortlist`.
    sqlalchemy.exc.SQLAlchemyError
        Nothing could be written; neither the shortlist nor any log row is kept.
    """
    with write_transaction(engine) as conn:
        # Logged first: each person's row is then held (PostgreSQL: FOR SHARE) until this
        # commits, and anyone erased since the ranking was made is neither logged nor kept.
        logged = log_reads(
            conn,
            principal,
            content.employee_ids,
            action=str(Action.SHORTLISTS_WRITE),
            route=route,
            request_id=request_id,
        )
        stored = save_shortlist(conn, principal, _only(content, logged))
    return stored


def _only(content: ShortlistContent, employee_ids: Sequence[str]) -> ShortlistContent:
    """``content`` with only the entries of ``employee_ids`` (ranks kept as they were)."""
    if len(employee_ids) == len(content.entries):
        return content
    kept = set(employee_ids)
    return replace(content, entries=tuple(e for e in content.entries if e.employee_id in kept))


# -- reading -----------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time reskill stores is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _load(conn: sa.Connection, shortlist_id: str) -> StoredShortlist:
    head = conn.execute(sa.select(shortlists).where(shortlists.c.id == shortlist_id)).first()
    if head is None:
        raise UnknownShortlist(shortlist_id)
    query = (
        sa.select(
            shortlist_entries.c.rank, shortlist_entries.c.employee_id, shortlist_entries.c.payload
        )
        .where(shortlist_entries.c.shortlist_id == shortlist_id)
        .order_by(shortlist_entries.c.rank)
    )
    entries = tuple(ShortlistEntry(r.rank, r.employee_id, r.payload) for r in conn.execute(query))
    h = head._mapping
    content = ShortlistContent(
        role_id=h["role_id"],
        role_title=h["role_title"],
        limit=h["candidate_limit"],
        filters=h["filters"],
        considered=h["considered"],
        certified=bool(h["certified"]),
        entries=entries,
    )
    return StoredShortlist(
        h["id"], _utc(h["created_at"]), h["created_by"], Role(h["creator_role"]), content
    )


def load_shortlist(engine: sa.Engine, shortlist_id: str) -> StoredShortlist:
    """The shortlist saved under ``shortlist_id``, entries by rank; no access check, no log.

    Raises
    ------
    UnknownShortlist
        No shortlist has that id.
    """
    with engine.connect() as conn, conn.begin():
        return _load(conn, shortlist_id)


def read_shortlist(
    engine: sa.Engine,
    principal: Principal,
    shortlist_id: str,
    *,
    route: str,
    request_id: str,
) -> StoredShortlist:
    """``shortlist_id`` for ``principal``, logged as one ``shortlists.read`` per person listed.

    Returns
    -------
    StoredShortlist
        Returned only after its access-log rows are committed.

    Raises
    ------
    UnknownShortlist
        No such shortlist, or one the caller may not see (:func:`may_see`); nothing is logged.
    """
    with write_transaction(engine) as conn:
        stored = _load(conn, shortlist_id)
        if not may_see(principal, stored):
            raise UnknownShortlist(shortlist_id)
        logged = log_reads(
            conn,
            principal,
            stored.content.employee_ids,
            action=str(Action.SHORTLISTS_READ),
            route=route,
            request_id=request_id,
        )
    # Someone erased after the entries were read (PostgreSQL) was not logged: left out.
    return replace(stored, content=_only(stored.content, logged))
