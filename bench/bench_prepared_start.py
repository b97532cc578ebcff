"""How long one ``reskill serve`` worker takes to answer /v1/health on a prepared data version,
and on one nobody prepared (the worker then prepares it into the database itself).

Usage::

    python bench/bench_prepared_start.py --n 3000     # generated employees, SQLite
    python bench/bench_prepared_start.py --n 3000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1/test   # a scratch database there

The data is the bundled roles, skills and courses with ``--n`` generated employees. The
vectors are stored under the bundled model's name by a hashing stand-in (loading a vector
costs the same whatever its values, and the real model would spend minutes encoding); the
pages are prepared by the real code (:func:`recommender.preparation.prepare`). Then:

1. a worker starts on the prepared version (it loads the pages, reads every vector);
2. the preparation is deleted (the vectors stay: an import that changed no profile text) and a
   worker starts again: it prepares the version (answers, renders and stores every page);
3. a worker starts once more, on the version the second one prepared.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: import the other benchmarks as ``bench.*``
    sys.path.insert(0, str(REPO))

from bench.bench_store import scratch_postgres  # noqa: E402
from recommender.embeddings import DEFAULT_MODEL_NAME, CachedEncoder, HashingEncoder  # noqa: E402
from recommender.preparation import claim, prepare  # noqa: E402
from recommender.service import Recommender  # noqa: E402
from recommender.store import make_engine, schema  # noqa: E402
from recommender.store.preparations import FINGERPRINT_SETTING  # noqa: E402
from recommender.store.vectors import DatabaseEmbeddingCache  # noqa: E402

CLI = [sys.executable, "-m", "recommender.cli"]
console = Console()


class StandIn(HashingEncoder):
    """Hashing vectors under the bundled model's name and dimension."""

    @property
    def name(self) -> str:
        return DEFAULT_MODEL_NAME


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def started(url: str, env: dict[str, str], log: Path) -> tuple[float, list[str]]:
    """Seconds from launch to /v1/health 200, and what its log says it computed."""
    port = free_port()
    began = time.monotonic()
    with log.open("wb") as out:
        command = [*CLI, "serve", "--database-url", url, "--port", str(port)]
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=out)
    try:
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        seconds = time.monotonic() - began
    finally:
        process.terminate()
        process.wait(timeout=60)
    said = log.read_text()
    notes = [
        f"{label} {found.group(1)}"
        for label, pattern in NOTES
        if (found := re.search(pattern, said)) is not None
    ]
    return seconds, notes


#: What the worker's log says about its start, as (label, pattern of the number).
NOTES = (
    ("pages answered here:", r"opportunities ready for \d+ people \((\d+) answered now\)"),
    ("texts encoded here:", r"texts encoded here: (\d+)"),
    ("pages loaded:", r"opportunity pages loaded for (\d+) people"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="generated employees")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server: the bench runs in a scratch database beside this one, "
        "dropped afterwards (default: a SQLite file)",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        server = None
        if args.database_url is not None:
            server = stack.enter_context(scratch_postgres(args.database_url))
        run(args.n, server)


def run(n: int, server: str | None) -> None:
    """The three starts on ``n`` generated employees, in ``server`` or a SQLite file."""
    with tempfile.TemporaryDirectory(prefix="reskill-bench-") as folder:
        root = Path(folder)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env["RESKILL_EMBEDDING_CACHE"] = str(root / "disk")
        data = root / "org"
        data.mkdir()
        for path in (REPO / "data").glob("*.csv"):
            (data / path.name).write_bytes(path.read_bytes())
        generate = ["generate", "employees", "--n", str(n), "--data", str(data)]
        subprocess.run([*CLI, *generate], env=env, cwd=REPO, check=True, capture_output=True)
        url = server or f"sqlite:///{root / 'bench.db'}"
        init = [*CLI, "init", "--database-url", url, "--data", str(data)]
        subprocess.run(init, env=env, cwd=REPO, check=True, capture_output=True)
        engine = make_engine(url)
        encoder = CachedEncoder(StandIn(384), DatabaseEmbeddingCache(engine))
        service = Recommender.from_engine(engine, encoder=encoder)
        assert service.data_version is not None
        began = time.perf_counter()
        with claim(engine, service.data_version):
            people = prepare(engine, service).people
        table = Table("step", "seconds", "log")
        table.add_row(
            f"prepare {people:,} people (in process)", f"{time.perf_counter() - began:.1f}", ""
        )
        for label in (
            "worker on the prepared version",
            "worker on an unprepared version",
            "worker on the version it prepared",
        ):
            if "unprepared" in label:
                with engine.begin() as conn:
                    conn.execute(sa.delete(schema.prepared_answers))
                    conn.execute(sa.delete(schema.preparations))
                    conn.execute(
                        sa.delete(schema.settings).where(
                            schema.settings.c.name == FINGERPRINT_SETTING
                        )
                    )
            seconds, lines = started(url, env, root / "serve.log")
            table.add_row(label, f"{seconds:.1f}", "; ".join(lines))
        engine.dispose()
        console.print(table)


if __name__ == "__main__":
    main()
