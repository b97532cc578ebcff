"""Time `reskill import onet`: parsing the O*NET text database, then saving it to SQL.

Run: .venv/bin/python bench/bench_onet_import.py [--onet ../shared/onet] [--postgres URL]
Prints the median of --repeat runs for each step (a fresh database per run).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from recommender.ingest.onet import load_onet
from recommender.store import make_engine, save_catalog, upgrade

REPO = Path(__file__).resolve().parents[1]


def timed(step: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def save_once(url: str, catalog: object) -> float:
    engine = make_engine(url)
    upgrade(engine)
    seconds, _ = timed(lambda: save_catalog(engine, catalog, kind="onet", source="bench"))  # type: ignore[arg-type]
    again, result = timed(lambda: save_catalog(engine, catalog, kind="onet", source="bench"))  # type: ignore[arg-type]
    assert not result.changed  # type: ignore[attr-defined]
    engine.dispose()
    print(f"    save {seconds:6.2f} s, idempotent re-save {again:6.2f} s")
    return seconds


def save_postgres_once(admin_url: str, catalog: object) -> float:
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

    parse_times = []
    for _ in range(args.repeat):
        seconds, catalog = timed(lambda: load_onet(args.onet))
        parse_times.append(seconds)
    print(
        f"parse O*NET ({len(catalog.roles)} occupations): median {statistics.median(parse_times):.2f} s"
    )  # type: ignore[attr-defined]

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
