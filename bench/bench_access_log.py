"""What logging a read costs: the access-log insert every person route commits.

Usage::

    python bench/bench_access_log.py                 # SQLite, and PostgreSQL at the test URL
    python bench/bench_access_log.py --postgres URL  # another server (a scratch database
                                                     # is created beside URL and dropped)

A read is logged with ``INSERT ... SELECT ... FROM employees WHERE id = ?`` (``FOR SHARE``
on PostgreSQL), so a person erased meanwhile is never logged (see
``recommender/store/access.py``). This compares it with the plain insert it replaced, on
the bundled data: one read per call, each committed, first one after another (median and
p99 per call), then ``--threads`` threads all reading the same person at once (reads per
second), which is where PostgreSQL's shared row locks could contend.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench_store import scratch_postgres

from recommender.access import Principal, Role
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import _INSERT_LOG, _LOG_COLUMNS, _log_row, record_reads
from recommender.store.engine import DriverStatement

REPO = Path(__file__).resolve().parents[1]
TALENT = Principal("talent01", Role.TALENT)


def run(url: str, label: str, threads: int, reads: int) -> None:
    dataset = read_org_tables(REPO / "data")
    engine = make_engine(url)
    upgrade(engine)
    save_catalog(engine, dataset.catalog, protected=dataset.protected, kind="org", source="b")
    people = list(dataset.catalog.employees)[:200]
    plain = DriverStatement(engine, _INSERT_LOG, columns=_LOG_COLUMNS)

    def before(person: str) -> None:  # the plain insert of session 4
        plain.commit_each([_log_row(TALENT, "a", "R", person, "q")])

    def now(person: str) -> None:
        record_reads(engine, TALENT, [person], action="a", route="R", request_id="q")

    ways: list[tuple[str, Callable[[str], None]]] = [
        ("plain insert", before),
        ("insert-select", now),
    ]
    for name, log in ways * 2:  # twice each, alternating
        times = []
        for person in people * (reads // len(people)):
            start = time.perf_counter()
            log(person)
            times.append(time.perf_counter() - start)
        times.sort()
        print(
            f"{label:<10} {name:<14} one at a time: median {statistics.median(times) * 1e6:6.0f} us,"
            f" p99 {times[int(len(times) * 0.99)] * 1e6:6.0f} us",
            flush=True,
        )
    for name, log in ways:

        def reader(log: Callable[[str], None] = log) -> None:
            for _ in range(reads // threads):
                log(people[0])

        pool = [threading.Thread(target=reader) for _ in range(threads)]
        start = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        rate = (reads // threads) * threads / (time.perf_counter() - start)
        print(
            f"{label:<10} {name:<14} {threads} threads, one person: {rate:7.0f} reads/s", flush=True
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = os.environ.get(
        "RESKILL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--postgres", metavar="URL", default=default)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reads", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/log.db", "SQLite", args.threads, args.reads)
    with scratch_postgres(args.postgres) as url:
        run(url, "PostgreSQL", args.threads, args.reads)


if __name__ == "__main__":
    main()
