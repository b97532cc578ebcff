"""Time `reskill transitions` over every O*NET occupation, cold and warm embedding cache.

Run: .venv/bin/python bench/bench_transitions.py [--onet ../shared/onet] [--repeat 1]

Each run is a fresh process (`reskill transitions --onet DIR --top 20 --out FILE`), so the
timings include Python start-up, loading O*NET, the model and, when cold, the encoder.
"Cold" uses a new empty cache directory; "warm" reruns on the cache the cold run filled.
The load average is printed beside each timing: the machine is shared, and a busy host
can slow a run twofold.
Targets: cold < 120 s, warm < 20 s (2-core machine).
``python -m bench`` calls :func:`run` for its transitions row.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: This checkout's ``reskill``, run by the interpreter running the benchmark.
RESKILL = [sys.executable, "-m", "recommender.cli"]


def run(onet: Path, cache: Path, out: Path) -> float:
    """Seconds of one ``reskill transitions`` process over ``onet`` with the cache ``cache``."""
    start = time.perf_counter()
    path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    done = subprocess.run(
        [
            *RESKILL,
            "transitions",
            "--onet",
            str(onet),
            "--top",
            "20",
            "--out",
            str(out),
            "--cache-dir",
            str(cache),
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": path,
        },
    )
    if done.returncode:
        raise RuntimeError(f"reskill transitions exited {done.returncode}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onet", type=Path, default=REPO.parent / "shared" / "onet")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    cold, warm, loads = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            cache, out = Path(tmp) / "cache", Path(tmp) / "top.tsv"
            cold.append(run(args.onet, cache, out))
            loads.append(os.getloadavg()[0])
            warm.append(run(args.onet, cache, out))
            loads.append(os.getloadavg()[0])
            rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
    print(f"{'run':<6}{'median s':>10}{'runs':>6}   target")
    print(f"{'cold':<6}{statistics.median(cold):>10.1f}{len(cold):>6}   < 120 s")
    print(f"{'warm':<6}{statistics.median(warm):>10.1f}{len(warm):>6}   < 20 s")
    print(
        f"rows written: {rows}; cpus: {os.cpu_count()}; 1-min load average during runs: "
        f"{', '.join(f'{x:.1f}' for x in loads)}"
    )


if __name__ == "__main__":
    main()
