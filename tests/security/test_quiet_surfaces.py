"""Surfaces that must say nothing about people: the public health route, the logs, and the
guard that keeps O*NET's evaluation labels out of what reskill learns from."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from api.main import create_app
from api.schemas import Health
from api.settings import Settings
from recommender import __version__
from recommender.access import Role
from recommender.catalog import Catalog, Employee
from recommender.service import Recommender
from recommender.store import make_engine, upgrade
from recommender.store.access import create_key
from tests.conftest import REPO
from tests.factories import small_catalog

PERSON = "E000123"
PATH = f"/v1/employees/{PERSON}"
TEMPLATE = "GET /v1/employees/{employee_id}"


@pytest.fixture
def app_and_key(tmp_path: Path) -> tuple[FastAPI, str]:
    """An app over a fresh SQLite file, and a talent key (talent may read anyone)."""
    url = f"sqlite:///{tmp_path / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    token = create_key(engine, Role.TALENT).token
    engine.dispose()
    return create_app(Settings(database_url=url), recommender=Recommender(small_catalog())), token


# -- health ---------------------------------------------------------------------------------


def test_health_without_a_key_says_only_status_and_version(
    app_and_key: tuple[FastAPI, str],
) -> None:
    with TestClient(app_and_key[0]) as client:
        response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}
    assert set(Health.model_fields) == {"status", "version"}
    assert Health.model_config.get("extra") == "forbid"


# -- logs -----------------------------------------------------------------------------------


#: The test's own HTTP client logs the URLs it requests: that is not the service's log.
CLIENT_LOGGERS = ("httpx", "httpcore")


@pytest.fixture
def every_record() -> Iterator[list[str]]:
    """Every log record of every logger at every level while the test runs, as a handler
    prints it (message, traceback and all); all but the test client's."""
    printed: list[str] = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not record.name.startswith(CLIENT_LOGGERS):
                printed.append(formatter.format(record))

    keep = Keep(logging.NOTSET)
    existing = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    loggers = [logging.root, *existing]
    saved = [(one, one.level, one.disabled) for one in loggers]
    for one in loggers:
        one.setLevel(1)
        one.disabled = False
    attached = [one for one in loggers if one is logging.root or not one.propagate]
    for one in attached:
        one.addHandler(keep)
    try:
        yield printed
    finally:
        for one in attached:
            one.removeHandler(keep)
        for one, level, disabled in saved:
            one.setLevel(level)
            one.disabled = disabled


def _fail_reading_people(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading :data:`PERSON` fails with an error whose message names them."""
    original = Catalog.employee

    def broken(self: Catalog, employee_id: str) -> Employee:
        if employee_id == PERSON:
            raise RuntimeError(f"boom {employee_id}")
        return original(self, employee_id)

    monkeypatch.setattr(Catalog, "employee", broken)


def _assert_quiet(printed: list[str], request_id: str) -> None:
    text = "\n".join(printed)
    assert PERSON not in text, [line for line in printed if PERSON in line]
    assert "/v1/employees/E" not in text
    assert TEMPLATE in text and request_id in text
    assert "RuntimeError" in text and "in broken" in text  # the type and the frames


def test_an_unhandled_error_logs_the_route_template_never_the_person(
    app_and_key: tuple[FastAPI, str],
    every_record: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, token = app_and_key
    _fail_reading_people(monkeypatch)
    # raise_server_exceptions stays on: an error that left the app would be raised here,
    # as it would reach the server, whose "Exception in ASGI application" line prints it.
    with TestClient(app, headers={"X-API-Key": token}) as client:
        response = client.get(PATH, params={"about": PERSON})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert PERSON not in response.text
    _assert_quiet(every_record, response.json()["request_id"])


class _FailsOutside:
    """A middleware installed after the app's own (as another layer may be): its errors
    reach Starlette's ServerErrorMiddleware, which answers and re-raises them to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/outside":
            raise RuntimeError(f"boom outside {PERSON}")
        await self.app(scope, receive, send)


@contextmanager
def _served(app: FastAPI) -> Iterator[str]:
    """``app`` under a real uvicorn server as ``reskill serve`` runs it: no access log, the
    server's loggers at ``info`` (``trace`` is a debugging mode that prints every ASGI
    message, request paths included, like the access log), records left to propagate."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_config=None,
        log_level="info",
        access_log=False,
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def test_under_uvicorn_no_log_line_names_the_person_or_the_path(
    app_and_key: tuple[FastAPI, str],
    every_record: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the server itself logs, for an error inside the app and for one raised by a
    middleware outside the app's containment."""
    app, token = app_and_key
    app.add_middleware(_FailsOutside)
    _fail_reading_people(monkeypatch)
    with _served(app) as base:
        inside = httpx.get(f"{base}{PATH}?about={PERSON}", headers={"X-API-Key": token})
        outside = httpx.get(f"{base}/v1/outside", params={"about": PERSON})
    assert inside.status_code == 500 and outside.status_code == 500
    _assert_quiet(every_record, inside.json()["request_id"])
    server_lines = [line for line in every_record if "Exception in ASGI application" in line]
    assert server_lines  # the outside error reached the server, rewritten
    assert all("RuntimeError" in line and "boom" not in line for line in server_lines)
    assert outside.json()["request_id"] in "\n".join(every_record)


# -- the O*NET guard ------------------------------------------------------------------------

_GUARD = """
import sys
from pathlib import Path
from recommender.errors import InvalidInput
from recommender.ingest import onet

folder = Path(sys.argv[1])
(folder / "Related Occupations.txt").write_text("O*NET-SOC Code\\tRelated O*NET-SOC Code\\n")
opened = []
real_parse = onet._parse
onet._parse = lambda path, columns: opened.append(path.name) or real_parse(path, columns)
# A mistake that puts the labels on the list of files to read, with their columns:
onet.ONET_OPTIONAL_FILES = (*onet.ONET_OPTIONAL_FILES, "Related Occupations.txt")
onet._COLUMNS["Related Occupations.txt"] = ("O*NET-SOC Code", "Related O*NET-SOC Code")
try:
    onet.load_onet(folder)
except InvalidInput as exc:
    assert "Related Occupations" in str(exc) and "evaluation" in str(exc), exc
    assert opened == [], opened
    print("refused")
except Exception as exc:
    print("not refused:", type(exc).__name__, "opened", opened)
"""


def test_the_related_occupations_guard_holds_without_asserts(tmp_path: Path) -> None:
    """Under ``python -O`` asserts vanish: a guard written as one would let a file list
    that names Related Occupations (evaluation labels) be read into the catalogue."""
    result = subprocess.run(
        [sys.executable, "-O", "-c", _GUARD, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused", result.stdout + result.stderr
