"""Fitting the organisation judge honestly: organisation roles simulated from O*NET.

The judge (:mod:`recommender.transitions.organisation`) is fitted on pairs of dev-half O*NET
occupations described only as an organisation would describe its roles
(:func:`~recommender.transitions.organisation.simulated_roles`), labelled by the dev split's
related occupations (any tier). Its ``occupation`` feature is the ``full`` fusion's
*out-of-fold* score (grouped 5-fold cross-validation by source occupation), never the score
of a model that saw the pair. The combination is cross-validated with the same folds (a
fold's regression is fitted on pairs whose source and destination lie outside the fold's
sources), and each test source ranks every other dev-half occupation. The threshold is the
score maximising F1 for Primary related occupations over the out-of-fold scores, as for the
fusions (:func:`~recommender.transitions.viability.calibrate_threshold`).

Nothing here opens a file: the judgements come from the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import GroupKFold

from recommender.catalog import Catalog
from recommender.embeddings import Encoder
from recommender.evaluation import Judgements, mean_metrics
from recommender.transitions.features import PreparedRoles
from recommender.transitions.organisation import (
    OrganisationModel,
    _logit,
    organisation_signals,
    simulated_roles,
    stack,
)
from recommender.transitions.training import PRIMARY_GRADE, cross_validate, label_matrix
from recommender.transitions.viability import calibrate_threshold

__all__ = ["OrganisationFit", "cached_out_of_fold", "fit_organisation", "occupation_out_of_fold"]

#: ``progress(phase, done, total)``.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class OrganisationFit:
    """The fitted judge, and its grouped-CV figures beside the O*NET-only and coverage-only
    rankings of the same simulated roles (``metrics[name]``: precision@10, recall@20,
    nDCG@20, sources), and the threshold's F1 (``metrics["threshold"]``)."""

    model: OrganisationModel
    metrics: Mapping[str, Mapping[str, float]]


def _rank(
    scores: npt.NDArray[np.float64], prepared: PreparedRoles, rows: npt.NDArray[np.int64]
) -> dict[str, list[str]]:
    out = {}
    for row in rows:
        v = np.nan_to_num(scores[row].astype(np.float64), nan=-np.inf)
        v[row] = -np.inf
        order = np.lexsort((np.arange(len(v)), -v))[:20]
        out[prepared.ids[row]] = [prepared.ids[j] for j in order]
    return out


def fit_organisation(
    catalog: Catalog,
    prepared: PreparedRoles,
    judgements: Judgements,
    encoder: Encoder,
    folds: int = 5,
    progress: Progress | None = None,
    out_of_fold: npt.NDArray[np.float64] | None = None,
) -> OrganisationFit:
    """Simulate, cross-validate, calibrate and fit the organisation judge.

    ``prepared`` holds the candidate occupations (the dev half) of ``catalog``, an O*NET
    catalogue; ``judgements`` are their related occupations. ``out_of_fold`` (shape (n, n))
    gives the ``full`` fusion's out-of-fold scores when already computed
    (:func:`occupation_out_of_fold`, with the same folds).
    """
    tell = progress or (lambda phase, done, total: None)
    if out_of_fold is None:
        out_of_fold = occupation_out_of_fold(prepared, judgements, folds, tell)
    roles = simulated_roles(catalog, prepared.ids)
    signals = organisation_signals(roles, encoder, _logit(out_of_fold))
    grades = label_matrix(prepared, judgements)
    sources = np.asarray([i for i, r in enumerate(prepared.ids) if judgements.get(r)])
    n = len(prepared.ids)
    combined = np.full((n, n), np.nan)
    for k, (train, test) in enumerate(GroupKFold(folds).split(sources, groups=sources)):
        model = _fit_rows(signals, grades, sources[train], ~np.isin(np.arange(n), sources[test]))
        rows = sources[test]
        combined[rows] = model.predict(stack({f: m[rows] for f, m in signals.items()})).reshape(
            len(rows), n
        )
        tell("combination, grouped CV", k + 1, folds)
    chosen = [prepared.ids[s] for s in sources]
    metrics: dict[str, dict[str, float]] = {}
    for name, matrix in (
        ("combined", combined),
        ("onet_only", out_of_fold),
        ("coverage_only", signals["coverage"].astype(np.float64)),
    ):
        metrics[name] = dict(mean_metrics(_rank(matrix, prepared, sources), judgements, chosen))
    judged = np.zeros((n, n), dtype=bool)
    judged[sources] = True
    np.fill_diagonal(judged, False)
    threshold, f1 = calibrate_threshold(combined[judged], grades[judged] >= PRIMARY_GRADE)
    primary = grades[judged] >= PRIMARY_GRADE
    above = combined[judged] >= threshold
    metrics["threshold"] = {
        "score": threshold,
        "primary_f1": f1,
        "primary_precision": float((above & primary).sum() / max(1, above.sum())),
        "primary_recall": float((above & primary).sum() / max(1, primary.sum())),
    }
    final = _fit_rows(signals, grades, sources, np.ones(n, dtype=bool))
    final.threshold = threshold
    tell("final fit", 1, 1)
    return OrganisationFit(final, metrics)


def occupation_out_of_fold(
    prepared: PreparedRoles,
    judgements: Judgements,
    folds: int = 5,
    progress: Progress | None = None,
) -> npt.NDArray[np.float64]:
    """The ``full`` fusion's out-of-fold score of every (source, candidate) pair, grouped
    ``folds``-fold CV by source (NaN for roles without judgements), shape (n, n)."""
    tell = progress or (lambda phase, done, total: None)
    tell("occupation scores out of fold", 0, 1)
    scores = cross_validate(prepared, judgements, "full", folds).scores
    tell("occupation scores out of fold", 1, 1)
    return scores


def cached_out_of_fold(
    path: Path | None,
    prepared: PreparedRoles,
    judgements: Judgements,
    folds: int = 5,
    progress: Progress | None = None,
) -> npt.NDArray[np.float64]:
    """:func:`occupation_out_of_fold`, kept in ``path`` (an ``.npz``) and read back from it
    when it holds the scores of the same occupations (the slow part of a fit: minutes)."""
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as data:
            if tuple(str(c) for c in data["ids"]) == prepared.ids:
                return np.asarray(data["scores"], dtype=np.float64)
    scores = occupation_out_of_fold(prepared, judgements, folds, progress)
    if path is not None:
        np.savez_compressed(path, ids=np.array(prepared.ids), scores=scores)
    return scores


def _fit_rows(
    signals: Mapping[str, npt.NDArray[np.float32]],
    grades: npt.NDArray[np.int64],
    sources: npt.NDArray[np.int64],
    candidates: npt.NDArray[np.bool_],
) -> OrganisationModel:
    mask = np.zeros(grades.shape, dtype=bool)
    mask[np.ix_(sources, np.flatnonzero(candidates))] = True
    np.fill_diagonal(mask, False)
    return OrganisationModel.fit(stack(signals, mask), (grades[mask] > 0).astype(int))
