"""`create_app(settings)`: the FastAPI application.

The lifespan loads the Recommender once, at the database's current data version, makes it
ready (:func:`api.state.make_ready`: vectors and first pages loaded from the database when
that version was prepared, else prepared into it by the first worker to take its lock), and
starts the :class:`~api.watch.VersionWatcher` that keeps it there (changes made by other
workers, replicas or the command line are loaded and swapped in within a second or two);
it stops the watcher on shutdown. Each worker process runs its own lifespan.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI

from api import auth, docs, errors, limits, operations, quick_reads, web
from api.health import DatabaseProbe
from api.routers import (
    academy,
    audit,
    candidates,
    catalog,
    corrections,
    employees,
    erasure,
    fairness,
    imports,
    nominations,
    pathways,
    people,
    text,
)
from api.settings import Settings
from api.state import freeze_heap, make_ready
from api.watch import VersionWatcher
from recommender import __version__
from recommender.database import WalCheckpointer, database_vectors, open_database
from recommender.database import onet_titles as read_onet_titles
from recommender.service import Recommender
from recommender.titles.occupations import TitledOccupation

if TYPE_CHECKING:
    import sqlalchemy as sa

    from recommender.embeddings import Encoder

# A child of uvicorn's logger, so `reskill serve` prints it with the server's own lines.
log = logging.getLogger("uvicorn.error.reskill")


@functools.lru_cache(maxsize=4)
def _model(model: Path | None) -> Encoder:
    """One loaded model per process, whatever the number of apps (tests build many)."""
    from recommender.embeddings import SentenceTransformerEncoder

    return SentenceTransformerEncoder(None if model is None else str(model))


@functools.lru_cache(maxsize=4)
def _disk_cached(model: Path | None, cache: Path) -> Encoder:
    from recommender.embeddings import CachedEncoder, EmbeddingCache

    return CachedEncoder(_model(model), EmbeddingCache(cache))


def service_encoder(settings: Settings, engine: sa.Engine | None = None) -> Encoder | None:
    """The sentence-transformers encoder the settings ask for, or None when embeddings are off.

    With ``engine`` (the service's database) its vectors are the database's
    ``text_vectors``, shared by every worker and replica, with the on-disk cache of
    ``embedding_cache`` (if set) as this machine's second tier; without one, that on-disk
    cache alone."""
    if not settings.embeddings:
        return None
    if engine is not None:
        from recommender.embeddings import CachedEncoder, EmbeddingCache

        local = (
            None if settings.embedding_cache is None else EmbeddingCache(settings.embedding_cache)
        )
        return CachedEncoder(_model(settings.model), database_vectors(engine, local=local))
    if settings.embedding_cache is None:
        return _model(settings.model)
    return _disk_cached(settings.model, settings.embedding_cache)


def onet_titles(settings: Settings) -> tuple[TitledOccupation, ...]:
    """O*NET occupations by title from the user's O*NET folder, if one is configured."""
    if settings.onet_dir is None:
        return ()
    return tuple(read_onet_titles(settings.onet_dir))


def create_app(settings: Settings | None = None, recommender: Recommender | None = None) -> FastAPI:
    """Build the app; ``recommender`` may be given directly (tests), else it loads from the DB."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One engine serves the catalogue load, API keys and the access log. On SQLite a
        # thread checkpoints the WAL, so no request's commit waits for a checkpoint's fsync.
        background = settings.wal_checkpoint_interval > 0
        app.state.engine = open_database(settings.database_url, background_checkpoints=background)
        app.state.key_cache = auth.KeyCache()
        checkpointer = WalCheckpointer(app.state.engine, settings.wal_checkpoint_interval)
        app.state.recommender = recommender or Recommender.from_engine(
            app.state.engine,
            encoder=service_encoder(settings, app.state.engine),
            onet_titles=onet_titles(settings),
            answer_bytes=settings.answer_bytes,
            judge=settings.judge,
        )
        loop = asyncio.get_running_loop()
        log.info("event loop: %s (%s)", type(loop).__module__.split(".")[0], type(loop).__name__)
        make_ready(app.state.recommender, settings)
        if settings.request_threads is not None:
            _set_torch_threads(settings.request_threads)
        # Few worker threads: on two cores more threads only fight over the GIL and the
        # SQLite write lock, and requests then finish out of order (long p99 tails).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        if settings.freeze_gc:
            freeze_heap()
        if background:
            checkpointer.start()
        app.state.database_probe = DatabaseProbe(app.state.engine)
        watcher = _version_watcher(app, settings)
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            checkpointer.stop()
            app.state.engine.dispose()

    app = FastAPI(
        title="reskill",
        version=__version__,
        summary="Reskilling pathways into hard-to-fill healthcare cybersecurity and AI/data roles.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    if settings.quick_reads:
        quick_reads.install(app)  # first: the innermost middleware
    errors.install(app)
    auth.install(app)
    limits.install(app)
    app.include_router(catalog.router)
    app.include_router(employees.router)
    app.include_router(corrections.router)
    app.include_router(audit.router)
    app.include_router(candidates.router)
    app.include_router(people.router)
    app.include_router(fairness.router)
    app.include_router(pathways.router)
    app.include_router(text.router)
    app.include_router(imports.router)
    app.include_router(erasure.router)
    app.include_router(academy.router)
    app.include_router(nominations.router)
    web.install(app)
    operations.install(app)
    docs.install(app)
    return app


def _version_watcher(app: FastAPI, settings: Settings) -> VersionWatcher | None:
    """Follow the data version (started), unless polling is off or the Recommender served
    did not come from the database at a known version (one given to :func:`create_app`)."""
    if settings.version_poll_seconds <= 0 or app.state.recommender.data_version is None:
        return None
    watcher = VersionWatcher(app, settings.version_poll_seconds)
    watcher.start()
    return watcher


def _set_torch_threads(threads: int) -> None:
    """Encode one request's text with few threads: under concurrent load one thread is faster."""
    import torch

    torch.set_num_threads(threads)
