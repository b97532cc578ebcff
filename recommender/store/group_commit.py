"""Group commit: many callers' rows written by one thread in one transaction.

Every read of a person commits an access-log row before it is answered. Committed one
request at a time, each waits for its own transaction (and on PostgreSQL its own WAL
flush); from the event loop, each would also pay a hop to a thread and back. A
:class:`GroupCommit` runs one writer thread per engine and statement: callers queue their
rows and wait, the writer takes everything queued, runs it in **one** transaction, and
hands each caller its own row counts. Under load the batches grow by themselves, so the
cost of a commit and of waking the waiters is shared; alone, a caller waits for one
transaction as before.

Every batch takes a connection from the engine's pool (pinged first on PostgreSQL), and
a connection found dead is invalidated (:class:`~recommender.store.engine.DriverStatement`):
while the database is unreachable each caller gets SQLAlchemy's ``OperationalError``, and
once it is back the next batch commits on a new connection. The writer thread itself
never dies of a failed batch.

Each caller's rows commit together or not at all: when a batch fails, the writer rolls it
back and runs each caller's rows in a transaction of their own, so one caller's bad rows
(a value the database refuses) fail that caller only.

Callers on an event loop ``await`` :meth:`GroupCommit.submit_async`; the writer wakes each
loop once per batch. Other callers block on :meth:`GroupCommit.submit`. The writer thread
ends after a few idle seconds and starts again on the next row (so an engine that is no
longer used can be collected).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from recommender.store.engine import DriverStatement

__all__ = ["GroupCommit", "group_commit"]

log = logging.getLogger(__name__)

#: Seconds an idle writer thread waits for rows before it ends.
IDLE_SECONDS = 5.0
#: At most this many callers' rows in one transaction.
MAX_BATCH = 256

Rows = Sequence[Mapping[str, Any]]


@dataclass(eq=False)
class _Job:
    rows: Rows
    future: Future[list[int]] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    waiter: asyncio.Future[list[int]] | None = None
    result: list[int] | None = None
    error: BaseException | None = field(default=None, repr=False)


class GroupCommit:
    """One writer thread committing ``statement`` for every caller (see the module docstring).

    Parameters
    ----------
    statement : DriverStatement
        Run once per row; its row count is what each caller gets back per row.
    """

    def __init__(self, statement: DriverStatement) -> None:
        self.statement = statement
        self.batches = 0
        self._queue: list[_Job] = []
        self._ready = threading.Condition()
        self._writer: threading.Thread | None = None

    def submit(self, rows: Rows) -> list[int]:
        """Commit ``rows`` (with whatever else is queued); each row's count, in order.

        Raises
        ------
        sqlalchemy.exc.SQLAlchemyError
            These rows could not be committed; none of them were.
        """
        if not rows:
            return []
        job = _Job(rows, future=Future())
        self._enqueue(job)
        assert job.future is not None
        return job.future.result()

    async def submit_async(self, rows: Rows) -> list[int]:
        """:meth:`submit` for a caller on an event loop: it waits without blocking the loop."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        job = _Job(rows, loop=loop, waiter=loop.create_future())
        self._enqueue(job)
        assert job.waiter is not None
        return await job.waiter

    def _enqueue(self, job: _Job) -> None:
        with self._ready:
            self._queue.append(job)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._run, name="reskill-group-commit", daemon=True
                )
                self._writer.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._queue and not self._ready.wait(IDLE_SECONDS) and not self._queue:
                    self._writer = None
                    return
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                self._write(batch)
                self._hand_back(batch)
            except Exception:  # the writer must outlive any one batch, or every caller waits
                log.exception("group commit: a batch could not be handed back")

    def _write(self, batch: list[_Job]) -> None:
        self.batches += 1
        try:
            counts = self.statement.commit_each([row for job in batch for row in job.rows])
        except BaseException:  # noqa: BLE001 - retried one caller at a time, below
            if len(batch) == 1:
                self._write_alone(batch[0])
                return
            for job in batch:
                self._write_alone(job)
            return
        start = 0
        for job in batch:
            job.result = counts[start : start + len(job.rows)]
            start += len(job.rows)

    def _write_alone(self, job: _Job) -> None:
        try:
            job.result = self.statement.commit_each(job.rows)
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            job.error = error

    def _hand_back(self, batch: list[_Job]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = defaultdict(list)
        for job in batch:
            if job.future is not None:
                if job.error is not None:
                    job.future.set_exception(job.error)
                else:
                    job.future.set_result(job.result or [])
            elif job.loop is not None:
                by_loop[job.loop].append(job)
        for loop, jobs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve, jobs)
            except RuntimeError:  # the loop closed while its callers waited: nobody to tell
                pass


def _resolve(jobs: list[_Job]) -> None:
    """On the waiters' loop: hand each its counts or its error."""
    for job in jobs:
        waiter = job.waiter
        if waiter is None or waiter.done():  # cancelled meanwhile
            continue
        if job.error is not None:
            waiter.set_exception(job.error)
        else:
            waiter.set_result(job.result or [])


_WRITERS: weakref.WeakKeyDictionary[sa.Engine, dict[Any, GroupCommit]] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def group_commit(engine: sa.Engine, statement: Any) -> GroupCommit:
    """The one :class:`GroupCommit` of ``statement`` (a Core statement) on ``engine``."""
    with _WRITERS_GUARD:
        writers = _WRITERS.setdefault(engine, {})
        if statement not in writers:
            writers[statement] = GroupCommit(DriverStatement(engine, statement))
        return writers[statement]
