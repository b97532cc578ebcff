"""The organisation judge against the O*NET-only and coverage-only judges, on organisation
roles simulated from the dev split's occupations.

Usage::

    .venv/bin/python bench/eval_organisation_judge.py [--onet DIR] [--cache FILE]

Each dev-half occupation becomes an organisation role with only what an organisation has
(title, description, five tasks, its twelve most important skill and knowledge requirements
with levels, job zone; :func:`recommender.transitions.organisation.simulated_roles`).
Grouped 5-fold CV by source occupation: the ``full`` fusion's out-of-fold scores give the
``occupation`` feature (and the O*NET-only ranking); the combination is fitted per fold on
pairs outside the fold's sources, and each test source ranks the 445 other dev-half
occupations. ``--cache`` keeps the out-of-fold occupation scores (the slow part, several
minutes) for a rerun. Prints precision@10, recall@20 and nDCG@20 of each judge, and the
combined judge's threshold with its F1, precision and recall for Primary related
occupations. The same computation as ``reskill transitions fit-organisation``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dev_split import ONET, dev_split  # noqa: E402

from recommender.transitions.organisation_training import (  # noqa: E402
    cached_out_of_fold,
    fit_organisation,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onet", type=Path, default=Path(os.environ.get("RESKILL_ONET", ONET)))
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()

    def tell(phase: str, done: int, total: int) -> None:
        print(f"  {phase}: {done}/{total} ({time.perf_counter() - started:.0f} s)", flush=True)

    split = dev_split(args.onet)
    tell("prepared dev-half occupations", len(split.prepared.ids), len(split.prepared.ids))
    oof = cached_out_of_fold(args.cache, split.prepared, split.judgements, progress=tell)
    result = fit_organisation(
        split.catalog,
        split.prepared,
        split.judgements,
        split.encoder,
        progress=tell,
        out_of_fold=oof,
    )
    print(f"\n{'judge (simulated organisation roles)':<38} {'p@10':>6} {'r@20':>6} {'nDCG@20':>8}")
    for name in ("combined", "onet_only", "coverage_only"):
        m = result.metrics[name]
        print(f"{name:<38} {m['precision@10']:6.3f} {m['recall@20']:6.3f} {m['ndcg@20']:8.3f}")
    t = result.metrics["threshold"]
    print(
        f"\nthreshold {t['score']:.3f}: Primary F1 {t['primary_f1']:.3f}, precision "
        f"{t['primary_precision']:.3f}, recall {t['primary_recall']:.3f}"
    )
    names = (
        "occupation",
        "description",
        "tasks",
        "coverage",
        "job_zone_step",
        "job_zone_gap",
        "same_family",
    )
    print(
        "coefficients (standardised): "
        + ", ".join(f"{n} {c:+.2f}" for n, c in zip(names, result.model.coef, strict=True))
    )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
