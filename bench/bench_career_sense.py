"""Issue 16's costs on the bundled data: opportunities per person, and the exact hard-to-fill view.

Prints CPU milliseconds per person for ``mobility_options`` (limit 10, with stepping stones,
as the service asks), and the wall seconds of the hard-to-fill view for a few hours limits
(each on a fresh index: no plan cached), hard-to-fill roles only and every role.

    PYTHONPATH=. python bench/bench_career_sense.py

``--no-routes`` runs on the code before issue 16 too (``PYTHONPATH=<older checkout>``),
which has no stepping stones in opportunities and counted "within reach" by lower bounds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from recommender.candidates import CandidateIndex, hard_to_fill_view, mobility_options
from recommender.ingest.tables import read_org_tables
from recommender.pathways import CoverageJudge, SteppingStones

DATA = Path(__file__).resolve().parent.parent / "data"  # this checkout's bundled data
START = date(2026, 12, 8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="*", default=[200, 300, 400])
    parser.add_argument("--no-routes", action="store_true", help="no stepping stones")
    args = parser.parse_args()
    catalog = read_org_tables(DATA).catalog
    index = CandidateIndex().fit(catalog, CoverageJudge(catalog))
    started = time.perf_counter()
    kw: dict[str, Any] = {}
    if not args.no_routes:
        from recommender.candidates import Routes

        kw["routes"] = Routes(SteppingStones.build(catalog, index.judge_))
        print(f"stepping-stone graph: {time.perf_counter() - started:.1f} s")
    people = index.employee_ids_
    for person in people[:30]:  # warm the plan caches as a serving worker's would be
        mobility_options(index, person, 10, start=START, **kw)
    samples = []
    for person in people[30::2]:
        before = time.process_time()
        mobility_options(index, person, 10, start=START, **kw)
        samples.append((time.process_time() - before) * 1000)
    samples.sort()
    print(
        f"opportunities, limit 10, {len(samples)} people: median {statistics.median(samples):.1f}"
        f" ms, p95 {samples[int(0.95 * len(samples))]:.1f} ms, mean {statistics.mean(samples):.1f}"
        " ms CPU"
    )
    for hours in args.hours:
        for all_roles in (False, True):
            fresh = CandidateIndex().fit(catalog, CoverageJudge(catalog))
            before = time.perf_counter()
            rows = hard_to_fill_view(fresh, hours, all_roles=all_roles)
            took = time.perf_counter() - before
            which = "every role" if all_roles else "hard-to-fill roles"
            reach = sum(r.within_reach for r in rows)
            print(f"hard-to-fill view, {hours:g} h, {which}: {took:.1f} s ({reach} within reach)")


if __name__ == "__main__":
    main()
