"""The conditions a benchmark ran under: machine, software, database, data, time, commit."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (the platform's processor elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def git_commit() -> str:
    """``abc1234`` (``+dirty`` when the tree has uncommitted changes), or ``unknown``."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _git(*args: str) -> str:
    """What ``git -C REPO ARGS`` prints, stripped."""
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def database(url: str | None) -> str:
    """``SQLite (...)`` or the PostgreSQL URL without user name and password."""
    if url is None:
        return "SQLite (a fresh file per measure in a temporary directory)"
    given = sa.make_url(url)  # set(username=None) would keep the name: build it anew
    bare = sa.URL.create(
        given.drivername, host=given.host, port=given.port, database=given.database
    )
    return f"PostgreSQL {bare.render_as_string()} (a scratch database per measure)"


def wrk_version() -> str | None:
    path = shutil.which("wrk")
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else path


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def conditions(settings: dict[str, Any]) -> dict[str, Any]:
    """The machine and software now, then the run's own ``settings`` (sizes, database...)."""
    import numpy
    import torch

    now = dt.datetime.now().astimezone()
    return {
        "date": now.isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "cpu": f"{cpu_model()}, {usable_cpus()} usable of {os.cpu_count()}",
        "memory_gib": memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": f"{torch.__version__} ({torch.get_num_threads()} threads)",
        "numpy": numpy.__version__,
        "git_commit": git_commit(),
        "wrk": wrk_version() or "not installed",
        "load_average_at_start": load_average(),
        "command": " ".join([Path(sys.executable).name, "-m", "bench", *sys.argv[1:]]),
        **settings,
    }
