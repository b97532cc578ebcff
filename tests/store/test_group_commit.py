"""Group commit of access-log rows: many callers, one writer, each caller its own answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from recommender.access import Principal, Role
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import (
    _INSERT_READ,
    read_access_log,
    record_reads,
    record_reads_async,
)
from recommender.store.engine import write_transaction
from recommender.store.group_commit import group_commit
from tests.store.test_access import two_people

TALENT = Principal("talent01", Role.TALENT)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    save_catalog(engine, two_people(), kind="org", source="tests")
    yield engine
    engine.dispose()


def test_concurrent_reads_share_transactions_and_each_caller_gets_its_own_rows(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = group_commit(engine, _INSERT_READ)
    before = writer.batches
    answers: dict[int, tuple[str, ...]] = {}
    # Count callers as they queue: the writer may take the first few before the others
    # arrive (then waits on the lock with them), so the queue alone may never hold 19.
    queued: list[object] = []
    enqueue = writer._enqueue

    def counted(job: object) -> None:
        queued.append(job)
        enqueue(job)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "_enqueue", counted)
    # While the write lock is held, 20 callers queue up: the writer then takes them together.
    # PostgreSQL has no database-wide write lock: a lock on the log table blocks its inserts.
    with write_transaction(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("LOCK TABLE access_log IN SHARE MODE"))
        threads = [
            threading.Thread(
                target=lambda i=i: answers.__setitem__(
                    i,
                    record_reads(
                        engine,
                        TALENT,
                        ["E1", "E9", "E2"] if i % 2 else ["E2"],
                        action="a",
                        route="R",
                        request_id=f"q{i}",
                    ),
                )
            )
            for i in range(20)
        ]
        for thread in threads:
            thread.start()
        while len(queued) < 20:
            threading.Event().wait(0.01)
    for thread in threads:
        thread.join()
    assert answers == {i: ("E1", "E2") if i % 2 else ("E2",) for i in range(20)}
    assert writer.batches - before <= 3  # not 20 transactions
    rows = read_access_log(engine, limit=100)
    assert len(rows) == 30 and {r.request_id for r in rows} == {f"q{i}" for i in range(20)}


def test_one_callers_bad_rows_fail_that_caller_only(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce column lengths: no row is refused there")
    outcome: dict[str, object] = {}

    def read(name: str, request_id: str) -> None:
        try:
            outcome[name] = record_reads(
                engine, TALENT, ["E1"], action="a", route="R", request_id=request_id
            )
        except sa.exc.DBAPIError as error:
            outcome[name] = error

    with write_transaction(engine):
        good = threading.Thread(target=read, args=("good", "ok"))
        bad = threading.Thread(target=read, args=("bad", "r" * 65))  # longer than the column
        good.start(), bad.start()
        writer = group_commit(engine, _INSERT_READ)
        # Until one queues, or both were written already (no lock holds the writer here).
        while not writer._queue and (good.is_alive() or bad.is_alive()):
            threading.Event().wait(0.01)
    good.join(), bad.join()
    assert outcome["good"] == ("E1",)
    assert isinstance(outcome["bad"], sa.exc.DBAPIError)
    assert [r.request_id for r in read_access_log(engine)] == ["ok"]


def test_an_event_loop_awaits_its_reads_without_blocking(engine: sa.Engine) -> None:
    async def main() -> tuple[tuple[str, ...], ...]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        clock = asyncio.create_task(ticker())
        reads = [
            record_reads_async(
                engine, TALENT, ["E1", "E2"], action="a", route="R", request_id=f"{i}"
            )
            for i in range(50)
        ]
        done = await asyncio.gather(*reads)
        clock.cancel()
        assert ticks > 0
        return tuple(done)

    assert set(asyncio.run(main())) == {("E1", "E2")}
    assert len(read_access_log(engine, limit=1000)) == 100
