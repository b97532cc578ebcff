"""`create_app(settings)`: the FastAPI application. The lifespan loads the Recommender once."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from api import auth, errors
from api.routers import audit, catalog, employees
from api.settings import Settings
from recommender import __version__
from recommender.service import Recommender
from recommender.store import make_engine
from recommender.titles.occupations import TitledOccupation

if TYPE_CHECKING:
    from recommender.embeddings import Encoder


@functools.lru_cache(maxsize=4)
def _encoder(model: Path | None, cache: Path | None) -> Encoder:
    """One loaded model per process, whatever the number of apps (tests build many)."""
    from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder(None if model is None else str(model))
    return encoder if cache is None else CachedEncoder(encoder, EmbeddingCache(cache))


def service_encoder(settings: Settings) -> Encoder | None:
    """The sentence-transformers encoder the settings ask for, or None when embeddings are off."""
    return _encoder(settings.model, settings.embedding_cache) if settings.embeddings else None


def onet_titles(settings: Settings) -> tuple[TitledOccupation, ...]:
    """O*NET occupations by title from the user's O*NET folder, if one is configured."""
    if settings.onet_dir is None:
        return ()
    from recommender.ingest.onet import load_onet_titles

    return tuple(load_onet_titles(settings.onet_dir))


def create_app(settings: Settings | None = None, recommender: Recommender | None = None) -> FastAPI:
    """Build the app; ``recommender`` may be given directly (tests), else it loads from the DB."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One engine serves the catalogue load, API keys and the access log.
        app.state.engine = make_engine(settings.database_url)
        app.state.recommender = recommender or Recommender.from_engine(
            app.state.engine, encoder=service_encoder(settings), onet_titles=onet_titles(settings)
        )
        if settings.warm_up:
            app.state.recommender.warm()
        try:
            yield
        finally:
            app.state.engine.dispose()

    app = FastAPI(
        title="reskill",
        version=__version__,
        summary="Reskilling pathways into hard-to-fill healthcare cybersecurity and AI/data roles.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    auth.install(app)
    app.include_router(catalog.router)
    app.include_router(employees.router)
    app.include_router(audit.router)
    return app
