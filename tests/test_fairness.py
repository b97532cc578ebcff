"""Impact-ratio audit: known answers (EEOC, NYC DCWP), the LL144 rules, and an oracle.

The golden vectors come from /work/shared/BAD_INPUTS.md ("Impact-ratio specification").
fairlearn is not installed here; its role as an oracle is played by a pandas groupby and
by the demographic parity ratio (min rate / max rate) computed by hand.
"""

from __future__ import annotations

import ast
import doctest
import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recommender.fairness as fairness
from recommender.catalog import ProtectedAttributes
from recommender.errors import InvalidInput
from recommender.fairness import (
    INTERSECTION_CATEGORIES,
    RACE_ETHNICITY_CATEGORIES,
    SEX_CATEGORIES,
    Flag,
    Outcome,
    impact_ratios,
    intersection_label,
    scored_outcomes,
    shortlist_outcomes,
)
from recommender.ingest import demographics

RECOMMENDER = Path(fairness.__file__).resolve().parent

HISPANIC, WHITE, BLACK, NHPI, ASIAN, AIAN, TWO = RACE_ETHNICITY_CATEGORIES


def _selection(
    counts: dict[str, tuple[int, int]], *, dimension: str = "sex", prefix: str = ""
) -> list[Outcome]:
    """``{category: (selected, assessed)}`` as selection-mode outcomes."""
    out = []
    for category, (selected, assessed) in counts.items():
        for i in range(assessed):
            attrs = {"sex": category} if dimension == "sex" else {"race_ethnicity": category}
            out.append(Outcome(f"{prefix}{category}-{i}", selected=i < selected, **attrs))
    return out


def _scored(counts: dict[str, tuple[int, int]], *, dimension: str) -> list[Outcome]:
    """``{category: (above, assessed)}`` as scores: 2.0 for those above, 0.0 for the rest.

    At most half are above in every use below, so the median is 0.0 or 1.0 and the
    people scoring 0.0 are at or below it.
    """
    out = []
    for category, (above, assessed) in counts.items():
        for i in range(assessed):
            attrs = {"sex": category} if dimension == "sex" else {"race_ethnicity": category}
            out.append(Outcome(f"{category}-{i}", score=2.0 if i < above else 0.0, **attrs))
    return out


def _fisher_two_sided(a: int, n1: int, c: int, n2: int) -> float:
    """Fisher's exact test by hand: sum of hypergeometric tables no likelier than the one seen."""
    total, picked = n1 + n2, a + c

    def prob(x: int) -> float:
        return math.comb(picked, x) * math.comb(total - picked, n1 - x) / math.comb(total, n1)

    seen = prob(a)
    support = range(max(0, n1 - (total - picked)), min(n1, picked) + 1)
    return sum(p for p in map(prob, support) if p <= seen * (1 + 1e-7))


# --- the code lists ---------------------------------------------------------------------


def test_category_lists_equal_the_ingest_code_lists() -> None:
    assert SEX_CATEGORIES == demographics.SEX_CATEGORIES
    assert RACE_ETHNICITY_CATEGORIES == demographics.RACE_ETHNICITY_CATEGORIES


def test_intersections_are_every_sex_and_race_pair() -> None:
    assert len(INTERSECTION_CATEGORIES) == len(SEX_CATEGORIES) * len(RACE_ETHNICITY_CATEGORIES)
    assert intersection_label("Female", ASIAN) in INTERSECTION_CATEGORIES


# --- golden vectors ---------------------------------------------------------------------


def test_eeoc_example_gives_impact_ratio_half_and_flags_it() -> None:
    report = impact_ratios(_selection({"Male": (48, 80), "Female": (12, 40)}), mode="selection")
    sex = report.dimension("sex")
    assert sex.reference == "Male"
    assert sex.row("Male").rate == pytest.approx(0.6)
    assert sex.row("Male").impact_ratio == 1.0
    female = sex.row("Female")
    assert female.rate == pytest.approx(0.3)
    assert female.impact_ratio == pytest.approx(0.5)
    assert Flag.LOW_IMPACT_RATIO in female.flags


def test_fisher_p_matches_the_hypergeometric_sum_and_flags_significance() -> None:
    report = impact_ratios(_selection({"Male": (48, 80), "Female": (12, 40)}), mode="selection")
    female = report.dimension("sex").row("Female")
    expected = _fisher_two_sided(12, 40, 48, 80)
    assert female.fisher_p == pytest.approx(expected, rel=1e-9)
    assert expected < 0.05
    assert Flag.SIGNIFICANT in female.flags
    assert report.dimension("sex").row("Male").fisher_p is None


def test_nyc_scoring_example_by_sex() -> None:
    outcomes = _scored({"Male": (50, 92), "Female": (34, 76)}, dimension="sex")
    report = impact_ratios(outcomes, mode="scoring")
    sex = report.dimension("sex")
    assert (sex.row("Male").selected, sex.row("Female").selected) == (50, 34)
    assert sex.reference == "Male"
    assert round(sex.row("Female").impact_ratio, 2) == 0.82
    assert Flag.LOW_IMPACT_RATIO not in sex.row("Female").flags


def test_nyc_scoring_example_by_race_ethnicity() -> None:
    counts = {HISPANIC: (18, 28), WHITE: (15, 40), BLACK: (16, 32), NHPI: (5, 8), ASIAN: (10, 24)}
    report = impact_ratios(_scored(counts, dimension="race"), mode="scoring")
    race = report.dimension("race_ethnicity")
    assert report.metadata.median_score == 0.0
    assert {r.category: r.selected for r in race.rows} == {c: a for c, (a, _) in counts.items()}
    assert race.reference == HISPANIC
    ratios = {r.category: round(r.impact_ratio, 2) for r in race.rows if r.impact_ratio}
    assert ratios == {HISPANIC: 1.0, WHITE: 0.58, BLACK: 0.78, NHPI: 0.97, ASIAN: 0.65}
    flagged = {r.category for r in race.rows if Flag.LOW_IMPACT_RATIO in r.flags}
    assert flagged == {WHITE, BLACK, ASIAN}
    assert Flag.LOW_N in race.row(NHPI).flags and Flag.LOW_N not in race.row(WHITE).flags


# --- the oracle ---------------------------------------------------------------------------


def _random_outcomes(seed: int, n: int = 600) -> list[Outcome]:
    rng = np.random.default_rng(seed)
    sexes = [*SEX_CATEGORIES, None]
    races = [*RACE_ETHNICITY_CATEGORIES, None]
    return [
        Outcome(
            f"e{i}",
            selected=bool(rng.random() < 0.35),
            sex=sexes[rng.choice(3, p=[0.45, 0.45, 0.10])],
            race_ethnicity=races[rng.choice(8, p=[0.2, 0.3, 0.15, 0.05, 0.1, 0.05, 0.05, 0.1])],
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rates_and_ratios_match_a_pandas_groupby(seed: int) -> None:
    outcomes = _random_outcomes(seed)
    frame = pd.DataFrame([_row(o) for o in outcomes])
    frame["intersection"] = [
        intersection_label(o.sex, o.race_ethnicity) if o.sex and o.race_ethnicity else None
        for o in outcomes
    ]
    report = impact_ratios(outcomes, mode="selection", exclude_below=0.0)
    for dimension in ("sex", "race_ethnicity", "intersection"):
        by_group = frame.dropna(subset=[dimension]).groupby(dimension)["selected"].mean()
        rows = report.dimension(dimension).rows
        assert {r.category: r.rate for r in rows} == pytest.approx(by_group.to_dict())
        expected = (by_group / by_group.max()).to_dict()
        assert {r.category: r.impact_ratio for r in rows} == pytest.approx(expected)
        parity_ratio = by_group.min() / by_group.max()
        assert min(r.impact_ratio for r in rows) == pytest.approx(parity_ratio)
        assert report.dimension(dimension).unknown == frame[dimension].isna().sum()


def _row(o: Outcome) -> dict[str, object]:
    return {"selected": o.selected, "sex": o.sex, "race_ethnicity": o.race_ethnicity}


# --- the rules -----------------------------------------------------------------------------


def test_unknowns_are_counted_but_left_out_of_rates() -> None:
    outcomes = _selection({"Male": (5, 10), "Female": (2, 10)}) + [
        Outcome(f"u{i}", selected=True) for i in range(4)
    ]
    report = impact_ratios(outcomes, mode="selection")
    sex = report.dimension("sex")
    assert (sex.unknown, sex.unknown_selected) == (4, 4)
    assert sex.row("Male").rate == 0.5 and sex.row("Female").rate == 0.2
    assert report.assessed == 24 and report.selected == 11
    assert report.unknown == {"sex": 4, "race_ethnicity": 24, "intersection": 24}


def test_category_under_two_percent_is_reported_but_left_out_of_the_ratios() -> None:
    outcomes = _selection({"Male": (30, 99), "Female": (1, 1)})
    sex = impact_ratios(outcomes, mode="selection").dimension("sex")
    female = sex.row("Female")
    assert sex.reference == "Male"
    assert (female.assessed, female.rate, female.excluded) == (1, 1.0, True)
    assert female.impact_ratio is None and female.fisher_p is None
    assert "under 2% of the sample" in female.reason
    assert Flag.LOW_N in female.flags


def test_category_at_exactly_two_percent_is_kept() -> None:
    outcomes = _selection({"Male": (30, 98), "Female": (2, 2)})
    sex = impact_ratios(outcomes, mode="selection").dimension("sex")
    assert not sex.row("Female").excluded
    assert sex.reference == "Female"


def test_low_n_flags_categories_below_min_assessed_only() -> None:
    outcomes = _selection({"Male": (5, 10), "Female": (4, 9)})
    sex = impact_ratios(outcomes, mode="selection", min_assessed=10).dimension("sex")
    assert Flag.LOW_N not in sex.row("Male").flags
    assert Flag.LOW_N in sex.row("Female").flags


def test_exclude_below_zero_keeps_every_category() -> None:
    outcomes = _selection({"Male": (30, 99), "Female": (1, 1)})
    sex = impact_ratios(outcomes, mode="selection", exclude_below=0.0).dimension("sex")
    assert sex.reference == "Female"
    assert sex.row("Male").impact_ratio == pytest.approx(30 / 99)


def test_highest_rate_zero_gives_no_ratio_with_a_reason() -> None:
    report = impact_ratios(_selection({"Male": (0, 10), "Female": (0, 12)}), mode="selection")
    sex = report.dimension("sex")
    assert sex.reference is None
    assert "highest selection rate is 0" in sex.reason
    for row in sex.rows:
        assert row.impact_ratio is None and row.rate == 0.0
        assert "highest selection rate is 0" in row.reason
        assert Flag.LOW_IMPACT_RATIO not in row.flags


def test_category_nobody_assessed_is_omitted() -> None:
    report = impact_ratios(_selection({"Male": (3, 10)}), mode="selection")
    sex = report.dimension("sex")
    assert [r.category for r in sex.rows] == ["Male"]
    with pytest.raises(KeyError):
        sex.row("Female")
    assert report.dimension("race_ethnicity").rows == ()
    assert report.dimension("race_ethnicity").reason is not None


def test_a_tie_for_the_highest_rate_gives_both_ratio_one() -> None:
    sex = impact_ratios(
        _selection({"Female": (2, 4), "Male": (5, 10)}), mode="selection"
    ).dimension("sex")
    assert sex.reference == "Male"  # the first in code list order
    assert sex.row("Female").impact_ratio == 1.0
    assert sex.row("Female").fisher_p == pytest.approx(1.0)


def test_scores_tied_at_the_median_are_not_above_it() -> None:
    odd = [Outcome(f"o{i}", score=s, sex="Male") for i, s in enumerate([1, 2, 2, 2, 3])]
    assert impact_ratios(odd, mode="scoring").dimension("sex").row("Male").selected == 1
    even = [Outcome(f"e{i}", score=s, sex="Male") for i, s in enumerate([1.0, 1.0, 2.0, 2.0])]
    report = impact_ratios(even, mode="scoring")
    assert report.metadata.median_score == 1.5
    assert report.dimension("sex").row("Male").selected == 2


def test_median_between_adjacent_floats_is_exact() -> None:
    hi = math.nextafter(1.0, 2.0)
    scores = [1.0, hi]
    outcomes = [Outcome(f"e{i}", score=s, sex="Male") for i, s in enumerate(scores)]
    assert impact_ratios(outcomes, mode="scoring").dimension("sex").row("Male").selected == 1


def test_huge_scores_give_a_finite_median() -> None:
    outcomes = [Outcome(f"e{i}", score=1e308, sex="Male") for i in range(4)]
    report = impact_ratios(outcomes, mode="scoring")
    assert report.metadata.median_score == 1e308
    json.dumps(report.to_dict(), allow_nan=False)


def test_intersections_count_people_with_both_attributes_known() -> None:
    outcomes = [
        Outcome("a", selected=True, sex="Female", race_ethnicity=ASIAN),
        Outcome("b", selected=False, sex="Female", race_ethnicity=ASIAN),
        Outcome("c", selected=True, sex="Male", race_ethnicity=ASIAN),
        Outcome("d", selected=True, sex="Female", race_ethnicity=None),
        Outcome("e", selected=False, sex=None, race_ethnicity=WHITE),
    ]
    inter = impact_ratios(outcomes, mode="selection").dimension("intersection")
    assert [(r.category, r.assessed, r.selected) for r in inter.rows] == [
        ("Male / Asian", 1, 1),
        ("Female / Asian", 2, 1),
    ]
    assert inter.row("Female / Asian").impact_ratio == 0.5
    assert (inter.unknown, inter.unknown_selected) == (2, 1)


def test_empty_input_gives_an_empty_report() -> None:
    report = impact_ratios([], mode="scoring")
    assert report.assessed == 0 and report.metadata.median_score is None
    assert all(d.rows == () for d in report.dimensions)
    json.dumps(report.to_dict(), allow_nan=False)


# --- the report -------------------------------------------------------------------------


def test_report_carries_the_audit_metadata() -> None:
    report = impact_ratios(
        _selection({"Male": (3, 10)}),
        mode="selection",
        data_source="shortlists for role R1",
        window=(date(2025, 1, 1), date(2025, 12, 31)),
        version="shortlist-weights 0.1.0",
        calculated_on=date(2026, 2, 3),
    )
    meta = report.to_dict()["metadata"]
    assert meta["data_source"] == "shortlists for role R1"
    assert (meta["window_start"], meta["window_end"]) == ("2025-01-01", "2025-12-31")
    assert meta["version"] == "shortlist-weights 0.1.0"
    assert meta["calculated_on"] == "2026-02-03"
    assert meta["exclude_below"] == 0.02 and meta["impact_ratio_threshold"] == 0.8
    assert "LL144" in meta["ruleset"]


def test_calculation_date_defaults_to_today() -> None:
    report = impact_ratios(_selection({"Male": (3, 10)}), mode="selection")
    assert report.metadata.calculated_on in {
        datetime.now(UTC).date(),
        date.fromordinal(datetime.now(UTC).date().toordinal() - 1),
    }


def test_to_dict_round_trips_through_strict_json_with_nulls_where_undefined() -> None:
    outcomes = _selection({"Male": (0, 50), "Female": (0, 1)}) + [Outcome("u", selected=False)]
    data = impact_ratios(outcomes, mode="selection").to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    rows = data["dimensions"]["sex"]["categories"]
    assert [r["impact_ratio"] for r in rows] == [None, None]
    assert data["unknown"]["sex"] == 1


def test_flagged_lists_every_flagged_row() -> None:
    report = impact_ratios(_selection({"Male": (48, 80), "Female": (12, 40)}), mode="selection")
    assert [(d, r.category) for d, r in report.flagged()] == [("sex", "Female")]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.sampled_from([*SEX_CATEGORIES, None]),
            st.sampled_from([*RACE_ETHNICITY_CATEGORIES, None]),
        ),
        max_size=80,
    ),
    st.sampled_from([0.0, 0.02, 0.1]),
)
def test_top_category_has_ratio_one_and_every_ratio_is_in_unit_interval(
    people: list[tuple[bool, str | None, str | None]], exclude_below: float
) -> None:
    outcomes = [
        Outcome(f"e{i}", selected=s, sex=x, race_ethnicity=r) for i, (s, x, r) in enumerate(people)
    ]
    report = impact_ratios(outcomes, mode="selection", exclude_below=exclude_below)
    for dim in report.dimensions:
        ratios = [r.impact_ratio for r in dim.rows if r.impact_ratio is not None]
        assert all(0.0 <= v <= 1.0 for v in ratios)
        if dim.reference is not None:
            assert dim.row(dim.reference).impact_ratio == 1.0
            kept = [r.rate for r in dim.rows if not r.excluded]
            assert dim.row(dim.reference).rate == max(kept)
        assert sum(r.assessed for r in dim.rows) + dim.unknown == len(outcomes)
    json.dumps(report.to_dict(), allow_nan=False)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "mode", "message"),
    [
        ([Outcome("a", selected=True, sex="Other")], "selection", "'Other'"),
        ([Outcome("a", selected=True, race_ethnicity="Martian")], "selection", "'Martian'"),
        ([Outcome("a", selected=None)], "selection", "selected True or False"),
        ([Outcome("a", score=float("nan"))], "scoring", "finite score"),
        ([Outcome("a", score=float("inf"))], "scoring", "finite score"),
        ([Outcome("a", score=None)], "scoring", "finite score"),
        ([Outcome("a", selected=True), Outcome("a", selected=False)], "selection", "twice"),
        ([Outcome("a", selected=True)], "ranking", "mode must be"),
    ],
)
def test_bad_outcomes_are_refused_naming_the_value(
    outcomes: list[Outcome], mode: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        impact_ratios(outcomes, mode=mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-0.1, 1.0, float("nan"), float("inf")])
def test_exclude_below_outside_unit_interval_is_refused(value: float) -> None:
    with pytest.raises(InvalidInput, match="exclude_below"):
        impact_ratios([], mode="selection", exclude_below=value)


def test_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput, match="window"):
        impact_ratios([], mode="selection", window=(date(2025, 2, 1), date(2025, 1, 1)))


# --- building outcomes ------------------------------------------------------------------


def test_shortlist_outcomes_selects_the_shortlist_and_leaves_missing_attributes_unknown() -> None:
    protected = {
        "e1": ProtectedAttributes("e1", sex="Female", race_ethnicity=ASIAN, age_band="30-39"),
        "e2": ProtectedAttributes("e2", sex="Male", race_ethnicity=None),
    }
    outcomes = shortlist_outcomes(["e1", "e2", "e3"], ["e2"], protected)
    assert outcomes == [
        Outcome("e1", selected=False, sex="Female", race_ethnicity=ASIAN),
        Outcome("e2", selected=True, sex="Male"),
        Outcome("e3", selected=False),
    ]
    sex = impact_ratios(outcomes, mode="selection").dimension("sex")
    assert sex.reference == "Male" and sex.unknown == 1


def test_shortlist_outcomes_refuses_a_selection_nobody_assessed() -> None:
    with pytest.raises(InvalidInput, match="'ghost'"):
        shortlist_outcomes(["e1"], ["e1", "ghost"], {})


def test_shortlist_outcomes_refuses_someone_assessed_twice() -> None:
    with pytest.raises(InvalidInput, match="'e1'"):
        shortlist_outcomes(["e1", "e1"], [], {})


def test_scored_outcomes_feed_scoring_mode() -> None:
    protected = {e: ProtectedAttributes(e, sex="Female") for e in ("a", "b")}
    protected |= {e: ProtectedAttributes(e, sex="Male") for e in ("c", "d")}
    scores = {"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.1}
    sex = impact_ratios(scored_outcomes(scores, protected), mode="scoring").dimension("sex")
    assert (sex.row("Female").selected, sex.row("Male").selected) == (2, 0)
    assert sex.reference == "Female" and sex.row("Male").impact_ratio == 0.0


# --- boundaries -----------------------------------------------------------------------------

_RANKING = (
    "candidates",
    "pathways",
    "transitions",
    "matching",
    "titles",
    "graph",
    "embeddings",
    "skills_extraction",
)


def _imports_of(source: str, package: str) -> set[str]:
    """Every module (and ``module.name``) that ``source`` imports, relative ones resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}".rstrip(".")
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _imports(path: Path) -> set[str]:
    parts = path.relative_to(RECOMMENDER.parent).with_suffix("").parts
    package = ".".join(parts if parts[-1] == "__init__" else parts[:-1]).removesuffix(".__init__")
    return _imports_of(path.read_text(encoding="utf-8"), package)


def _ranking_files() -> list[Path]:
    files = []
    for name in _RANKING:
        package, module = RECOMMENDER / name, RECOMMENDER / f"{name}.py"
        files += sorted(package.rglob("*.py")) if package.is_dir() else [module]
    return [f for f in files if f.exists()]


def test_ranking_code_never_imports_fairness_or_protected_attributes() -> None:
    files = _ranking_files()
    assert any("candidates" in f.parts for f in files)
    for path in files:
        imported = _imports(path)
        assert "recommender.fairness" not in imported, path
        assert "recommender.catalog.ProtectedAttributes" not in imported, path
        assert "ProtectedAttributes" not in path.read_text(encoding="utf-8"), path


def test_fairness_never_imports_storage_or_ingest() -> None:
    imported = _imports(RECOMMENDER / "fairness.py")
    assert not {m for m in imported if m.startswith(("recommender.store", "recommender.ingest"))}
    assert "recommender.catalog.ProtectedAttributes" in imported  # the resolver sees imports


@pytest.mark.parametrize(
    "source",
    [
        "import recommender.fairness",
        "from recommender.fairness import impact_ratios",
        "from recommender import fairness",
        "from .. import fairness",
        "from ..fairness import Outcome",
    ],
)
def test_import_check_catches_every_spelling_of_importing_fairness(source: str) -> None:
    assert "recommender.fairness" in _imports_of(source, "recommender.candidates")


def test_module_examples_run() -> None:
    result = doctest.testmod(fairness)
    assert result.attempted > 0 and result.failed == 0
