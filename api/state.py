"""The app's swappable state: after a data change a new Recommender replaces the old one whole.

Imports and erasures change what the service must answer. Each runs under
:data:`CATALOGUE_WRITES`, so two of them never interleave their save and their
swap, and ends with :func:`swap_recommender`: the new Recommender is made ready
(:func:`make_ready`: warmed, its first pages loaded from the database or prepared into it)
*before* it replaces the old one, so no request waits on (or sees) a half-built one;
requests in flight finish on the old one. A change made elsewhere (another worker, another
replica, the command line) moves the data version; this worker's
:class:`~api.watch.VersionWatcher` then loads and swaps, under the same lock, through
:func:`swap_into`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
import weakref
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from fastapi import FastAPI, Request

from api.rendered import PAGE_BYTES, pages_of, render_prepared
from api.settings import Settings
from recommender.embeddings import CachedEncoder
from recommender.erasure import purge_leavers
from recommender.preparation import (
    Turn,
    is_prepared,
    page_source,
    preparation_turn,
    prepare,
    prepared_dictionary,
    prepared_pages,
    prepared_people_graph,
    prepared_shortlist_plans,
)
from recommender.service import Recommender

__all__ = [
    "CATALOGUE_WRITES",
    "swap_recommender",
    "swap_into",
    "make_ready",
    "warm",
    "load_pages",
    "load_people_graph",
    "load_shortlist_plans",
    "load_when_prepared",
    "current_recommender",
    "freeze_heap",
    "prepare_opportunities",
    "logged_progress",
]

log = logging.getLogger("uvicorn.error.reskill")

#: Held while the catalogue is written and the Recommender swapped (one writer at a time).
CATALOGUE_WRITES = threading.Lock()


def swap_recommender(request: Request, new: Recommender, started: float | None = None) -> None:
    """:func:`swap_into` the request's app (hold :data:`CATALOGUE_WRITES`)."""
    swap_into(request.app, new, started)


def swap_into(app: FastAPI, new: Recommender, started: float | None = None) -> None:
    """Make ``new`` ready (:func:`make_ready`: warmed, and its first pages loaded from the
    database or prepared), then make it the one every request of ``app`` uses, and log one
    line: its data version and the seconds since ``started`` (a :func:`time.perf_counter`
    reading: when its loading began; default now).

    Swapping also deletes, from the encoder's caches, the vectors of people the new data
    no longer holds (the machine-local tier too: erased or removed through any worker).

    If getting ready fails, ``new`` is swapped in all the same (it builds what it lacks on
    first use) and the error propagates: the data already changed, so the old one
    must not keep answering.
    """
    started = time.perf_counter() if started is None else started
    settings = app.state.settings
    old: Recommender | None = getattr(app.state, "recommender", None)
    try:
        make_ready(new, settings)
    finally:
        app.state.recommender = new
        if old is not None and isinstance(new.encoder, CachedEncoder):
            purge_leavers(new.encoder, old.catalog, new.catalog)
        if settings.freeze_gc:
            freeze_heap()
        log.info(
            "serving data version %s (was %s), swapped in %.2f s",
            new.data_version,
            None if old is None else old.data_version,
            time.perf_counter() - started,
        )


def make_ready(service: Recommender, settings: Settings) -> None:
    """Warm ``service`` (``warm_up``) and give it everyone's first page of opportunities
    (``prepare_opportunities``), computing as little as the database allows.

    Data loaded from a database at a data version asks the database first
    (:func:`recommender.preparation.preparation_turn`):

    * **prepared** (by ``reskill prepare`` or by another worker): warm-up reads every vector
      from the database's ``text_vectors`` and today's pages are loaded from
      ``prepared_answers``; this worker encodes no profile and prepares no answer;
    * **not prepared**, and this worker takes the version's lock: it prepares the version
      into the database (:func:`recommender.preparation.prepare`: vectors, answers, pages),
      then loads the pages like the others. Only the lock holder prepares, never every
      worker;
    * **another worker is preparing it**: this one *waits* for it (polling twice a second,
      at most ``prepare_wait_seconds``; a worker starting up is not serving yet, one
      swapping keeps serving the old data meanwhile), then loads. Should the preparer die,
      its lock goes with it and a waiting worker takes over. If the wait runs out, this
      worker serves without the pages (each first page planned on request) and its
      version watcher loads them once the preparation finishes (:func:`load_when_prepared`).

    Data without a data version (a Recommender built over a catalogue and handed to
    :func:`api.main.create_app`) is prepared in this process's memory only, as before.
    """
    engine, version = service.engine, service.data_version
    if not settings.prepare_opportunities or engine is None or version is None:
        if settings.warm_up:
            warm(service)
        if settings.prepare_opportunities:
            prepare_opportunities(service, settings)
        return

    def waiting() -> None:
        log.info(
            "data version %d is being prepared by another process; waiting for it (%.0f s at most)",
            version,
            settings.prepare_wait_seconds,
        )

    wait = settings.prepare_wait_seconds
    with preparation_turn(engine, version, wait=wait, waiting=waiting) as turn:
        if turn is Turn.MINE:
            _prepare_into_database(service, settings)
    # A preparer that found everything stored (copied from the version before) built no
    # graph: like a worker on a prepared version, it loads the stored one.
    if turn is not Turn.BUSY and service.encoder is not None and not service.has_people_index:
        load_people_graph(service)
    if settings.warm_up:
        warm(service)
    if turn is Turn.BUSY:
        _AWAITING.add(service)
        log.info(
            "data version %d is being prepared by another process; serving it unprepared "
            "until that finishes",
            version,
        )
    else:
        load_pages(service, max_bytes=settings.page_bytes)
        load_shortlist_plans(service)


def warm(service: Recommender) -> None:
    """Build the indexes before the first request, logging progress of the profile embedding
    and how many texts were encoded here (none when the database held their vectors)."""
    started = time.perf_counter()
    encoder = service.encoder
    misses = encoder.misses if isinstance(encoder, CachedEncoder) else 0
    service.warm(logged_progress("embedding profiles"))
    if isinstance(encoder, CachedEncoder):
        encoded = str(encoder.misses - misses)
    else:
        encoded = "none, no model" if encoder is None else "every one, no cache"
    log.info("ready in %.1f s (texts encoded here: %s)", time.perf_counter() - started, encoded)


def _prepare_into_database(service: Recommender, settings: Settings) -> None:
    """This worker holds the version's lock: prepare it into the database, logging."""
    assert service.engine is not None
    started = time.perf_counter()
    outcome = prepare(
        service.engine,
        service,
        processes=settings.prepare_processes,
        progress=_logged_phases(),
    )
    log.info(
        "opportunities ready for %d people (%d answered now) in %.1f s, %.1f MB kept; "
        "data version %d prepared into the database%s (%d profiles encoded)",
        outcome.people,
        outcome.pages_rendered,
        time.perf_counter() - started,
        service.prepared_opportunities.nbytes() / 1e6,
        outcome.version,
        "" if outcome.finished else " in part (the data version moved on)",
        outcome.vectors_encoded,
    )


def _logged_phases() -> Callable[[str, int, int], None]:
    loggers = {
        "vectors": logged_progress("preparing: profile vectors"),
        "shortlists": logged_progress("preparing: hard-to-fill shortlists, roles"),
        "pages": logged_progress("preparing: opportunity pages, people"),
    }
    return lambda phase, done, total: loggers[phase](done, total)


def load_people_graph(service: Recommender) -> bool:
    """Take the people-search graph the version's preparation stored, if it stored one
    (from ``APPROXIMATE_FROM`` profiles on), instead of building it here; whether it did."""
    return _load_prepared(
        service, prepared_people_graph, service.adopt_people_graph, "people-search index"
    )


def load_shortlist_plans(service: Recommender) -> bool:
    """Adopt the exact plans the version's preparation made for the hard-to-fill roles'
    shortlists (:func:`recommender.preparation.prepared_shortlist_plans`); whether it had
    stored any."""
    return _load_prepared(
        service,
        prepared_shortlist_plans,
        service.adopt_shortlist_plans,
        "shortlist plans of the hard-to-fill roles",
    )


def _load_prepared(
    service: Recommender,
    read: Callable[[sa.Engine, int], bytes | None],
    adopt: Callable[[bytes], object],
    what: str,
) -> bool:
    """``adopt`` what ``read`` finds stored for the service's data version; whether any."""
    assert service.engine is not None and service.data_version is not None
    started = time.perf_counter()
    body = read(service.engine, service.data_version)
    if body is None:
        return False
    adopt(body)
    log.info(
        "%s loaded (data version %d, %.0f kB, prepared in the database) in %.1f s",
        what,
        service.data_version,
        len(body) / 1e3,
        time.perf_counter() - started,
    )
    return True


def load_pages(
    service: Recommender, today: date | None = None, max_bytes: int | None = PAGE_BYTES
) -> int:
    """Serve the first pages prepared in the database for ``service``'s data version and
    ``today`` (pages of an earlier day are not served: asked, they are planned and rendered
    again, dated today), with the version's page dictionary, which also packs the pages this
    worker renders later. At most ``max_bytes`` of packed pages are kept in memory (``None``:
    every one): as many as fit are read now, the others from the database when asked
    (:class:`api.rendered.RenderedPages`), so a worker's memory does not grow with the
    number of employees. Returns how many were read now."""
    assert service.engine is not None and service.data_version is not None
    started = time.perf_counter()
    today = today or date.today()
    engine, version = service.engine, service.data_version
    pages = pages_of(service)
    pages.use(prepared_dictionary(engine, version))
    pages.read_from(page_source(engine, version, service.judge_key), max_bytes)
    loaded, full = 0, False
    with contextlib.closing(prepared_pages(engine, version, today, service.judge_key)) as rows:
        for employee_id, packed in rows:
            room = pages.room()
            if room is not None and len(packed) > room:
                full = True
                break  # the rows' cursor and connection are released on closing
            loaded += pages.put_packed(employee_id, today, packed)
    _AWAITING.discard(service)
    log.info(
        "opportunity pages loaded for %d people (data version %d, prepared in the database) "
        "in %.1f s, %.1f MB kept%s",
        loaded,
        version,
        time.perf_counter() - started,
        pages.nbytes() / 1e6,
        "; the memory for pages is full, the others are read from the database when asked"
        if full
        else "",
    )
    return loaded


def load_when_prepared(service: Recommender, max_bytes: int | None = PAGE_BYTES) -> bool:
    """Load ``service``'s pages (at most ``max_bytes``, see :func:`load_pages`) if it was
    served unprepared (another process was preparing its version) and that preparation has
    finished; whether it loaded them."""
    if service not in _AWAITING or service.engine is None or service.data_version is None:
        return False
    if not is_prepared(service.engine, service.data_version):
        return False
    load_pages(service, max_bytes=max_bytes)
    load_shortlist_plans(service)
    return True


#: Recommenders served before their data version's preparation (by another process) ended.
_AWAITING: weakref.WeakSet[Recommender] = weakref.WeakSet()


def freeze_heap() -> None:
    """Move everything alive now out of the garbage collector's sight.

    The catalogue, indexes and vectors are millions of long-lived objects; a full
    collection scanning them pauses every request for tens of milliseconds (the p99 of
    a cheap route). Frozen objects are never scanned by the cycle collector; reference
    counting still frees them, so only reference cycles among them outlive their use
    (until restart). On for ``reskill serve`` (``RESKILL_FREEZE_GC``), off by default.
    """
    gc.collect()
    gc.freeze()


def current_recommender(request: Request) -> Recommender:
    """The Recommender the app serves right now."""
    service: Recommender = request.app.state.recommender
    return service


def logged_progress(what: str, every: float = 5.0) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback that logs "what: done of total" at most every
    ``every`` seconds, and at the end."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > every:
            last[0] = time.perf_counter()
            log.info("%s: %d of %d", what, done, total)

    return progress


def prepare_opportunities(service: Recommender, settings: Settings) -> None:
    """Answer everyone's first page of opportunities ahead and render it (see
    :mod:`api.rendered`), in this process's memory only, logging progress: for data that
    did not come from a database (:func:`make_ready` prepares the others into it)."""
    started = time.perf_counter()
    asked = service.prepare_opportunities(
        logged_progress("preparing opportunities, people"), processes=settings.prepare_processes
    )
    kept = service.prepared_opportunities
    log.info(
        "opportunities ready for %d people (%d answered now) in %.1f s, %.1f MB kept",
        len(kept),
        asked,
        time.perf_counter() - started,
        kept.nbytes() / 1e6,
    )
    started = time.perf_counter()
    rendered = render_prepared(service, progress=logged_progress("rendering opportunities, people"))
    log.info(
        "opportunity pages rendered for %d people in %.1f s, %.1f MB kept",
        rendered,
        time.perf_counter() - started,
        pages_of(service).nbytes() / 1e6,
    )
