"""Peak resident memory of a server and its worker processes, read from ``/proc``.

A thread polls the process tree under one process every ``interval`` seconds and keeps,
for every process it has seen, the largest ``VmHWM`` (the kernel's own peak of resident
memory, so a peak between two polls is not lost while the process lives). Processes that
live less than an interval (none in ``reskill serve``: its preparing pool lives for
seconds) can be missed, and the last ``interval`` of a process that exits is not seen.

Which processes are workers: under ``uvicorn --workers N`` the supervisor's spawned
children (``multiprocessing.spawn``); with one worker uvicorn serves in the process
itself. Multiprocessing's resource tracker is neither a worker nor a worker's child.
Linux only: elsewhere :func:`supported` is false and nothing is sampled.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def supported() -> bool:
    return (PROC / "self" / "status").is_file()


@dataclass
class Seen:
    """One process of the tree: its parent, command line and the largest VmHWM read."""

    parent: int
    command: str
    peak_kib: int = 0


@dataclass(frozen=True)
class WorkerPeak:
    """A worker's own peak resident memory and its child processes' peaks, in KiB."""

    pid: int
    own_kib: int
    children_kib: tuple[int, ...]

    @property
    def with_children_kib(self) -> int:
        """Own peak plus each child's. Pages a forked child shares with its parent count
        in both, so this bounds the tree's use from above."""
        return self.own_kib + sum(self.children_kib)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:  # the process has exited
        return ""


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in (PROC / str(pid) / "task").glob("*"):
        found += [int(c) for c in _read(task / "children").split()]
    return found


def _peak_kib(pid: int) -> int:
    for line in _read(PROC / str(pid) / "status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class TreeSampler:
    """Polls the tree under a process (:meth:`start` with its pid) until :meth:`stop`."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.root = 0
        self.seen: dict[int, Seen] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        if not supported():
            return
        self.root = pid
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        """Read every process of the tree once."""
        todo = [(self.root, 0)]
        while todo:
            pid, parent = todo.pop()
            peak = _peak_kib(pid)
            if not peak:
                continue
            command = _read(PROC / str(pid) / "cmdline").replace("\0", " ").strip()
            seen = self.seen.setdefault(pid, Seen(parent, command))
            seen.peak_kib = max(seen.peak_kib, peak)
            todo += [(child, pid) for child in _children(pid)]

    def workers(self) -> list[WorkerPeak]:
        """Each worker's peaks (empty when nothing was sampled)."""
        if self.root not in self.seen:
            return []
        spawned = [p for p in self._kids(self.root) if "multiprocessing.spawn" in self._cmd(p)]
        return [self._worker(pid) for pid in spawned or [self.root]]

    def _worker(self, pid: int) -> WorkerPeak:
        descendants, todo = [], self._kids(pid)
        while todo:
            child = todo.pop()
            descendants.append(self.seen[child].peak_kib)
            todo += self._kids(child)
        return WorkerPeak(pid, self.seen[pid].peak_kib, tuple(descendants))

    def _kids(self, pid: int) -> list[int]:
        return [
            p
            for p, s in self.seen.items()
            if s.parent == pid and p != pid and "resource_tracker" not in s.command
        ]

    def _cmd(self, pid: int) -> str:
        return self.seen[pid].command
