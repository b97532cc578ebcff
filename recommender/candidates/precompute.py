"""Everyone's opportunities, answered ahead of the first request.

An employee's mobility options (:func:`~recommender.candidates.mobility_options`) cost
milliseconds of planning each (several exact training plans), and nothing of them is
shared between people: a page of opportunities opened by many employees at once queues
behind that work. :class:`PreparedOpportunities` answers the question the page asks
first -- the default ``limit``, viable moves, no step downs, the goal the profile states
(a goal set through the API is answered per request instead) -- for every employee who can be
ranked, in worker processes, and keeps the answers compressed (about a fifth of their
size as objects). They are kept in this process's memory only: never written anywhere.

An answer depends only on the person's own record and on the roles, skills and courses
(the planner, the transition judge and demand read nothing of other employees), so after
an import or an erasure the answers of people whose record did not change carry over to
the new catalogue (:meth:`PreparedOpportunities.carried_to`); an erased person's answer
goes with them.

Dates: plans are dated from the day they were computed; :meth:`Recommender.opportunities
<recommender.service.Recommender.opportunities>` moves them to today when served (every
date shifts by the same number of days, exactly as planning again would give).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import date

from recommender.candidates.index import CandidateIndex
from recommender.candidates.mobility import Opportunities, Routes, mobility_options
from recommender.catalog import Catalog
from recommender.pools import drained

__all__ = ["PREPARED_LIMIT", "PreparedOpportunities", "is_prepared_question", "unchanged_offer"]

#: The question answered ahead: the first page of opportunities (viable moves only).
PREPARED_LIMIT = 10


def is_prepared_question(
    limit: int, include_unviable: bool, include_step_down: bool = False
) -> bool:
    """Whether an opportunities question is the one answered ahead for everyone (for a
    person with no goal set through the API)."""
    return limit == PREPARED_LIMIT and not include_unviable and not include_step_down


_CHUNK = 50
#: Runs of chunks per process: each process takes a run of consecutive chunks at a time.
_RUNS = 8
#: Selections a worker process's planner remembers at most (about 330 bytes each): a
#: worker answering 50,000 colleagues meets about 150,000 situations.
WORKER_REMEMBERS = 400_000

Options = Opportunities

# The index (and stepping stones) a worker process answers from: inherited when the pool
# forks (set just before the pool starts), so it is never copied through a pipe.
_WORKER_INDEX: CandidateIndex | None = None
_WORKER_ROUTES: Routes | None = None


def _pack(options: Options) -> bytes:
    # Our own objects, kept in this process's memory: never read from anywhere else.
    return zlib.compress(pickle.dumps(options, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes) -> Options:
    options: Options = pickle.loads(zlib.decompress(blob))  # noqa: S301 (see _pack)
    return options


def _answer(
    index: CandidateIndex, ids: Sequence[str], start: date, routes: Routes | None
) -> list[tuple[str, bytes]]:
    return [
        (e, _pack(mobility_options(index, e, PREPARED_LIMIT, start=start, routes=routes)))
        for e in ids
    ]


def _answer_in_worker(job: tuple[Sequence[str], date]) -> list[tuple[str, bytes]]:
    assert _WORKER_INDEX is not None, "worker started without an index"
    return _answer(_WORKER_INDEX, *job, _WORKER_ROUTES)


def unchanged_offer(old: Catalog, new: Catalog) -> bool:
    """Whether ``old`` and ``new`` offer the same roles, skills and courses (so one person's
    opportunities are the same in both when their own record is)."""
    return old.roles == new.roles and old.skills == new.skills and old.courses == new.courses


class PreparedOpportunities:
    """Compressed default opportunity answers, by employee id, each with the day its plans
    begin; thread-safe. Start empty, then :meth:`fill` (or :meth:`carried_to`)."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[bytes, date]] = {}  # packed options, first day
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def __contains__(self, employee_id: object) -> bool:
        return employee_id in self._answers

    def people(self) -> list[str]:
        """The ids of everyone with a kept answer."""
        with self._lock:
            return list(self._answers)

    def get(self, employee_id: str) -> tuple[Options, date] | None:
        """The answer kept for ``employee_id`` and the day its plans begin, or ``None``."""
        with self._lock:
            kept = self._answers.get(employee_id)
        if kept is None:
            return None
        blob, start = kept
        return _unpack(blob), start

    def put(self, employee_id: str, options: Options, start: date) -> None:
        """Keep ``options`` (plans beginning on ``start``) for ``employee_id``."""
        blob = _pack(options)
        with self._lock:
            self._answers[employee_id] = (blob, start)

    def nbytes(self) -> int:
        """The size of the packed answers."""
        with self._lock:
            return sum(len(blob) for blob, _ in self._answers.values())

    def fill(
        self,
        index: CandidateIndex,
        *,
        processes: int | None = None,
        start: date | None = None,
        progress: Callable[[int, int], None] | None = None,
        employee_ids: Sequence[str] | None = None,
        routes: Routes | None = None,
    ) -> int:
        """Answer every rankable employee (or those of ``employee_ids``) not answered yet;
        returns how many were answered.

        ``processes`` worker processes share the work (default: one per core; 1 answers in
        this process). ``progress(done, total)`` is called as answers arrive; ``routes``
        names the stepping stones of long-term routes.
        """
        todo = self.unanswered(index, employee_ids)
        total = len(todo)
        if progress is not None:
            progress(0, total)
        done = 0
        for answered in self.filling(index, todo, processes=processes, start=start, routes=routes):
            done += len(answered)
            if progress is not None:
                progress(done, total)
        return total

    def unanswered(
        self, index: CandidateIndex, employee_ids: Sequence[str] | None = None
    ) -> list[str]:
        """Those of ``employee_ids`` (default: every rankable employee) without an answer."""
        with self._lock:
            asked = index.employee_ids_ if employee_ids is None else employee_ids
            return [e for e in asked if e not in self._answers]

    def filling(
        self,
        index: CandidateIndex,
        employee_ids: Sequence[str],
        *,
        processes: int | None = None,
        start: date | None = None,
        routes: Routes | None = None,
    ) -> Iterator[list[str]]:
        """Answer ``employee_ids`` (all of them, answered or not), keeping each answer as it
        arrives; yields the ids answered, a chunk at a time, in no fixed order.

        Stopping the iteration early stops the worker processes; what arrived is kept.
        """
        start = start or date.today()
        workers = processes or os.cpu_count() or 1
        for answers in _batches(index, employee_ids, start, workers, routes):
            with self._lock:
                for employee_id, blob in answers:
                    self._answers[employee_id] = (blob, start)
            yield [employee_id for employee_id, _ in answers]

    def carried_to(self, old: Catalog, new: Catalog) -> PreparedOpportunities:
        """The answers still true in ``new``: every kept answer of a person whose record is
        the same in both catalogues, when both offer the same roles, skills and courses."""
        if not unchanged_offer(old, new):
            return PreparedOpportunities()
        carried = PreparedOpportunities()
        with self._lock:
            for employee_id, kept in self._answers.items():
                person = new.employees.get(employee_id)
                if person is not None and person == old.employees.get(employee_id):
                    carried._answers[employee_id] = kept
        return carried


def _batches(
    index: CandidateIndex, ids: Sequence[str], start: date, processes: int, routes: Routes | None
) -> Iterator[list[tuple[str, bytes]]]:
    if (
        processes <= 1
        or len(ids) <= _CHUNK
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        for k in range(0, len(ids), _CHUNK):
            yield _answer(index, ids[k : k + _CHUNK], start, routes)
        return
    # Colleagues (one current role) share most of their plans' situations, which each
    # process's planner remembers (recommender.pathways.planner): each process is handed
    # long runs of colleagues, so that a situation is mostly learnt in one process only.
    people = index.catalog_.employees
    ordered = sorted(ids, key=lambda e: (people[e].role_id, e))
    chunks = [ordered[k : k + _CHUNK] for k in range(0, len(ordered), _CHUNK)]
    runs = max(1, len(chunks) // (processes * _RUNS))
    # Forked workers inherit the index instead of receiving a copy through a pipe. They run
    # only planning code (pure Python and numpy): nothing that holds a lock another thread
    # of this process could have held at the fork.
    global _WORKER_INDEX, _WORKER_ROUTES
    _WORKER_INDEX, _WORKER_ROUTES = index, routes
    try:
        context = multiprocessing.get_context("fork")
        pool = context.Pool(min(processes, len(chunks)), initializer=_start_worker)
        jobs = [(c, start) for c in chunks]
        yield from drained(pool, pool.imap_unordered(_answer_in_worker, jobs, runs))
    finally:
        _WORKER_INDEX, _WORKER_ROUTES = None, None


def _start_worker() -> None:
    """A worker forked from a server must not run the server's own signal handlers (they
    would ignore the pool's SIGTERM): back to the defaults. Its planner may remember more
    selections than a server's (:data:`WORKER_REMEMBERS`): the worker ends with the work."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _WORKER_INDEX is not None and _WORKER_INDEX.planner_.remember > 0:  # 0: remembers none
        planner = _WORKER_INDEX.planner_
        planner.remember = max(planner.remember, WORKER_REMEMBERS)
