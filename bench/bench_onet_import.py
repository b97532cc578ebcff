"""Time `reskill import onet`: parsing the O*NET text database, then saving it to SQL.

Run: .venv/bin/python bench/bench_onet_import.py [--onet ../shared/onet] [--postgres URL]
Prints the median of --repeat runs for each step (a fresh database per run).
``python -m bench`` calls :func:`time_parse` and :func:`time_save` for its O*NET rows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recommender.catalog import Catalog
from recommender.ingest.onet import load_onet
from recommender.store import make_engine, save_catalog, upgrade

REPO = Path(__file__).resolve().parents[1]


def timed(step: Callable[[], object]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def time_parse(onet: Path, repeat: int) -> tuple[list[float], Catalog]:
    """Seconds of each of ``repeat`` parses of the O*NET folder, and the catalogue parsed."""
    times, catalog = [], None
    for _ in range(repeat):
        seconds, catalog = timed(lambda: load_onet(onet))
        times.append(seconds)
    assert isinstance(catalog, Catalog)
    return times, catalog


def time_save(url: str, catalog: Catalog) -> tuple[float, float]:
    """Seconds to save ``catalog`` into the empty database at ``url`` (migrated first), and
    to save it again unchanged (which writes nothing)."""
    engine = make_engine(url)
    upgrade(engine)
    try:
        seconds, _ = timed(lambda: save_catalog(engine, catalog, kind="onet", source="bench"))
        again, result = timed(lambda: save_catalog(engine, catalog, kind="onet", source="bench"))
        assert not result.changed
    finally:
        engine.dispose()
    return seconds, again


def save_once(url: str, catalog: Catalog) -> float:
    seconds, again = time_save(url, catalog)
    print(f"    save {seconds:6.2f} s, idempotent re-save {again:6.2f} s")
    return seconds


def save_postgres_once(admin_url: str, catalog: Catalog) -> float:
    """Save into a fresh PostgreSQL database, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"reskill_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        return save_once(admin_url.rsplit("/", 1)[0] + f"/{name}", catalog)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--onet", type=Path, default=REPO.parent / "shared" / "onet")
    parser.add_argument(
        "--postgres",
        default=None,
        help="admin URL, e.g. postgresql+psycopg://postgres@127.0.0.1/test",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    parse_times, catalog = time_parse(args.onet, args.repeat)
    print(
        f"parse O*NET ({len(catalog.roles)} occupations): median {statistics.median(parse_times):.2f} s"
    )

    rows = [("parse", statistics.median(parse_times))]
    with tempfile.TemporaryDirectory() as tmp:
        print("  SQLite")
        sqlite = [save_once(f"sqlite:///{tmp}/onet{i}.db", catalog) for i in range(args.repeat)]
        rows.append(("save SQLite", statistics.median(sqlite)))
    if args.postgres:
        print("  PostgreSQL")
        pg = [save_postgres_once(args.postgres, catalog) for _ in range(args.repeat)]
        rows.append(("save PostgreSQL", statistics.median(pg)))
    print("\nstep               median s")
    for name, value in rows:
        print(f"{name:18} {value:8.2f}")


if __name__ == "__main__":
    main()
