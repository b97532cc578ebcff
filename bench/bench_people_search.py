"""People search: who it finds on the bundled data, and how fast at 100,000 employees.

Usage::

    HF_HUB_OFFLINE=1 python bench/bench_people_search.py                 # both parts
    HF_HUB_OFFLINE=1 python bench/bench_people_search.py --skip-scale    # quality only
    HF_HUB_OFFLINE=1 python bench/bench_people_search.py --n 20000 --sample 500

Each part compares the people search of this checkout with the one at ``--baseline``
(a git revision; default: the last commit before the search re-ranked people by skills
and role, when it ranked by profile similarity alone). The baseline's
``recommender/candidates/people.py`` is read with ``git show`` and run on the same index,
vectors and queries.

Quality (bundled data, real vectors of the 500 bundled profiles)
----------------------------------------------------------------
For every organisation role with at least one holder, the role's own description is the
query; a search with limit 50 is scored on:

* ``first holder``: rank of the first person who holds the role (50+ when none in 50);
* ``holders in top k``: the share of the top ``k = min(5, holders)`` who hold the role;
* ``family in top 5``: the share of the top 5 whose current role is in the role's job
  family (``roles.csv``);
* ``top 1 in family``: whether the first person's role is in the family.

Plus the query of issue 16, "Monitor SIEM alerts, triage incidents, investigate
phishing": the roles of its top 5 and how many are clinical (job family Clinical or
Nursing).

Scale (generated employees, tiled real vectors)
-----------------------------------------------
``--n`` employees from :func:`recommender.generator.generate_employees`, vectors built as
in ``bench_candidates.py`` (``--sample`` real profile vectors tiled with jitter), the
HNSW index built over them (above :data:`~recommender.vector_search.APPROXIMATE_FROM`).
Per query (the organisation roles' descriptions), timed after one warm-up call: the
search itself with limit 10 (the query's vector, skills and role scores computed once
beforehand), median / p95 / max over ``--repeats`` rounds of all queries. The text
stage, the same for both (encoding the query, inferring its skills, scoring the roles),
is timed once per query, uncached.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from recommender.candidates.people import people_search_index, similar_people
from recommender.catalog import Catalog, RoleSource
from recommender.embeddings import CachedEncoder, EmbeddingCache, Encoder
from recommender.ingest.tables import read_org_tables
from recommender.matching import RoleIndex, text_vector
from recommender.pathways import CoverageJudge
from recommender.skills_extraction import SkillExtractor

REPO = Path(__file__).resolve().parents[1]
BASELINE = "5e03abd"  # people search by profile similarity alone
SIEM = "Monitor SIEM alerts, triage incidents, investigate phishing"
CLINICAL_FAMILIES = {"Clinical", "Nursing"}

Search = Callable[[str, int], Any]


def baseline_module(rev: str) -> ModuleType:
    """``recommender/candidates/people.py`` as it was at ``rev``, importable on its own."""
    source = subprocess.run(
        ["git", "show", f"{rev}:recommender/candidates/people.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("baseline_people", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_people"] = module
    exec(compile(source, f"{rev}:people.py", "exec"), module.__dict__)  # noqa: S102
    return module


class Searches:
    """The current and the baseline search over one index, text stage computed once."""

    def __init__(self, catalog: Catalog, index: Any, encoder: Encoder, baseline: ModuleType):
        self.index = index
        self.search = people_search_index(index)
        self.encoder = encoder
        self.extractor = SkillExtractor(encoder).fit(catalog)
        self.roles = RoleIndex(encoder).fit(catalog)
        self.baseline = baseline
        self._prepared: dict[str, tuple[Any, Any, Any]] = {}
        self.text_seconds: list[float] = []

    def prepare(self, text: str) -> tuple[Any, Any, Any]:
        if text not in self._prepared:
            start = time.perf_counter()
            vector = text_vector(self.encoder, text)
            skills = self.extractor.extract(text)
            roles = self.roles.score_all(vector, skills)
            self.text_seconds.append(time.perf_counter() - start)
            self._prepared[text] = (vector, skills, roles)
        return self._prepared[text]

    def current(self, text: str, limit: int) -> Any:
        vector, skills, roles = self.prepare(text)
        return similar_people(self.index, self.search, vector, skills, limit, roles=roles)

    def before(self, text: str, limit: int) -> Any:
        vector, skills, _ = self.prepare(text)
        return self.baseline.similar_people(self.index, self.search, vector, skills, limit)


def quality(catalog: Catalog, searches: Searches) -> None:
    holders = Counter(e.role_id for e in catalog.employees.values() if not e.opted_out)
    family = {r.id: r.job_family for r in catalog.roles.values()}
    roles = [r for r in catalog.roles.values() if r.source == RoleSource.ORG and holders[r.id] > 0]
    print(f"Quality: each of {len(roles)} roles' own description as the query (limit 50)\n")
    print(f"{'':10} {'first holder':>24} {'holders in top k':>17} {'family in top 5':>16} "
          f"{'top 1 in family':>16}")  # fmt: skip
    print(f"{'':10} {'mean':>8} {'median':>7} {'=1':>7} {'mean':>17} {'mean':>16} {'share':>16}")
    for name, run in (("before", searches.before), ("after", searches.current)):
        rows = []
        for role in roles:
            ids = [m.current_role_id for m in run(role.description, 50).matches]
            first = next((i + 1 for i, r in enumerate(ids) if r == role.id), 51)
            k = min(5, holders[role.id])
            rows.append(
                (
                    first,
                    sum(r == role.id for r in ids[:k]) / k,
                    sum(family.get(r) == role.job_family for r in ids[:5]) / 5,
                    float(bool(ids) and family.get(ids[0]) == role.job_family),
                )
            )
        a = np.array(rows)
        print(
            f"{name:10} {a[:, 0].mean():8.2f} {np.median(a[:, 0]):7.0f} "
            f"{(a[:, 0] == 1).mean():7.2f} {a[:, 1].mean():17.3f} {a[:, 2].mean():16.3f} "
            f"{a[:, 3].mean():16.3f}"
        )
    print(f'\n"{SIEM}": top 5')
    for name, run in (("before", searches.before), ("after", searches.current)):
        top = [m.current_role_id for m in run(SIEM, 5).matches]
        clinical = sum(family.get(r) in CLINICAL_FAMILIES for r in top)
        print(f"  {name:7} {clinical} clinical: {', '.join(top)}")
    soc = catalog.roles.get("soc-analyst-1")
    if soc is not None:
        print("\nSOC analyst (tier 1) description: top 8")
        for name, run in (("before", searches.before), ("after", searches.current)):
            top = [m.current_role_id for m in run(soc.description, 8).matches]
            print(f"  {name:7} {', '.join(top)}")


def _ms(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered) * 1e3:8.2f} {p95 * 1e3:8.2f} {ordered[-1] * 1e3:8.2f}"


def scale(args: argparse.Namespace, baseline: ModuleType) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_candidates import build_index

    built = build_index(args.n, args.seed, args.sample, args.cache_dir)
    index = built.index
    catalog = index.catalog_
    start = time.perf_counter()
    encoder = index.encoder_
    searches = Searches(catalog, index, encoder, baseline)
    setup = time.perf_counter() - start
    texts = [r.description for r in catalog.roles.values() if r.source == RoleSource.ORG]
    for text in texts:
        searches.prepare(text)
    print(
        f"\nScale: {len(index):,} indexed employees (of {args.n:,} generated), "
        f"{'approximate' if searches.search.approximate else 'exact'} vector index; "
        f"index + extractor + role index built in {setup:.1f} s; {len(texts)} queries, "
        f"{args.repeats} rounds, limit 10\n"
    )
    print(f"{'':44} {'median':>8} {'p95':>8} {'max':>8}  ms")
    considered = []
    for name, run in (("before: vector search alone", searches.before),
                      ("after: two first stages + exact re-rank", searches.current)):  # fmt: skip
        for text in texts:
            run(text, 10)  # warm-up
        samples = []
        for _ in range(args.repeats):
            for text in texts:
                start = time.perf_counter()
                found = run(text, 10)
                samples.append(time.perf_counter() - start)
                if name.startswith("after"):
                    considered.append(found.considered)
        print(f"{name:44} {_ms(samples)}")
    print(f"{'text stage (encode, infer skills, score roles)':44} {_ms(searches.text_seconds)}")
    print(f"\npeople in the re-ranked pool per query (after): mean {np.mean(considered):.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache/reskill/bench")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args(argv)
    from recommender.candidates import CandidateIndex
    from recommender.embeddings import SentenceTransformerEncoder

    baseline = baseline_module(args.baseline)
    if not args.skip_quality:
        catalog = read_org_tables(REPO / "data").catalog
        encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(args.cache_dir))
        index = CandidateIndex().fit(catalog, CoverageJudge(catalog), encoder)
        quality(catalog, Searches(catalog, index, encoder, baseline))
    if not args.skip_scale:
        scale(args, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
