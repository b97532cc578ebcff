"""Candidate shortlists: readiness, hour bounds, exact refinement, filters, explanations, privacy.

Unit behaviour runs on a hand-built catalogue whose answers are known by construction and on
the bundled data with :class:`HashingEncoder` (fast, deterministic); what users rely on from
the embedding model itself runs with the real model (marked slow).
"""

from __future__ import annotations

import csv
import inspect
import itertools
import json
import random
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import recommender.candidates as candidates_pkg
from recommender.candidates import (
    CandidateIndex,
    ShortlistFilter,
    ShortlistWeights,
    cover_table,
    profile_text,
    refine_top,
    shortlist,
)
from recommender.candidates.scoring import hours_score, leading
from recommender.catalog import (
    Catalog,
    Course,
    CourseKind,
    Employee,
    EmployeeSkill,
    Evidence,
    Requirement,
    Role,
    Skill,
    SkillCategory,
    SkillLevel,
)
from recommender.embeddings import HashingEncoder, SentenceTransformerEncoder
from recommender.errors import InvalidInput, UnknownRole
from recommender.ingest.tables import read_org_tables
from recommender.pathways import CoverageJudge, Objective, Planner, analyse_gaps, employee_profile

DATA = Path(__file__).resolve().parent.parent / "data"


def _employee(
    eid: str,
    role: str,
    skills: dict[str, int],
    *,
    dept: str = "IT",
    loc: str = "Main",
    profile: str = "",
    opted_out: bool = False,
    weekly: float = 4.0,
) -> Employee:
    return Employee(
        eid,
        f"Name {eid}",
        role,
        dept,
        loc,
        2.0,
        tuple(EmployeeSkill(s, lv, Evidence.DECLARED) for s, lv in skills.items()),
        profile=profile,
        weekly_learning_hours=weekly,
        opted_out=opted_out,
    )


def tiny_catalog() -> Catalog:
    """Help desk -> SOC analyst. SOC needs siem 3 (1.0), triage 3 (0.5), networking 2 (0.5).

    Courses: siem-101 teaches siem 3 (30 h); triage-101 triage 3 (20 h); soc-bundle teaches
    siem 3 and triage 3 (40 h); net-101 networking 2 (10 h). So: missing {siem, triage} costs
    40 h (the bundle beats 30 + 20), {siem} 30 h, {networking} 10 h.
    """
    skills = [
        Skill(s, s.title(), SkillCategory.SECURITY)
        for s in ("siem", "triage", "networking", "ticketing")
    ]
    roles = [
        Role(
            "help-desk",
            "Help desk",
            "Fixes laptops.",
            "",
            "IT",
            2,
            (Requirement("ticketing", 3, 1.0),),
        ),
        Role(
            "soc",
            "SOC analyst",
            "Watches security alerts in the SIEM.",
            "",
            "Security",
            3,
            (
                Requirement("siem", 3, 1.0),
                Requirement("triage", 3, 0.5),
                Requirement("networking", 2, 0.5),
            ),
            open_positions=2,
            hard_to_fill=True,
        ),
    ]
    courses = [
        Course(
            "siem-101",
            "SIEM 101",
            "x",
            CourseKind.COURSE,
            30,
            0,
            "online",
            (SkillLevel("siem", 3),),
        ),
        Course(
            "triage-101",
            "Triage 101",
            "x",
            CourseKind.COURSE,
            20,
            0,
            "online",
            (SkillLevel("triage", 3),),
        ),
        Course(
            "soc-bundle",
            "SOC bundle",
            "x",
            CourseKind.COURSE,
            40,
            0,
            "online",
            (SkillLevel("siem", 3), SkillLevel("triage", 3)),
        ),
        Course(
            "net-101",
            "Net 101",
            "x",
            CourseKind.COURSE,
            10,
            0,
            "online",
            (SkillLevel("networking", 2),),
        ),
    ]
    employees = [
        _employee("E1", "help-desk", {"ticketing": 3, "networking": 2, "triage": 3}),  # 30 h
        _employee("E2", "help-desk", {"ticketing": 3, "networking": 2}, dept="Nursing"),  # 40 h
        _employee("E3", "help-desk", {"ticketing": 3, "siem": 3, "triage": 3}, loc="Remote"),
        _employee("E4", "help-desk", {"siem": 3, "triage": 3, "networking": 2}, opted_out=True),
        _employee("E5", "soc", {"siem": 3, "triage": 3, "networking": 2}),  # already in role
    ]
    return Catalog.from_items(skills, roles, courses, employees)


@pytest.fixture(scope="module")
def tiny() -> CandidateIndex:
    catalog = tiny_catalog()
    return CandidateIndex().fit(catalog, CoverageJudge(catalog), HashingEncoder(64))


@pytest.fixture(scope="module")
def bundled() -> CandidateIndex:
    catalog = read_org_tables(DATA).catalog
    return CandidateIndex().fit(catalog, CoverageJudge(catalog), HashingEncoder(128))


# -- the first stage ----------------------------------------------------------------------------


def test_hours_bound_is_the_cheapest_cover_of_what_is_missing(tiny: CandidateIndex) -> None:
    cols = tiny.columns("soc")
    by_id = dict(zip(tiny.employee_ids_, cols.hours.tolist(), strict=True))
    assert by_id == {"E1": 30.0, "E2": 40.0, "E3": 10.0, "E5": 0.0}


def test_cover_table_matches_brute_force_set_cover_on_random_catalogues() -> None:
    rng = random.Random(3)
    for _ in range(30):
        skills = [f"s{j}" for j in range(5)]
        role = Role(
            "r", "R", "", "", "IT", 3, tuple(Requirement(s, rng.randint(1, 4), 1.0) for s in skills)
        )
        courses = [
            Course(
                f"c{i}",
                "C",
                "x",
                CourseKind.COURSE,
                rng.randint(1, 50),
                0,
                "online",
                tuple(SkillLevel(s, rng.randint(1, 5)) for s in rng.sample(skills, 2)),
            )
            for i in range(7)
        ]
        table = cover_table(Catalog.from_items(roles=[role], courses=courses), role)
        for mask in range(1 << 5):
            need = {j for j in range(5) if mask >> j & 1 and table.closable >> j & 1}
            best = min(
                (
                    sum(c.hours for c in subset)
                    for n in range(8)
                    for subset in itertools.combinations(courses, n)
                    if need <= _covered(subset, role)
                ),
            )
            assert table.bound is not None and table.bound[mask] == pytest.approx(best)


def _covered(subset: tuple[Course, ...], role: Role) -> set[int]:
    return {
        j
        for j, r in enumerate(role.requirements)
        for c in subset
        for t in c.teaches
        if t.skill_id == r.skill_id and t.level >= r.level
    }


def test_readiness_equals_gap_analysis_for_every_bundled_employee(bundled: CandidateIndex) -> None:
    catalog = bundled.catalog_
    for role_id in ("soc-analyst-1", "healthcare-data-analyst", "registered-nurse"):
        cols = bundled.columns(role_id)
        for row, employee_id in enumerate(bundled.employee_ids_):
            expected = analyse_gaps(catalog, employee_profile(catalog, employee_id), role_id)
            assert cols.readiness[row] == pytest.approx(expected.readiness, abs=1e-5)


def test_hours_bound_never_exceeds_the_exact_plan_on_bundled_data(bundled: CandidateIndex) -> None:
    catalog, planner = bundled.catalog_, Planner(bundled.catalog_)
    rng = np.random.default_rng(7)
    for role_id in sorted(catalog.roles)[::3]:
        cols = bundled.columns(role_id)
        for row in rng.choice(len(bundled), 4, replace=False):
            profile = employee_profile(catalog, bundled.employee_ids_[row])
            targets = analyse_gaps(catalog, profile, role_id).targets()
            chosen = planner.select(profile, targets, Objective.HOURS, tie_break=False)
            exact = sum(catalog.courses[c].hours for c in chosen.order)
            assert cols.hours[row] <= exact + 1e-6, (role_id, bundled.employee_ids_[row])


def test_refine_top_returns_the_exhaustive_top_when_it_certifies() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        n, limit = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        truth = rng.random(n).round(2)
        upper = (truth + rng.random(n) * 0.3).astype(np.float32)
        picked, certified = refine_top(upper, lambda i, _, t=truth: float(t[i]), limit, n)
        assert certified
        assert sorted((s for _, s in picked), reverse=True) == sorted(truth, reverse=True)[:limit]


def test_refine_top_gives_the_same_top_when_items_at_or_below_the_floor_are_dropped() -> None:
    rng = np.random.default_rng(2)
    for _ in range(300):
        n, limit = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        truth = rng.integers(0, 6, n) / 5  # many exact ties
        upper = (truth + rng.integers(0, 3, n) / 5).astype(np.float32)
        max_exact = int(rng.integers(1, n + 1))
        full = refine_top(upper, lambda i, _, t=truth: float(t[i]), limit, max_exact)
        floors: list[float] = []

        def lazy(
            i: int, floor: float, t: np.ndarray = truth, seen: list[float] = floors
        ) -> float | None:
            seen.append(floor)
            return float(t[i]) if t[i] > floor else None

        assert refine_top(upper, lazy, limit, max_exact) == full
        assert floors[: min(limit, len(floors))] == [-np.inf] * min(limit, len(floors))


def test_leading_is_the_head_of_the_full_sort_ties_to_the_earlier_item() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(0, 60))
        scores = (rng.integers(0, 5, n) / 4).astype(np.float32)  # many ties
        count = int(rng.integers(0, n + 3))
        full = np.lexsort((np.arange(n), -scores))
        assert leading(scores, count).tolist() == full[:count].tolist()


def test_columns_of_some_rows_equal_the_memoised_columns_of_everyone(
    bundled: CandidateIndex,
) -> None:
    rng = np.random.default_rng(4)
    for role_id in sorted(bundled.catalog_.roles)[::5]:
        everyone = bundled.columns(role_id)
        for size in (3, len(bundled) // 2, len(bundled) - 1):  # computed alone, then memoised
            rows = np.sort(rng.choice(len(bundled), size, replace=False))
            some = bundled.columns(role_id, rows)
            for name in ("readiness", "hours", "closable", "transition", "similarity"):
                assert np.array_equal(getattr(some, name), getattr(everyone, name)[rows]), name


# -- shortlists ---------------------------------------------------------------------------------


def test_shortlist_never_lists_opted_out_employees_or_incumbents(tiny: CandidateIndex) -> None:
    ids = [c.employee_id for c in shortlist(tiny, "soc", limit=10).candidates]
    assert sorted(ids) == ["E1", "E2", "E3"]


def test_shortlist_ranks_by_the_documented_weighted_score(tiny: CandidateIndex) -> None:
    weights = ShortlistWeights(readiness=1, hours=1, transition=0, similarity=0)
    result = shortlist(tiny, "soc", limit=3, weights=weights)
    # E1 misses siem (0.5 of 2.0 importance met -> 0.5, 30 h); E3 misses networking (0.75,
    # 10 h); E2 misses siem and triage (0.25, 40 h).
    assert [c.employee_id for c in result.candidates] == ["E3", "E1", "E2"]
    first = result.candidates[0]
    assert first.score == pytest.approx(0.5 * 0.75 + 0.5 * float(hours_score([10])[0]))
    assert first.score == pytest.approx(sum(first.components.contributions().values()))


def test_shortlist_filters_by_department_location_readiness_and_hours(
    tiny: CandidateIndex,
) -> None:
    def ids(**kw: object) -> list[str]:
        return sorted(
            c.employee_id for c in shortlist(tiny, "soc", 10, ShortlistFilter(**kw)).candidates
        )  # type: ignore[arg-type]

    assert ids(department="nursing") == ["E2"]
    assert ids(location="REMOTE") == ["E3"]
    assert ids(min_readiness=0.5) == ["E1", "E3"]
    assert ids(max_hours=30) == ["E1", "E3"]


def test_unknown_filter_values_and_roles_fail_with_the_bad_value(tiny: CandidateIndex) -> None:
    with pytest.raises(InvalidInput, match=r"department 'Radiology'") as refused:
        shortlist(tiny, "soc", 5, ShortlistFilter(department="Radiology"))
    # Never the values the caller did not give: they may not see them.
    assert "Nursing" not in str(refused.value) and "IT" not in str(refused.value)
    with pytest.raises(UnknownRole, match="'nope'"):
        shortlist(tiny, "nope")
    with pytest.raises(InvalidInput, match="min_readiness"):
        ShortlistFilter(min_readiness=1.5)
    with pytest.raises(InvalidInput, match="limit"):
        shortlist(tiny, "soc", 0)


def test_candidate_explains_matched_and_missing_skills_hours_weeks_and_score(
    tiny: CandidateIndex,
) -> None:
    e2 = next(c for c in shortlist(tiny, "soc", 3).candidates if c.employee_id == "E2")
    assert [g.skill_id for g in e2.missing] == ["siem", "triage"]
    assert [g.skill_id for g in e2.matched] == ["networking"]
    assert (e2.hours_to_ready, e2.hours_exact, e2.weeks_to_ready) == (40.0, True, 10)
    assert e2.plan_course_ids == ("soc-bundle",)
    text = " ".join(e2.reasons)
    assert "Missing: Siem (has 0, needs 3), Triage (has 0, needs 3)" in text
    assert "40 hours of training (cheapest valid plan), about 10 week(s) at 4 h/week" in text
    assert "Score" in text and "transition score" in text


def test_certified_shortlist_equals_planning_every_employee(bundled: CandidateIndex) -> None:
    filters = ShortlistFilter(department="Information Technology")
    result = shortlist(bundled, "soc-analyst-1", 5, filters)
    assert result.certified and result.exact_plans < result.considered
    everyone = shortlist(bundled, "soc-analyst-1", result.considered, filters, max_plans=10**6)
    assert [c.employee_id for c in result.candidates] == [
        c.employee_id for c in everyone.candidates[:5]
    ]
    assert [c.score for c in result.candidates] == [c.score for c in everyone.candidates[:5]]


def test_holders_of_other_hard_to_fill_roles_are_left_out_unless_asked(
    bundled: CandidateIndex,
) -> None:
    catalog = bundled.catalog_

    def scarce_holders(filters: ShortlistFilter) -> set[str]:
        result = shortlist(bundled, "soc-analyst-1", 40, filters, exact_hours=False)
        roles = {catalog.employees[c.employee_id].role_id for c in result.candidates}
        return {r for r in roles if catalog.roles[r].hard_to_fill}

    assert scarce_holders(ShortlistFilter()) == set()
    assert scarce_holders(ShortlistFilter(include_hard_to_fill_holders=True))


def test_estimate_mode_marks_hours_as_lower_bounds(bundled: CandidateIndex) -> None:
    result = shortlist(bundled, "soc-analyst-1", 5, exact_hours=False)
    assert not result.certified and result.exact_plans == 0
    assert all(not c.hours_exact for c in result.candidates)
    assert any("lower bound" in " ".join(c.reasons) for c in result.candidates)


# -- protected attributes -----------------------------------------------------------------------


def test_ranking_code_never_receives_protected_attributes() -> None:
    public = [
        shortlist,
        CandidateIndex.fit,
        candidates_pkg.mobility_options,
        candidates_pkg.hard_to_fill_view,
    ]
    for function in public:
        for parameter in inspect.signature(function).parameters.values():
            assert "Protected" not in str(parameter.annotation), (function, parameter)
    assert not any("protected" in name for name in Catalog.__dataclass_fields__)
    for module in Path(candidates_pkg.__file__).parent.glob("*.py"):
        source = module.read_text()
        assert "ProtectedAttributes" not in source and ".protected" not in source, module


def test_shuffling_protected_attributes_leaves_the_shortlist_byte_identical(
    tmp_path: Path,
) -> None:
    shuffled = tmp_path / "org"
    shutil.copytree(DATA, shuffled)
    path = shuffled / "protected_attributes.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    columns = ["sex", "race_ethnicity", "age_band"]
    values = [tuple(r[c] for c in columns) for r in rows]
    random.Random(5).shuffle(values)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["employee_id", *columns])
        writer.writeheader()
        writer.writerows(
            {"employee_id": r["employee_id"], **dict(zip(columns, v, strict=True))}
            for r, v in zip(rows, values, strict=True)
        )
    original, permuted = read_org_tables(DATA), read_org_tables(shuffled)
    assert original.protected != permuted.protected  # the shuffle really changed who is who

    def ranked(dataset: object) -> str:
        catalog = dataset.catalog  # type: ignore[attr-defined]
        index = CandidateIndex().fit(catalog, CoverageJudge(catalog), HashingEncoder(128))
        return json.dumps(shortlist(index, "healthcare-data-analyst", 15).to_dict())

    assert ranked(original) == ranked(permuted)


class _DimensionUnknown:
    """:class:`HashingEncoder` that fails when asked its dimension (the real model would
    load itself, some 350 MB, to answer)."""

    def __init__(self, dimension: int) -> None:
        self.inner = HashingEncoder(dimension)
        self.name = self.inner.name

    @property
    def dimension(self) -> int:
        raise AssertionError("the index asked the encoder's dimension")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode(texts)


def test_profile_vectors_are_encoded_in_batches_without_asking_the_model() -> None:
    catalog = tiny_catalog()
    encoder, done = _DimensionUnknown(64), []

    index = CandidateIndex(batch_size=3).fit(
        catalog, CoverageJudge(catalog), encoder, progress=lambda n, total: done.append((n, total))
    )

    texts = [profile_text(catalog, catalog.employees[i]) for i in index.employee_ids_]
    assert index.vectors_ is not None and index.vectors_.dtype == np.float16
    assert np.array_equal(index.vectors_, encoder.inner.encode(texts).astype(np.float16))
    assert done == [(3, 4), (4, 4)]


# -- the real embedding model --------------------------------------------------------------------


@pytest.mark.slow
def test_profile_similarity_prefers_the_profile_that_describes_the_job() -> None:
    security = (
        "Monitors SIEM alerts overnight, triages phishing reports and escalates "
        "incidents to the security team."
    )
    nursing = "Cares for patients on a medical-surgical ward and administers medication."
    catalog = tiny_catalog()
    same = {"ticketing": 3, "networking": 2}
    catalog = Catalog.from_items(
        catalog.skills.values(),
        catalog.roles.values(),
        catalog.courses.values(),
        [
            _employee("A", "help-desk", same, profile=nursing),
            _employee("B", "help-desk", same, profile=security),
        ],
    )
    index = CandidateIndex().fit(catalog, CoverageJudge(catalog), SentenceTransformerEncoder())
    result = shortlist(index, "soc", 2)
    assert [c.employee_id for c in result.candidates] == ["B", "A"]
    b, a = result.candidates
    assert b.components.similarity > a.components.similarity + 0.1
    assert b.components.readiness == a.components.readiness
