"""How the title features are fused into one score, and how that fusion is fitted.

The score of target ``j`` for a query is a weighted sum of its features,
``s_j = sum_f w_f * feature_f[j]``, turned into a probability over all targets by a
softmax. The weights are fitted by maximising the likelihood of the right targets
(conditional logit: the loss of a query is ``-log sum_{j right} softmax(s)_j``) with a
small L2 penalty, on titles the index does not contain (see
:mod:`recommender.titles.holdout`). :meth:`FusionWeights.plain` is the unfitted baseline:
the plain sum of the character, title-embedding and description-embedding similarities.

A weight may also name a derived feature, computed from the index's features at scoring
time: ``rank_<feature>`` is :func:`~recommender.titles.features.reciprocal_rank` of
``<feature>`` (for the features of :data:`RANKED`). :data:`MODEL_FEATURES` is the set the
shipped model is fitted with (chosen by cross-validation inside the validation fold).

Weights are stored as JSON (never pickled) with the features they belong to and the
encoder they were fitted with.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from recommender.errors import ModelMissing
from recommender.titles.features import FEATURES, reciprocal_rank

__all__ = [
    "FORMAT",
    "KNOWN_FEATURES",
    "MODEL_FEATURES",
    "RANKED",
    "FusionWeights",
    "feature_matrix",
    "fit_weights",
    "softmax_scores",
]

FORMAT = "reskill.title-normaliser/1"
FloatMatrix = npt.NDArray[np.float32]

RANKED: tuple[str, ...] = ("emb", "char", "desc", "char_doc", "emb_soft")
"""The features whose reciprocal rank is a derived feature, ``rank_<name>``."""
KNOWN_FEATURES: tuple[str, ...] = (*FEATURES, *(f"rank_{name}" for name in RANKED))
MODEL_FEATURES: tuple[str, ...] = tuple(
    name for name in KNOWN_FEATURES if name not in ("knn_emb", "knn_char")
)
"""The features the shipped weights are fitted on (the neighbour votes, tried in
``bench/eval_titles_reranker.py``, did not help the linear fusion; the re-ranker uses
them)."""


def feature_matrix(features: Mapping[str, FloatMatrix], name: str) -> FloatMatrix:
    """The matrix of feature ``name``: one of ``features``, or derived from one of them.

    Examples
    --------
    >>> feature_matrix({"emb": np.array([[0.1, 0.7]], dtype=np.float32)}, "rank_emb").tolist()
    [[0.5, 1.0]]
    """
    if name in features:
        return features[name]
    if name.startswith("rank_") and name[5:] in RANKED:
        return reciprocal_rank(features[name[5:]])
    raise KeyError(name)


@dataclass(frozen=True)
class FusionWeights:
    """One weight per feature name, and the encoder (by name) they were fitted with.

    ``encoder`` is ``None`` for weights that suit any encoder (the plain sum).
    """

    weights: Mapping[str, float]
    encoder: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(KNOWN_FEATURES))
        if unknown:
            raise ValueError(f"unknown title feature(s) {unknown}; known: {list(KNOWN_FEATURES)}")

    @classmethod
    def plain(cls) -> FusionWeights:
        """The plain sum of character, title-embedding and description similarities.

        The weight 20 only sharpens the softmax; it does not change the ranking.
        """
        return cls({"char": 20.0, "emb": 20.0, "desc": 20.0})

    def score(self, features: Mapping[str, FloatMatrix]) -> FloatMatrix:
        """Fused scores, shape ``(n_queries, n_targets)``, from per-feature matrices."""
        first = next(iter(features.values()))
        total = np.zeros(first.shape, dtype=np.float32)
        for name, weight in self.weights.items():
            total += np.float32(weight) * feature_matrix(features, name)
        return total

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights as JSON (keys sorted, two-space indent)."""
        body = {"format": FORMAT, **asdict(self)}
        body["weights"] = dict(self.weights)
        body["metadata"] = dict(self.metadata)
        Path(path).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FusionWeights:
        """Read weights written by :meth:`save`; a missing or foreign file raises ModelMissing."""
        source = Path(path)
        fix = "fit them with `reskill evaluate titles --onet DIR --refit --save PATH`"
        try:
            body = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelMissing(
                f"cannot read title-normaliser weights {source}: {exc}; {fix}"
            ) from exc
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ModelMissing(f"{source} is not a {FORMAT} file; {fix}")
        try:
            return cls(
                {str(k): float(v) for k, v in body["weights"].items()},
                body.get("encoder"),
                body.get("metadata", {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelMissing(f"{source} holds malformed weights ({exc}); {fix}") from exc


def softmax_scores(scores: FloatMatrix) -> FloatMatrix:
    """Row-wise softmax of fused scores: each row sums to 1.

    Examples
    --------
    >>> softmax_scores(np.array([[0.0, 0.0]], dtype=np.float32)).tolist()
    [[0.5, 0.5]]
    """
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float32)


def fit_weights(
    features: npt.NDArray[np.float32],
    gold: npt.NDArray[np.bool_],
    names: Sequence[str] = MODEL_FEATURES,
    l2: float = 1e-3,
) -> dict[str, float]:
    """Fit the weights of a conditional logit over targets.

    Parameters
    ----------
    features : ndarray, shape (n_queries, n_targets, n_features)
        Feature values in the order of ``names``.
    gold : ndarray of bool, shape (n_queries, n_targets)
        True where the target is a right answer; every row needs at least one.
    names : sequence of str
        The feature names, one per last axis of ``features``.
    l2 : float
        Penalty on the squared weights, per query.

    Returns
    -------
    dict
        ``{feature name: weight}``.
    """
    if not gold.any(axis=1).all():
        raise ValueError("every training query needs at least one right target")
    n_queries = features.shape[0]

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        # Both normalisers are shifted by their own maximum, so that a right target far
        # below the best (exp underflowing to 0) still has a finite loss and gradient.
        scores = (features @ w.astype(np.float32)).astype(np.float64)
        right_scores = np.where(gold, scores, -np.inf)
        p_all, log_all = _softmax(scores)
        p_right, log_right = _softmax(right_scores)
        value = float(np.mean(log_all - log_right)) + l2 * float(w @ w)
        grad = np.einsum("qt,qtf->f", p_all - p_right, features) / n_queries + 2 * l2 * w
        return value, grad.astype(np.float64)

    start = np.full(len(names), 5.0)
    result = minimize(loss, start, jac=True, method="L-BFGS-B")
    return {name: float(w) for name, w in zip(names, result.x, strict=True)}


def _softmax(
    scores: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Row-wise softmax and log-sum-exp of ``scores`` (``-inf`` entries get 0)."""
    peak = scores.max(axis=1, keepdims=True)
    p = np.exp(scores - peak)
    total = p.sum(axis=1, keepdims=True)
    return p / total, (peak + np.log(total))[:, 0]
