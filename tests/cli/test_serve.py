"""`reskill serve` answers on localhost with the bundled data (the README's first command)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from recommender import __version__
from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_served_api_answers_with_the_bundled_roles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    reskill = [sys.executable, "-m", "recommender.cli"]
    subprocess.run(
        [*reskill, "init", "--database-url", url], check=True, cwd=REPO, capture_output=True
    )
    created = subprocess.run(
        [*reskill, "keys", "create", "--role", "talent", "--database-url", url],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    key = {"X-API-Key": created.stdout.strip()}
    port = _free_port()
    server = subprocess.Popen(
        [*reskill, "serve", "--database-url", url, "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/v1/health", server)
        assert health == {"status": "ok", "version": __version__}  # nothing about the data
        roles = httpx.get(
            f"http://127.0.0.1:{port}/v1/roles", params={"hard_to_fill": "true"}, headers=key
        )
        families = {r["job_family"] for r in roles.json()["items"]}
        assert {"Security", "Data & AI"} <= families
        # Everyone's first page of opportunities was prepared before the first request.
        mine = httpx.get(f"http://127.0.0.1:{port}/v1/employees/E000176/opportunities", headers=key)
        assert mine.status_code == 200 and mine.json()["items"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = server.stdout.read().decode() if server.stdout else ""
    prepared = re.search(r"opportunities ready for (\d+) people", log)
    assert prepared and int(prepared.group(1)) >= 400, log
    # The standard library's event loop serves (uvloop left some clients waiting ~1 s).
    assert "event loop: asyncio" in log, log


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stdout.read().decode() if server.stdout else "exited")
        try:
            return dict(httpx.get(url, timeout=2).json())
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within 180 s")
