"""Each worker follows the data version: a change made anywhere is served everywhere.

The database is the only truth; each worker process serves an immutable snapshot of it
(a :class:`~recommender.service.Recommender` loaded at one data version, see
:mod:`recommender.store.versions`). A :class:`VersionWatcher` thread per worker polls the
committed version every second (the safety net: it also covers SQLite, a lost connection
and a connection pooler that drops ``LISTEN``) and, on PostgreSQL, listens for the
``NOTIFY`` every bump sends (the fast hint). When the version is not the one served,
it loads a new Recommender from the database (prepared answers of unchanged people carry
over), makes it ready (its vectors and first pages loaded from the database when that
version was prepared, see :func:`api.state.make_ready`) and swaps it in whole
(:func:`api.state.swap_into`); requests in flight finish on the old one. When only keys
changed (the catalogue loaded equals the one served), the served Recommender is kept, only
its version label moves, and the stored preparation is carried to the new version. A
worker serving a version another process was still preparing loads its pages once that
preparation finishes.

Loading runs on the watcher's thread, never on the event loop, and under
:data:`api.state.CATALOGUE_WRITES`, so it never overlaps this worker's own imports and
erasures (which swap at once; the watcher then finds the version already served). When the
database is unreachable the watcher logs once, retries with a growing pause (at most
:data:`MAX_BACKOFF` seconds), and logs once more when it is back.
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import FastAPI

from api.state import CATALOGUE_WRITES, load_when_prepared, swap_into
from recommender.database import VersionListener, data_version
from recommender.preparation import carry_preparation
from recommender.service import Recommender

__all__ = ["POLL_SECONDS", "MAX_BACKOFF", "VersionWatcher"]

log = logging.getLogger("uvicorn.error.reskill")

#: Seconds between two reads of the committed version.
POLL_SECONDS = 1.0
#: The longest pause between two tries while the database is unreachable.
MAX_BACKOFF = 5.0
#: Longest single wait for a notification: how soon :meth:`VersionWatcher.stop` returns.
_SLICE = 0.25


class VersionWatcher:
    """A thread that keeps ``app.state.recommender`` at the database's data version.

    Parameters
    ----------
    app : FastAPI
        Its ``state`` holds ``engine``, ``settings`` and the ``recommender`` served.
    interval : float
        Seconds between polls of the committed version (:data:`POLL_SECONDS`).
    """

    def __init__(self, app: FastAPI, interval: float = POLL_SECONDS) -> None:
        self.app = app
        self.interval = interval
        self.swaps = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener = VersionListener(app.state.engine)
        self._listen_again_at = 0.0
        self._listen_failures = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="reskill-version-watch", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread (within a fraction of a second, or when a reload in progress ends)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._listener.close()

    def check(self) -> bool:
        """Serve the committed data version if it is not the one served; whether it did.

        Versions only grow, so a committed version other than the served one is newer,
        unless the database itself was replaced (restored from a backup, created anew):
        then it is served too. A Recommender without a version (one not loaded from the
        database, put in place by a test or a tool) is left alone.

        Raises
        ------
        sqlalchemy.exc.SQLAlchemyError
            The database could not be read; the served Recommender stays.
        """
        engine = self.app.state.engine
        served = self._served().data_version
        if served is None or data_version(engine) == served:
            if served is not None:
                load_when_prepared(self._served(), self.app.state.settings.page_bytes)
            return False
        with CATALOGUE_WRITES:
            service = self._served()
            if service.data_version is None:
                return False
            started = time.perf_counter()
            new = service.reloaded(engine)
            if new.data_version is None or new.data_version == service.data_version:
                return False  # this worker's own change was swapped in meanwhile
            if new.catalog == service.catalog:
                self._relabel(service, new.data_version, started)
            else:
                swap_into(self.app, new, started)
            self.swaps += 1
            return True

    def _served(self) -> Recommender:
        service: Recommender = self.app.state.recommender
        return service

    def _relabel(self, service: Recommender, version: int, started: float) -> None:
        """Only keys (or nothing the catalogue holds) changed: keep serving, at ``version``.

        The answers are the same, so the preparation of the version served is copied to
        the new one in the database (by whichever worker takes the new version's lock
        first), and a worker starting on it loads instead of preparing."""
        was, service.data_version = service.data_version, version
        carried = -1
        if self.app.state.settings.prepare_opportunities:
            carried = carry_preparation(self.app.state.engine, service)
        log.info(
            "serving data version %d (was %s), catalogue unchanged, checked in %.2f s%s",
            version,
            was,
            time.perf_counter() - started,
            f"; its preparation carried over ({carried} pages)" if carried >= 0 else "",
        )

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 - the watcher outlives any outage
                failures += 1
                if failures == 1:
                    log.warning(
                        "data version check failed (%s); retrying every %.0f s at most",
                        type(exc).__name__,
                        MAX_BACKOFF,
                    )
                self._stop.wait(min(MAX_BACKOFF, self.interval * 2 ** (failures - 1)))
                continue
            if failures:
                log.info("database reachable again after %d failed version check(s)", failures)
                failures = 0
            self._wait()

    def _wait(self) -> None:
        """Until the next poll is due, a notification arrives or :meth:`stop` is called."""
        deadline = time.monotonic() + self.interval
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if not self._listener.enabled or time.monotonic() < self._listen_again_at:
                self._stop.wait(left)
                return
            try:
                if self._listener.wait(min(left, _SLICE)) is not None:
                    return
            except Exception as exc:  # noqa: BLE001 - polling goes on without the hint
                self._listener_failed(exc)
            else:
                self._listen_failures = 0

    def _listener_failed(self, exc: Exception) -> None:
        self._listen_failures += 1
        if self._listen_failures == 1:
            log.warning("LISTEN for data versions lost (%s); polling meanwhile", type(exc).__name__)
        pause = min(MAX_BACKOFF, self.interval * 2 ** (self._listen_failures - 1))
        self._listen_again_at = time.monotonic() + pause
