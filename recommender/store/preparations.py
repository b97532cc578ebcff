"""Answers prepared once per data version, in SQL: ``preparations`` and ``prepared_answers``.

A *preparation* of data version ``v`` is one row of ``preparations`` (started, finished
or not, people prepared, the zlib dictionary of its pages) and one row of
``prepared_answers`` per person: their first page of opportunities as the route sends it,
zlib-compressed (:func:`recommender.pages.pack`), with the day its plans start on. The
dictionary is stored once, before the first page packed with it (:func:`keep_dictionary`),
and never changes, so every page of a version unpacks with it; pages of a preparation
begun before dictionaries (migration 0006) are plain and unpack without one.
:mod:`recommender.preparation` fills them (``reskill prepare``, or the first worker to
start on an unprepared version); workers read them.

One preparer at a time
----------------------
:func:`claim` is a non-blocking lock that dies with its holder, so a killed preparer
never leaves a version locked:

* PostgreSQL: ``pg_try_advisory_lock(PREPARE_LOCK, version)`` on a connection of its own,
  held until :func:`claim` exits (or the connection drops).
* SQLite: ``flock`` on ``<database file>-prepare.lock`` beside the database file, held on an
  open file until :func:`claim` exits (the kernel drops it when the process dies). One lock
  per database file rather than per version: SQLite databases serve one machine, and a
  preparer of a superseded version stops at its next batch. An in-memory database gets a
  lock of this process.

Personal data
-------------
A page names its person. :func:`store_pages` writes it only in a transaction that finds
the person's ``employees`` row, and on PostgreSQL holds that row ``FOR SHARE`` until the
commit; erasure (:func:`recommender.store.erasures.forget_people`) deletes the ``employees``
row *before* the person's ``prepared_answers``, so either the erasure waits for the
page's commit and then deletes it, or the preparer finds the person gone and stores
nothing. The same holds for the profile vectors the preparer stores
(:func:`store_profile_vectors`). A preparation's page dictionary is made of pages rendered for
no one (their ``employee_id`` empty), so it names nobody; it goes with its preparation once a
later version is prepared (:func:`forget_before`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from recommender.embeddings import FloatMatrix
from recommender.store.engine import write_transaction
from recommender.store.schema import (
    employees,
    preparations,
    prepared_answers,
    prepared_indexes,
    settings,
    text_vectors,
)
from recommender.store.vectors import INSERT_ROWS, STORED, chunk_size, member_of, text_hash

__all__ = [
    "PREPARE_LOCK",
    "FINGERPRINT_SETTING",
    "BEGUN_SETTING",
    "PreparationRow",
    "claim",
    "preparation",
    "begin",
    "finish",
    "stored_dictionary",
    "keep_dictionary",
    "stored_people",
    "store_pages",
    "store_profile_vectors",
    "read_pages",
    "forget_pages",
    "carry",
    "forget_before",
]

#: The ``reskill_settings`` row naming the last finished preparation and the fingerprint of
#: the catalogue it was prepared from (``"<version>:<sha256>"``): a later data version with
#: the same fingerprint (a key was created, say) answers the same, so its preparation is
#: copied (:func:`carry`) instead of computed.
FINGERPRINT_SETTING = "prepared_fingerprint"
#: The ``reskill_settings`` row naming the last preparation begun and the fingerprint of its
#: catalogue (``"<version>:<sha256>"``): a preparation superseded (or killed) before it
#: finished, by a version that answers the same, hands its stored pages on (:func:`carry`).
BEGUN_SETTING = "preparing_fingerprint"
#: The first key of the PostgreSQL advisory lock of a preparation ("RSKP"); the second is
#: the data version.
PREPARE_LOCK = 0x52534B50
_PAGE_ROWS = 200  # rows per multi-row INSERT (4 variables each)


@dataclass(frozen=True, slots=True)
class PreparationRow:
    """One row of ``preparations``: ``finished_at`` is ``None`` while running or interrupted."""

    version: int
    started_at: datetime
    finished_at: datetime | None
    people: int

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


# -- the lock -----------------------------------------------------------------------------------


@contextlib.contextmanager
def claim(engine: sa.Engine, version: int) -> Iterator[bool]:
    """Try to become the one preparer of ``version`` (never waits); yields whether it did.

    Held until the ``with`` block ends, or until the process dies.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, version) as held:
            yield held
    elif _sqlite_file(engine) is None:
        with _process_lock(engine) as held:
            yield held
    else:
        with _file_lock(_lock_path(engine)) as held:
            yield held


@contextlib.contextmanager
def _advisory_lock(engine: sa.Engine, version: int) -> Iterator[bool]:
    key = {"a": PREPARE_LOCK, "b": version % 2**31}
    conn = engine.connect()
    try:
        held = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:a, :b)"), key).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:a, :b)"), key)
                conn.commit()
    except BaseException:
        # A session lock must never go back to the pool with its connection.
        conn.invalidate()
        raise
    finally:
        conn.close()


def _sqlite_file(engine: sa.Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return database


def _lock_path(engine: sa.Engine) -> Path:
    database = _sqlite_file(engine)
    assert database is not None
    return Path(f"{database}-prepare.lock")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


_MEMORY_LOCKS: weakref.WeakKeyDictionary[sa.Engine, threading.Lock] = weakref.WeakKeyDictionary()
_MEMORY_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _process_lock(engine: sa.Engine) -> Iterator[bool]:
    with _MEMORY_LOCKS_GUARD:
        lock = _MEMORY_LOCKS.setdefault(engine, threading.Lock())
    held = lock.acquire(blocking=False)
    try:
        yield held
    finally:
        if held:
            lock.release()


# -- the preparations row -------------------------------------------------------------------------


def preparation(bind: sa.Engine | sa.Connection, version: int) -> PreparationRow | None:
    """The ``preparations`` row of ``version``, or ``None`` if nobody began preparing it."""
    columns = ("version", "started_at", "finished_at", "people")  # not the dictionary
    query = sa.select(*(preparations.c[c] for c in columns)).where(
        preparations.c.version == version
    )
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            row = conn.execute(query).one_or_none()
    else:
        row = bind.execute(query).one_or_none()
    if row is None:
        return None
    return PreparationRow(int(row.version), row.started_at, row.finished_at, int(row.people))


def _dialect_insert(conn: sa.Connection, table: sa.Table) -> sa.dialects.postgresql.Insert:
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)  # type: ignore[return-value]
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table)


def begin(engine: sa.Engine, version: int, people: int, fingerprint: str) -> PreparationRow:
    """Record that ``version`` is being prepared for ``people`` people from the catalogue
    ``fingerprint`` stands for (a row that exists, from an interrupted run or a finished
    one, is kept as it is); return the row."""
    with write_transaction(engine) as conn:
        insert = _dialect_insert(conn, preparations).values(
            version=version, started_at=datetime.now(UTC), finished_at=None, people=people
        )
        conn.execute(insert.on_conflict_do_nothing(index_elements=[preparations.c.version]))
        row = preparation(conn, version)
        begun = _recorded(conn, BEGUN_SETTING)
        if row is not None and not row.finished and (begun is None or begun[0] <= version):
            _record(conn, version, fingerprint, BEGUN_SETTING)
    assert row is not None
    return row


def finish(engine: sa.Engine, version: int, fingerprint: str) -> int:
    """Mark ``version`` prepared now, counting its stored pages, and record the fingerprint
    of the catalogue it was prepared from (:data:`FINGERPRINT_SETTING`); return the count."""
    with write_transaction(engine) as conn:
        people = conn.execute(
            sa.select(sa.func.count())
            .select_from(prepared_answers)
            .where(prepared_answers.c.version == version)
        ).scalar_one()
        conn.execute(
            sa.update(preparations)
            .where(preparations.c.version == version)
            .values(finished_at=datetime.now(UTC), people=int(people))
        )
        recorded = _recorded(conn)
        if recorded is None or recorded[0] <= version:  # a late finish never hides a newer one
            _record(conn, version, fingerprint)
    return int(people)


def stored_dictionary(bind: sa.Engine | sa.Connection, version: int) -> bytes | None:
    """The zlib dictionary the pages of ``version`` are packed with, or ``None`` (plain
    pages, or no preparation of ``version``)."""
    query = sa.select(preparations.c.page_dictionary).where(preparations.c.version == version)
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
    else:
        found = bind.execute(query).scalar_one_or_none()
    return None if found is None else bytes(found)


def keep_dictionary(engine: sa.Engine, version: int, dictionary: bytes) -> bytes:
    """Store ``dictionary`` as the page dictionary of ``version`` (begun: :func:`begin`) unless
    it has one already; return the one it has now. Pages are packed with what this returns."""
    with write_transaction(engine) as conn:
        conn.execute(
            sa.update(preparations)
            .where(preparations.c.version == version, preparations.c.page_dictionary.is_(None))
            .values(page_dictionary=dictionary)
        )
        kept = stored_dictionary(conn, version)
    assert kept is not None, f"data version {version} was never begun"
    return kept


def _record(
    conn: sa.Connection, version: int, fingerprint: str, name: str = FINGERPRINT_SETTING
) -> None:
    insert = _dialect_insert(conn, settings).values(name=name, value=f"{version}:{fingerprint}")
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[settings.c.name], set_={"value": insert.excluded.value}
        )
    )


def _recorded(conn: sa.Connection, name: str = FINGERPRINT_SETTING) -> tuple[int, str] | None:
    value = conn.execute(
        sa.select(settings.c.value).where(settings.c.name == name)
    ).scalar_one_or_none()
    if value is None:
        return None
    version, _, fingerprint = str(value).partition(":")
    return int(version), fingerprint


def forget_before(engine: sa.Engine, version: int) -> int:
    """Delete the pages, indexes and preparations of every version older than ``version`` (no
    worker loads them again: workers load the current version); return the pages deleted."""
    with write_transaction(engine) as conn:
        pages = conn.execute(
            sa.delete(prepared_answers).where(prepared_answers.c.version < version)
        )
        conn.execute(sa.delete(prepared_indexes).where(prepared_indexes.c.version < version))
        conn.execute(sa.delete(preparations).where(preparations.c.version < version))
    return int(pages.rowcount)


# -- indexes ----------------------------------------------------------------------------------------


def store_index(engine: sa.Engine, version: int, name: str, body: bytes) -> None:
    """Store the index ``name`` built for ``version`` (replacing one stored before)."""
    table = prepared_indexes
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(table).where(table.c.version == version, table.c.name == name))
        conn.execute(sa.insert(table).values(version=version, name=name, body=body))


def stored_index(engine: sa.Engine, version: int, name: str) -> bytes | None:
    """The index ``name`` stored for ``version``, or ``None``."""
    table = prepared_indexes
    query = sa.select(table.c.body).where(table.c.version == version, table.c.name == name)
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return None if found is None else bytes(found)


# -- pages ------------------------------------------------------------------------------------------


def stored_people(engine: sa.Engine, version: int, day: date) -> set[str]:
    """The people whose page of ``version`` is stored for ``day``."""
    query = sa.select(prepared_answers.c.employee_id).where(
        prepared_answers.c.version == version, prepared_answers.c.day == day
    )
    with engine.connect() as conn:
        return {str(e) for e in conn.execute(query).scalars()}


def _present(conn: sa.Connection, ids: Collection[str]) -> set[str]:
    """Those of ``ids`` with an ``employees`` row; on PostgreSQL their rows stay share-locked
    until the transaction ends, so an erasure of them waits for it (see the module doc)."""
    found: set[str] = set()
    ordered = sorted(ids)
    size = chunk_size(conn)
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        query = sa.select(employees.c.id).where(member_of(conn, employees.c.id, chunk))
        found.update(str(i) for i in conn.execute(query.with_for_update(read=True)).scalars())
    return found


def store_pages(engine: sa.Engine, version: int, pages: Sequence[tuple[str, date, bytes]]) -> int:
    """Store ``(employee_id, day, compressed page)`` rows of ``version`` in one transaction,
    replacing a stored page of the same person and version; people no longer stored are
    skipped. Returns the rows written."""
    with write_transaction(engine) as conn:
        present = _present(conn, {e for e, _, _ in pages})
        rows = [
            {"version": version, "employee_id": e, "day": d, "body": b}
            for e, d, b in pages
            if e in present
        ]
        for start in range(0, len(rows), _PAGE_ROWS):
            insert = _dialect_insert(conn, prepared_answers).values(
                rows[start : start + _PAGE_ROWS]
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[prepared_answers.c.version, prepared_answers.c.employee_id],
                    set_={"day": insert.excluded.day, "body": insert.excluded.body},
                )
            )
    return len(rows)


def forget_pages(engine: sa.Engine, version: int) -> int:
    """Delete every stored page of ``version`` (they were answered by another judge);
    return how many."""
    with write_transaction(engine) as conn:
        done = conn.execute(
            sa.delete(prepared_answers).where(prepared_answers.c.version == version)
        )
    return int(done.rowcount)


def read_page(engine: sa.Engine, version: int, employee_id: str, day: date) -> bytes | None:
    """The compressed page of ``employee_id`` stored in ``version`` for ``day``, or ``None``."""
    query = sa.select(prepared_answers.c.body).where(
        prepared_answers.c.version == version,
        prepared_answers.c.employee_id == employee_id,
        prepared_answers.c.day == day,
    )
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return None if found is None else bytes(found)


def read_pages(engine: sa.Engine, version: int, day: date) -> Iterator[tuple[str, bytes]]:
    """The stored pages of ``version`` for ``day``: ``(employee_id, compressed page)``."""
    query = sa.select(prepared_answers.c.employee_id, prepared_answers.c.body).where(
        prepared_answers.c.version == version, prepared_answers.c.day == day
    )
    with engine.connect() as conn:
        for employee_id, body in conn.execution_options(yield_per=1000).execute(query):
            yield str(employee_id), bytes(body)


def carry(engine: sa.Engine, new: int, fingerprint: str) -> int:
    """Hand a preparation made from the catalogue ``fingerprint`` stands for (only keys, or
    nothing the answers read, changed since) on to ``new``; returns the pages copied, or -1
    when nothing was copied (no such preparation, or ``new`` already begun). Hold
    :func:`claim` of ``new``.

    The last finished preparation is copied whole and ``new`` marked finished. Else the last
    preparation begun, if it never finished (superseded by ``new``, or killed): its pages,
    indexes and page dictionary so far are copied and ``new`` is left to be completed, so a
    key created while 100,000 pages are prepared costs the pages not yet made, not all."""
    with write_transaction(engine) as conn:
        if (copied := _copy_finished(conn, new, fingerprint)) >= 0:
            return copied
        begun = _recorded(conn, BEGUN_SETTING)
        if begun is None or begun[1] != fingerprint or begun[0] >= new:
            return -1
        was, now = preparation(conn, begun[0]), preparation(conn, new)
        if was is None or was.finished or now is not None:
            return -1
        return _copy(conn, begun[0], new, finished=False)


def _copy_finished(conn: sa.Connection, new: int, fingerprint: str) -> int:
    recorded = _recorded(conn)
    if recorded is None or recorded[1] != fingerprint or recorded[0] == new:
        return -1
    was, now = preparation(conn, recorded[0]), preparation(conn, new)
    if was is None or not was.finished or now is not None:
        return -1
    copied = _copy(conn, recorded[0], new, finished=True)
    _record(conn, new, fingerprint)
    return copied


def _copy(conn: sa.Connection, old: int, new: int, *, finished: bool) -> int:
    """Copy ``old``'s pages (of people still stored) and indexes to ``new``, and record
    ``new``'s preparation with ``old``'s page dictionary; the pages copied."""
    columns = [prepared_answers.c.employee_id, prepared_answers.c.day, prepared_answers.c.body]
    source = sa.select(sa.literal(new, sa.BigInteger), *columns).where(
        prepared_answers.c.version == old,
        prepared_answers.c.employee_id.in_(sa.select(employees.c.id)),
    )
    conn.execute(
        sa.insert(prepared_answers).from_select(["version", "employee_id", "day", "body"], source)
    )
    indexes = sa.select(
        sa.literal(new, sa.BigInteger), prepared_indexes.c.name, prepared_indexes.c.body
    ).where(prepared_indexes.c.version == old)
    conn.execute(sa.insert(prepared_indexes).from_select(["version", "name", "body"], indexes))
    copied = conn.execute(
        sa.select(sa.func.count())
        .select_from(prepared_answers)
        .where(prepared_answers.c.version == new)
    ).scalar_one()
    stamp = datetime.now(UTC)
    conn.execute(
        sa.insert(preparations).values(
            version=new,
            started_at=stamp,
            finished_at=stamp if finished else None,
            people=int(copied),
            page_dictionary=stored_dictionary(conn, old),
        )
    )
    return int(copied)


# -- profile vectors --------------------------------------------------------------------------------


def store_profile_vectors(
    engine: sa.Engine,
    model_name: str,
    owners: Mapping[str, Collection[str]],
    vectors: FloatMatrix,
) -> int:
    """Store the vector of each text of ``owners`` (text -> ids of the people whose profile
    it is; rows of ``vectors`` in the order of ``owners``) in one transaction, skipping a
    text none of whose people is still stored; keys already stored are kept. Returns how
    many texts were offered to the table."""
    texts = list(owners)
    with write_transaction(engine) as conn:
        present = _present(conn, {i for ids in owners.values() for i in ids})
        rows = [
            {
                "model": model_name,
                "text_hash": text_hash(t),
                "dim": int(v.shape[0]),
                "vector": np.asarray(v).astype(STORED).tobytes(),
            }
            for t, v in zip(texts, vectors, strict=True)
            if any(i in present for i in owners[t])
        ]
        for start in range(0, len(rows), INSERT_ROWS):
            insert = _dialect_insert(conn, text_vectors).values(rows[start : start + INSERT_ROWS])
            conn.execute(insert.on_conflict_do_nothing())
    return len(rows)
