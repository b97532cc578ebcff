"""A second stage for title normalisation: boosted trees re-rank the fusion's best few.

The linear fusion (:mod:`recommender.titles.fusion`) ranks every occupation. The
:class:`Reranker` takes its :data:`TOP` best for a query and scores each from a row of
:func:`candidate_rows`: every feature of :mod:`recommender.titles.features`, its
reciprocal rank among all occupations and its gap to the query's best, the fused score,
its gap and reciprocal rank, and the number of words of the query. The trees' log-odds
are added to the fused score of those candidates; the others keep their order below them.

The trees are gradient-boosted (scikit-learn's ``HistGradientBoostingClassifier``, fitted
by :func:`fit_reranker`) and stored as plain arrays in an ``.npz`` file (never pickled);
:meth:`Reranker.decision` walks them with numpy, so serving needs no scikit-learn model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from recommender.errors import ModelMissing
from recommender.titles.features import FEATURES, reciprocal_rank

__all__ = [
    "TOP",
    "ROW_FEATURES",
    "Reranker",
    "candidate_rows",
    "fit_reranker",
    "rerank",
    "reranker_path",
]

TOP = 30
FORMAT = "reskill.title-reranker/1"
ROW_FEATURES: tuple[str, ...] = (
    *FEATURES,
    *(f"rank_{f}" for f in FEATURES),
    *(f"gap_{f}" for f in FEATURES),
    "fused",
    "gap_fused",
    "rank_fused",
    "query_words",
)
"""The columns of a candidate row, in order."""

FloatMatrix = npt.NDArray[np.float32]


def reranker_path(weights_path: str | os.PathLike[str]) -> Path:
    """Where the re-ranker of the fusion weights at ``weights_path`` is kept.

    Examples
    --------
    >>> reranker_path("models/title-normaliser.json").as_posix()
    'models/title-normaliser.reranker.npz'
    """
    path = Path(weights_path)
    return path.with_name(path.stem + ".reranker.npz")


def candidate_rows(
    features: Mapping[str, FloatMatrix],
    fused: FloatMatrix,
    words: Sequence[int],
    top: int = TOP,
) -> tuple[npt.NDArray[np.intp], FloatMatrix]:
    """The ``top`` best targets of each query under ``fused``, and their rows.

    Returns
    -------
    candidates : ndarray of int, shape (n_queries, top)
        Target positions, best first.
    rows : ndarray, shape (n_queries, top, len(ROW_FEATURES))
    """
    top = min(top, fused.shape[1])
    order = np.argsort(-fused, axis=1, kind="stable")[:, :top]

    def take(matrix: FloatMatrix) -> FloatMatrix:
        return np.take_along_axis(matrix, order, axis=1)

    columns = [take(features[f]) for f in FEATURES]
    columns += [take(reciprocal_rank(features[f])) for f in FEATURES]
    columns += [take(features[f] - features[f].max(axis=1, keepdims=True)) for f in FEATURES]
    best = take(fused)
    n_queries = fused.shape[0]
    columns += [
        best,
        best - best[:, :1],
        np.broadcast_to(1.0 / np.arange(1, top + 1, dtype=np.float32), (n_queries, top)),
        np.broadcast_to(np.asarray(words, dtype=np.float32)[:, None], (n_queries, top)),
    ]
    rows = np.stack(columns, axis=2).astype(np.float32)
    return order, rows


@dataclass(frozen=True)
class Reranker:
    """Boosted regression trees over candidate rows, as flat arrays.

    Node ``i`` of tree ``t`` is at ``offsets[t] + i``: ``feature``, ``threshold``
    (a row goes left when its value is at most the threshold), ``left``/``right``
    (child positions within the tree), ``leaf`` and ``value`` (a leaf's log-odds).
    """

    feature: npt.NDArray[np.intp]
    threshold: npt.NDArray[np.float64]
    left: npt.NDArray[np.intp]
    right: npt.NDArray[np.intp]
    leaf: npt.NDArray[np.bool_]
    value: npt.NDArray[np.float64]
    offsets: npt.NDArray[np.intp]
    baseline: float
    names: tuple[str, ...] = ROW_FEATURES
    encoder: str | None = None

    def decision(self, rows: FloatMatrix) -> npt.NDArray[np.float64]:
        """Log-odds of each row, shape ``rows.shape[:-1]``.

        Every row descends every tree at once, one level per step.
        """
        flat = rows.reshape(-1, rows.shape[-1]).astype(np.float64)
        node = np.broadcast_to(self.offsets, (flat.shape[0], len(self.offsets))).copy()
        at = np.arange(flat.shape[0])[:, None]
        while True:
            inner = ~self.leaf[node]
            if not inner.any():
                break
            go_left = flat[at, self.feature[node]] <= self.threshold[node]
            child = np.where(go_left, self.left[node], self.right[node]) + self.offsets
            node = np.where(inner, child, node)
        total = self.baseline + self.value[node].sum(axis=1)
        return np.asarray(total.reshape(rows.shape[:-1]), dtype=np.float64)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the trees as an ``.npz`` of arrays (no pickle)."""
        np.savez(
            path,
            format=np.asarray(FORMAT),
            feature=self.feature,
            threshold=self.threshold,
            left=self.left,
            right=self.right,
            leaf=self.leaf,
            value=self.value,
            offsets=self.offsets,
            baseline=np.asarray(self.baseline),
            names=np.asarray(self.names),
            encoder=np.asarray(self.encoder or ""),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Reranker:
        """Read trees written by :meth:`save`; a missing or foreign file raises ModelMissing."""
        source = Path(path)
        fix = "fit them with `reskill evaluate titles --onet DIR --refit --save PATH`"
        try:
            with np.load(source, allow_pickle=False) as z:
                if str(z["format"]) != FORMAT:
                    raise ModelMissing(f"{source} is not a {FORMAT} file; {fix}")
                names = tuple(str(n) for n in z["names"])
                if names != ROW_FEATURES:
                    raise ModelMissing(f"{source} was fitted on other features; {fix}")
                return cls(
                    z["feature"].astype(np.intp),
                    z["threshold"].astype(np.float64),
                    z["left"].astype(np.intp),
                    z["right"].astype(np.intp),
                    z["leaf"].astype(bool),
                    z["value"].astype(np.float64),
                    z["offsets"].astype(np.intp),
                    float(z["baseline"]),
                    names,
                    str(z["encoder"]) or None,
                )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelMissing(f"cannot read title re-ranker {source}: {exc}; {fix}") from exc


def rerank(
    reranker: Reranker, rows: FloatMatrix, order: npt.NDArray[np.intp], fused: FloatMatrix
) -> FloatMatrix:
    """``fused`` with the candidates' scores raised by the trees' log-odds.

    Every other target is moved below the lowest candidate, keeping its order.
    """
    odds = reranker.decision(rows).astype(np.float32)
    out = fused - fused.max(axis=1, keepdims=True)
    shown = np.take_along_axis(fused, order, axis=1) + odds
    floor = np.minimum(shown.min(axis=1, keepdims=True), 0.0) - 10.0
    out = out + floor
    np.put_along_axis(out, order, shown, axis=1)
    return np.asarray(out, dtype=np.float32)


def fit_reranker(
    rows: FloatMatrix,
    gold: npt.NDArray[np.bool_],
    encoder: str | None = None,
    iterations: int = 300,
) -> Reranker:
    """Fit the trees on candidate rows ``(n, top, n_features)`` and their gold flags."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_iter=iterations, learning_rate=0.1, max_leaf_nodes=31, random_state=0
    ).fit(rows.reshape(-1, rows.shape[-1]), gold.ravel())
    trees = [predictors[0].nodes for predictors in model._predictors]
    offsets = np.cumsum([0, *(len(t) for t in trees[:-1])]).astype(np.intp)
    nodes = np.concatenate(trees)
    return Reranker(
        nodes["feature_idx"].astype(np.intp),
        nodes["num_threshold"].astype(np.float64),
        nodes["left"].astype(np.intp),
        nodes["right"].astype(np.intp),
        nodes["is_leaf"].astype(bool),
        nodes["value"].astype(np.float64),
        offsets,
        float(np.ravel(model._baseline_prediction)[0]),
        ROW_FEATURES,
        encoder,
    )
