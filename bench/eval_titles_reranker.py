"""Title normaliser experiments: the linear fusion refitted on more titles, new candidate
features, and a learned second stage over the top candidates.

Usage::

    nice -n 10 .venv/bin/python bench/eval_titles_reranker.py [--only METHOD ...]
    nice -n 10 .venv/bin/python bench/eval_titles_reranker.py --fixed

``--fixed`` scores the recipe that ships (``reskill evaluate titles --refit``): the fusion
fitted on fold 1 alone, trees fitted on folds 2-4 over its 30 best
(:func:`recommender.titles.rerank.fit_reranker`), cross-validated over folds 2-4 (3 folds,
grouped by title) and scored on fold 0. Measured on 2026-12-07 (models/MODEL_CARD-titles.md):
previous model 0.538 / 0.814 (CV), 0.560 / 0.836 (fold 0); with the trees 0.549 / 0.818 and
0.569 / 0.839.

The folds, candidates and features come from ``bench/_title_cv.py`` (read its notes for
the protocol). Each method is scored twice:

* **dev CV**: 4-fold cross-validation over the titles of folds 1-4, grouped by title
  (each fold's titles are queried against an index without them and without fold 0;
  a method is fitted on three folds' titles and scored on the fourth; hits pooled);
* **fold 0**: fitted on the titles of folds 1-4, scored once on fold 0 against the index
  without fold 0 (as ``reskill evaluate titles`` measures the shipped model).

Methods:

``shipped (fold 1 only)``
    The weights shipped before this work, unchanged: fitted on fold 1 with 19 features.
``logit 19``
    The same conditional logit and features, refitted on the training folds.
``logit 19 + knn``
    Adds ``knn_emb``, ``knn_char`` and their ranks.
``logit all ranks``
    Adds the rank of every feature.
``hgb``
    Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier) over the first
    stage's top 30 candidates, on every feature, its rank and its gap to the query's best;
    its log-odds are added to the refitted logit's score (the logit keeps the order below
    the top 30).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _title_cv import DEV_FOLDS, NAMES, TEST_FOLD, Fold, build_fold, column, hits

from recommender.titles.abbreviations import clean_title
from recommender.titles.fusion import MODEL_FEATURES, fit_weights

Scores = npt.NDArray[np.float32]
Method = Callable[[list[Fold], Fold], Scores]
TOP = 30
LOGIT19 = MODEL_FEATURES
KNN = (*LOGIT19, "knn_emb", "knn_char", "rank_knn_emb", "rank_knn_char")
ALL_RANKS = tuple(n for n in NAMES if not n.startswith("gap_") and n != "first")


def _stack(folds: Sequence[Fold]) -> Fold:
    return Fold(
        np.concatenate([f.x for f in folds]),
        np.concatenate([f.gold for f in folds]),
        np.concatenate([f.cand for f in folds]),
        np.concatenate([f.reachable for f in folds]),
        tuple(t for f in folds for t in f.titles),
    )


def logit(names: Sequence[str], l2: float = 1e-3) -> Method:
    cols = [column(n) for n in names]

    def method(train: list[Fold], test: Fold) -> Scores:
        data = _stack(train)
        keep = data.gold.any(axis=1)
        w = fit_weights(data.x[keep][:, :, cols], data.gold[keep], names, l2)
        return test.x[:, :, cols] @ np.asarray([w[n] for n in names], dtype=np.float32)

    return method


def shipped(train: list[Fold], test: Fold) -> Scores:
    return test.x[:, :, column("first")]


def _query_features(fold: Fold) -> npt.NDArray[np.float32]:
    words = np.asarray([len(clean_title(t).split()) for t in fold.titles], dtype=np.float32)
    return np.repeat(words[:, None], fold.x.shape[1], axis=1)[:, :, None]


def hgb(base: Sequence[str] = LOGIT19, iterations: int = 300, weight: float = 1.0) -> Method:
    from sklearn.ensemble import HistGradientBoostingClassifier

    first = logit(base)
    cols = [i for i, n in enumerate(NAMES) if n != "first"]

    def rows(fold: Fold, stage: Scores) -> npt.NDArray[np.float32]:
        order = np.argsort(-stage, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(stage.shape[1])[None, :], axis=1)
        gap = stage - stage.max(axis=1, keepdims=True)
        extra = np.stack([stage, gap, 1.0 / (1.0 + rank)], axis=2)
        return np.concatenate([fold.x[:, :, cols], extra, _query_features(fold)], axis=2)

    def method(train: list[Fold], test: Fold) -> Scores:
        # The first stage's scores for the training titles come from cross-fitting over
        # the training folds, so the trees never learn from in-sample first-stage scores.
        stages = [first([f for f in train if f is not g], g) for g in train]
        xs, ys = [], []
        for fold, stage in zip(train, stages, strict=True):
            top = np.argsort(-stage, axis=1, kind="stable")[:, :TOP]
            feats = np.take_along_axis(rows(fold, stage), top[:, :, None], axis=1)
            xs.append(feats.reshape(-1, feats.shape[2]))
            ys.append(np.take_along_axis(fold.gold, top, axis=1).ravel())
        model = HistGradientBoostingClassifier(
            max_iter=iterations, learning_rate=0.1, max_leaf_nodes=31, random_state=0
        ).fit(np.concatenate(xs), np.concatenate(ys))
        stage = first(train, test)
        top = np.argsort(-stage, axis=1, kind="stable")[:, :TOP]
        feats = np.take_along_axis(rows(test, stage), top[:, :, None], axis=1)
        odds = model.decision_function(feats.reshape(-1, feats.shape[2])).reshape(top.shape)
        out = stage - stage.max(axis=1, keepdims=True) - 1000.0  # below every reranked one
        np.put_along_axis(out, top, weight * odds + np.take_along_axis(stage, top, axis=1), axis=1)
        return out.astype(np.float32)

    return method


def fixed_stage(train: list[Fold], test: Fold) -> Scores:
    """Trees over the shipped fold-1 fusion, trained on folds 2-4 only (see ``--fixed``)."""
    from recommender.titles.rerank import fit_reranker

    first = column("first")
    cols = [i for i, n in enumerate(NAMES) if n != "first"]

    def rows(fold: Fold) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        stage = fold.x[:, :, first]
        top = np.argsort(-stage, axis=1, kind="stable")[:, :TOP]
        best = np.take_along_axis(stage, top, axis=1)
        n = stage.shape[0]
        extra = np.stack(
            [
                best,
                best - best[:, :1],
                np.broadcast_to(1.0 / np.arange(1, TOP + 1, dtype=np.float32), (n, TOP)),
            ],
            axis=2,
        )
        x = np.take_along_axis(fold.x[:, :, cols], top[:, :, None], axis=1)
        words = np.take_along_axis(_query_features(fold), top[:, :, None], axis=1)
        return top, np.concatenate([x, extra, words], axis=2).astype(np.float32)

    xs, ys = [], []
    for fold in train:
        top, x = rows(fold)
        xs.append(x)
        ys.append(np.take_along_axis(fold.gold, top, axis=1))
    model = fit_reranker(np.concatenate(xs), np.concatenate(ys))
    top, x = rows(test)
    stage = test.x[:, :, first]
    out = stage - stage.max(axis=1, keepdims=True) - 1000.0
    np.put_along_axis(out, top, np.take_along_axis(stage, top, axis=1) + model.decision(x), 1)
    return out.astype(np.float32)


def run_fixed(folds: dict[int, Fold]) -> None:
    """The shipped recipe: fold-1 fusion, trees fitted on folds 2-4.

    Dev CV: 3 folds over folds 2-4 (trees fitted on two, scored on the third); fold 0:
    trees fitted on folds 2-4. The fusion never saw folds 0 and 2-4.
    """
    dev = [folds[k] for k in (2, 3, 4)]
    for name, method in (("shipped (fold 1 only)", shipped), ("+ trees on folds 2-4", fixed_stage)):
        r1 = r5 = n = 0.0
        for test in dev:
            t1, t5 = hits(method([f for f in dev if f is not test], test), test)
            r1, r5, n = r1 + t1 * len(test.titles), r5 + t5 * len(test.titles), n + len(test.titles)
        f1, f5 = hits(method(dev, folds[TEST_FOLD]), folds[TEST_FOLD])
        print(f"{name:<24}  folds 2-4 CV {r1 / n:.3f}  {r5 / n:.3f}   fold 0 {f1:.3f}  {f5:.3f}")


def run(methods: dict[str, Method], folds: dict[int, Fold]) -> None:
    dev = [folds[k] for k in DEV_FOLDS]
    width = max(map(len, methods))
    print(f"{'method':<{width}}  dev-CV top-1  top-5   fold-0 top-1  top-5   seconds")
    for name, method in methods.items():
        started = time.perf_counter()
        right1 = right5 = total = 0
        for test in dev:
            t1, t5 = hits(method([f for f in dev if f is not test], test), test)
            right1 += t1 * len(test.titles)
            right5 += t5 * len(test.titles)
            total += len(test.titles)
        f1, f5 = hits(method(dev, folds[TEST_FOLD]), folds[TEST_FOLD])
        took = time.perf_counter() - started
        print(
            f"{name:<{width}}  {right1 / total:12.3f}  {right5 / total:.3f}   "
            f"{f1:12.3f}  {f5:.3f}   {took:7.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="run only these methods")
    parser.add_argument("--fixed", action="store_true", help="only the shipped recipe")
    args = parser.parse_args()
    folds = {k: build_fold(k) for k in (TEST_FOLD, *DEV_FOLDS)}
    if args.fixed:
        run_fixed(folds)
        return
    print(
        "titles: "
        + ", ".join(f"fold {k} {len(f.titles)}" for k, f in folds.items())
        + f"; a right code among the top {folds[1].x.shape[1]} first-stage candidates: "
        + ", ".join(f"{f.gold.any(axis=1).mean():.3f}" for f in folds.values())
    )
    methods: dict[str, Method] = {
        "shipped (fold 1 only)": shipped,
        "logit 19": logit(LOGIT19),
        "logit 19 + knn": logit(KNN),
        "logit all ranks": logit(ALL_RANKS),
        "hgb over logit 19": hgb(LOGIT19),
        "hgb over logit 19 + knn": hgb(KNN),
    }
    if args.only:
        methods = {k: v for k, v in methods.items() if k in args.only}
    run(methods, folds)


if __name__ == "__main__":
    main()
