"""Prepare a data version once, for every worker: its vectors and first pages, in the database.

What is the same for every worker -- the profile vectors, the role and skill vectors, and
everyone's first page of opportunities (``limit`` 10, viable moves, rendered as the route
sends it) -- is computed once per data version and stored
(:mod:`recommender.store.vectors`, :mod:`recommender.store.preparations`); workers load it
instead of computing it. :func:`prepare` does the work, for ``reskill prepare`` and for the
first worker to start on a version nobody prepared; :func:`preparation_turn` tells a
worker whether to load, to prepare, or (another preparer still busy) to serve without.

:func:`prepare`
---------------
For the :class:`~recommender.service.Recommender`'s data version, under
:func:`~recommender.store.preparations.claim` (the caller holds it):

1. copies the last finished preparation if it was made from the same catalogue (a data
   version that only moved for a key created or revoked answers the same; see
   :func:`catalogue_fingerprint`); else, if the last preparation begun was made from the
   same catalogue and never finished (a key was created while it ran, which superseded
   it), copies what it stored and completes it; else records the preparation
   (``preparations``, ``finished_at`` empty);
2. encodes every rankable person's profile text not yet in ``text_vectors``, in batches of
   fixed composition (the distinct texts sorted, cut every ``batch_size``), one transaction
   per batch; from :data:`ENCODE_IN_PROCESSES_FROM` texts on, in one process per core;
3. builds the candidate index (its profile vectors all read from the database) and the role
   and skill indexes (their texts' vectors stored for the workers), and stores the
   people-search graph (``prepared_indexes``; from ``APPROXIMATE_FROM`` profiles on) that
   every worker then loads instead of building;
4. plans each hard-to-fill role's longest shortlist (no filter) and stores the exact plans
   made (``prepared_indexes``), which every worker adopts: a role's first shortlist there
   plans nobody again (:func:`~recommender.candidates.shortlist.prepare_shortlists`);
5. answers and renders, in batches, the first page of everyone whose page for today is not
   stored, and stores each batch in one transaction (zlib; :mod:`recommender.pages`). The
   pages are packed with the version's zlib dictionary (:func:`page_dictionary`), stored
   before the first page packed with it; a resumed run packs with the stored one;
6. marks the preparation finished, and deletes the pages of older versions.

Each step skips what is stored, so a preparation that was killed continues where it
stopped and ends with the same rows as one that was not (the dictionary too: it is made
the same way from the same data and day). Each batch first checks that the
data version has not moved: a preparation of a superseded version stops (``superseded``).
Pages are dated: a page stored on an earlier day is rendered again (run ``reskill prepare``
daily to keep them current); a worker loads only today's.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from recommender import __version__
from recommender.candidates.index import CandidateIndex, profile_text
from recommender.candidates.precompute import PREPARED_LIMIT
from recommender.candidates.shortlist import hard_to_fill_roles, prepare_shortlists
from recommender.catalog import Catalog
from recommender.embeddings import (
    CachedEncoder,
    Encoder,
    FloatMatrix,
    SentenceTransformerEncoder,
)
from recommender.errors import InvalidInput
from recommender.pages import dictionary_of, pack, render
from recommender.service import Recommender
from recommender.store import schema
from recommender.store.engine import analyze
from recommender.store.preparations import (
    begin,
    carry,
    claim,
    finish,
    forget_before,
    forget_pages,
    keep_dictionary,
    preparation,
    read_page,
    read_pages,
    store_index,
    store_pages,
    store_profile_vectors,
    stored_dictionary,
    stored_index,
    stored_people,
)
from recommender.store.vectors import DatabaseEmbeddingCache
from recommender.store.versions import current

__all__ = [
    "BATCH_SIZE",
    "Progress",
    "Prepared",
    "Turn",
    "prepare",
    "preparation_turn",
    "is_prepared",
    "prepared_pages",
    "page_source",
    "PageSource",
    "prepared_people_graph",
    "prepared_shortlist_plans",
    "prepared_dictionary",
    "page_dictionary",
    "carry_preparation",
    "catalogue_fingerprint",
    "claim",
]

#: ``prepared_indexes.name`` of the people-search graph.
PEOPLE_GRAPH = "people"
#: ``prepared_indexes.name`` of the exact plans of the hard-to-fill roles' shortlists
#: (:func:`~recommender.candidates.shortlist.prepare_shortlists`).
SHORTLIST_PLANS = "shortlist-plans"
#: ``prepared_indexes.name`` of the key of the judge the stored pages were answered by
#: (:attr:`Recommender.judge_key <recommender.service.Recommender.judge_key>`).
JUDGE_INDEX = "judge"
#: Profiles per encoding batch and pages per stored batch.
BATCH_SIZE = 200
#: Profile texts to encode from which encoding runs in several processes (each loads the
#: model: a few seconds).
ENCODE_IN_PROCESSES_FROM = 1_000

#: ``progress(phase, done, total)``: phase ``"vectors"`` (profile texts), ``"shortlists"``
#: (hard-to-fill roles) or ``"pages"``.
Progress = Callable[[str, int, int], None]
#: A reader of one stored first page: the packed page (:func:`recommender.pages.pack`) stored
#: for a person and a day, or ``None`` (:func:`page_source`).
PageSource = Callable[[str, date], bytes | None]


@dataclass(frozen=True, slots=True)
class Prepared:
    """What one :func:`prepare` run did.

    Attributes
    ----------
    version : int
        The data version prepared.
    people : int
        Pages stored for it when the run ended.
    vectors_encoded : int
        Profile texts this run encoded and stored.
    pages_rendered : int
        Pages this run rendered and stored.
    finished : bool
        The preparation is complete (``preparations.finished_at`` is set).
    superseded : bool
        The run stopped because the data version moved on.
    """

    version: int
    people: int
    vectors_encoded: int
    pages_rendered: int
    finished: bool
    superseded: bool = False


class _Superseded(Exception):
    """The data version moved while preparing: the work is for data no longer served."""


@dataclass
class _Run:
    engine: sa.Engine
    service: Recommender
    version: int
    batch_size: int
    today: date
    progress: Progress | None
    encode_in_processes_from: int = ENCODE_IN_PROCESSES_FROM
    vectors: int = 0
    pages: int = 0

    def check(self) -> None:
        if current(self.engine) != self.version:
            raise _Superseded

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)


def prepare(
    engine: sa.Engine,
    service: Recommender,
    *,
    batch_size: int = BATCH_SIZE,
    processes: int | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    encode_in_processes_from: int = ENCODE_IN_PROCESSES_FROM,
) -> Prepared:
    """Prepare ``service``'s data version into ``engine`` (see the module docstring).

    The caller holds :func:`claim` for the version. ``service`` keeps what was built
    (its candidate index, its answers in memory), so a worker can serve it at once.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database ``service`` was loaded from.
    service : Recommender
        Loaded at the database's current data version; its encoder should be a
        :class:`~recommender.embeddings.CachedEncoder` over the database's vectors (else
        no vector is stored, and pages are prepared all the same).
    batch_size : int
        Profile texts per encoding batch, pages per stored batch.
    processes : int, optional
        Processes encoding profiles (when there are many) and answering (default: one per
        core).
    today : date, optional
        The day the plans start on (default: today).
    progress : callable, optional
        ``progress(phase, done, total)`` after each stored batch (and once at the start of
        each phase). An exception it raises stops the run after that batch's commit.
    encode_in_processes_from : int
        Profile texts to encode from which a sentence-transformers encoder runs in
        ``processes`` processes.

    Raises
    ------
    InvalidInput
        ``service`` did not come from a database (it has no data version).
    """
    if service.data_version is None:
        raise InvalidInput("only data loaded from a database, at a data version, is prepared")
    run = _Run(
        engine,
        service,
        service.data_version,
        batch_size,
        today or date.today(),
        progress,
        encode_in_processes_from,
    )
    fingerprint = catalogue_fingerprint(service.catalog, service.judge_key)
    try:
        run.check()
        eligible = CandidateIndex.eligible_ids(service.catalog)
        carry(engine, run.version, fingerprint)  # the same catalogue prepared before: copied
        row = begin(engine, run.version, len(eligible), fingerprint)
        stale = _keep_judge(run)
        _vectors(run, eligible, processes)
        if (
            row.finished
            and not stale
            and not _lacks_shortlists(run)
            and stored_people(engine, run.version, run.today) >= set(eligible)
        ):
            forget_before(engine, run.version)
            return Prepared(run.version, row.people, run.vectors, 0, True)  # nothing to do
        run.check()
        _indexes(service)
        _people_graph(run)
        _shortlists(run)
        _pages(run, processes)
        run.check()
    except _Superseded:
        people = len(stored_people(engine, run.version, run.today))
        return Prepared(run.version, people, run.vectors, run.pages, False, superseded=True)
    people = finish(engine, run.version, fingerprint)
    forget_before(engine, run.version)
    # Fresh statistics for the workers about to read what was just written (PostgreSQL).
    analyze(engine, (schema.text_vectors, schema.prepared_answers, schema.prepared_indexes))
    return Prepared(run.version, people, run.vectors, run.pages, True)


def _keep_judge(run: _Run) -> bool:
    """Record which judge answers this preparation's pages; pages stored by another judge
    (or before judges were recorded) are deleted, to be answered again. Whether any were."""
    key = run.service.judge_key.encode()
    if stored_index(run.engine, run.version, JUDGE_INDEX) == key:
        return False
    forget_pages(run.engine, run.version)
    store_index(run.engine, run.version, JUDGE_INDEX, key)
    return True


def _vectors(run: _Run, eligible: Sequence[str], processes: int | None) -> None:
    """Encode and store the profile texts not stored, a fixed batch at a time (in
    ``processes`` processes when there are at least ``run.encode_in_processes_from``)."""
    encoder = run.service.encoder
    if not isinstance(encoder, CachedEncoder) or not isinstance(
        encoder.cache, DatabaseEmbeddingCache
    ):
        return
    catalog = run.service.catalog
    owners: dict[str, list[str]] = {}
    for employee_id in eligible:
        owners.setdefault(profile_text(catalog, catalog.employees[employee_id]), []).append(
            employee_id
        )
    texts = sorted(owners)
    run.report("vectors", 0, len(texts))
    todo: list[tuple[int, list[str]]] = []  # (texts done once this batch is stored, missing)
    for start in range(0, len(texts), run.batch_size):
        batch = texts[start : start + run.batch_size]
        held = encoder.cache.get(encoder.name, batch)
        todo.append((start + len(batch), [t for i, t in enumerate(batch) if i not in held]))
    work = [(done, batch) for done, batch in todo if batch]
    parallel = sum(len(batch) for _, batch in work) >= run.encode_in_processes_from
    run.check()
    batches = [batch for _, batch in work]
    with contextlib.closing(
        _encode(encoder.encoder, batches, processes if parallel else 1)
    ) as encoded:
        for (done, batch), vectors in zip(work, encoded, strict=True):
            run.check()
            store_profile_vectors(run.engine, encoder.name, {t: owners[t] for t in batch}, vectors)
            if encoder.cache.local is not None:  # this machine's tier, as the cache's put does
                encoder.cache.local.put(encoder.name, batch, vectors)
            run.vectors += len(batch)
            run.report("vectors", done, len(texts))
    run.report("vectors", len(texts), len(texts))


def _encode(
    encoder: Encoder, batches: list[list[str]], processes: int | None
) -> Generator[FloatMatrix, None, None]:
    """Each batch's vectors, in order (a sentence-transformers encoder in ``processes``)."""
    if isinstance(encoder, SentenceTransformerEncoder):
        yield from encoder.encode_many(batches, processes)
        return
    for batch in batches:
        yield encoder.encode(batch)


def _indexes(service: Recommender) -> None:
    """Build what answering needs, and the role and skill indexes whose texts' vectors every
    worker's warm-up reads (stored here, through the service's cached encoder)."""
    service.candidate_index  # noqa: B018
    if service.encoder is not None:
        service.role_index  # noqa: B018
        service.skill_extractor  # noqa: B018


def _people_graph(run: _Run) -> None:
    """Store the people-search graph (approximate from ``APPROXIMATE_FROM`` profiles) for
    the workers, or take the one a run before this one stored."""
    service = run.service
    if service.encoder is None:
        return
    stored = stored_index(run.engine, run.version, PEOPLE_GRAPH)
    if stored is not None:
        service.adopt_people_graph(stored)
        return
    graph = service.people_index.graph()
    if graph is not None:
        run.check()
        store_index(run.engine, run.version, PEOPLE_GRAPH, graph)


def prepared_people_graph(engine: sa.Engine, version: int) -> bytes | None:
    """The people-search graph a preparation stored for ``version``, or ``None``."""
    return stored_index(engine, version, PEOPLE_GRAPH)


def _lacks_shortlists(run: _Run) -> bool:
    """Whether the shortlists' plans are to be prepared and are not stored yet."""
    if run.service.encoder is None:
        return False  # no shortlist without profile vectors
    return stored_index(run.engine, run.version, SHORTLIST_PLANS) is None


def _shortlists(run: _Run) -> None:
    """Plan every hard-to-fill role's longest shortlist and store the exact plans for the
    workers (:func:`prepared_shortlist_plans`), unless stored already."""
    if not _lacks_shortlists(run):
        return
    roles = hard_to_fill_roles(run.service.catalog)
    run.report("shortlists", 0, len(roles))
    plans = prepare_shortlists(
        run.service.candidate_index,
        roles,
        progress=lambda done, total: run.report("shortlists", done, total),
    )
    run.check()
    store_index(run.engine, run.version, SHORTLIST_PLANS, plans)


def prepared_shortlist_plans(engine: sa.Engine, version: int) -> bytes | None:
    """The exact plans of the hard-to-fill roles' shortlists a preparation stored for
    ``version`` (:meth:`~recommender.candidates.plans.PlanCache.export`), or ``None``."""
    return stored_index(engine, version, SHORTLIST_PLANS)


def _pages(run: _Run, processes: int | None) -> None:
    """Answer, render and store every first page not stored for today, a batch at a time."""
    service, index = run.service, run.service.candidate_index
    stored = stored_people(run.engine, run.version, run.today)
    todo = [e for e in index.employee_ids_ if e not in stored]
    total, done = len(index.employee_ids_), len(index.employee_ids_) - len(todo)
    run.report("pages", done, total)
    if not todo:
        return
    packing = _dictionary(run, index.employee_ids_)
    answers = service.prepared_opportunities
    fresh = answers.unanswered(index, todo)
    known = [e for e in todo if e in answers]  # carried over from the data served before

    def flush(ids: Sequence[str]) -> None:
        nonlocal done
        run.check()
        rows = [(e, run.today, pack(_page(service, e, run.today), packing)) for e in ids]
        store_pages(run.engine, run.version, rows)
        run.pages += len(rows)
        done += len(rows)
        run.report("pages", done, total)

    for start in range(0, len(known), run.batch_size):
        flush(known[start : start + run.batch_size])
    pending: list[str] = []
    filling = answers.filling(
        index, fresh, processes=processes, start=run.today, routes=service.routes
    )
    for answered in filling:
        pending += answered
        while len(pending) >= run.batch_size:
            flush(pending[: run.batch_size])
            pending = pending[run.batch_size :]
    if pending:
        flush(pending)


def _page(service: Recommender, employee_id: str, today: date, *, named: bool = True) -> bytes:
    options = service.opportunities(employee_id, PREPARED_LIMIT, today=today)
    return render(employee_id if named else "", PREPARED_LIMIT, False, options)


def _dictionary(run: _Run, people: Sequence[str]) -> bytes:
    """The version's page dictionary: the one stored (a resumed run, or a preparation begun
    elsewhere), else one made now and stored before any page packed with it."""
    stored = stored_dictionary(run.engine, run.version)
    if stored is not None:
        return stored
    run.check()
    return keep_dictionary(run.engine, run.version, page_dictionary(run.service, people, run.today))


def page_dictionary(service: Recommender, people: Iterable[str], today: date) -> bytes:
    """A zlib dictionary for ``service``'s first pages dated ``today``: the pages of ``people``,
    in sorted order, rendered for no one (``employee_id`` empty: the dictionary names nobody,
    so no erasure needs to reach it), joined and cut at 32 kB
    (:func:`recommender.pages.dictionary_of`; two or three pages). The same data and day
    give the same dictionary, so a resumed preparation matches an uninterrupted one."""
    return dictionary_of(_page(service, e, today, named=False) for e in sorted(people))


# -- workers -----------------------------------------------------------------------------------


class Turn(enum.Enum):
    """What a worker starting on a data version does (see :func:`preparation_turn`)."""

    #: Someone prepared it: load the vectors and pages.
    PREPARED = "prepared"
    #: Nobody did and this worker holds the lock: prepare it, then load.
    MINE = "mine"
    #: Another preparer still holds the lock after the wait: serve without, load later.
    BUSY = "busy"


def is_prepared(engine: sa.Engine, version: int) -> bool:
    """Whether the preparation of ``version`` finished."""
    row = preparation(engine, version)
    return row is not None and row.finished


@contextlib.contextmanager
def preparation_turn(
    engine: sa.Engine,
    version: int,
    *,
    wait: float,
    poll: float = 0.5,
    sleep: Callable[[float], object] = time.sleep,
    waiting: Callable[[], object] | None = None,
) -> Iterator[Turn]:
    """Whether a worker on ``version`` loads it (:attr:`Turn.PREPARED`), prepares it
    (:attr:`Turn.MINE`: the lock is held until the ``with`` block ends) or, another
    preparer still busy after ``wait`` seconds, serves without (:attr:`Turn.BUSY`).

    While another process prepares, this one polls every ``poll`` seconds (``waiting()`` is
    called once, when the wait begins); should that preparer die, its lock goes with it and
    this worker takes over.
    """
    deadline = time.monotonic() + wait
    told = False
    while True:
        if is_prepared(engine, version):
            yield Turn.PREPARED
            return
        with claim(engine, version) as mine:
            if mine and not is_prepared(engine, version):
                yield Turn.MINE
                return
        if mine:  # finished between the check and the claim
            yield Turn.PREPARED
            return
        if time.monotonic() >= deadline:
            yield Turn.BUSY
            return
        if waiting is not None and not told:
            waiting()
            told = True
        sleep(poll)


def prepared_pages(
    engine: sa.Engine, version: int, day: date, judge: str
) -> Generator[tuple[str, bytes], None, None]:
    """The stored first pages of ``version`` for ``day``: ``(employee_id, packed page)``
    (:func:`recommender.pages.unpack` with :func:`prepared_dictionary` gives the body);
    none when they were answered by another judge than ``judge`` (a judge key,
    :attr:`Recommender.judge_key <recommender.service.Recommender.judge_key>`)."""
    if not _answered_by(engine, version, judge):
        return
    yield from read_pages(engine, version, day)


def page_source(engine: sa.Engine, version: int, judge: str) -> PageSource | None:
    """A reader of single stored first pages of ``version``: ``read(employee_id, day)`` gives
    the packed page stored for that day, or ``None``; ``None`` instead of a reader when the
    pages were answered by another judge than ``judge`` (as :func:`prepared_pages`). A
    worker keeps only some pages in memory and reads the others with it when asked."""
    if not _answered_by(engine, version, judge):
        return None

    def read(employee_id: str, day: date) -> bytes | None:
        return read_page(engine, version, employee_id, day)

    return read


def _answered_by(engine: sa.Engine, version: int, judge: str) -> bool:
    """Whether the stored pages of ``version`` were answered by ``judge`` (a judge key)."""
    return stored_index(engine, version, JUDGE_INDEX) == judge.encode()


def prepared_dictionary(engine: sa.Engine, version: int) -> bytes | None:
    """The zlib dictionary the stored pages of ``version`` are packed with (``None``: plain
    pages, prepared before dictionaries; :func:`recommender.pages.unpack`)."""
    return stored_dictionary(engine, version)


def carry_preparation(engine: sa.Engine, service: Recommender) -> int:
    """Copy the last finished preparation to ``service``'s data version if it was prepared
    from the same catalogue (only keys, or nothing the answers read, changed since) and
    nobody prepares or prepared this version; returns the pages copied, or -1."""
    if service.data_version is None:
        return -1
    with claim(engine, service.data_version) as mine:
        if not mine:
            return -1
        fingerprint = catalogue_fingerprint(service.catalog, service.judge_key)
        return carry(engine, service.data_version, fingerprint)


def catalogue_fingerprint(catalog: Catalog, judge: str = "coverage") -> str:
    """A SHA-256 of everything in ``catalog`` (roles, skills, courses, employees), of the
    judge of moves (its key, :attr:`Recommender.judge_key
    <recommender.service.Recommender.judge_key>`) and of this code's version: two data
    versions with the same fingerprint have the same answers.

    Examples
    --------
    >>> catalogue_fingerprint(Catalog()) == catalogue_fingerprint(Catalog())
    True
    >>> catalogue_fingerprint(Catalog(), "model:1") == catalogue_fingerprint(Catalog())
    False
    """
    digest = hashlib.sha256(f"reskill {__version__}\njudge {judge}\n".encode())
    for kind, entities in (
        ("skills", catalog.skills),
        ("roles", catalog.roles),
        ("courses", catalog.courses),
        ("employees", catalog.employees),
    ):
        digest.update(f"{kind}\t{len(entities)}\n".encode())
        for key in sorted(entities):
            digest.update(repr(entities[key]).encode("utf-8", "backslashreplace") + b"\n")
    return digest.hexdigest()
