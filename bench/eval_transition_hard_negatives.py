"""Does the fused model gain from training its trees on hard negatives only?

Usage::

    .venv/bin/python bench/eval_transition_hard_negatives.py [base k100 k50 k200]

Grouped 5-fold CV on the dev split, ranked as the product ranks (a logistic screen keeps
100 destinations per source, the trees order them). ``base`` fits the trees on every
training pair, as shipped; ``kN`` only on each training source's top N destinations by
the screen, plus every related pair. Session 5, with the features shipped before the
per-item embeddings: base 0.685 precision@10 / 0.869 nDCG@20; top-100 0.681 / 0.874,
top-50 0.683 / 0.872, top-200 0.683 / 0.873: no gain in precision. (With today's
features, base gives 0.709 / 0.889.)
"""

import os
import sys
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from _dev_split import dev_split
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from recommender.evaluation import mean_metrics
from recommender.transitions.model import DEFAULT_TREE_PARAMS
from recommender.transitions.scorer import PreparedTransitions, TransitionModelSet
from recommender.transitions.training import _placeholder, _sources, label_matrix

VARIANTS = {"base": None, "k100": 100, "k50": 50, "k200": 200}


def main() -> None:
    split = dev_split()
    prepared, judgements = split.prepared, split.judgements
    view = PreparedTransitions(prepared, TransitionModelSet({"full": _placeholder()}, {}))
    tensor = view._tensor("full").astype(np.float32)
    grades = label_matrix(prepared, judgements)
    sources = _sources(prepared, judgements)
    for name in sys.argv[1:] or list(VARIANTS):
        started = time.time()
        scores = out_of_fold(tensor, grades, sources, VARIANTS[name])
        ids = prepared.ids
        rankings = {}
        for row in sources:
            values = scores[row].copy()
            values[row] = -np.inf
            rankings[ids[row]] = [ids[j] for j in np.argsort(-values, kind="stable")[:20]]
        m = mean_metrics(rankings, judgements, [ids[s] for s in sources])
        print(
            f"{name:<6} p@10={m['precision@10']:.3f} capped={m['capped_precision@10']:.3f} "
            f"r@20={m['recall@20']:.3f} ndcg@20={m['ndcg@20']:.3f} ({time.time() - started:.0f} s)",
            flush=True,
        )


def out_of_fold(
    tensor: np.ndarray, grades: np.ndarray, sources: np.ndarray, hard: int | None
) -> np.ndarray:
    """Scores of each test source's destinations: the screen's top 100, ordered by trees
    fitted on the other folds (on every pair, or on the screen's top ``hard`` + positives)."""
    n, _, width = tensor.shape
    scores = np.full((n, n), -np.inf)
    for train, test in GroupKFold(5).split(sources, groups=sources):
        candidates = np.ones(n, bool)
        candidates[sources[test]] = False
        mask = np.zeros((n, n), bool)
        mask[np.ix_(sources[train], np.flatnonzero(candidates))] = True
        np.fill_diagonal(mask, False)
        X, y = tensor[mask], (grades[mask] > 0).astype(int)
        mean, scale = np.nanmean(X, 0), np.nanstd(X, 0)
        scale[scale < 1e-9] = 1.0
        screen = LogisticRegression(C=1.0, max_iter=2000).fit(np.nan_to_num((X - mean) / scale), y)
        linear = np.full((n, n), -np.inf)
        linear[mask] = np.nan_to_num((X - mean) / scale) @ screen.coef_.ravel()
        if hard is not None:
            keep = np.zeros((n, n), bool)
            for row in sources[train]:
                keep[row, np.argsort(-linear[row])[:hard]] = True
            keep = (keep & mask) | (mask & (grades > 0))
            X, y = tensor[keep], (grades[keep] > 0).astype(int)
        trees = HistGradientBoostingClassifier(
            early_stopping=False, random_state=0, **DEFAULT_TREE_PARAMS
        ).fit(X, y)
        rows = sources[test]
        block = tensor[rows].reshape(-1, width)
        proba = trees.predict_proba(block)[:, 1].reshape(len(rows), n)
        shortlist = (np.nan_to_num((block - mean) / scale) @ screen.coef_.ravel()).reshape(
            len(rows), n
        )
        for i, row in enumerate(rows):
            shortlist[i, row] = -np.inf
            top = np.argsort(-shortlist[i])[:100]
            scores[row, top] = proba[i, top]
    return scores


if __name__ == "__main__":
    main()
