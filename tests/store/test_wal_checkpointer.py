"""The server's WAL checkpointer: commits stop checkpointing, a thread does it instead,
and the WAL is rewound once long, with every row still there."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import recommender.store.engine as engine_module
from recommender.store.engine import (
    BACKGROUND_AUTOCHECKPOINT_PAGES,
    WalCheckpointer,
    make_engine,
    write_transaction,
)

ROWS = sa.table("t", sa.column("x", sa.Integer))


def _engine(path: Path, background: bool) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path / 'db.sqlite'}", background_checkpoints=background)
    with write_transaction(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    return engine


def _write(engine: sa.Engine, n: int) -> None:
    for i in range(n):
        with write_transaction(engine) as conn:
            conn.execute(sa.insert(ROWS).values(x=i))


def _wal_frames(engine: sa.Engine) -> int:
    """Frames in the WAL now (a no-op passive checkpoint reports them)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()[1])


def test_commits_checkpoint_by_themselves_only_without_the_background_option(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain, deferred = _engine(tmp_path / "a", False), _engine(tmp_path / "b", True)
    with plain.connect() as a, deferred.connect() as b:
        assert a.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        assert (
            b.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            == BACKGROUND_AUTOCHECKPOINT_PAGES
        )


def test_a_long_wal_is_copied_and_rewound_and_no_row_is_lost(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    engine = _engine(tmp_path / "db", True)
    _write(engine, 300)
    assert _wal_frames(engine) >= 300  # nothing checkpointed the WAL away
    checkpointer = WalCheckpointer(engine, restart_frames=100)
    checkpointer.checkpoint()
    assert checkpointer.restarts == 1
    _write(engine, 5)
    assert _wal_frames(engine) < 50  # the next writer started the WAL over
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ROWS)).scalar() == 305


def test_the_thread_checkpoints_while_writes_go_on_and_stops_cleanly(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    engine = _engine(tmp_path / "db", True)
    with WalCheckpointer(engine, interval=0.01, restart_frames=50) as checkpointer:
        _write(engine, 400)
    assert checkpointer.rounds >= 2 and checkpointer.restarts >= 1
    checkpointer.stop()  # idempotent
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ROWS)).scalar() == 400


def test_writer_threads_of_one_process_take_turns_without_sqlite_busy_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SQLite's busy timeout at zero, any two writers meeting at the write lock would
    fail with "database is locked": threads of one process queue on a lock of their own."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 0)
    engine = _engine(tmp_path, background=False)
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(60):
                with write_transaction(engine) as conn:
                    conn.execute(sa.insert(ROWS).values(x=offset + i))
                    time.sleep(0.0005)  # hold the write lock a little, as a real write does
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ROWS)).scalar() == 360
    engine.dispose()
