"""Another writer holding the database's write lock, as an import does for seconds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from recommender.store.engine import write_transaction


@contextmanager
def write_lock_held(engine: sa.Engine, seconds: float = 3.0) -> Iterator[None]:
    """Hold, from another thread, what an import's transaction holds over ``api_keys``
    for up to ``seconds`` (released early when the block ends).

    SQLite: the database's write lock (``BEGIN IMMEDIATE``); readers still read.
    PostgreSQL: an ``EXCLUSIVE`` lock on ``api_keys``: plain reads pass, writes wait.
    """
    locked, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with write_transaction(engine) as conn:
                if engine.dialect.name != "sqlite":
                    conn.exec_driver_sql("LOCK TABLE api_keys IN EXCLUSIVE MODE")
                locked.set()
                release.wait(seconds)
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
            locked.set()

    holder = threading.Thread(target=hold, name="write-lock-holder")
    holder.start()
    try:
        assert locked.wait(10), "the lock holder never got the lock"
        assert not failure, failure
        yield
    finally:
        release.set()
        holder.join()
