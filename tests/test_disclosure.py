"""Disclosure control of impact-ratio reports: small cells, complements, the LP audit.

Hand-built reports with answers known by construction, an audit written here from
scratch (its own linear programmes over the sex x race/ethnicity x outcome table, built
from nothing but what the published report shows) run over random reports, and the LL144
golden vectors of BAD_INPUTS.md: unchanged out of :mod:`recommender.fairness`, and
unsuppressed out of the published report wherever their cells are large.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from scipy.optimize import linprog

from recommender.disclosure import (
    DEFAULT_POLICY,
    REFERENCE_REASON,
    ROW_REASON,
    DisclosedReport,
    DisclosurePolicy,
    allowed_values,
    count_table,
    disclose,
    suppressed_cells,
    withheld_assessed,
)
from recommender.errors import InvalidInput
from recommender.fairness import (
    RACE_ETHNICITY_CATEGORIES,
    SEX_CATEGORIES,
    Flag,
    ImpactReport,
    Outcome,
    impact_ratios,
)

HISPANIC, WHITE, BLACK, NHPI, ASIAN, AIAN, TWO = RACE_ETHNICITY_CATEGORIES
SEXES = (*SEX_CATEGORIES, None)
RACES = (*RACE_ETHNICITY_CATEGORIES, None)
COUNT_REASON = DEFAULT_POLICY.count_reason


def people(
    cells: dict[tuple[str | None, str | None], tuple[int, int]], *, scored: bool = False
) -> list[Outcome]:
    """``{(sex, race): (selected, assessed)}`` as outcomes (scored: 2.0 above, 0.0 below)."""
    out = []
    for (sex, race), (selected, assessed) in cells.items():
        for i in range(assessed):
            tag = f"{sex}-{race}-{i}"
            if scored:
                out.append(
                    Outcome(tag, score=2.0 if i < selected else 0.0, sex=sex, race_ethnicity=race)
                )
            else:
                out.append(Outcome(tag, selected=i < selected, sex=sex, race_ethnicity=race))
    return out


def race_only(counts: dict[str, tuple[int, int]], *, scored: bool = False) -> ImpactReport:
    """Everyone's sex unknown; ``{race: (selected, assessed)}``."""
    mode = "scoring" if scored else "selection"
    return impact_ratios(
        people({(None, r): c for r, c in counts.items()}, scored=scored), mode=mode
    )


# --- an audit of our own ---------------------------------------------------------------


def _form(dimension: str, category: str | None, kind: str) -> np.ndarray:
    """A published count as a sum over the (sex, race, selected?) table: 3 x 8 x 2."""
    form = np.zeros((3, 8, 2))
    outcomes = {"assessed": [0, 1], "selected": [0], "not_selected": [1]}[kind]
    for i, sex in enumerate(SEXES):
        for j, race in enumerate(RACES):
            if dimension == "sex":
                hit = sex == category
            elif dimension == "race_ethnicity":
                hit = race == category
            elif category is None:
                hit = sex is None or race is None
            else:
                hit = sex is not None and race is not None and f"{sex} / {race}" == category
            if hit:
                form[i, j, outcomes] = 1
    return form.reshape(-1)


def _equations(
    report: DisclosedReport, only_assessed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """What the published report states, as equations on the table."""
    rows = [np.ones(48), np.tile([1.0, 0.0], 24)]
    values = [report.assessed, report.selected]
    for (dimension, category, kind), value in report.cells().items():
        if value is not None and (kind == "assessed" or not only_assessed):
            rows.append(_form(dimension, category, kind))
            values.append(value)
    return np.array(rows), np.array(values, dtype=float)


def _whole_values(form: np.ndarray, eq: tuple[np.ndarray, np.ndarray]) -> int:
    """How many whole numbers lie between the form's minimum and maximum (capped at 2)."""
    low = linprog(form, A_eq=eq[0], b_eq=eq[1], bounds=(0, None), method="highs")
    high = linprog(-form, A_eq=eq[0], b_eq=eq[1], bounds=(0, None), method="highs")
    assert low.status == high.status == 0
    return min(2, int(math.floor(-high.fun + 1e-6) - math.ceil(low.fun - 1e-6)) + 1)


def pinned_cells(report: DisclosedReport) -> list[tuple[str, str | None, str]]:
    """Suppressed counts that, given everything published, can take one whole value only,
    unless the totals and the published assessed counts already pin them (a
    zero total, a category with nobody in it beside published ones: nothing a report on
    selection could withhold would hide them)."""
    everything, assessed = _equations(report), _equations(report, only_assessed=True)
    return [
        cell
        for cell, value in report.cells().items()
        if value is None
        and _whole_values(_form(*cell), everything) < 2
        and _whole_values(_form(*cell), assessed) == 2
    ]


def small_published(
    report: DisclosedReport, min_cell: int = 5
) -> list[tuple[str, str | None, str]]:
    """Published counts under ``min_cell`` (a zero unknown count excepted)."""
    return [
        cell
        for cell, value in report.cells().items()
        if value is not None and value < min_cell and not (cell[1] is None and value == 0)
    ]


# --- the policy and scopes ------------------------------------------------------------


def test_policy_defaults_are_five_fifty_five_and_refuse_nonsense() -> None:
    assert DEFAULT_POLICY.to_dict() == {"min_cell": 5, "min_population": 50, "min_difference": 5}
    for bad in ({"min_cell": 0}, {"min_population": -1}, {"min_difference": True}):
        with pytest.raises(InvalidInput):
            DisclosurePolicy(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sizes", "allowed"),
    [
        ({"a": 200, "b": 80, "c": 60}, {"a", "b", "c"}),  # nothing small
        ({"a": 200, "b": 80, "c": 30, "d": 25}, {"a", "b"}),  # small ones hold 55: enough
        ({"a": 200, "b": 80, "c": 60, "d": 10}, {"a", "b"}),  # 10 alone: c (60) goes too
        ({"a": 200, "b": 60, "c": 60, "d": 10}, {"a", "c"}),  # a tie: by name
        ({"a": 60, "b": 10}, set()),  # refusing a leaves 70 refused: the organisation only
        ({"a": 49}, set()),
    ],
)
def test_small_scopes_are_refused_with_the_smallest_others_until_they_hold_enough(
    sizes: dict[str, int], allowed: set[str]
) -> None:
    assert allowed_values(sizes, 50) == allowed
    refused = sum(n for v, n in sizes.items() if v not in allowed)
    assert refused == 0 or refused >= 50 or not allowed


# --- suppression on hand-built reports ---------------------------------------------------


# Sex unknown for everyone; every race large except Asian selected (2).
RACES_A = {
    HISPANIC: (10, 20),
    WHITE: (24, 40),
    BLACK: (10, 30),
    NHPI: (5, 10),
    ASIAN: (2, 20),
    AIAN: (5, 10),
    TWO: (6, 12),
}


def test_a_count_below_min_cell_is_suppressed_with_its_rate_ratio_and_p() -> None:
    report = race_only(RACES_A)
    published = disclose(report)
    race = published.dimension("race_ethnicity")
    asian = race.row(ASIAN)
    assert (asian.assessed, asian.selected, asian.not_selected) == (20, None, None)
    assert asian.suppressed["selected"] == COUNT_REASON
    assert (asian.rate, asian.impact_ratio, asian.fisher_p) == (None, None, None)
    assert asian.suppressed["rate"] == asian.suppressed["impact_ratio"] == ROW_REASON
    # its complement: the smallest other selected count (NHPI and AIAN tie at 5: NHPI first)
    nhpi = race.row(NHPI)
    assert (nhpi.assessed, nhpi.selected, nhpi.not_selected, nhpi.rate) == (10, None, None, None)
    hidden = {c for c in suppressed_cells(report) if c[0] == "race_ethnicity"}
    assert hidden == {
        ("race_ethnicity", c, k) for c in (NHPI, ASIAN) for k in ("selected", "not_selected")
    }
    # everything else as recommender.fairness computed it
    assert race.reference == WHITE
    for category in (HISPANIC, WHITE, BLACK, AIAN, TWO):
        row, original = race.row(category), report.dimension("race_ethnicity").row(category)
        assert (row.assessed, row.selected, row.rate) == (
            original.assessed,
            original.selected,
            original.rate,
        )
        assert (row.impact_ratio, row.fisher_p, row.flags) == (
            original.impact_ratio,
            original.fisher_p,
            original.flags,
        )
        assert not row.suppressed
    assert pinned_cells(published) == [] and small_published(published) == []


def test_a_suppressed_reference_category_suppresses_every_ratio_of_its_dimension() -> None:
    # AIAN has the highest rate (7 of 10) and only 3 not selected: its row is suppressed.
    report = race_only(RACES_A | {AIAN: (7, 10)})
    assert report.dimension("race_ethnicity").reference == AIAN
    race = disclose(report).dimension("race_ethnicity")
    assert race.reference is None and race.suppressed["reference"] == REFERENCE_REASON
    assert race.row(AIAN).selected is None and race.row(AIAN).not_selected is None
    white = race.row(WHITE)
    assert white.rate == pytest.approx(0.6)  # its own counts are published ...
    assert (white.impact_ratio, white.fisher_p) == (None, None)  # ... its ratio is not
    assert white.suppressed == {"impact_ratio": REFERENCE_REASON, "fisher_p": REFERENCE_REASON}
    assert all(row.impact_ratio is None for row in race.rows)
    assert not any(Flag.LOW_IMPACT_RATIO in row.flags for row in race.rows)


# Both attributes known; two races. Its margins pin what the one-per-group rule leaves.
CROSSED = {
    ("Male", WHITE): (2, 20),
    ("Male", BLACK): (10, 30),
    ("Female", WHITE): (12, 40),
    ("Female", BLACK): (3, 25),
}


def test_the_lp_audit_suppresses_what_the_two_per_group_heuristic_leaves_pinned() -> None:
    report = impact_ratios(people(CROSSED), mode="selection")
    hidden = suppressed_cells(report, withheld=())
    heuristic = {
        ("intersection", f"{s} / {r}", k)
        for s, r in (("Male", WHITE), ("Female", BLACK))
        for k in ("selected", "not_selected")
    }
    # With only the small cells and a second one per row and per sum, Male / White's 2
    # selected is Male's 12 minus Male / Black's 10: the audit finds it pinned ...
    partial = disclose(report, withheld=(), suppressed=_with_assessed(hidden, heuristic))
    assert ("intersection", "Male / White", "selected") in pinned_cells(partial)
    # ... and suppresses the other two intersections' counts as well, not a margin.
    crossed = {
        ("intersection", f"{s} / {r}", k)
        for s in ("Male", "Female")
        for r in (WHITE, BLACK)
        for k in ("selected", "not_selected")
    }
    assert crossed <= hidden
    published = disclose(report, withheld=())
    assert pinned_cells(published) == []
    for dimension, category in [("sex", "Male"), ("sex", "Female"), ("race_ethnicity", WHITE)]:
        row = published.dimension(dimension).row(category)
        assert row.selected is not None and row.rate is not None


def _with_assessed(
    hidden: frozenset[tuple[str, str | None, str]], extra: set[tuple[str, str | None, str]]
) -> set[tuple[str, str | None, str]]:
    """``extra`` plus the rows of ``hidden`` whose assessed count is withheld (nobody)."""
    empty = {(d, c) for d, c, k in hidden if k == "assessed"}
    return extra | {cell for cell in hidden if (cell[0], cell[1]) in empty}


def test_small_unknown_counts_are_suppressed_and_a_zero_one_is_published() -> None:
    cells = {("Female", WHITE): (30, 60), ("Male", WHITE): (20, 50), ("Female", None): (1, 3)}
    published = disclose(impact_ratios(people(cells), mode="selection"))
    sex, race = published.dimension("sex"), published.dimension("race_ethnicity")
    assert (sex.unknown, sex.unknown_selected, sex.unknown_not_selected) == (0, 0, 0)
    assert race.unknown is None and race.suppressed["unknown"] == COUNT_REASON
    assert pinned_cells(published) == [] and small_published(published) == []


def test_a_category_nobody_holds_is_listed_suppressed_so_the_shape_says_nothing() -> None:
    published = disclose(race_only(RACES_A))
    for dimension in published.dimensions:
        assert [r.category for r in dimension.rows] == list(
            {"sex": SEX_CATEGORIES, "race_ethnicity": RACE_ETHNICITY_CATEGORIES}.get(
                dimension.dimension,
                tuple(f"{s} / {r}" for s in SEX_CATEGORIES for r in RACE_ETHNICITY_CATEGORIES),
            )
        )
    male = published.dimension("sex").row("Male")
    assert (
        male.assessed is None
        and male.excluded is None
        and male.suppressed["excluded"] == ROW_REASON
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_reports_publish_no_small_count_and_pin_no_suppressed_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells: dict[tuple[str | None, str | None], tuple[int, int]] = {}
    for sex, race in itertools.product(SEXES, RACES):
        assessed = int(rng.choice([0, 0, 1, 2, 4, 7, 15, 40]))
        cells[(sex, race)] = (int(rng.binomial(assessed, rng.uniform(0.05, 0.6))), assessed)
    scored = bool(seed % 2)
    report = impact_ratios(people(cells, scored=scored), mode="scoring" if scored else "selection")
    published = disclose(report)
    assert small_published(published) == []
    assert pinned_cells(published) == []
    json.dumps(published.to_dict(), allow_nan=False)


# --- assessed counts over several scopes --------------------------------------------------


def test_a_location_count_is_not_the_organisation_minus_the_other_locations() -> None:
    first = count_table([("Female", WHITE)] * 60 + [("Female", ASIAN)] * 3 + [("Male", WHITE)] * 30)
    second = count_table(
        [("Female", WHITE)] * 50 + [("Female", ASIAN)] * 40 + [("Male", WHITE)] * 40
    )
    atoms = {"first": first, "second": second}
    scopes = {"org": ["first", "second"], "one": ["first"], "two": ["second"]}
    withheld = withheld_assessed(atoms, scopes)
    assert ("race_ethnicity", ASIAN) in withheld["one"]
    # the organisation's Asian count minus the second location's would give it: one goes too
    assert ("race_ethnicity", ASIAN) in withheld["org"] | withheld["two"]
    assert _joint_range(atoms, scopes, withheld, ("one", "race_ethnicity", ASIAN)) >= 1


def _joint_range(atoms, scopes, withheld, target):  # type: ignore[no-untyped-def]
    """Range of one scope's assessed count given every scope's published assessed counts
    (and each atom's headcount), over the atoms' (sex, race) tables."""
    order = list(atoms)

    def form(scope: str, dimension: str, category: str | None) -> np.ndarray:
        cell = _form(dimension, category, "assessed").reshape(3, 8, 2).sum(axis=2).clip(0, 1)
        return np.concatenate([cell.reshape(-1) * (a in scopes[scope]) for a in order])

    rows = [np.concatenate([np.ones(24) * (a == b) for a in order]) for b in order]
    values = [float(atoms[b].sum()) for b in order]
    categories = [("sex", c) for c in (*SEX_CATEGORIES, None)] + [
        ("race_ethnicity", c) for c in (*RACE_ETHNICITY_CATEGORIES, None)
    ]
    truth = np.concatenate([atoms[a].reshape(-1) for a in order]).astype(float)
    for scope in scopes:
        for dimension, category in categories:
            if (dimension, category) not in withheld[scope]:
                rows.append(form(scope, dimension, category))
                values.append(float(rows[-1] @ truth))
    f = form(*target)
    eq = (np.array(rows), np.array(values))
    low = linprog(f, A_eq=eq[0], b_eq=eq[1], bounds=(0, None), method="highs")
    high = linprog(-f, A_eq=eq[0], b_eq=eq[1], bounds=(0, None), method="highs")
    return -high.fun - low.fun


# --- the LL144 golden vectors -----------------------------------------------------------


def test_the_eeoc_example_is_unchanged_and_published_whole() -> None:
    report = impact_ratios(
        people({("Male", None): (48, 80), ("Female", None): (12, 40)}), mode="selection"
    )
    female = report.dimension("sex").row("Female")
    assert female.impact_ratio == pytest.approx(0.5)
    published = disclose(report).dimension("sex")
    assert published.reference == "Male"
    for category in SEX_CATEGORIES:
        row, original = published.row(category), report.dimension("sex").row(category)
        assert not row.suppressed
        assert (row.assessed, row.selected, row.not_selected) == (
            original.assessed,
            original.selected,
            original.assessed - original.selected,
        )
        assert (row.rate, row.impact_ratio, row.fisher_p, row.flags) == (
            original.rate,
            original.impact_ratio,
            original.fisher_p,
            original.flags,
        )
    assert published.row("Female").impact_ratio == pytest.approx(0.5)
    assert Flag.LOW_IMPACT_RATIO in published.row("Female").flags


def test_the_nyc_scoring_example_by_sex_is_published_whole() -> None:
    report = impact_ratios(
        people({("Male", None): (50, 92), ("Female", None): (34, 76)}, scored=True), mode="scoring"
    )
    female = disclose(report).dimension("sex").row("Female")
    assert not female.suppressed
    assert round(female.impact_ratio or 0, 2) == 0.82


def test_the_nyc_scoring_example_by_race_keeps_every_large_ratio() -> None:
    golden = {
        HISPANIC: (18, 28, 1.0),
        WHITE: (15, 40, 0.58),
        BLACK: (16, 32, 0.78),
        NHPI: (5, 8, 0.97),
        ASIAN: (10, 24, 0.65),
    }
    report = race_only({r: (s, n) for r, (s, n, _) in golden.items()}, scored=True)
    original = report.dimension("race_ethnicity")
    for category, (_, _, ratio) in golden.items():
        assert round(original.row(category).impact_ratio or 0, 2) == ratio  # unchanged maths
    published = disclose(report)
    race = published.dimension("race_ethnicity")
    assert race.reference == HISPANIC
    # NHPI has 3 people not above the median: its row is suppressed, with a complement
    assert race.row(NHPI).selected is None and race.row(NHPI).impact_ratio is None
    for category in (HISPANIC, WHITE, BLACK, ASIAN):
        row = race.row(category)
        if row.impact_ratio is not None:
            assert round(row.impact_ratio, 2) == golden[category][2]
    assert sum(race.row(c).impact_ratio is not None for c in (HISPANIC, WHITE, BLACK, ASIAN)) >= 3
    assert pinned_cells(published) == [] and small_published(published) == []


def test_disclosure_never_changes_the_report_it_reads() -> None:
    report = race_only(RACES_A)
    before = json.dumps(report.to_dict(), sort_keys=True)
    disclose(report)
    assert json.dumps(report.to_dict(), sort_keys=True) == before
    assert math.isclose(report.dimension("race_ethnicity").row(ASIAN).rate, 0.1)
