"""Migrations and engines: the schema Alembic builds is the schema the code declares."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from recommender.store import current_revision, make_engine, upgrade, write_transaction
from recommender.store.schema import metadata, preparations, prepared_answers


def test_upgrade_creates_every_table_and_is_idempotent(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # migrations are found in the package, not the working directory
    engine = make_engine(database_url)
    assert current_revision(engine) is None

    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == "0012"
    tables = set(sa.inspect(engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}
    engine.dispose()


def test_migrated_schema_matches_the_declared_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    assert differences == []
    engine.dispose()


def test_a_preparation_made_before_0006_keeps_its_plain_pages_and_has_no_dictionary(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    with write_transaction(engine) as conn:
        config = Config()
        config.set_main_option("script_location", "recommender.store:migrations")
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
        now = datetime.now(UTC)
        conn.execute(
            sa.text(
                "INSERT INTO preparations (version, started_at, finished_at, people) "
                "VALUES (1, :now, :now, 1)"
            ),
            {"now": now},
        )
        conn.execute(
            prepared_answers.insert().values(
                version=1, employee_id="E1", day=date(2026, 1, 2), body=b"x\x01plain"
            )
        )
    upgrade(engine)

    with engine.connect() as conn:
        assert conn.execute(
            sa.select(preparations.c.version, preparations.c.page_dictionary)
        ).all() == [(1, None)]
        assert bytes(conn.execute(sa.select(prepared_answers.c.body)).scalar_one()) == b"x\x01plain"
    assert current_revision(engine) == "0012"
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")

    with engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }

    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000}
    engine.dispose()


def test_sqlite_rolls_back_schema_changes_with_the_transaction(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")

    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
        raise RuntimeError("abort")

    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
