"""Fitting and cross-validating the fusions against related-occupation judgements.

The judgements (``{source: {destination: grade}}``) come from
:func:`recommender.evaluation.read_related`; this module never opens a file. Nothing
here feeds a judgement into a feature: labels only become ``y``.

Protocol
--------
* Candidates are the prepared roles (for the dev split: the dev-half occupations, since
  relations from a dev occupation to the other half are unknown, not negatives).
* Grouped K-fold by source occupation (``GroupKFold``, 5 folds). A fold's model is
  fitted on pairs whose source *and* destination are outside the fold's sources, so the
  reverse of a test pair is never a training pair (related lists are 56% symmetric).
* The test sources are ranked over all candidates by the same two-stage ranking the
  product uses, and scored with precision@10, recall@20 and graded nDCG@20.
* With ``judged`` (every O*NET occupation prepared, one half's judgements), folds train on
  judged destinations only and the test sources are ranked over every occupation; the
  figures are estimated against complete related lists (``completed_metrics``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import GroupKFold

from recommender.evaluation import Judgements, completed_metrics, mean_metrics
from recommender.transitions.features import PreparedRoles
from recommender.transitions.model import DEFAULT_TREE_PARAMS, TransitionModel
from recommender.transitions.scorer import FUSIONS, PreparedTransitions, TransitionModelSet
from recommender.transitions.viability import calibrate_threshold

__all__ = [
    "CrossValidation",
    "label_matrix",
    "cross_validate",
    "signal_metrics",
    "fit_model_set",
]

PRIMARY_GRADE = 2


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold results of one fusion.

    Attributes
    ----------
    metrics : dict
        Mean precision@10, recall@20, nDCG@20 over sources, and the source count.
    scores : ndarray, shape (n, n)
        Out-of-fold probability of every (source, candidate) pair; NaN elsewhere.
    rankings : dict
        Each source's top-20 destinations, best first.
    """

    metrics: Mapping[str, float]
    scores: npt.NDArray[np.float64]
    rankings: Mapping[str, list[str]]


def label_matrix(prepared: PreparedRoles, judgements: Judgements) -> npt.NDArray[np.int64]:
    """Grade of every prepared pair, shape (n, n); 0 where unrelated or unknown."""
    index = {r: i for i, r in enumerate(prepared.ids)}
    grades = np.zeros((len(index), len(index)), dtype=np.int64)
    for source, related in judgements.items():
        if source in index:
            for target, grade in related.items():
                if target in index:
                    grades[index[source], index[target]] = grade
    return grades


def _sources(
    prepared: PreparedRoles, judgements: Judgements, minimum: int = 5
) -> npt.NDArray[np.int64]:
    rows = [i for i, r in enumerate(prepared.ids) if judgements.get(r)]
    if len(rows) < minimum:
        raise ValueError(
            f"need judgements for at least {minimum} prepared roles, found {len(rows)}"
        )
    return np.asarray(rows, dtype=np.int64)


def _fit_pairs(
    tensor: npt.NDArray[np.float32],
    grades: npt.NDArray[np.int64],
    sources: npt.NDArray[np.int64],
    candidates: npt.NDArray[np.bool_],
    spec_features: Sequence[str],
    params: Mapping[str, object],
) -> TransitionModel:
    mask = np.zeros(grades.shape, dtype=bool)
    mask[np.ix_(sources, np.flatnonzero(candidates))] = True
    np.fill_diagonal(mask, False)
    model = TransitionModel(tuple(spec_features), **params)  # type: ignore[arg-type]
    return model.fit(tensor[mask], (grades[mask] > 0).astype(int))


def cross_validate(
    prepared: PreparedRoles,
    judgements: Judgements,
    fusion: str = "full",
    folds: int = 5,
    params: Mapping[str, object] = DEFAULT_TREE_PARAMS,
    shortlist: int = 100,
    tensor: npt.NDArray[np.float32] | None = None,
    judged: npt.NDArray[np.bool_] | None = None,
) -> CrossValidation:
    """Grouped cross-validation of one fusion (see the module docstring).

    ``judged`` marks the destinations whose relations to the sources are known (default:
    every prepared role). When some are not (every O*NET occupation prepared, dev-split
    judgements), folds train only on judged destinations, test sources are still ranked
    over every role, and the metrics are :func:`~recommender.evaluation.completed_metrics`:
    the figures over all occupations, with each unjudged destination counted at the
    relevance rate of judged destinations its fold model never trained on.
    """
    spec = FUSIONS[fusion]
    grades = label_matrix(prepared, judgements)
    sources = _sources(prepared, judgements)
    n = len(prepared.ids)
    tensors = {} if tensor is None else {fusion: tensor}
    scores = np.full((n, n), np.nan)
    rankings: dict[str, list[str]] = {}
    known = np.ones(n, dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    unseen: dict[str, frozenset[str]] = {}
    for train, test in GroupKFold(folds).split(sources, groups=sources):
        candidates = known.copy()
        candidates[sources[test]] = False
        never = _ids_where(prepared, known & ~candidates)
        view = PreparedTransitions(
            prepared, TransitionModelSet({fusion: _placeholder()}, {}), shortlist, tensors
        )
        model = _fit_pairs(
            view._tensor(fusion), grades, sources[train], candidates, spec.features, params
        )
        view.models = TransitionModelSet({fusion: model}, {})
        test_rows = sources[test]
        for row, top in zip(test_rows, view.rank(test_rows, 20), strict=True):
            rankings[prepared.ids[row]] = [r for r, _ in top]
            unseen[prepared.ids[row]] = never
        block = view._tensor(fusion)[test_rows].reshape(-1, len(spec.features))
        scores[test_rows] = model.predict_proba(block)[:, 1].reshape(len(test_rows), n)
    np.fill_diagonal(scores, np.nan)
    chosen = [prepared.ids[s] for s in sources]
    if known.all():
        metrics = mean_metrics(rankings, judgements, chosen)
    else:
        judged_ids = _ids_where(prepared, known)
        metrics = completed_metrics(rankings, judgements, chosen, judged_ids, unseen)
    return CrossValidation(metrics=metrics, scores=scores, rankings=rankings)


def _ids_where(prepared: PreparedRoles, mask: npt.NDArray[np.bool_]) -> frozenset[str]:
    """The ids of the prepared roles ``mask`` marks."""
    return frozenset(prepared.ids[i] for i in np.flatnonzero(mask))


def _placeholder() -> TransitionModel:
    return TransitionModel()


def signal_metrics(
    prepared: PreparedRoles,
    judgements: Judgements,
    judged: npt.NDArray[np.bool_] | None = None,
    names: Sequence[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics of ranking by each signal alone (job-zone step: smallest gap first).

    Missing values rank last; nothing is fitted, so these need no cross-validation. With
    ``judged`` (see :func:`cross_validate`) every judged destination is one no model saw,
    and the figures are :func:`~recommender.evaluation.completed_metrics`.
    """
    sources = _sources(prepared, judgements, minimum=1)
    chosen = [prepared.ids[s] for s in sources]
    judged_ids = None if judged is None else _ids_where(prepared, judged)
    out: dict[str, dict[str, float]] = {}
    for name in prepared.signals if names is None else names:
        matrix = prepared.signals[name]
        values = -np.abs(matrix) if name == "job_zone_step" else matrix
        rankings = {}
        for row in sources:
            v = np.nan_to_num(values[row].astype(np.float64), nan=-np.inf)
            v[row] = -np.inf
            order = np.lexsort((np.arange(len(v)), -v))[:20]
            rankings[prepared.ids[row]] = [prepared.ids[j] for j in order]
        if judged_ids is None:
            out[name] = mean_metrics(rankings, judgements, chosen)
        else:
            unseen = dict.fromkeys(chosen, judged_ids)
            out[name] = completed_metrics(rankings, judgements, chosen, judged_ids, unseen)
    return out


def fit_model_set(
    prepared: PreparedRoles,
    judgements: Judgements,
    folds: int = 5,
    params: Mapping[str, object] = DEFAULT_TREE_PARAMS,
    fusions: Sequence[str] = tuple(FUSIONS),
) -> tuple[TransitionModelSet, dict[str, dict[str, float]], dict[str, CrossValidation]]:
    """Cross-validate every fusion, then fit each on all judged pairs.

    Returns the model set (each fusion's viability threshold calibrated on its own
    out-of-fold scores), the cross-validated metrics per fusion (``metrics[fusion]``,
    and ``metrics[f"{fusion}.threshold"]``), and each fusion's cross-validation.
    """
    grades = label_matrix(prepared, judgements)
    sources = _sources(prepared, judgements)
    models: dict[str, TransitionModel] = {}
    thresholds: dict[str, float] = {}
    metrics: dict[str, dict[str, float]] = {}
    results: dict[str, CrossValidation] = {}
    judged = np.zeros(grades.shape, dtype=bool)
    judged[sources] = True
    for fusion in fusions:
        view = PreparedTransitions(prepared, TransitionModelSet({fusion: _placeholder()}, {}))
        tensor = view._tensor(fusion)
        result = cross_validate(prepared, judgements, fusion, folds, params, tensor=tensor)
        results[fusion] = result
        metrics[fusion] = dict(result.metrics)
        ok = judged & ~np.isnan(result.scores)
        threshold, f1 = calibrate_threshold(result.scores[ok], grades[ok] >= PRIMARY_GRADE)
        thresholds[fusion] = threshold
        metrics[f"{fusion}.threshold"] = {"score": threshold, "primary_f1": f1}
        all_candidates = np.ones(len(prepared.ids), dtype=bool)
        features = FUSIONS[fusion].features
        models[fusion] = _fit_pairs(tensor, grades, sources, all_candidates, features, params)
    return TransitionModelSet(models, thresholds), metrics, results
