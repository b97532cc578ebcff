"""The fused transition model: gradient-boosted trees over pair features, saved without pickle.

:class:`TransitionModel` follows scikit-learn's estimator contract. ``fit`` trains a
:class:`~sklearn.ensemble.HistGradientBoostingClassifier` (binary: is B among A's
related occupations) and copies its trees into plain arrays; everything after ``fit``
(``decision_function``, ``predict_proba``, ``contributions``, ``save``/``load``) reads
only those arrays, so a saved model is an ``.npz`` of numbers plus a JSON header.

Explanations
------------
:meth:`TransitionModel.contributions` splits each pair's log-odds into one additive term
per feature: walking a tree from its root to the pair's leaf, every split moves the
expected value from the node's value to the child's value, and that change is credited
to the split's feature (Saabas' path attribution; node values are count-weighted means
of their leaves). ``bias + contributions.sum(axis=1) == decision_function(X)`` exactly.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin

from recommender.errors import InvalidInput, ModelMissing

__all__ = ["TransitionModel", "DEFAULT_TREE_PARAMS"]

FloatArray = npt.NDArray[np.float64]

DEFAULT_TREE_PARAMS: Mapping[str, Any] = {
    "max_iter": 600,
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 100,
    "l2_regularization": 1.0,
}
"""Chosen by grouped cross-validation on the dev split (see the model card)."""

_CHUNK = 20_000
_FORMAT = "reskill-transition-trees/1"
_SCREEN_FIELDS = ("screen_mean", "screen_scale", "screen_coef")
_NODE_FIELDS = ("feature", "threshold", "left", "right", "missing_left", "value", "count", "leaf")


class TransitionModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Probability that a move A -> B is a recognised career transition.

    Parameters
    ----------
    feature_names
        Names of the columns of ``X`` (recorded, and checked on load).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to scikit-learn's ``HistGradientBoostingClassifier``.
    random_state
        Seed for reproducible fits.

    Attributes
    ----------
    nodes_ : dict of str to ndarray
        All trees' nodes concatenated: feature, threshold, left, right, missing_left,
        value, count, leaf (child indices are global).
    roots_ : ndarray of int, shape (n_trees,)
    baseline_ : float
        Raw log-odds before any tree.
    bias_ : float
        Expected log-odds over the training pairs (baseline plus every root's value).
    classes_ : ndarray, shape (2,)
    n_features_in_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); y = (X[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(int)
    >>> m = TransitionModel(["a", "b"], max_iter=20).fit(X, y)
    >>> bool(np.allclose(m.bias_ + m.contributions(X).sum(axis=1), m.decision_function(X)))
    True
    """

    def __init__(
        self,
        feature_names: Sequence[str] = (),
        max_iter: int = 600,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 100,
        l2_regularization: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.feature_names = feature_names
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state

    # Fitting ------------------------------------------------------------------------------------

    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
    ) -> TransitionModel:
        """Fit on pair features ``X`` (n_pairs, n_features) and binary labels ``y``."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        X_arr, y_arr = self._validate(X), np.asarray(y).astype(int)
        if X_arr.shape[0] != y_arr.shape[0]:
            raise InvalidInput(f"X has {X_arr.shape[0]} rows but y has {y_arr.shape[0]}")
        if set(np.unique(y_arr)) != {0, 1}:
            raise InvalidInput("y must contain both classes 0 and 1")
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=False,
            random_state=self.random_state,
        )
        booster.fit(X_arr, y_arr, sample_weight=sample_weight)
        self._copy_trees(booster)
        self._fit_screen(X_arr, y_arr)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X_arr.shape[1]
        return self

    def _fit_screen(self, X: FloatArray, y: npt.NDArray[np.int64]) -> None:
        from sklearn.linear_model import LogisticRegression

        self.screen_mean_ = np.nan_to_num(np.nanmean(X, axis=0))
        std = np.nan_to_num(np.nanstd(X, axis=0))
        self.screen_scale_ = np.where(std > 1e-9, std, 1.0)
        linear = LogisticRegression(C=1.0, max_iter=2000).fit(self._standardise(X), y)
        self.screen_coef_ = linear.coef_.ravel().astype(np.float64)

    def _standardise(self, X: FloatArray) -> FloatArray:
        standardised: FloatArray = np.nan_to_num((X - self.screen_mean_) / self.screen_scale_)
        return standardised

    def screen(self, X: npt.ArrayLike) -> FloatArray:
        """A cheap linear score used to shortlist destinations before the trees run.

        Logistic regression on standardised features (missing values at the mean);
        only its order matters. Shape (n_pairs,).
        """
        X_arr = np.asarray(X, dtype=np.float64)
        scores: FloatArray = self._standardise(X_arr) @ self.screen_coef_
        return scores

    def _copy_trees(self, booster: Any) -> None:
        # sklearn keeps fitted trees in the private ``_predictors``; we copy the
        # numbers once here and never touch sklearn internals again.
        parts: dict[str, list[npt.NDArray[Any]]] = {f: [] for f in _NODE_FIELDS}
        roots, offset = [], 0
        for (predictor,) in booster._predictors:
            nodes = predictor.nodes
            roots.append(offset)
            leaf = nodes["is_leaf"].astype(bool)
            parts["feature"].append(np.where(leaf, -1, nodes["feature_idx"]).astype(np.int32))
            parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
            parts["left"].append(np.where(leaf, -1, nodes["left"].astype(np.int64) + offset))
            parts["right"].append(np.where(leaf, -1, nodes["right"].astype(np.int64) + offset))
            parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
            parts["value"].append(nodes["value"].astype(np.float64))
            parts["count"].append(nodes["count"].astype(np.float64))
            parts["leaf"].append(leaf)
            offset += len(nodes)
        self.nodes_ = {k: np.concatenate(v) for k, v in parts.items()}
        self.nodes_["left"] = self.nodes_["left"].astype(np.int32)
        self.nodes_["right"] = self.nodes_["right"].astype(np.int32)
        self.roots_ = np.asarray(roots, dtype=np.int32)
        self.baseline_ = float(np.ravel(booster._baseline_prediction)[0])
        _fill_internal_values(self.nodes_, self.roots_)
        self.bias_ = self.baseline_ + float(self.nodes_["value"][self.roots_].sum())

    # Prediction -------------------------------------------------------------------------------

    def decision_function(self, X: npt.ArrayLike) -> FloatArray:
        """Log-odds of each pair, shape (n_pairs,)."""
        X_arr = self._validate(X)
        out = np.empty(X_arr.shape[0], dtype=np.float64)
        for start in range(0, X_arr.shape[0], _CHUNK):
            leaves = self._leaves(X_arr[start : start + _CHUNK])
            out[start : start + _CHUNK] = self.baseline_ + self.nodes_["value"][leaves].sum(axis=1)
        return out

    def predict_proba(self, X: npt.ArrayLike) -> FloatArray:
        """Probabilities ``[P(no), P(yes)]``, shape (n_pairs, 2)."""
        p = _sigmoid(self.decision_function(X))
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.int64]:
        return (self.decision_function(X) > 0).astype(np.int64)

    def contributions(self, X: npt.ArrayLike) -> FloatArray:
        """Additive log-odds contribution of each feature, shape (n_pairs, n_features).

        ``bias_ + contributions(X).sum(axis=1)`` equals ``decision_function(X)``.
        """
        X_arr = self._validate(X)
        out = np.zeros_like(X_arr, dtype=np.float64)
        nodes = self.nodes_
        rows = np.arange(X_arr.shape[0])
        for root in self.roots_:
            node = np.full(X_arr.shape[0], root, dtype=np.int64)
            while True:
                active = ~nodes["leaf"][node]
                if not active.any():
                    break
                child = self._step(X_arr, rows, node)
                feature = nodes["feature"][node]
                gain = nodes["value"][child] - nodes["value"][node]
                np.add.at(out, (rows[active], feature[active]), gain[active])
                node = np.where(active, child, node)
        return out

    def _step(
        self, X: FloatArray, rows: npt.NDArray[np.int64], node: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        nodes = self.nodes_
        feature = np.maximum(nodes["feature"][node], 0)
        x = X[rows, feature]
        left = np.where(np.isnan(x), nodes["missing_left"][node], x <= nodes["threshold"][node])
        child = np.where(left, nodes["left"][node], nodes["right"][node])
        return np.where(nodes["leaf"][node], node, child).astype(np.int64)

    def _leaves(self, X: FloatArray) -> npt.NDArray[np.int64]:
        """Leaf reached in every tree, shape (n_pairs, n_trees)."""
        if getattr(self, "_fast_ok", None) is None:
            probe = X[:64]
            fast_probe = _fast_leaves(self, probe)
            self._fast_ok = fast_probe is not None and np.array_equal(fast_probe, self._walk(probe))
        if self._fast_ok:
            fast = _fast_leaves(self, X)
            if fast is not None:
                return fast
        return self._walk(X)

    def _walk(self, X: FloatArray) -> npt.NDArray[np.int64]:
        rows = np.arange(X.shape[0])
        out = np.empty((X.shape[0], len(self.roots_)), dtype=np.int64)
        for t, root in enumerate(self.roots_):
            node = np.full(X.shape[0], root, dtype=np.int64)
            while not self.nodes_["leaf"][node].all():
                node = self._step(X, rows, node)
            out[:, t] = node
        return out

    def _validate(self, X: npt.ArrayLike) -> FloatArray:
        X_arr = np.asarray(X, dtype=np.float64)
        if X_arr.ndim != 2:
            raise InvalidInput(f"X must be 2-dimensional, got shape {X_arr.shape}")
        expected = len(self.feature_names) or getattr(self, "n_features_in_", X_arr.shape[1])
        if X_arr.shape[1] != expected:
            raise InvalidInput(f"X has {X_arr.shape[1]} features, the model expects {expected}")
        return X_arr

    # Persistence ------------------------------------------------------------------------------

    def to_arrays(self, prefix: str = "") -> dict[str, npt.NDArray[Any]]:
        """The fitted state as named arrays (for ``np.savez``), keys prefixed."""
        header = {
            "format": _FORMAT,
            "params": self.get_params(),
            "baseline": self.baseline_,
            "bias": self.bias_,
        }
        header["params"]["feature_names"] = list(self.feature_names)
        arrays: dict[str, npt.NDArray[Any]] = {f"{prefix}header": np.array(json.dumps(header))}
        arrays[f"{prefix}roots"] = self.roots_
        for name in _SCREEN_FIELDS:
            arrays[f"{prefix}{name}"] = getattr(self, f"{name}_")
        arrays.update({f"{prefix}{k}": v for k, v in self.nodes_.items()})
        return arrays

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, npt.NDArray[Any]], prefix: str = ""
    ) -> TransitionModel:
        """Rebuild a fitted model from :meth:`to_arrays` output."""
        header = json.loads(str(arrays[f"{prefix}header"]))
        if header.get("format") != _FORMAT:
            raise ModelMissing(f"unsupported transition model format {header.get('format')!r}")
        model = cls(**header["params"])
        model.nodes_ = {k: np.asarray(arrays[f"{prefix}{k}"]) for k in _NODE_FIELDS}
        model.roots_ = np.asarray(arrays[f"{prefix}roots"])
        for name in _SCREEN_FIELDS:
            setattr(model, f"{name}_", np.asarray(arrays[f"{prefix}{name}"], dtype=np.float64))
        model.baseline_ = float(header["baseline"])
        model.bias_ = float(header["bias"])
        model.classes_ = np.array([0, 1])
        model.n_features_in_ = len(model.feature_names)
        return model

    def save(self, path: str | Path) -> None:
        """Write the fitted model to an ``.npz`` file (no pickle)."""
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **self.to_arrays())  # type: ignore[arg-type]
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> TransitionModel:
        """Read a model written by :meth:`save`; raises ModelMissing if absent."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                return cls.from_arrays(dict(data))
        except FileNotFoundError:
            raise ModelMissing(f"no transition model at {path}") from None


def _sigmoid(z: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-z))


def _fill_internal_values(nodes: dict[str, npt.NDArray[Any]], roots: npt.NDArray[np.int32]) -> None:
    """Set every internal node's value to the count-weighted mean of its children."""
    value, count = nodes["value"], nodes["count"]

    def visit(i: int) -> tuple[float, float]:
        if nodes["leaf"][i]:
            return float(value[i]) * float(count[i]), float(count[i])
        lv, lc = visit(int(nodes["left"][i]))
        rv, rc = visit(int(nodes["right"][i]))
        value[i] = (lv + rv) / max(lc + rc, 1e-12)
        return lv + rv, lc + rc

    for root in roots:
        visit(int(root))


def _fast_leaves(model: TransitionModel, X: FloatArray) -> npt.NDArray[np.int64] | None:
    """Leaf indices through scikit-learn's compiled tree walker, when it is usable.

    The walker is private to scikit-learn, so its answer is used only if it agrees with
    the pure-numpy walk on the first rows; otherwise (or if the import fails) ``None``.
    """
    try:
        from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
        from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    except ImportError:  # pragma: no cover - depends on the installed scikit-learn
        return None
    predictors = _compiled_predictors(model, PREDICTOR_RECORD_DTYPE, TreePredictor)
    empty_bitsets = np.zeros((0, 8), dtype=np.uint32)
    f_idx_map = np.zeros(0, dtype=np.uint32)
    leaves = np.empty((X.shape[0], len(predictors)), dtype=np.int64)
    X_c = np.ascontiguousarray(X)
    try:
        for t, (predictor, leaf_ids, root) in enumerate(predictors):
            # Each leaf's local index is stored as its value: the walker returns it.
            raw = predictor.predict(X_c, empty_bitsets, f_idx_map, 2)
            leaves[:, t] = leaf_ids[raw.astype(np.int64)] + root
    except (TypeError, ValueError) as exc:  # pragma: no cover - scikit-learn API change
        warnings.warn(f"falling back to the numpy tree walker: {exc}", stacklevel=3)
        return None
    return leaves


def _compiled_predictors(model: TransitionModel, dtype: Any, predictor_cls: Any) -> list[Any]:
    cached = getattr(model, "_compiled", None)
    if cached is not None:
        return list(cached)
    nodes = model.nodes_
    bounds = [*model.roots_.tolist(), len(nodes["leaf"])]
    compiled = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        local = np.zeros(stop - start, dtype=dtype)
        leaf = nodes["leaf"][start:stop]
        local["value"] = np.arange(stop - start, dtype=np.float64)
        local["feature_idx"] = np.maximum(nodes["feature"][start:stop], 0)
        local["num_threshold"] = nodes["threshold"][start:stop]
        local["missing_go_to_left"] = nodes["missing_left"][start:stop]
        local["left"] = np.where(leaf, 0, nodes["left"][start:stop] - start)
        local["right"] = np.where(leaf, 0, nodes["right"][start:stop] - start)
        local["is_leaf"] = leaf
        empty = np.zeros((0, 8), dtype=np.uint32)
        compiled.append((predictor_cls(local, empty, empty), np.arange(stop - start), start))
    model._compiled = compiled
    return compiled
