"""Bare-tool baselines (``../shared/PERFORMANCE_NOTES.md``), measured in the same run.

Each does the nearest thing a bare library does to one of reskill's measures, on the
same data, so that a figure can be read as a ratio to what this machine does right now.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import networkx as nx
import numpy as np


def median_seconds(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_top_k(vectors: np.ndarray, k: int, queries: int = 20) -> float:
    """Median seconds of one exact top-``k`` over ``vectors`` (float32): matmul +
    argpartition, the query being one of the rows."""
    rows = np.ascontiguousarray(vectors, dtype=np.float32)
    picks = np.linspace(0, len(rows) - 1, num=min(queries, len(rows)), dtype=int)
    k = min(k, len(rows) - 1)

    def one(i: int) -> None:
        scores = rows @ rows[i]
        np.argpartition(scores, -k)[-k:]

    times = []
    for i in picks:
        start = time.perf_counter()
        one(int(i))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scipy_all_pairs(graph: nx.DiGraph, weight: str = "weight", repeat: int = 3) -> float:
    """Median seconds of all-pairs Dijkstra with ``scipy.sparse.csgraph`` on ``graph``."""
    from scipy.sparse.csgraph import dijkstra

    matrix = nx.to_scipy_sparse_array(graph, weight=weight, format="csr")
    return median_seconds(lambda: dijkstra(matrix, directed=True), repeat)


def networkx_pair(graph: nx.DiGraph, pairs: Iterable[tuple[str, str]], weight: str) -> float:
    """Median seconds of networkx's bidirectional Dijkstra between each of ``pairs``."""
    times = []
    for a, b in pairs:
        start = time.perf_counter()
        nx.bidirectional_dijkstra(graph, a, b, weight=weight)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def networkx_single_source(graph: nx.DiGraph, sources: Iterable[str]) -> float:
    """Median seconds of networkx's single-source Dijkstra from each of ``sources``."""
    times = []
    for source in sources:
        start = time.perf_counter()
        nx.single_source_dijkstra_path_length(graph, source)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pandas_read(folder: Path, names: Iterable[str], repeat: int) -> float:
    """Median seconds to read the tab-separated files ``names`` of ``folder`` with pandas."""
    import pandas as pd

    paths = [folder / n for n in names if (folder / n).is_file()]

    def read() -> None:
        for path in paths:
            pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)

    return median_seconds(read, repeat)


#: A process that imports pandas and reads tab-separated files (paths in argv), then exits.
READ_FILES = (
    "import sys\n"
    "import pandas as pd\n"
    "for path in sys.argv[1:]:\n"
    "    pd.read_csv(path, sep='\\t', dtype=str, keep_default_na=False)\n"
)


def reading_process(folder: Path, names: Iterable[str], env: dict[str, str]) -> float:
    """Seconds of a bare Python process that imports pandas, reads ``names`` and exits."""
    paths = [str(folder / n) for n in names if (folder / n).is_file()]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", READ_FILES, *paths], check=True, env=env)
    return time.perf_counter() - start
