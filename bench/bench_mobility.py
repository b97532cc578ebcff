"""Benchmark mobility options (``GET /v1/employees/{id}/opportunities``) per distinct person.

Usage::

    python bench/bench_mobility.py                 # 10,000 employees, 200 people, limit 10
    python bench/bench_mobility.py --n 2000 --people 50 --limit 5

Target: a distinct person's opportunities at ``limit=10`` well under 10 ms of CPU.

How it is measured
------------------
* Employees come from :func:`recommender.generator.generate_employees` over the bundled
  catalogue (``--n``, ``--seed``), indexed once as the service does, with profile vectors
  (random unit vectors and the hashing encoder for role texts: mobility reads no
  similarity, and the vectors' values change nothing it computes).
* Each timed person is asked once per path, so nothing per person is cached; catalogue-wide
  memos (the planner's first reachers, the index's transition scores of each role) are
  warmed first on ``--warm`` other people, as a running server's would be.
* **before**: every plan solved by the mixed integer programme, as before the search
  broke ties on cost: :meth:`Planner.select` is patched inside this script to pass
  ``budget=0``. **after**: the code as it is (branch and bound by hours, then cost).
  Both paths run the current ``mobility.py``, which also plans each refined role once
  (it used to search its hours and then plan it again): "before" is therefore a little
  cheaper than the code before this change was.
* Paired: for each person the two paths run back to back, in alternating order, in one
  process; CPU time (``time.process_time``) and wall time (``time.perf_counter``) per call.
  The table gives the median, p90, p99 and mean over people, and the median of the
  per-person ratios. The answers of the two paths are compared: same roles, ranks, scores,
  hours and cost of each plan.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from recommender.candidates import CandidateIndex, MobilityOption, mobility_options
from recommender.catalog import Catalog
from recommender.embeddings import HashingEncoder
from recommender.generator import generate_employees
from recommender.ingest.tables import read_org_tables
from recommender.pathways import CoverageJudge, LearnerProfile, Objective, Planner, Selection

BUNDLED = Path(__file__).resolve().parents[1] / "data"
START = date(2025, 1, 6)
console = Console()


def _catalog(n: int, seed: int) -> Catalog:
    base = read_org_tables(BUNDLED).catalog
    people = generate_employees(base, n, seed).employees
    return Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), people
    )


def _index(catalog: Catalog, seed: int) -> CandidateIndex:
    encoder = HashingEncoder(128)
    ids = CandidateIndex.eligible_ids(catalog)
    vectors = np.random.default_rng(seed).normal(size=(len(ids), encoder.dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return CandidateIndex().fit(
        catalog, CoverageJudge(catalog), encoder, employee_vectors=vectors.astype(np.float32)
    )


@contextmanager
def _programme_plans() -> Iterator[None]:
    """Within the block, every plan is solved by the mixed integer programme."""
    select = Planner.select

    def by_programme(
        self: Planner,
        profile: LearnerProfile,
        targets: Mapping[str, float],
        objective: Objective = Objective.HOURS,
        **options: Any,
    ) -> Selection:
        return select(self, profile, targets, objective, **{**options, "budget": 0})

    Planner.select = by_programme  # type: ignore[method-assign]
    try:
        yield
    finally:
        Planner.select = select  # type: ignore[method-assign]


def _timed(call: Callable[[], tuple[MobilityOption, ...]]) -> tuple[float, float, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    out = call()
    return time.process_time() - cpu, time.perf_counter() - wall, out


def _summary(options: Sequence[MobilityOption]) -> list[tuple[Any, ...]]:
    return [
        (o.rank, o.role_id, o.score, o.plan.total_hours, o.plan.total_cost, o.plan.complete)
        for o in options
    ]


def _row(name: str, samples: Sequence[float]) -> list[str]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return [
        name,
        f"{statistics.median(ordered) * 1e3:.2f}",
        f"{at(0.90):.2f}",
        f"{at(0.99):.2f}",
        f"{statistics.fmean(ordered) * 1e3:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated employees")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=200, help="distinct people timed")
    parser.add_argument("--warm", type=int, default=30, help="people asked first, untimed")
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()

    seconds = time.perf_counter()
    index = _index(_catalog(args.n, args.seed), args.seed)
    console.print(f"setup: {args.n:,} employees indexed in {time.perf_counter() - seconds:.1f} s")
    ids = index.employee_ids_
    step = max(1, len(ids) // (args.warm + args.people))
    spread = list(ids[::step])
    warm, people = spread[: args.warm], spread[args.warm : args.warm + args.people]

    def ask(employee_id: str) -> tuple[MobilityOption, ...]:
        return mobility_options(index, employee_id, args.limit, start=START)

    for employee_id in warm:
        ask(employee_id)
        with _programme_plans():
            ask(employee_id)

    cpu: dict[str, list[float]] = {"before": [], "after": []}
    wall: dict[str, list[float]] = {"before": [], "after": []}
    answers: dict[str, list[Any]] = {"before": [], "after": []}
    for k, employee_id in enumerate(people):
        for path in ("before", "after") if k % 2 == 0 else ("after", "before"):
            if path == "before":
                with _programme_plans():
                    c, w, out = _timed(partial(ask, employee_id))
            else:
                c, w, out = _timed(partial(ask, employee_id))
            cpu[path].append(c)
            wall[path].append(w)
            answers[path].append(_summary(out))

    table = Table(
        title=f"Mobility options per distinct person, limit {args.limit} "
        f"({len(people)} people of {args.n:,}; ms)"
    )
    for column in ("path", "median", "p90", "p99", "mean"):
        table.add_column(column, justify="right")
    for path, label in (("before", "programme (before)"), ("after", "search (after)")):
        table.add_row(*_row(f"{label}, CPU", cpu[path]))
    for path, label in (("before", "programme (before)"), ("after", "search (after)")):
        table.add_row(*_row(f"{label}, wall", wall[path]))
    console.print(table)
    ratios = [b / a for b, a in zip(cpu["before"], cpu["after"], strict=True) if a > 0]
    plans = statistics.mean(len(a) for a in answers["after"])
    same = sum(b == a for b, a in zip(answers["before"], answers["after"], strict=True))
    console.print(
        f"CPU before / after, per person: median {statistics.median(ratios):.1f}x; "
        f"options per person: mean {plans:.1f}; "
        f"identical answers (roles, ranks, scores, hours, cost): {same}/{len(people)}"
    )


if __name__ == "__main__":
    main()
