"""An import killed (SIGKILL) in the middle of its write leaves the previous data whole, and
the next start is healthy. Runs on SQLite and on PostgreSQL.

The kill lands mid-write by construction, not by timing: the import is a generated extract
large enough that its one transaction writes for seconds, and the test kills it once the
database shows that transaction writing (SQLite: the write-ahead log grown past a few
MiB while the transaction is still open, long before the tens of MiB it writes in all;
PostgreSQL: ``pg_stat_activity`` showing the import's backend holding a transaction id,
which it gets at its first write and loses at its commit).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import Settings
from recommender.cli import app
from recommender.generator import EMPLOYEE_TABLES
from recommender.store import content_fingerprint, make_engine
from tests.cli.test_snapshot_imports import extract
from tests.conftest import DATA_DIR, REPO

runner = CliRunner()
#: Employees in the generated extract (ids E100001...): its snapshot import validates for
#: about 5 s, then writes about 12 MiB to SQLite's WAL in one transaction (the 4,000 new
#: people, and the removal of the 500 bundled ones it does not list).
EMPLOYEES = 4000
#: The SQLite WAL size (bytes) from which the import's transaction is surely writing.
WAL_WRITING = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def big_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled roles, skills and courses with generated employees."""
    folder = tmp_path_factory.mktemp("big")
    for source in DATA_DIR.glob("*.csv"):
        if source.name not in EMPLOYEE_TABLES:
            shutil.copy(source, folder)
    result = runner.invoke(
        app,
        ["generate", "employees", "--n", str(EMPLOYEES), "--out", str(folder)]
        + ["--data", str(DATA_DIR), "--start-id", "100001"],
    )
    assert result.exit_code == 0, result.output
    return folder


def reskill(*args: str | Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "recommender.cli", *(str(a) for a in args)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finished(process: subprocess.Popen[bytes]) -> str:
    out, _ = process.communicate(timeout=300)
    text = out.decode()
    assert process.returncode == 0, text
    return text


def fingerprint(url: str) -> str:
    engine = make_engine(url)
    try:
        return content_fingerprint(engine)
    finally:
        engine.dispose()


def sqlite_writing(url: str) -> Callable[[], bool]:
    wal = Path(str(sa.make_url(url).database) + "-wal")
    return lambda: wal.exists() and wal.stat().st_size > WAL_WRITING


def postgres_writing(url: str) -> Callable[[], bool]:
    database = sa.make_url(url).database
    engine = make_engine(url)
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )

    def writing() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(query, {"db": database}).scalar_one())

    return writing


def kill_when(process: subprocess.Popen[bytes], condition: Callable[[], bool]) -> None:
    """SIGKILL ``process`` as soon as ``condition`` holds; fail if it ends first."""
    deadline = time.monotonic() + 240
    while not condition():
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"the import ended before it was seen writing:\n{out}")
        assert time.monotonic() < deadline, "the import was never seen writing"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_an_import_killed_mid_write_leaves_the_data_whole_and_the_next_start_healthy(
    database_url: str, big_extract: Path, tmp_path: Path
) -> None:
    url = database_url
    result = runner.invoke(app, ["init", "--database-url", url])
    assert result.exit_code == 0, result.output
    before = fingerprint(url)
    sqlite = sa.make_url(url).get_backend_name() == "sqlite"
    writing = sqlite_writing(url) if sqlite else postgres_writing(url)

    importing = reskill("import", "org", big_extract, "--database-url", url)
    kill_when(importing, writing)

    assert fingerprint(url) == before
    # The next start: reskill init, then the service.
    said = finished(reskill("init", "--database-url", url))
    assert "nothing was loaded" in said
    assert fingerprint(url) == before
    with TestClient(create_app(Settings(database_url=url, embeddings=False))) as client:
        health = client.get("/v1/health")
        assert health.status_code == 200
        assert len(client.app.state.recommender.catalog.employees) == 500  # type: ignore[attr-defined]
    # And another import goes through (a snapshot without one person).
    without = extract(tmp_path / "extract", without=["E000003"])
    done = runner.invoke(app, ["import", "org", str(without), "--database-url", url])
    assert done.exit_code == 0, done.output
    assert "snapshot: 1 person not in these files was removed" in " ".join(done.output.split())
    assert fingerprint(url) != before
