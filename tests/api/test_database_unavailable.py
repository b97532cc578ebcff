"""A database that cannot be reached is a 503 problem with Retry-After, never a 500; a bug
that happens to surface as a database error still is a 500. Health says "degraded"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.health import DatabaseProbe
from api.main import create_app
from api.settings import Settings
from recommender.service import Recommender
from recommender.store import make_engine, upgrade
from tests.store.test_repository import full_catalog


def _dbapi_error(kind: type[sa.exc.DBAPIError], orig: Exception, **kw: bool) -> Exception:
    return kind("SELECT 1", {}, orig, **kw)


def _sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name
    return error


UNAVAILABLE = {
    "refused": _dbapi_error(sa.exc.OperationalError, Exception("connection refused")),
    "closed": _dbapi_error(sa.exc.InterfaceError, Exception("connection already closed")),
    "invalidated": _dbapi_error(
        sa.exc.DatabaseError, Exception("server closed the connection"), connection_invalidated=True
    ),
    "sqlite busy": _dbapi_error(
        sa.exc.OperationalError, _sqlite_error("database is locked", "SQLITE_BUSY")
    ),
}
BUGS = {
    "missing table": _dbapi_error(
        sa.exc.OperationalError, _sqlite_error("no such table: x", "SQLITE_ERROR")
    ),
    "bad sql": _dbapi_error(sa.exc.ProgrammingError, Exception("syntax error")),
}


def _client(error: Exception) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/fails")
    def fails() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("name", sorted(UNAVAILABLE))
def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(name: str) -> None:
    response = _client(UNAVAILABLE[name]).get("/fails")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == errors.RETRY_AFTER
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["title"] == "Database unavailable"
    assert "SELECT" not in response.text and "refused" not in response.text


@pytest.mark.parametrize("name", sorted(BUGS))
def test_any_other_database_error_is_still_a_500(name: str) -> None:
    response = _client(BUGS[name]).get("/fails")
    assert response.status_code == 500
    assert response.json()["title"] == "Internal error"


def test_health_is_degraded_with_a_503_while_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, embeddings=False, warm_up=False, embedding_cache=None)
    app = create_app(settings, recommender=Recommender(full_catalog(), engine=engine))
    with TestClient(app) as client:
        assert client.get("/v1/health").json()["status"] == "ok"
        # Nothing listens on port 1: every connection attempt is refused.
        nowhere = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
        app.state.database_probe = DatabaseProbe(nowhere)
        response = client.get("/v1/health")
        assert response.status_code == 503
        assert response.json() == {"status": "degraded", "version": response.json()["version"]}
        assert int(response.headers["retry-after"]) > 0
        nowhere.dispose()
    engine.dispose()
