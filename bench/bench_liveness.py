"""Liveness under a held write lock: how long health, catalogue and person reads take while
another connection holds SQLite's write lock for 3 s (as an import or an erasure does).

Usage::

    python bench/bench_liveness.py                 # 3 s hold, 3 rounds
    python bench/bench_liveness.py --hold 5 --rounds 5

It loads the bundled data into a fresh SQLite database, starts ``reskill serve`` (one
worker; no embedding model, which none of these routes needs), and per round: times each
kind of read with nothing held (baseline), then holds the write lock from another
connection (``BEGIN IMMEDIATE``) for ``--hold`` seconds while six person reads wait on it
and health and catalogue reads are sent one after another. Person reads must wait (each is
logged before it is answered); nothing else may. Prints one table: per kind of read, its
latency with nothing held and under the lock (median and worst), and how many answered.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table

DATA = Path(__file__).resolve().parents[1] / "data"
console = Console(width=140)
err = Console(stderr=True)

READS = {
    "GET /v1/health (no key)": ("/v1/health", False),
    "GET /v1/roles/{id} (catalogue)": ("/v1/roles/soc-analyst-1", True),
    "GET /v1/roles?hard_to_fill=true": ("/v1/roles?hard_to_fill=true", True),
}
PERSON = "/v1/employees/E000001"


def _reskill(*args: str, env: dict[str, str]) -> str:
    command = [sys.executable, "-m", "recommender.cli", *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def _get(url: str, key: str | None) -> tuple[int, float]:
    request = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _round(
    base: str, key: str, database: Path, hold: float
) -> dict[str, list[tuple[str, int, float]]]:
    """One baseline pass and one pass under the lock; (phase, status, seconds) per read."""
    seen: dict[str, list[tuple[str, int, float]]] = {name: [] for name in [*READS, "person read"]}
    for name, (path, with_key) in READS.items():
        for _ in range(20):
            seen[name].append(("free", *_get(base + path, key if with_key else None)))
    for _ in range(20):
        seen["person read"].append(("free", *_get(base + PERSON, key)))

    locked, released = threading.Event(), threading.Event()

    def hold_lock() -> None:  # on its own clock: a stalled server cannot delay the release
        holder = sqlite3.connect(database, timeout=30, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(hold)
        holder.execute("ROLLBACK")
        holder.close()
        released.set()

    threading.Thread(target=hold_lock).start()
    locked.wait()
    waiting: list[tuple[int, float]] = []
    threads = [
        threading.Thread(target=lambda: waiting.append(_get(base + PERSON, key))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # let the person reads reach the database (they then wait on the lock)
    while not released.is_set():
        for name, (path, with_key) in READS.items():
            seen[name].append(("held", *_get(base + path, key if with_key else None)))
    for thread in threads:
        thread.join()
    seen["person read"] += [("held", status, seconds) for status, seconds in waiting]
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hold", type=float, default=3.0, help="seconds the lock is held")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "RESKILL_EMBEDDINGS": "false", "RESKILL_PREPARE_OPPORTUNITIES": "0"}
    with tempfile.TemporaryDirectory(prefix="reskill-liveness-") as tmp:
        database = Path(tmp) / "reskill.db"
        url = f"sqlite:///{database}"
        err.print("loading the bundled data ...")
        _reskill("init", "--database-url", url, "--data", str(DATA), env=env)
        key = _reskill("keys", "create", "--role", "talent", "--database-url", url, env=env).strip()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with (Path(tmp) / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "recommender.cli", "serve", "--database-url", url]
                + ["--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((Path(tmp) / "server.log").read_text())
                try:
                    if _get(base + "/v1/health", None)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            totals: dict[str, list[tuple[str, int, float]]] = {}
            for number in range(1, args.rounds + 1):
                err.print(f"round {number} of {args.rounds}: lock held {args.hold:.0f} s ...")
                for name, rows in _round(base, key, database, args.hold).items():
                    totals.setdefault(name, []).extend(rows)
        finally:
            server.terminate()
            server.wait(timeout=30)
    _report(totals, args)


def _report(totals: dict[str, list[tuple[str, int, float]]], args: argparse.Namespace) -> None:
    table = Table(
        title=f"reskill serve (1 worker, SQLite, bundled data); write lock held {args.hold:.0f} s "
        f"by another connection, {args.rounds} rounds; {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    for column in (
        "read",
        "nothing held: median ms",
        "max ms",
        "lock held: median ms",
        "max ms",
        "answered under the lock",
        "statuses",
    ):
        table.add_column(column, justify="left" if column == "read" else "right")
    for name, rows in totals.items():
        free = [s for phase, _, s in rows if phase == "free"]
        held = [s for phase, _, s in rows if phase == "held"]
        statuses = sorted({status for _, status, _ in rows})
        table.add_row(
            name,
            f"{statistics.median(free) * 1e3:.1f}",
            f"{max(free) * 1e3:.1f}",
            f"{statistics.median(held) * 1e3:.1f}" if held else "-",
            f"{max(held) * 1e3:.1f}" if held else "-",
            f"{len(held):,}",
            " ".join(map(str, statuses)),
        )
    console.print(table)
    console.print(
        "Person reads wait for the lock by design (each read is logged before it is answered);"
        " health and catalogue reads must not."
    )


if __name__ == "__main__":
    main()
