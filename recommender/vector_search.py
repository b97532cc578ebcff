"""Top-k cosine search over unit vectors: exact below a size, approximate (HNSW) above.

A :class:`VectorIndex` holds float16 unit vectors (two bytes a dimension) and answers
"which rows are closest to this query?". Below :data:`APPROXIMATE_FROM` rows it scores
every row with numpy: exact, and cheap at that size. From that size on it builds a faiss
HNSW graph over 8-bit scalar-quantised copies of the vectors, asks it for more
neighbours than wanted (:attr:`HnswSettings.oversample`), and rescores those exactly
from the float16 rows, so every score it returns is the exact cosine and only a missed
neighbour can differ from the exact answer.

Why the switch sits where it does (``bench/bench_vector_search.py`` on 56,116 real
all-MiniLM-L6-v2 vectors of O*NET titles, tasks and work activities, one query at a
time, on this project's two-core machine; the README has the table): the exact numpy
scan costs about a microsecond a row, because float16 rows are widened to float32
before the product (5 ms at 5,000 rows, 13 ms at 10,000, 58 ms at 56,116), while the
HNSW search takes 0.3-0.6 ms at recall@10 of 0.98-0.99. The graph costs 0.1-0.2 ms a
row to build (0.8 s for 10,000 rows, 10 s for 56,116) and about 650 bytes a row to
hold. From 10,000 rows the scan takes over 10 ms of a request's budget and the graph
builds in under a second, so that is where the index switches.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidInput

__all__ = ["APPROXIMATE_FROM", "HnswSettings", "SearchResult", "VectorIndex"]

APPROXIMATE_FROM = 10_000
"""Rows from which :class:`VectorIndex` searches approximately by default (see module doc)."""

_CHUNK = 2048  # rows widened to float32 at a time by the exact scan


@dataclass(frozen=True, slots=True)
class HnswSettings:
    """Parameters of the approximate index.

    Attributes
    ----------
    m : int
        Graph neighbours per node and layer (faiss ``M``); level 0 keeps ``2 m``.
    ef_construction : int
        Candidate list while building: higher builds slower and finds better edges.
    ef_search : int
        Candidate list while searching (raised to the number of rows fetched if smaller).
    oversample : int
        Rows fetched per row wanted, rescored exactly; at least ``min_fetch`` are fetched.
    min_fetch : int
    threads : int
        OpenMP threads for building; a search always uses one.
    """

    m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    oversample: int = 2
    min_fetch: int = 32
    threads: int = 2

    def __post_init__(self) -> None:
        for name in ("m", "ef_construction", "ef_search", "oversample", "min_fetch", "threads"):
            if getattr(self, name) < 1:
                raise InvalidInput(f"HnswSettings.{name} must be at least 1")


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The ``k`` best rows for each query, best first.

    Attributes
    ----------
    rows : ndarray of intp, shape (n_queries, k)
        Row numbers into the indexed vectors.
    scores : ndarray of float32, shape (n_queries, k)
        Exact cosines (dot products of the stored float16 vectors with the queries).
    approximate : bool
        Whether the rows came from the approximate index (a true neighbour may be missing).
    """

    rows: npt.NDArray[np.intp]
    scores: npt.NDArray[np.float32]
    approximate: bool


class VectorIndex:
    """Cosine top-k search over rows of unit vectors, stored as float16.

    Parameters
    ----------
    vectors : array-like, shape (n, dimension)
        Unit-length rows (as :func:`recommender.embeddings.normalise_rows` makes them).
        Kept as float16; a float16 C-contiguous array is kept without a copy.
    approximate : bool, optional
        Force the exact scan (``False``) or the HNSW index (``True``); by default HNSW
        from :data:`APPROXIMATE_FROM` rows on.
    settings : HnswSettings, optional

    Examples
    --------
    >>> v = np.eye(3, dtype=np.float32)
    >>> found = VectorIndex(v).search(np.array([[0.0, 0.6, 0.8]]), k=2)
    >>> found.rows.tolist(), [round(float(s), 2) for s in found.scores[0]], found.approximate
    ([[2, 1]], [0.8, 0.6], False)
    """

    def __init__(
        self,
        vectors: npt.ArrayLike,
        *,
        approximate: bool | None = None,
        settings: HnswSettings | None = None,
    ) -> None:
        matrix = np.ascontiguousarray(vectors, dtype=np.float16)
        if matrix.ndim != 2:
            raise InvalidInput(f"vectors must be 2-dimensional, got shape {matrix.shape}")
        self.vectors = matrix
        self.settings = settings or HnswSettings()
        self.approximate = len(matrix) >= APPROXIMATE_FROM if approximate is None else approximate
        self._hnsw: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def nbytes(self) -> int:
        """Bytes held: the float16 rows, plus the HNSW graph and codes once built."""
        graph = 0
        if self._hnsw is not None:  # 8-bit codes, level-0 links, upper levels (~1/m of rows)
            graph = len(self) * (self.dimension + 2 * self.settings.m * 4 + 16)
        return int(self.vectors.nbytes) + graph

    def build(self) -> VectorIndex:
        """Build the approximate index now (otherwise the first search builds it)."""
        if self.approximate and len(self) and self._hnsw is None:
            with self._lock:
                if self._hnsw is None:
                    self._hnsw = self._build()
        return self

    def graph(self) -> bytes | None:
        """The approximate index, serialised (faiss), to store and :meth:`adopt` elsewhere:
        building it for 100,000 rows takes 10-20 s on two cores, loading it 0.1 s. ``None``
        for an exact index."""
        if not self.approximate or not len(self):
            return None
        self.build()
        return bytes(_faiss().serialize_index(self._hnsw))

    def adopt(self, graph: bytes) -> bool:
        """Use ``graph`` (from :meth:`graph` of an index over the same rows) instead of
        building one; whether it was taken (refused when it does not hold this index's
        number of rows and dimension: it was built over other rows)."""
        if not self.approximate:
            return False
        faiss = _faiss()
        index = faiss.deserialize_index(np.frombuffer(graph, dtype=np.uint8))
        if index.ntotal != len(self) or index.d != self.dimension:
            return False
        with self._lock:
            self._hnsw = index
        return True

    def _build(self) -> Any:
        faiss = _faiss()
        s = self.settings
        index = faiss.IndexHNSWSQ(
            self.dimension, faiss.ScalarQuantizer.QT_8bit, s.m, faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = s.ef_construction
        previous = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(s.threads)
        try:
            for start in range(0, len(self), 65_536):
                block = self.vectors[start : start + 65_536].astype(np.float32)
                if start == 0:
                    index.train(block)
                index.add(block)
        finally:
            faiss.omp_set_num_threads(previous)
        return index

    def search(self, queries: npt.ArrayLike, k: int) -> SearchResult:
        """The ``k`` rows with the highest cosine to each query (fewer if the index is smaller).

        Parameters
        ----------
        queries : array-like, shape (n_queries, dimension) or (dimension,)
            Unit-length query vectors.
        k : int
            Rows wanted per query, >= 1.
        """
        q = np.asarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        if q.ndim != 2 or q.shape[1] != self.dimension:
            raise InvalidInput(
                f"queries must have {self.dimension} columns, got shape {np.shape(queries)}"
            )
        if k < 1:
            raise InvalidInput(f"k must be at least 1, got {k}")
        if not np.isfinite(q).all():
            raise InvalidInput("queries hold NaN or infinite values")
        k = min(k, len(self))
        if k == 0:  # an empty index
            empty = np.zeros((len(q), 0))
            return SearchResult(empty.astype(np.intp), empty.astype(np.float32), False)
        if self.approximate:
            return self._approximate(q, k)
        return self.exact(q, k)

    def exact(self, queries: npt.NDArray[np.float32], k: int) -> SearchResult:
        """Exact top ``k`` by scanning every row (ties broken by lower row)."""
        k = min(k, len(self))
        scores = np.empty((len(queries), len(self)), dtype=np.float32)
        block = np.empty((min(_CHUNK, len(self)), self.dimension), dtype=np.float32)
        qt = np.ascontiguousarray(queries.T)
        for start in range(0, len(self), _CHUNK):
            part = self.vectors[start : start + _CHUNK]
            widened = block[: len(part)]
            np.copyto(widened, part)
            scores[:, start : start + len(part)] = (widened @ qt).T
        return self._top(scores, np.arange(len(self))[None, :].repeat(len(queries), 0), k, False)

    def _approximate(self, queries: npt.NDArray[np.float32], k: int) -> SearchResult:
        faiss = _faiss()
        self.build()
        s = self.settings
        fetch = min(len(self), max(k * s.oversample, s.min_fetch))
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(s.ef_search, fetch)
        previous = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            _, found = self._hnsw.search(queries, fetch, params=params)
        finally:
            faiss.omp_set_num_threads(previous)
        found = found.astype(np.intp)
        valid = found >= 0
        rows = np.where(valid, found, 0)
        exact = np.einsum(
            "qkd,qd->qk", self.vectors[rows].astype(np.float32), queries, dtype=np.float32
        )
        exact = np.where(valid, exact, -np.inf).astype(np.float32)
        result = self._top(exact, rows, k, True)
        short = ~np.isfinite(result.scores).all(axis=1)
        if short.any():  # the graph returned fewer than k rows: scan for those queries
            again = self.exact(queries[short], k)
            result.rows[short], result.scores[short] = again.rows, again.scores
        return result

    @staticmethod
    def _top(
        scores: npt.NDArray[np.float32], rows: npt.NDArray[np.intp], k: int, approximate: bool
    ) -> SearchResult:
        """The ``k`` best columns of each row of ``scores``: highest score, then lowest row."""
        if k < scores.shape[1]:
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            # keep every column tied with the k-th so the tie-break below is by row number
            kth = np.take_along_axis(scores, part, 1).min(axis=1, keepdims=True)
            keep = [np.flatnonzero(r >= t) for r, t in zip(scores, kth[:, 0], strict=True)]
        else:
            keep = [np.arange(scores.shape[1]) for _ in scores]
        out_rows = np.empty((len(scores), k), dtype=np.intp)
        out_scores = np.empty((len(scores), k), dtype=np.float32)
        for i, cols in enumerate(keep):
            order = np.lexsort((rows[i, cols], -scores[i, cols]))[:k]
            out_rows[i] = rows[i, cols][order]
            out_scores[i] = scores[i, cols][order]
        return SearchResult(out_rows, out_scores, approximate)


def _faiss() -> Any:
    """The faiss module, imported on first use (its bundled type hints are incomplete)."""
    import importlib

    return importlib.import_module("faiss")
