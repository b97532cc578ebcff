"""How precision@10 depends on how many occupations are ranked: the transition target in context.

Usage::

    .venv/bin/python bench/eval_transition_scale.py [--onet DIR] [--halves 10] [--no-fused]

The dev split holds related-occupation rows among half of O*NET's occupations (446 sources
ranked over 445 candidates, ~9.7 related each). Issue 3's reference figures (task TF-IDF
alone 0.66, description embeddings 0.60, skill vectors 0.33) are 1.2-1.4 times what the
same signals score on the dev split here (0.498, 0.441, 0.276), which points to a protocol
with more occupations and more related ones per source. This script measures that effect
inside the dev split: it ranks each source only among a random half of the dev occupations
(relevant rows restricted to that half too) and compares precision@10 with the whole dev
split, for single signals and (unless ``--no-fused``) for the fused model's out-of-fold
scores from grouped 5-fold CV (the same protocol as ``reskill evaluate transitions``; about
three minutes on this two-core machine in session 5). Nothing here reads the held-out half.

It also prints each ranking's figures under other readings of the reference protocol, on the
whole dev split: relations made symmetric (B related to A whenever A is related to B);
capped precision@10 (divided by min(10, related)), plain and symmetric; and precision@10
over only the sources with at least 10 related dev occupations. None of them reproduces
the reference figures for all three signals at once.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from _dev_split import ONET, dev_split

from recommender.evaluation import mean_metrics
from recommender.transitions.features import PreparedRoles
from recommender.transitions.training import cross_validate

SIGNALS = ("skill_profile", "description_embedding", "title_tfidf", "task_embedding", "task_tfidf")
Judgements = dict[str, dict[str, int]]


def metrics_on(
    prepared: PreparedRoles,
    mask: np.ndarray,
    matrix: np.ndarray,
    judgements: Judgements,
    min_related: int = 0,
) -> dict[str, float]:
    """Mean metrics ranking each source in ``mask`` among the others in ``mask`` by ``matrix``
    (only sources with at least ``min_related`` related occupations)."""
    ids = prepared.ids
    rankings = {}
    for row in range(len(ids)):
        if not mask[row] or len(judgements.get(ids[row], ())) < max(min_related, 1):
            continue
        values = np.nan_to_num(matrix[row].astype(np.float64), nan=-np.inf).copy()
        values[~mask] = -np.inf
        values[row] = -np.inf
        order = np.lexsort((np.arange(len(values)), -values))[:20]
        rankings[ids[row]] = [ids[k] for k in order]
    kept = {ids[i] for i in np.flatnonzero(mask)}
    restricted = {a: {b: g for b, g in judgements[a].items() if b in kept} for a in rankings}
    return mean_metrics(rankings, restricted, list(rankings))


def halving(
    prepared: PreparedRoles, matrix: np.ndarray, judgements: Judgements, halves: int, seed: int
) -> tuple[float, float]:
    """(precision@10 on the whole dev split, mean over random halves of it)."""
    rng = np.random.default_rng(seed)
    whole = metrics_on(prepared, np.ones(len(prepared.ids), bool), matrix, judgements)
    parts = [
        metrics_on(prepared, rng.random(len(prepared.ids)) < 0.5, matrix, judgements)
        for _ in range(halves)
    ]
    return whole["precision@10"], statistics.mean(p["precision@10"] for p in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--onet", type=Path, default=ONET)
    parser.add_argument("--halves", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-fused", action="store_true")
    args = parser.parse_args()

    split = dev_split(args.onet)
    judgements, prepared = split.judgements, split.prepared
    symmetric: Judgements = {a: dict(r) for a, r in judgements.items()}
    for a, related in judgements.items():
        for b, grade in related.items():
            symmetric.setdefault(b, {})
            symmetric[b][a] = max(symmetric[b].get(a, 0), grade)
    symmetric = {a: symmetric[a] for a in judgements}

    print(
        f"{'ranking':<24} {'p@10 dev':>9} {'p@10 half':>10} {'ratio':>6} {'p@10 sym':>9} "
        f"{'capped':>7} {'capped sym':>11} {'p@10 >=10 rel':>14}"
    )
    everyone = np.ones(len(prepared.ids), bool)

    def variants(matrix: np.ndarray) -> str:
        """Other readings of the reference protocol, on the whole dev split."""
        plain = metrics_on(prepared, everyone, matrix, judgements)
        sym = metrics_on(prepared, everyone, matrix, symmetric)
        many = metrics_on(prepared, everyone, matrix, judgements, min_related=10)
        return (
            f"{sym['precision@10']:>9.3f} {plain['capped_precision@10']:>7.3f} "
            f"{sym['capped_precision@10']:>11.3f} {many['precision@10']:>14.3f}"
        )

    for name in SIGNALS:
        matrix = prepared.signals[name]
        whole, half = halving(prepared, matrix, judgements, args.halves, args.seed)
        print(f"{name:<24} {whole:>9.3f} {half:>10.3f} {half / whole:>6.3f} {variants(matrix)}")
    if not args.no_fused:
        scores = np.nan_to_num(cross_validate(prepared, judgements, "full").scores, nan=-1.0)
        whole, half = halving(prepared, scores, judgements, args.halves, args.seed)
        print(
            f"{'fused full (CV scores)':<24} {whole:>9.3f} {half:>10.3f} {half / whole:>6.3f} "
            f"{variants(scores)}"
        )


if __name__ == "__main__":
    main()
