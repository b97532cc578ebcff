"""Issue 18's cost on the bundled data: an academy plan for every security and data role.

Prints the wall seconds of one plan (budget $3,000, 52 weeks, at most 3 people leaving any
one role) on a fresh service (every person's plans made: cold) and asked again (each
person's plans remembered by the service: warm), the median of ``--repeat`` runs.

    PYTHONPATH=. python bench/bench_academy.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from recommender.academy import CohortRequest
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender

DATA = Path(__file__).resolve().parent.parent / "data"  # this checkout's bundled data
FAMILIES = ("Security", "Data & AI")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    catalog = read_org_tables(DATA).catalog
    roles = tuple(sorted(r.id for r in catalog.roles.values() if r.job_family in FAMILIES))
    request = CohortRequest(roles, money=3000, weeks=52, max_per_role=3, start=date(2027, 1, 4))
    cold, warm = [], []
    for _ in range(repeat):
        service = Recommender(catalog)
        began = time.perf_counter()
        plan = service.academy_plan(request)
        cold.append(time.perf_counter() - began)
        began = time.perf_counter()
        service.academy_plan(request)
        warm.append(time.perf_counter() - began)
    print(f"{len(roles)} roles, {plan.considered} people considered, {plan.filled} filled")
    print("| plan | median s | runs |")
    print("|---|---:|---|")
    for name, runs in (("cold", cold), ("warm", warm)):
        shown = ", ".join(f"{r:.2f}" for r in runs)
        print(f"| {name} | {statistics.median(runs):.2f} | {shown} |")


if __name__ == "__main__":
    main()
