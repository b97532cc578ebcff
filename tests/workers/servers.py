"""Real ``reskill`` processes for the worker tests: the command line and ``reskill serve``.

Each server is the real command (uvicorn, its lifespan, its version watcher, its own
engine), started without the embedding model and without preparing opportunities, so
that it is ready in seconds. Nothing here sleeps for a fixed time: callers poll with a
deadline (:func:`poll`).
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.conftest import DATA_DIR, REPO

T = TypeVar("T")

#: What every process here runs with: no model, nothing prepared ahead, no warm-up (a
#: swap then costs loading the catalogue only; warming is the same work as before these
#: tests, and on a loaded machine it would make the timings measure it instead).
ENV = {
    **os.environ,
    "RESKILL_EMBEDDINGS": "false",
    "RESKILL_PREPARE_OPPORTUNITIES": "0",
    "RESKILL_WARM_UP": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}
START_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reskill(*args: str) -> str:
    """Run a ``reskill`` command; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "recommender.cli", *args],
        env=ENV,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout.strip()


def new_key(url: str, role: str) -> str:
    """A key made in this process (as ``reskill keys create`` makes it, without its start-up)."""
    from recommender.access import Role
    from recommender.store import make_engine
    from recommender.store.access import create_key

    engine = make_engine(url)
    try:
        return create_key(engine, Role(role)).token
    finally:
        engine.dispose()


def key_id(token: str) -> str:
    """``rk_<key id>_<secret>`` -> the key id."""
    return token.split("_")[1]


class Server:
    """One ``reskill serve`` process on its own port, logging to ``log``."""

    def __init__(
        self,
        url: str,
        log: Path,
        *,
        workers: int = 1,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ):
        self.url, self.log_path, self.workers = url, log, workers
        self.env = {**ENV, **(env or {})}
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(base_url=self.base, timeout=30)

    def start(self, seconds: float = START_SECONDS) -> Server:
        """Start the process and wait (at most ``seconds``) until it answers."""
        return self.launch().ready(seconds)

    def launch(self) -> Server:
        """Start the process (see :meth:`ready`)."""
        command = [sys.executable, "-m", "recommender.cli", "serve", "--database-url", self.url]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def ready(self, seconds: float = START_SECONDS) -> Server:
        """Wait (at most ``seconds``) until health answers 200."""
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while True:
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, f"reskill serve did not start\n{self.log()}"
            try:
                if self.client.get("/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lifespan end, as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.client.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def get(self, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"X-API-Key": key} if key else {}
        return self.client.get(path, headers=headers, **kwargs)


def poll(check: Callable[[], T | None], seconds: float, what: str) -> tuple[T, float]:
    """Call ``check`` until it returns something other than None, for at most ``seconds``;
    what it returned and after how many seconds."""
    started = time.monotonic()
    while True:
        result = check()
        elapsed = time.monotonic() - started
        if result is not None:
            return result, elapsed
        assert elapsed < seconds, f"{what}: not within {seconds} s"
        time.sleep(0.05)


def bundled_csvs(renames: dict[str, str] | None = None) -> list[tuple[str, tuple[str, bytes, str]]]:
    """The bundled CSV files as multipart parts, with employees renamed (id -> new name)."""
    parts = []
    for path in sorted(DATA_DIR.glob("*.csv")):
        data = path.read_bytes()
        if path.name == "employees.csv" and renames:
            data = _renamed(data.decode("utf-8"), renames).encode("utf-8")
        parts.append(("files", (path.name, data, "text/csv")))
    return parts


def renamed_copy(folder: Path, renames: dict[str, str]) -> Path:
    """A copy of the bundled data in ``folder`` with employees renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in DATA_DIR.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        if path.name == "employees.csv":
            text = _renamed(text, renames)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def _renamed(text: str, renames: dict[str, str]) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row["name"] = renames.get(row["employee_id"], row["name"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
