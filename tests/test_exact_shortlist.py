"""Fast exact shortlists: plan signatures, and exact shortlists against planning every
generated employee (the planner's branch and bound against its programme is in
``tests/pathways/test_search.py``).

The references share no code with the fast path: :meth:`Planner.select` solves the mixed
integer programme (itself checked against exhaustive search in
``tests/pathways/test_planner_optimality.py``), and the brute-force ranking plans every
employee with it.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from recommender.candidates import CandidateIndex, ShortlistFilter, shortlist
from recommender.candidates.plans import PlanCache
from recommender.candidates.scoring import ShortlistWeights, hours_score
from recommender.candidates.shortlist import (
    LONGEST_SHORTLIST,
    ScoreComponents,
    hard_to_fill_roles,
    prepare_shortlists,
)
from recommender.catalog import Catalog, Role
from recommender.embeddings import HashingEncoder
from recommender.generator import generate_employees
from recommender.ingest.tables import read_org_tables
from recommender.pathways import (
    CoverageJudge,
    Objective,
    Planner,
    analyse_gaps,
    employee_profile,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def _hours(planner: Planner, order: tuple[str, ...]) -> float:
    return float(sum(planner.catalog.courses[c].hours for c in order))


def bundled_catalog(n: int, seed: int) -> Catalog:
    base = read_org_tables(DATA).catalog
    people = generate_employees(base, n, seed).employees
    return Catalog.from_items(
        base.skills.values(), base.roles.values(), base.courses.values(), people
    )


@pytest.fixture(scope="module")
def generated() -> CandidateIndex:
    catalog = bundled_catalog(2500, 11)
    return CandidateIndex().fit(catalog, CoverageJudge(catalog), HashingEncoder(64))


def test_employees_sharing_a_plan_signature_share_the_exact_hours(
    generated: CandidateIndex,
) -> None:
    catalog, planner = generated.catalog_, generated.planner_
    cache = PlanCache(planner)
    role = catalog.roles["soc-analyst-2"]
    groups: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for employee_id in generated.employee_ids_[:600]:
        groups[cache.signature(role, employee_profile(catalog, employee_id))].append(employee_id)
    shared = [ids for ids in groups.values() if len(ids) > 1]
    assert len(shared) >= 5  # the signature really is shared
    for ids in shared[:10]:
        hours = set()
        for employee_id in ids[:3]:
            profile = employee_profile(catalog, employee_id)
            targets = analyse_gaps(catalog, profile, role.id).targets()
            chosen = planner.select(profile, targets, Objective.HOURS, tie_break=False)
            hours.add((_hours(planner, chosen.order), tuple(sorted(chosen.unclosable))))
        assert len(hours) == 1, ids


def _in_scope(catalog: Catalog, employee_id: str, role: Role, filters: ShortlistFilter) -> bool:
    current = catalog.roles[catalog.employees[employee_id].role_id]
    return current.id != role.id and (
        filters.include_hard_to_fill_holders or not current.hard_to_fill
    )


def _plan_everyone(index: CandidateIndex, role: Role) -> dict[str, float]:
    """Exact hours of every employee outside the role, each planned by the programme."""
    catalog, planner = index.catalog_, index.planner_
    hours = {}
    for employee_id in index.employee_ids_:
        if catalog.employees[employee_id].role_id != role.id:
            profile = employee_profile(catalog, employee_id)
            targets = analyse_gaps(catalog, profile, role.id).targets()
            chosen = planner.select(profile, targets, Objective.HOURS, tie_break=False)
            hours[employee_id] = _hours(planner, chosen.order)
    return hours


def _brute_force(
    index: CandidateIndex,
    role: Role,
    hours: dict[str, float],
    limit: int,
    filters: ShortlistFilter,
    weights: ShortlistWeights,
    scale: float,
) -> list[tuple[str, float, float]]:
    """Score everyone in scope by exact hours; (id, hours, score) of the best, best first."""
    catalog = index.catalog_
    rows = np.array(
        [i for i, e in enumerate(index.employee_ids_) if _in_scope(catalog, e, role, filters)],
        dtype=np.intp,
    )
    cols = index.columns(role.id, rows)
    scored = []
    for i, row in enumerate(rows.tolist()):
        employee_id = index.employee_ids_[row]
        if cols.readiness[i] < filters.min_readiness - 1e-6:
            continue
        if filters.max_hours is not None and hours[employee_id] > filters.max_hours + 1e-6:
            continue
        score = ScoreComponents(
            readiness=float(cols.readiness[i]),
            hours=float(hours_score([hours[employee_id]], scale)[0]),
            transition=float(cols.transition[i]),
            similarity=0.0 if cols.similarity is None else float(cols.similarity[i]),
            weights=weights,
        ).total
        scored.append((score, row, employee_id))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [(e, hours[e], s) for s, _, e in scored[:limit]]


#: (limit, filters, weights, hours scale) of the shortlists compared with the brute force.
QUERIES = [
    (25, ShortlistFilter(), ShortlistWeights(), 100.0),
    (15, ShortlistFilter(max_hours=600.0), ShortlistWeights(), 100.0),
    (
        15,
        ShortlistFilter(min_readiness=0.3, include_hard_to_fill_holders=True),
        ShortlistWeights(),
        100.0,
    ),
    (20, ShortlistFilter(), ShortlistWeights(0.2, 0.6, 0.1, 0.1), 40.0),
    (10, ShortlistFilter(max_hours=800.0), ShortlistWeights(1, 0, 1, 1), 100.0),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "role_id", ["soc-analyst-2", "security-engineer", "healthcare-data-analyst"]
)
def test_exact_shortlist_equals_planning_every_generated_employee(
    generated: CandidateIndex, role_id: str
) -> None:
    role = generated.catalog_.roles[role_id]
    hours = _plan_everyone(generated, role)
    for limit, filters, weights, scale in QUERIES:
        result = shortlist(
            generated, role_id, limit, filters, weights=weights, hours_scale=scale, max_plans=10**6
        )
        assert result.certified
        expected = _brute_force(generated, role, hours, limit, filters, weights, scale)
        got = [(c.employee_id, c.hours_to_ready, c.score) for c in result.candidates]
        assert got == expected, (limit, filters, weights)
        assert all(c.hours_exact for c in result.candidates)


def test_a_repeated_shortlist_is_identical_and_plans_nobody_again(
    generated: CandidateIndex,
) -> None:
    index = CandidateIndex().fit(
        generated.catalog_, generated.judge_, HashingEncoder(64)
    )  # a fresh, empty cache
    filters = ShortlistFilter(max_hours=400.0)
    first = shortlist(index, "iam-analyst", 20, filters)
    cached = len(index.plans_)
    again = shortlist(index, "iam-analyst", 20, filters)
    assert again == first and len(index.plans_) == cached
    smaller = shortlist(index, "iam-analyst", 5, filters)  # other floors, same answers
    assert first.certified and smaller.certified
    assert smaller.candidates == first.candidates[:5]


def test_concurrent_shortlists_on_one_index_equal_sequential_ones(
    generated: CandidateIndex,
) -> None:
    roles = ["soc-analyst-1", "data-engineer", "ehr-analyst", "grc-analyst"] * 2
    index = CandidateIndex(cached_roles=2, cached_plans=50).fit(  # small: evictions race too
        generated.catalog_, generated.judge_, HashingEncoder(64)
    )
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda r: shortlist(index, r, 15), roles))
    assert parallel == [shortlist(generated, r, 15) for r in roles]


def test_exact_hours_of_a_shortlist_match_the_programme_for_each_candidate(
    generated: CandidateIndex,
) -> None:
    catalog, planner = generated.catalog_, generated.planner_
    result = shortlist(generated, "cloud-engineer", 30)
    for candidate in result.candidates:
        profile = employee_profile(catalog, candidate.employee_id)
        targets = analyse_gaps(catalog, profile, "cloud-engineer").targets()
        chosen = planner.select(profile, targets, Objective.HOURS, tie_break=False)
        assert candidate.hours_to_ready == _hours(planner, chosen.order)
        assert candidate.unclosable == tuple(sorted(chosen.unclosable))
        assert _hours(planner, candidate.plan_course_ids) == candidate.hours_to_ready


def _fresh(generated: CandidateIndex) -> CandidateIndex:
    """Another index over the same catalogue, its plan cache empty (as a new worker's)."""
    return CandidateIndex().fit(generated.catalog_, generated.judge_, HashingEncoder(64))


def test_a_worker_adopting_the_prepared_plans_answers_as_planning_afresh_and_plans_nobody(
    generated: CandidateIndex,
) -> None:
    roles = hard_to_fill_roles(generated.catalog_)
    assert len(roles) >= 10
    preparer = _fresh(generated)
    exported = prepare_shortlists(preparer, roles)  # every role's shortlist of 100
    worker = CandidateIndex(cached_plans=50).fit(  # room for 50: it grows to hold them all
        generated.catalog_, generated.judge_, HashingEncoder(64)
    )
    assert worker.plans_.adopt(exported) == len(preparer.plans_) > 50
    adopted = len(worker.plans_)
    afresh = _fresh(generated)
    for limit in (LONGEST_SHORTLIST, 25, 5):
        for role_id in roles:
            answer = shortlist(worker, role_id, limit)
            assert answer == shortlist(afresh, role_id, limit), (role_id, limit)
    assert len(worker.plans_) == adopted  # no exact plan was made again


def test_plans_are_adopted_only_for_roles_compared_as_in_the_catalogue_they_came_from(
    generated: CandidateIndex,
) -> None:
    catalog = generated.catalog_
    preparer = _fresh(generated)
    exported = prepare_shortlists(preparer, ["soc-analyst-2", "data-engineer"], limit=20)
    moved = catalog.roles["soc-analyst-2"]
    first = moved.requirements[0]
    step = 0.25 if first.level < 5 else -0.25  # a level no course asks for
    harder = replace(first, level=first.level + step)  # one required level changed
    other = Catalog.from_items(
        catalog.skills.values(),
        [replace(moved, requirements=(harder, *moved.requirements[1:]))]
        + [r for r in catalog.roles.values() if r.id != moved.id],
        catalog.courses.values(),
        catalog.employees.values(),
    )
    index = CandidateIndex().fit(other, CoverageJudge(other), HashingEncoder(64))
    kept = index.plans_.adopt(exported)
    by_role = [key[0] for key, _ in preparer.plans_._entries.items()]
    assert kept == by_role.count("data-engineer") > 0  # soc-analyst-2's are not taken
    assert shortlist(index, "soc-analyst-2", 20) == shortlist(
        _fresh_over(other), "soc-analyst-2", 20
    )
    later = zlib.compress(json.dumps({"format": 99, "roles": {}, "entries": []}).encode())
    assert _fresh(generated).plans_.adopt(later) == 0


def _fresh_over(catalog: Catalog) -> CandidateIndex:
    return CandidateIndex().fit(catalog, CoverageJudge(catalog), HashingEncoder(64))
