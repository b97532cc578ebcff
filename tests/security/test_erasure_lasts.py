"""An erasure lasts: restarts, `reskill init`, and imports of data that still lists the
person never bring them back, in any table, the access log, the embedding cache, the
database's shared vectors and prepared pages (`reskill prepare` stored theirs) or the
database's bytes. Runs on SQLite and on PostgreSQL.

The path is the README's: `make serve` runs `reskill init` (a process of its own here)
and then serves; an admin erases a person over HTTP; the service restarts (`reskill
init` again, the app again); an admin imports the bundled data again (it still lists
the person) and then a full extract without them (those commands run in this process,
through the same command-line code, to keep the test short).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import Settings
from recommender.access import Role
from recommender.candidates.index import profile_text
from recommender.cli import app
from recommender.embeddings import CachedEncoder, EmbeddingCache, HashingEncoder
from recommender.ingest.tables import read_org_tables
from recommender.preparation import claim, prepare
from recommender.service import Recommender
from recommender.store import make_engine
from recommender.store.access import access_log, create_key
from recommender.store.vectors import text_hash
from tests.cli.test_snapshot_imports import extract
from tests.conftest import DATA_DIR, REPO
from tests.small_org import hashing_service

PERSON = "E000137"
runner = CliRunner()


def reskill(*args: str | Path) -> str:
    """Run `reskill` in this process (as `reskill` would run it); return what it printed."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def reskill_process(*args: str | Path) -> str:
    """Run the real `reskill` command in a process of its own; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "recommender.cli", *(str(a) for a in args)],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@contextmanager
def served(url: str, cache: CachedEncoder) -> Iterator[TestClient]:
    """The app as `reskill serve` starts it (lifespan, warm-up), with a fast cached encoder."""
    engine = make_engine(url)
    try:
        service = Recommender.from_engine(engine, encoder=cache)
    finally:
        engine.dispose()
    settings = Settings(database_url=url, embeddings=False, warm_up=True)
    with TestClient(create_app(settings, recommender=service)) as client:
        yield client


def database_bytes(url: str) -> bytes:
    """Everything the database holds: SQLite's files (main, -wal, -shm) byte for byte;
    for PostgreSQL every table of the database, dumped with COPY."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    engine = make_engine(url)
    raw = engine.raw_connection()
    out = bytearray()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            out += f"\n-- {table}\n".encode()
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                for data in copy:
                    out += bytes(data)
    finally:
        raw.close()
        engine.dispose()
    return bytes(out)


def every_row(url: str) -> dict[str, list[str]]:
    """Every row of every table the database has (reflected, not only the known ones)."""
    engine = make_engine(url)
    try:
        tables = sa.MetaData()
        tables.reflect(engine)
        with engine.connect() as conn:
            return {
                name: [repr(tuple(row)) for row in conn.execute(sa.select(table))]
                for name, table in tables.tables.items()
            }
    finally:
        engine.dispose()


def assert_gone(url: str, name: str, cache: CachedEncoder, text: str, *, step: str) -> None:
    rows = every_row(url)
    naming = {t: [r for r in found if PERSON in r or name in r] for t, found in rows.items()}
    assert not any(naming.values()), (step, naming)
    assert len(rows["employees"]) == 499, step  # everyone else is still there
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            log = conn.execute(sa.select(access_log.c.employee_id, access_log.c.tombstone)).all()
    finally:
        engine.dispose()
    assert not [r for r in log if r.employee_id == PERSON], step
    assert len({r.tombstone for r in log if r.tombstone}) == 1, step  # their history, unnamed
    assert cache.cache.get(cache.name, [text]) == {}, step
    assert len(cache.cache) >= 499, step  # the others' vectors stay
    assert not [r for r in rows["text_vectors"] if text_hash(text) in r], step
    assert len(rows["text_vectors"]) >= 499, step  # the database's vectors of the others stay
    assert len(rows["prepared_answers"]) >= 400, step  # and their prepared pages
    raw = database_bytes(url)
    assert PERSON.encode() not in raw and name.encode() not in raw, step
    assert text_hash(text).encode() not in raw, step  # their vector's key, bytes included


def test_an_erased_person_stays_erased_through_restarts_and_imports(
    database_url: str, tmp_path: Path
) -> None:
    url = database_url
    bundled = read_org_tables(DATA_DIR).catalog
    person = bundled.employee(PERSON)
    text = profile_text(bundled, person)
    cache = CachedEncoder(HashingEncoder(64), EmbeddingCache(tmp_path / "vectors"))
    cache_dir = ["--cache-dir", tmp_path / "vectors"]

    # make serve: reskill init, then the service.
    reskill_process("init", "--database-url", url)
    engine = make_engine(url)
    admin = {"X-API-Key": create_key(engine, Role.ADMIN).token}
    talent = {"X-API-Key": create_key(engine, Role.TALENT).token}
    create_key(engine, Role.EMPLOYEE, employee_id=PERSON)
    prepared = hashing_service(engine)  # reskill prepare: their vector and page stored
    assert prepared.data_version is not None
    with claim(engine, prepared.data_version):
        assert prepare(engine, prepared, processes=2).finished
    engine.dispose()
    with served(url, cache) as client:
        assert client.get(f"/v1/employees/{PERSON}", headers=talent).status_code == 200
        assert len(cache.cache.get(cache.name, [text])) == 1  # the warm-up cached them
        raw = database_bytes(url)
        assert PERSON.encode() in raw and person.name.encode() in raw  # the check can fail
        assert text_hash(text).encode() in raw
        assert any(PERSON in r for r in every_row(url)["prepared_answers"])

        assert client.delete(f"/v1/employees/{PERSON}", headers=admin).status_code == 204
        assert_gone(url, person.name, cache, text, step="erased, service still running")

    # The service restarts: reskill init (it must load nothing), then the app.
    said = reskill_process("init", "--database-url", url)
    with served(url, cache) as client:
        assert client.get(f"/v1/employees/{PERSON}", headers=talent).status_code == 404
        assert client.get("/v1/health").status_code == 200
        assert len(client.app.state.recommender.catalog.employees) == 499  # type: ignore[attr-defined]
    assert_gone(url, person.name, cache, text, step="after restart")
    assert "nothing was loaded" in said

    # The bundled data lists the person again: a snapshot import, a partial one, init.
    for command in (
        ("import", "org", DATA_DIR, *cache_dir),
        ("import", "org", DATA_DIR, "--partial", *cache_dir),
        ("init", "--load-data"),
    ):
        said = reskill(*command, "--database-url", url)
        assert "1 person was left out because they were erased" in " ".join(said.split())
        assert PERSON not in said and person.name not in said
        assert_gone(url, person.name, cache, text, step=" ".join(map(str, command)))

    # A full extract without them (and without one leaver, whom it removes).
    leaver = "E000138"
    without = extract(tmp_path / "extract", without=[PERSON, leaver])
    said = reskill("import", "org", without, *cache_dir, "--database-url", url)
    assert "snapshot: 1 person not in these files was removed" in " ".join(said.split())
    rows = every_row(url)
    assert len(rows["employees"]) == 498 and not any(leaver in r for r in rows["employees"])
    assert len([r for r in rows["employees"] if PERSON in r]) == 0
    raw = database_bytes(url)
    assert PERSON.encode() not in raw and person.name.encode() not in raw

    # Only an explicit re-hire lets an import bring them back.
    with open(without / "employees.csv", encoding="utf-8") as handle:
        assert PERSON not in {row["employee_id"] for row in csv.DictReader(handle)}
    reskill("employees", "rehire", PERSON, "--database-url", url)
    said = reskill("import", "org", DATA_DIR, *cache_dir, "--database-url", url)
    assert "left out because erased: 0" in said
    assert any(PERSON in r for r in every_row(url)["employees"])
