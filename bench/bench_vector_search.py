"""Vector search: exact scan against the HNSW index on real MiniLM vectors, by size.

Usage::

    .venv/bin/python bench/bench_vector_search.py [--onet DIR] [--cache-dir DIR]
        [--queries 300] [--sizes 1000,2000,5000,10000,20000,50000,0] [--plot FILE.png]

The corpus is real text, embedded with the bundled all-MiniLM-L6-v2 through the
project's embedding cache (the first run encodes ~70,000 texts: minutes on two cores,
with a progress bar): O*NET's alternate titles, sample reported titles, task statements
and detailed work activities, deduplicated and shuffled with a fixed seed. The last
``--queries`` texts are held out as queries; the rest are the indexed rows (a size of
0 means all of them). For each size it prints

* **exact ms**: median milliseconds of one query through :meth:`VectorIndex.exact`
  (numpy, float16 rows widened to float32 in chunks);
* **build s**: seconds to build the HNSW index (two threads);
* **hnsw ms**: median milliseconds of one query through the approximate path (one
  thread, exact rescoring of the fetched rows included);
* **recall@10 / recall@50**: the share of the exact top k the approximate search
  returns, over all queries;
* **MB**: float16 rows, and rows plus the HNSW index (its serialised size: 8-bit codes,
  graph links and levels).

Then an ``ef_search`` sweep at the largest size. Recall is measured on these real
vectors because HNSW's recall collapses on random ones. O*NET data: CC BY 4.0, O*NET
29.3 Database by the U.S. Department of Labor, Employment and Training Administration.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
from recommender.vector_search import APPROXIMATE_FROM, HnswSettings, VectorIndex

REPO = Path(__file__).resolve().parents[1]
FILES = {
    "Alternate Titles.txt": "Alternate Title",
    "Sample of Reported Titles.txt": "Reported Job Title",
    "Task Statements.txt": "Task",
    "DWA Reference.txt": "DWA Title",
}


def corpus(onet: Path) -> list[str]:
    """Distinct O*NET texts in a fixed shuffled order."""
    seen: dict[str, None] = {}
    for name, column in FILES.items():
        with (onet / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                text = (row.get(column) or "").strip()
                if text:
                    seen.setdefault(text, None)
    texts = list(seen)
    order = np.random.default_rng(20261125).permutation(len(texts))
    return [texts[i] for i in order]


def encode(texts: list[str], cache_dir: Path) -> np.ndarray:
    encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(cache_dir))
    parts, step = [], 2048
    for start in range(0, len(texts), step):
        parts.append(encoder.encode(texts[start : start + step]))
        done = min(start + step, len(texts))
        print(f"\rencoded {done:,}/{len(texts):,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return np.concatenate(parts)


def median_ms(index: VectorIndex, queries: np.ndarray, k: int, exact: bool) -> float:
    times = []
    for q in queries:
        start = time.perf_counter()
        if exact:
            index.exact(q[None, :], k)
        else:
            index.search(q, k)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def index_bytes(index: VectorIndex) -> int:
    """Size of the built faiss index, measured by serialising it (codes, graph, levels)."""
    import faiss

    return int(faiss.serialize_index(index._hnsw).nbytes)


def recall(index: VectorIndex, truth: VectorIndex, queries: np.ndarray, k: int) -> float:
    got = index.search(queries, k).rows
    want = truth.exact(queries, k).rows
    hits = sum(len(set(g) & set(w)) for g, w in zip(got, want, strict=True))
    return hits / want.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--onet", type=Path, default=REPO.parent / "shared" / "onet")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path.home() / ".cache" / "reskill" / "embeddings"
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--sizes", default="1000,2000,5000,10000,20000,50000,0")
    parser.add_argument("--timed", type=int, default=100, help="queries timed per size")
    parser.add_argument("--plot", type=Path, help="write recall/latency figure here (PNG)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    texts = corpus(args.onet)
    vectors = encode(texts, args.cache_dir)
    queries, base = vectors[-args.queries :], vectors[: -args.queries]
    timed = queries[: args.timed]
    print(f"corpus: {len(base):,} indexed texts, {len(queries)} held-out queries, 384-d")
    print(f"default switch to HNSW at {APPROXIMATE_FROM:,} rows; settings {HnswSettings()}")
    print(
        f"{'rows':>7} {'exact ms':>9} {'build s':>8} {'hnsw ms':>8} "
        f"{'rec@10':>7} {'rec@50':>7} {'MB rows':>8} {'MB +graph':>9}"
    )
    rows = []
    for size in [int(s) or len(base) for s in args.sizes.split(",")]:
        part = base[:size]
        exact = VectorIndex(part, approximate=False)
        approx = VectorIndex(part, approximate=True)
        start = time.perf_counter()
        approx.build()
        build = time.perf_counter() - start
        row = (
            len(part),
            median_ms(exact, timed, 10, exact=True),
            build,
            median_ms(approx, timed, 10, exact=False),
            recall(approx, exact, queries, 10),
            recall(approx, exact, queries, 50),
            exact.nbytes / 1e6,
            (exact.nbytes + index_bytes(approx)) / 1e6,
        )
        rows.append(row)
        print(
            f"{row[0]:>7,} {row[1]:>9.2f} {row[2]:>8.1f} {row[3]:>8.3f} "
            f"{row[4]:>7.3f} {row[5]:>7.3f} {row[6]:>8.1f} {row[7]:>9.1f}",
            flush=True,
        )

    print(
        f"\nef_search sweep at {len(base):,} rows (k=10 fetches 32, k=50 fetches 100; "
        "ef below the fetch count is raised to it)"
    )
    biggest = VectorIndex(base, approximate=False)
    sweep = []
    for ef in (32, 64, 128, 256, 512):
        index = VectorIndex(base, approximate=True, settings=HnswSettings(ef_search=ef))
        index._hnsw = approx._hnsw  # same graph, other search setting
        sweep.append(
            (
                ef,
                median_ms(index, timed, 10, exact=False),
                recall(index, biggest, queries, 10),
                recall(index, biggest, queries, 50),
            )
        )
        print(
            f"  ef {ef:>4}: {sweep[-1][1]:.3f} ms, recall@10 {sweep[-1][2]:.3f}, "
            f"recall@50 {sweep[-1][3]:.3f}",
            flush=True,
        )

    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(10, 4))
        sizes = [r[0] for r in rows]
        ax[0].loglog(sizes, [r[1] for r in rows], "o-", label="exact scan (numpy)")
        ax[0].loglog(sizes, [r[3] for r in rows], "s-", label="HNSW + exact rescoring")
        ax[0].axvline(APPROXIMATE_FROM, color="grey", ls="--", label="default switch")
        ax[0].set(xlabel="indexed vectors", ylabel="ms per query (median)")
        ax[0].legend()
        ax[1].plot([s[1] for s in sweep], [s[2] for s in sweep], "o-", label="recall@10")
        ax[1].plot([s[1] for s in sweep], [s[3] for s in sweep], "s-", label="recall@50")
        for s in sweep:
            ax[1].annotate(f"ef {s[0]}", (s[1], s[2]), fontsize=8)
        ax[1].set(xlabel="ms per query", ylabel="recall", title=f"{len(base):,} vectors")
        ax[1].legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"figure: {args.plot}")


if __name__ == "__main__":
    main()
