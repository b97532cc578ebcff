"""Shared fixtures.

Services: tests marked ``postgres`` need the PostgreSQL server at
``RESKILL_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
Where it is missing they skip, unless ``RESKILL_REQUIRE_SERVICES=1`` (set by .ci/run),
which turns a missing service into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# pytest-xdist's workers run with COLUMNS=80, and a rich Console created when its module is
# imported keeps that width for good: the CLI's tables would wrap under `make test` (which
# runs on every core) while tests that ask for a wide terminal (env COLUMNS=200) expect
# them whole. Without COLUMNS, rich reads it at print time, as in a user's shell.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)

REPO = Path(__file__).resolve().parent.parent
ONET_DIR = Path(os.environ.get("RESKILL_TEST_ONET_DIR", REPO.parent / "shared" / "onet"))
DATA_DIR = REPO / "data"
POSTGRES_URL = os.environ.get(
    "RESKILL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def services_required() -> bool:
    return os.environ.get("RESKILL_REQUIRE_SERVICES") == "1"


def missing_service(what: str) -> None:
    """Skip locally, fail in CI: a missing service must never pass silently there."""
    if services_required():
        pytest.fail(f"{what} is required (RESKILL_REQUIRE_SERVICES=1) but unavailable")
    pytest.skip(f"{what} unavailable")


@pytest.fixture(scope="session")
def onet_dir() -> Path:
    if not (ONET_DIR / "Occupation Data.txt").exists():
        missing_service(f"the O*NET database at {ONET_DIR}")
    return ONET_DIR


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "missing"
        missing_service(f"PostgreSQL at {POSTGRES_URL} ({exc.__class__.__name__})")
    return POSTGRES_URL


@contextmanager
def fresh_postgres_database(
    admin_url: str, prefix: str = "reskill_t", options: str = ""
) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped (with its connections) on exit.

    ``options`` follow ``CREATE DATABASE name`` (e.g. a locale other than the server's).
    """
    import sqlalchemy

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}" {options}'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reskill.db'}"
    return str(request.getfixturevalue("postgres_url"))
