"""`reskill serve`: the HTTP service."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from recommender.cli._app import app
from recommender.cli._options import DEFAULT_DATABASE_URL, DatabaseUrl, ensure_sqlite_parent


@app.command()
def serve(
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes on this one port. Each loads the data, follows the "
            "database's data version (a change made through one worker, another replica or "
            "the command line is served by all within a second or two) and holds its own "
            "memory. SQLite allows several workers on one file (WAL), but PostgreSQL is the "
            "production database.",
        ),
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every HTTP request line. Off by default: request lines carry employee "
            "ids (personal data); who read whose data is in the audit access log instead.",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (run `reskill init` first to load data).

    Replicas behind a load balancer: run `reskill serve --database-url
    postgresql+psycopg://...` on each host; they all serve the one database.
    The load balancer needs only GET /v1/health: 200 "ok", or 503 "degraded"
    while that replica cannot reach the database.

    Under gunicorn (not installed with reskill):
    gunicorn -k uvicorn.workers.UvicornH11Worker -w N 'api.main:create_app()'
    """
    import uvicorn

    ensure_sqlite_parent(database_url)
    # The API package reads its settings from the environment; hand the URL over there.
    os.environ["RESKILL_DATABASE_URL"] = database_url
    os.environ.setdefault("RESKILL_REQUEST_THREADS", "1")
    os.environ.setdefault("RESKILL_FREEZE_GC", "1")
    os.environ.setdefault("RESKILL_PREPARE_OPPORTUNITIES", "1")
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        # The standard library's event loop, not uvloop: under 50 concurrent clients uvloop
        # served as many requests but left some waiting about a second (person-record p99
        # 0.77-0.93 s against 90-99 ms here; README, "HTTP load").
        loop="asyncio",
    )
