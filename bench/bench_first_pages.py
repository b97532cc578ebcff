"""How fast everyone's first page of opportunities is answered: the cold path's page phase.

Usage::

    python bench/bench_first_pages.py                      # 10,000 employees, 2 processes
    python bench/bench_first_pages.py --n 20000 --processes 2
    python bench/bench_first_pages.py --budget 4000 --remember 0   # as before this change

What ``reskill prepare`` spends after encoding: every rankable employee's first page
(``limit`` 10, viable moves), answered by :meth:`PreparedOpportunities.filling
<recommender.candidates.precompute.PreparedOpportunities.filling>` in ``--processes`` forked
processes, as the preparation does (rendering and storing the pages are not timed here).

* Employees come from the seeded generator over the bundled catalogue (``--n``, ``--seed 1``:
  the people ``reskill generate employees --n N --seed 1`` writes).
* The judge is the service's default, the organisation judge (its role texts encoded by the
  real model, from this machine's embedding cache when warm). Profile vectors are random
  unit vectors: first pages read no similarity, and encoding 10,000 profiles would take
  minutes that this benchmark does not measure.
* ``--budget`` is the planner's search budget before it hands a plan to the programme and
  ``--remember`` how many selections it remembers across learners
  (:mod:`recommender.pathways.planner`); ``--budget 4000 --remember 0`` is the planner
  before both changes (the search's own speed-ups stay).
* Prints pages per second and, per 10% of the people, the rate of that stretch (the
  remembered selections fill as people are answered, so the rate grows).
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from recommender.candidates import CandidateIndex
from recommender.candidates.precompute import PreparedOpportunities
from recommender.catalog import Catalog
from recommender.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    HashingEncoder,
    SentenceTransformerEncoder,
)
from recommender.generator import generate_employees
from recommender.ingest.tables import read_org_tables
from recommender.pathways import Planner
from recommender.service import Recommender

BUNDLED = Path(__file__).resolve().parents[1] / "data"
console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated employees")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--budget", type=int, help="planner search budget (default: the planner's)")
    parser.add_argument(
        "--remember", type=int, help="selections remembered (default: the planner's)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "reskill" / "bench-first-pages",
        help="embedding cache for the role texts",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    base = read_org_tables(BUNDLED).catalog
    people = generate_employees(base, args.n, args.seed).employees
    catalog = Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), people
    )
    encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(args.cache_dir))
    service = Recommender(base, encoder=encoder)  # the judge reads the roles alone
    judge, routes = service.judge, service.routes
    ids = CandidateIndex.eligible_ids(catalog)
    vectors = np.random.default_rng(args.seed).normal(size=(len(ids), 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = CandidateIndex().fit(catalog, judge, HashingEncoder(128), employee_vectors=vectors)
    options = {}
    if args.budget is not None:
        options["budget"] = args.budget
    if args.remember is not None:
        options["remember"] = args.remember
    index.planner_ = Planner(catalog, **options)
    console.print(
        f"setup: {len(ids):,} rankable employees, judge {service.judge_key}, "
        f"{time.perf_counter() - start:.1f} s"
    )

    answers = PreparedOpportunities()
    marks: list[tuple[int, float]] = [(0, time.perf_counter())]
    step = max(1, len(ids) // 10)
    done = 0
    for answered in answers.filling(
        index, index.employee_ids_, processes=args.processes, start=date(2026, 12, 7), routes=routes
    ):
        done += len(answered)
        if done - marks[-1][0] >= step or done == len(ids):
            marks.append((done, time.perf_counter()))
    seconds = marks[-1][1] - marks[0][1]

    table = Table(title=f"First pages, {len(ids):,} employees, {args.processes} processes")
    table.add_column("people answered", justify="right")
    table.add_column("pages/s in this stretch", justify="right")
    for (before, t0), (after, t1) in zip(marks, marks[1:], strict=False):
        table.add_row(f"{after:,}", f"{(after - before) / (t1 - t0):.0f}")
    console.print(table)
    console.print(
        f"all: {done:,} pages in {seconds:.1f} s = {done / seconds:.1f} pages/s; "
        f"100,000 at this rate: {100_000 / (done / seconds) / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
