"""Fit the fusion weights on the validation fifth; measure on the test fifth.

The protocol (:mod:`recommender.titles.holdout`):

* **fit**: hold out the test and the validation folds, index the rest, and fit the
  weights on the validation titles (:func:`fit_fusion`). The test titles are neither in
  that index nor used to fit.
* **measure**: hold out the test fold only, index the rest (the validation titles come
  back), and report top-1 and top-5 accuracy on the test titles (:func:`evaluate`). A
  title counts as right at ``k`` when any of its gold codes is among the first ``k``.

Titles whose gold codes are all missing from the catalogue (O*NET's "All Other"
occupations carry no ratings, so :func:`~recommender.ingest.onet.load_onet` keeps no
role for them) can never be right; they count as wrong, and the result also reports the
accuracy over the reachable titles alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.catalog import Catalog
from recommender.embeddings import Encoder
from recommender.titles.features import FEATURES, Progress
from recommender.titles.fusion import FusionWeights, fit_weights
from recommender.titles.holdout import TEST_FOLD, VALIDATION_FOLD, holdout_split
from recommender.titles.normaliser import TitleNormaliser

__all__ = ["TitleScores", "evaluate", "fit_fusion", "score_held_out"]

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TitleScores:
    """Accuracy of a ranking on held-out titles.

    ``top1``/``top5`` are over all ``evaluated`` titles; the ``*_reachable`` figures
    over the ``reachable`` ones (a gold code is in the catalogue).
    """

    top1: float
    top5: float
    evaluated: int
    reachable: int
    top1_reachable: float
    top5_reachable: float


def _batches(
    model: TitleNormaliser, held_out: Mapping[str, frozenset[str]], size: int = 256
) -> Iterator[tuple[Mapping[str, FloatMatrix], npt.NDArray[np.bool_]]]:
    """Features and gold masks of the held-out titles with something to match, in batches."""
    from recommender.titles.abbreviations import clean_title

    positions = {role.id: j for j, role in enumerate(model.onet_roles_)}
    titles = [t for t in held_out if clean_title(t)]
    for start in range(0, len(titles), size):
        chunk = titles[start : start + size]
        cleaned = [clean_title(t) for t in chunk]
        features, _ = model.onet_index_.features(cleaned, model.encode_queries(cleaned))
        gold = np.zeros((len(chunk), len(positions)), dtype=bool)
        for q, title in enumerate(chunk):
            gold[q, [positions[c] for c in held_out[title] if c in positions]] = True
        yield features, gold


def score_held_out(
    model: TitleNormaliser,
    held_out: Mapping[str, frozenset[str]],
    weightings: Sequence[FusionWeights],
) -> list[TitleScores]:
    """Accuracy of each weighting on ``held_out`` with one pass over the features."""
    hits = np.zeros((len(weightings), 2), dtype=np.int64)
    reachable = 0
    for features, gold in _batches(model, held_out):
        reachable += int(gold.any(axis=1).sum())
        for w, weights in enumerate(weightings):
            scores = weights.score(features)
            order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
            right = np.take_along_axis(gold, order, axis=1)
            hits[w] += [int(right[:, 0].sum()), int(right.any(axis=1).sum())]
    total = len(held_out)
    return [
        TitleScores(h1 / total, h5 / total, total, reachable, h1 / reachable, h5 / reachable)
        for h1, h5 in hits.tolist()
    ]


def evaluate(
    encoder: Encoder,
    catalog: Catalog,
    onet_dir: str | os.PathLike[str],
    weightings: Sequence[FusionWeights],
    progress: Progress | None = None,
) -> list[TitleScores]:
    """The protocol's test figures for each weighting (index without the test fold)."""
    split = holdout_split(catalog, onet_dir, (TEST_FOLD,))
    model = TitleNormaliser(encoder, weightings[0]).fit(split.catalog, progress=progress)
    return score_held_out(model, split.held_out, weightings)


def fit_fusion(
    encoder: Encoder,
    catalog: Catalog,
    onet_dir: str | os.PathLike[str],
    features: Sequence[str] = FEATURES,
    progress: Progress | None = None,
) -> FusionWeights:
    """Fit weights on the validation titles, indexing neither validation nor test titles."""
    split = holdout_split(catalog, onet_dir, (TEST_FOLD, VALIDATION_FOLD))
    validation = {
        t: codes
        for t, codes in split.held_out.items()
        if any(c in catalog.roles for c in codes) and not _is_test(t)
    }
    model = TitleNormaliser(encoder, FusionWeights.plain()).fit(split.catalog, progress=progress)
    stacked, golds = [], []
    for batch, gold in _batches(model, validation):
        stacked.append(np.stack([batch[name] for name in features], axis=2))
        golds.append(gold)
    weights = fit_weights(np.concatenate(stacked), np.concatenate(golds), features)
    meta = {"fitted_on": f"validation fold {VALIDATION_FOLD}", "titles": len(validation)}
    return FusionWeights(weights, encoder.name, meta)


def _is_test(title: str) -> bool:
    from recommender.titles.holdout import title_fold

    return title_fold(title) == TEST_FOLD
