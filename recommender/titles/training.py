"""Fit the fusion weights on the validation fifth; measure on the test fifth.

The protocol (:mod:`recommender.titles.holdout`):

* **fit**: hold out the test and the validation folds, index the rest, and fit the
  weights on the validation titles (:func:`fit_fusion`). The test titles are neither in
  that index nor used to fit.
* **re-rank** (:func:`fit_reranker_on_folds`): for each of folds 2-4, hold out the test
  fold and that fold, index the rest, and collect the fitted fusion's best candidates
  for that fold's titles with their features; boosted trees are fitted on them
  (:mod:`recommender.titles.rerank`). The fusion saw only fold 1, so its scores for
  these titles are out of sample, as they will be for a new title.
* **measure**: hold out the test fold only, index the rest (the validation titles come
  back), and report top-1 and top-5 accuracy on the test titles (:func:`evaluate`). A
  title counts as right at ``k`` when any of its gold codes is among the first ``k``.

Both steps index the title-only occupations given as ``extra_occupations`` (O*NET's
unrated "All Other" occupations, which :func:`~recommender.ingest.onet.load_onet` keeps
no role for), trimmed of the held-out titles like the catalogue. A title whose gold codes
are all missing from the index can never be right; it counts as wrong, and the result
also reports the accuracy over the reachable titles alone, and over the titles with a
gold code among the catalogue's roles.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.catalog import Catalog
from recommender.embeddings import Encoder
from recommender.errors import InvalidInput
from recommender.titles.features import Progress
from recommender.titles.fusion import MODEL_FEATURES, FusionWeights, feature_matrix, fit_weights
from recommender.titles.holdout import TEST_FOLD, VALIDATION_FOLD, holdout_split, title_fold
from recommender.titles.normaliser import TitleNormaliser
from recommender.titles.occupations import TitledOccupation
from recommender.titles.rerank import Reranker, candidate_rows, fit_reranker, rerank

__all__ = [
    "RERANK_FOLDS",
    "TitleScores",
    "evaluate",
    "fit_fusion",
    "fit_reranker_on_folds",
    "score_held_out",
]

RERANK_FOLDS = (2, 3, 4)
"""The folds whose titles the re-ranker is fitted on."""

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TitleScores:
    """Accuracy of a ranking on held-out titles.

    ``top1``/``top5`` are over all ``evaluated`` titles; the ``*_reachable`` figures
    over the ``reachable`` ones (a gold code is indexed: a catalogue role or a title-only
    occupation); the ``*_in_catalog`` figures over the ``in_catalog`` ones (a gold code
    is a catalogue role). A share over no titles is 0.
    """

    top1: float
    top5: float
    evaluated: int
    reachable: int
    top1_reachable: float
    top5_reachable: float
    in_catalog: int
    top1_in_catalog: float
    top5_in_catalog: float


def _batches(
    model: TitleNormaliser, held_out: Mapping[str, frozenset[str]], size: int = 256
) -> Iterator[tuple[Mapping[str, FloatMatrix], npt.NDArray[np.bool_], list[str]]]:
    """Features and gold masks of the held-out titles with something to match, in batches."""
    from recommender.titles.abbreviations import clean_title

    index = model.onet_index_
    if index is None:
        raise InvalidInput("held-out titles are scored against O*NET occupations; none were fitted")
    codes = np.asarray(model.onet_codes_)
    titles = [t for t in held_out if clean_title(t)]
    for start in range(0, len(titles), size):
        chunk = titles[start : start + size]
        cleaned = [clean_title(t) for t in chunk]
        features, _ = index.features(cleaned, model.encode_queries(cleaned))
        gold = np.stack([np.isin(codes, sorted(held_out[title])) for title in chunk])
        yield features, gold, cleaned


def score_held_out(
    model: TitleNormaliser,
    held_out: Mapping[str, frozenset[str]],
    weightings: Sequence[FusionWeights],
    reranker: Reranker | None = None,
) -> list[TitleScores]:
    """Accuracy of each weighting on ``held_out`` with one pass over the features.

    With ``reranker``, one more result follows: the first weighting re-ranked by it.
    """
    hits = np.zeros((len(weightings) + (reranker is not None), 4), dtype=np.int64)
    reachable = in_catalog = 0
    for features, gold, cleaned in _batches(model, held_out):
        rated = gold[:, : len(model.onet_roles_)].any(axis=1)
        reachable += int(gold.any(axis=1).sum())
        in_catalog += int(rated.sum())
        for w in range(len(hits)):
            scores = _scores(features, cleaned, weightings, reranker, w)
            order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
            right = np.take_along_axis(gold, order, axis=1)
            top1, top5 = right[:, 0], right.any(axis=1)
            hits[w] += [top1.sum(), top5.sum(), (top1 & rated).sum(), (top5 & rated).sum()]
    total = len(held_out)
    return [
        TitleScores(
            _share(h1, total),
            _share(h5, total),
            total,
            reachable,
            _share(h1, reachable),
            _share(h5, reachable),
            in_catalog,
            _share(c1, in_catalog),
            _share(c5, in_catalog),
        )
        for h1, h5, c1, c5 in hits.tolist()
    ]


def _scores(
    features: Mapping[str, FloatMatrix],
    cleaned: Sequence[str],
    weightings: Sequence[FusionWeights],
    reranker: Reranker | None,
    w: int,
) -> FloatMatrix:
    if w < len(weightings):
        return weightings[w].score(features)
    assert reranker is not None
    fused = weightings[0].score(features)
    order, rows = candidate_rows(features, fused, [len(c.split()) for c in cleaned])
    return rerank(reranker, rows, order, fused)


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def evaluate(
    encoder: Encoder,
    catalog: Catalog,
    onet_dir: str | os.PathLike[str],
    weightings: Sequence[FusionWeights],
    progress: Progress | None = None,
    extra_occupations: Iterable[TitledOccupation] = (),
    reranker: Reranker | None = None,
) -> list[TitleScores]:
    """The protocol's test figures for each weighting (index without the test fold).

    ``extra_occupations`` are indexed too (see
    :meth:`~recommender.titles.TitleNormaliser.fit`), without the test titles. With
    ``reranker``, one more result follows for the first weighting re-ranked by it.
    """
    split = holdout_split(catalog, onet_dir, (TEST_FOLD,), extra_occupations)
    model = TitleNormaliser(encoder, weightings[0]).fit(
        split.catalog, extra_occupations=split.extra_occupations, progress=progress
    )
    return score_held_out(model, split.held_out, weightings, reranker)


def fit_fusion(
    encoder: Encoder,
    catalog: Catalog,
    onet_dir: str | os.PathLike[str],
    features: Sequence[str] = MODEL_FEATURES,
    progress: Progress | None = None,
    extra_occupations: Iterable[TitledOccupation] = (),
) -> FusionWeights:
    """Fit weights on the validation titles, indexing neither validation nor test titles.

    The validation titles used are those with a gold code in the index (a catalogue
    role or one of ``extra_occupations``).
    """
    split = holdout_split(catalog, onet_dir, (TEST_FOLD, VALIDATION_FOLD), extra_occupations)
    model = TitleNormaliser(encoder, FusionWeights.plain()).fit(
        split.catalog, extra_occupations=split.extra_occupations, progress=progress
    )
    indexed = set(model.onet_codes_)
    validation = {
        t: codes
        for t, codes in split.held_out.items()
        if not indexed.isdisjoint(codes) and not _is_test(t)
    }
    stacked, golds = [], []
    for batch, gold, _ in _batches(model, validation):
        stacked.append(np.stack([feature_matrix(batch, name) for name in features], axis=2))
        golds.append(gold)
    weights = fit_weights(np.concatenate(stacked), np.concatenate(golds), features)
    meta = {
        "fitted_on": f"validation fold {VALIDATION_FOLD}",
        "titles": len(validation),
        "occupations": len(model.onet_codes_),
    }
    return FusionWeights(weights, encoder.name, meta)


def fit_reranker_on_folds(
    encoder: Encoder,
    catalog: Catalog,
    onet_dir: str | os.PathLike[str],
    weights: FusionWeights,
    folds: Sequence[int] = RERANK_FOLDS,
    progress: Progress | None = None,
    extra_occupations: Iterable[TitledOccupation] = (),
) -> Reranker:
    """Fit the re-ranker on the titles of ``folds`` (see the module notes).

    Each fold's titles are scored against an index without them and without the test
    fold; the candidates are the best :data:`~recommender.titles.rerank.TOP` under
    ``weights`` (a title with no right code among them teaches the trees what is wrong).
    """
    extras = tuple(extra_occupations)
    rows, golds = [], []
    for fold in folds:
        split = holdout_split(catalog, onet_dir, (TEST_FOLD, fold), extras)
        model = TitleNormaliser(encoder, weights).fit(
            split.catalog, extra_occupations=split.extra_occupations, progress=progress
        )
        queries = {t: c for t, c in split.held_out.items() if title_fold(t) == fold}
        for features, gold, cleaned in _batches(model, queries):
            fused = weights.score(features)
            order, batch = candidate_rows(features, fused, [len(c.split()) for c in cleaned])
            rows.append(batch)
            golds.append(np.take_along_axis(gold, order, axis=1))
    return fit_reranker(np.concatenate(rows), np.concatenate(golds), encoder.name)


def _is_test(title: str) -> bool:
    from recommender.titles.holdout import title_fold

    return title_fold(title) == TEST_FOLD
