"""`create_app(settings)`: the FastAPI application. The lifespan loads the Recommender once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import auth, errors
from api.routers import audit, catalog, employees
from api.settings import Settings
from recommender import __version__
from recommender.service import Recommender
from recommender.store import make_engine


def create_app(settings: Settings | None = None, recommender: Recommender | None = None) -> FastAPI:
    """Build the app; ``recommender`` may be given directly (tests), else it loads from the DB."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One engine serves the catalogue load, API keys and the access log.
        app.state.engine = make_engine(settings.database_url)
        app.state.recommender = recommender or Recommender.from_engine(app.state.engine)
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
