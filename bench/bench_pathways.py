"""Benchmark training plans and stepping-stone paths on the bundled data.

Usage::

    python bench/bench_pathways.py                   # bundled data/, 200 employees
    python bench/bench_pathways.py --employees 500 --data path/to/org

Targets (issue 4): one employee-to-role plan in under 50 ms median; stepping-stone
paths between all pairs of the bundled roles in under 10 s (building the weighted
role graph, which plans every viable move once, plus all-pairs shortest paths).

Each employee is planned toward a hard-to-fill role other than their own, taken
round-robin so every target is exercised. The course choice is also timed alone, by
fewest hours then least cost, without gap analysis, schedule or reasons: once by the
integer programme (``budget=0``) and once by the branch and bound (which hands over to the
programme past its step budget). Times are wall-clock per call with the
catalogue loaded and the :class:`~recommender.pathways.Planner` built once, as the
service does. Moves are judged by :class:`~recommender.pathways.CoverageJudge`
(as the service does). ``python -m bench`` calls :func:`time_plans` and
:func:`time_stepping` for its rows.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from rich.console import Console
from rich.table import Table

from recommender.catalog import Catalog
from recommender.ingest.tables import read_org_tables
from recommender.pathways import (
    CoverageJudge,
    LearnerProfile,
    Objective,
    Planner,
    SteppingStones,
    analyse_gaps,
    employee_profile,
    role_profile,
)

BUNDLED = Path(__file__).resolve().parents[1] / "data"


def _ms(samples: Sequence[float]) -> tuple[str, str, str]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"{statistics.median(ordered) * 1e3:.1f}",
        f"{p90 * 1e3:.1f}",
        f"{ordered[-1] * 1e3:.1f}",
    )


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _learners(catalog: Catalog, limit: int) -> list[tuple[str, LearnerProfile]]:
    if catalog.employees:
        ids = sorted(catalog.employees)[:limit]
        return [(i, employee_profile(catalog, i)) for i in ids]
    return [(r, role_profile(catalog, r)) for r in sorted(catalog.roles)[:limit]]


def _pairs(catalog: Catalog, limit: int) -> list[tuple[LearnerProfile, str]]:
    """Up to ``limit`` learners, each with a hard-to-fill role other than their own
    (round-robin)."""
    targets = sorted(r.id for r in catalog.roles.values() if r.hard_to_fill) or sorted(
        catalog.roles
    )
    pairs = []
    cycle = itertools.cycle(targets)
    for _, profile in _learners(catalog, limit):
        target = next(cycle)
        if target == profile.role_id:
            target = next(cycle)
        pairs.append((profile, target))
    return pairs


def time_plans(catalog: Catalog, limit: int) -> dict[Objective, list[float]]:
    """Seconds of each plan, per objective, for up to ``limit`` learners toward a
    hard-to-fill role other than their own (round-robin)."""
    planner = Planner(catalog)
    pairs = _pairs(catalog, limit)
    return {
        objective: [_timed(lambda p=p, t=t, o=objective: planner.plan(p, t, o)) for p, t in pairs]
        for objective in Objective
    }


def time_selection(catalog: Catalog, limit: int) -> dict[str, list[float]]:
    """Seconds of each course choice by fewest hours then least cost, for the learners and
    roles of :func:`time_plans`: by the integer programme alone (``budget=0``) and by the
    branch and bound (the planner's default)."""
    planner = Planner(catalog)
    asks = [
        (profile, analyse_gaps(catalog, profile, target).targets())
        for profile, target in _pairs(catalog, limit)
    ]
    return {
        "integer programme": [
            _timed(lambda p=p, t=t: planner.select(p, t, Objective.HOURS, budget=0))
            for p, t in asks
        ],
        "branch and bound": [
            _timed(lambda p=p, t=t: planner.select(p, t, Objective.HOURS)) for p, t in asks
        ],
    }


def bench_selection(catalog: Catalog, limit: int, table: Table) -> None:
    for how, times in time_selection(catalog, limit).items():
        table.add_row(f"course choice alone, by {how}", str(len(times)), *_ms(times), "")


def bench_plans(catalog: Catalog, limit: int, table: Table) -> None:
    kind = "employee" if catalog.employees else "role profile"
    for objective, times in time_plans(catalog, limit).items():
        table.add_row(
            f"plan {kind} -> role ({objective})", str(len(times)), *_ms(times), "50 ms median"
        )


@dataclass(frozen=True)
class Stepping:
    """What :func:`time_stepping` measured."""

    graph: nx.DiGraph  # the weighted role graph of viable moves
    build_s: float  # judging every move, building the graph
    total_s: float  # build plus all-pairs shortest paths (networkx)
    reachable: int  # ordered pairs with a path
    pairs: int  # ordered pairs of distinct roles
    picked: list[tuple[str, str]]  # the reachable pairs whose single paths were timed
    path_times: list[float]  # seconds of each picked path with per-hop plans


def time_stepping(catalog: Catalog, sample: int) -> Stepping:
    """Build the stepping-stone graph, find paths between all pairs of roles, then time
    ``sample`` single paths with their per-hop plans."""
    judge = CoverageJudge(catalog)
    start = time.perf_counter()
    stones = SteppingStones.build(catalog, judge)
    built = time.perf_counter() - start
    routes = dict(nx.all_pairs_dijkstra_path(stones.graph, weight="weight"))
    total = time.perf_counter() - start
    n = len(catalog.roles)
    reachable = sorted((a, b) for a, found in routes.items() for b in found if a != b)
    picked = reachable[:: max(1, len(reachable) // sample)][:sample]
    times = [_timed(lambda a=a, b=b: stones.shortest_path(a, b)) for a, b in picked]
    return Stepping(stones.graph, built, total, len(reachable), n * (n - 1), picked, times)


def bench_stepping(catalog: Catalog, table: Table, sample: int) -> None:
    found = time_stepping(catalog, sample)
    table.add_row(
        f"build role graph ({found.graph.number_of_edges()} viable edges)",
        "1",
        f"{found.build_s * 1e3:.0f}",
        "",
        "",
        "",
    )
    table.add_row(
        f"all-pairs paths, incl. build ({found.reachable} of {found.pairs} pairs reachable)",
        "1",
        f"{found.total_s * 1e3:.0f}",
        "",
        "",
        "10 s",
    )
    if found.path_times:
        table.add_row(
            "one path with per-hop plans", str(len(found.path_times)), *_ms(found.path_times), ""
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BUNDLED, help="org tables directory")
    parser.add_argument("--employees", type=int, default=200, help="learners to plan for")
    parser.add_argument("--paths", type=int, default=30, help="full paths to time")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    catalog = read_org_tables(args.data).catalog
    console = Console()
    console.print(
        f"catalogue: {len(catalog.roles)} roles, {len(catalog.courses)} courses, "
        f"{len(catalog.employees)} employees (loaded in {time.perf_counter() - start:.1f} s)"
    )
    table = Table("what", "n", "median ms", "p90 ms", "max ms", "target")
    bench_plans(catalog, args.employees, table)
    bench_selection(catalog, args.employees, table)
    bench_stepping(catalog, table, args.paths)
    console.print(table)


if __name__ == "__main__":
    main()
