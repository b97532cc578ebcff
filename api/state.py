"""The app's swappable state: after a data change a new Recommender replaces the old one whole.

Imports and erasures change what the service must answer. Each runs under
:data:`CATALOGUE_WRITES`, so two of them never interleave their save and their
swap, and ends with :func:`swap_recommender`: the new Recommender is warmed *before* it
replaces the old one, so no request waits on (or sees) a half-built one; requests
in flight finish on the old one. A change made elsewhere (another worker, another
replica, the command line) moves the data version; this worker's
:class:`~api.watch.VersionWatcher` then loads and swaps, under the same lock, through
:func:`swap_into`.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI, Request

from api.rendered import pages_of, render_prepared
from api.settings import Settings
from recommender.service import Recommender

__all__ = [
    "CATALOGUE_WRITES",
    "swap_recommender",
    "swap_into",
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
    """Warm ``new`` (unless warm-up is off) and prepare its opportunity answers (when on;
    answers of people whose record did not change carry over), then make it the one every
    request of ``app`` uses, and log one line: its data version and the seconds since
    ``started`` (a :func:`time.perf_counter` reading: when its loading began; default now).

    If warming fails, ``new`` is swapped in all the same (it builds what it lacks on
    first use) and the error propagates: the data already changed, so the old one
    must not keep answering.
    """
    started = time.perf_counter() if started is None else started
    settings = app.state.settings
    old: Recommender | None = getattr(app.state, "recommender", None)
    try:
        if settings.warm_up:
            new.warm()
        if settings.prepare_opportunities:
            prepare_opportunities(new, settings)
    finally:
        app.state.recommender = new
        if settings.freeze_gc:
            freeze_heap()
        log.info(
            "serving data version %s (was %s), swapped in %.2f s",
            new.data_version,
            None if old is None else old.data_version,
            time.perf_counter() - started,
        )


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
    :mod:`api.rendered`), logging progress."""
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
