"""Judging every move between the bundled roles with the organisation judge (the default).

Prints the wall seconds of building the judge cold (role texts embedded, through the
on-disk cache) and warm (the texts' vectors cached), of judging every ordered pair warm
(``score`` and ``is_viable``), and of building the stepping-stone graph on it, beside the
coverage judge on the same roles.

    PYTHONPATH=. python bench/bench_organisation_judge.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from recommender.cli._options import EMBEDDING_CACHE, cached_encoder
from recommender.ingest.tables import read_org_tables
from recommender.pathways import CoverageJudge, SteppingStones, TransitionJudge
from recommender.transitions.organisation import OrganisationJudge, load_judge_files

DATA = Path(__file__).resolve().parent.parent / "data"


def _all_pairs(judge: TransitionJudge, ids: list[str]) -> int:
    viable = 0
    for a in ids:
        for b in ids:
            judge.score(a, b)
            viable += judge.is_viable(a, b)
    return viable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    catalog = read_org_tables(DATA).catalog
    ids = sorted(catalog.roles)
    encoder = cached_encoder(EMBEDDING_CACHE)
    occupations, model = load_judge_files()
    started = time.perf_counter()
    OrganisationJudge(catalog, encoder, occupations, model)
    cold = time.perf_counter() - started
    rows = []
    for name, make in (
        ("organisation (default)", lambda: OrganisationJudge(catalog, encoder, occupations, model)),
        ("coverage", lambda: CoverageJudge(catalog)),
    ):
        times, stones, viable = [], [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            judge = make()
            viable = _all_pairs(judge, ids)
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            SteppingStones.build(catalog, judge)
            stones.append(time.perf_counter() - started)
        rows.append((name, statistics.median(times), viable, statistics.median(stones)))
    print(f"{len(ids)} roles, {len(ids) ** 2} ordered pairs; median of {args.repeat} runs")
    print(f"organisation judge built cold (texts through the disk cache): {cold:.2f} s")
    print(f"{'judge':<24} {'build + all pairs (s)':>22} {'viable':>7} {'stepping stones (s)':>20}")
    for name, seconds, viable, stones_s in rows:
        print(f"{name:<24} {seconds:>22.3f} {viable:>7} {stones_s:>20.2f}")


if __name__ == "__main__":
    main()
