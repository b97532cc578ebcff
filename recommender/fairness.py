"""Adverse-impact audit of a selection: selection rates and impact ratios per category.

Computed the way NYC Local Law 144 bias audits do (DCWP rules, 6 RCNY 5-300):

* **Population**: everyone *assessed* for the role, not only those shown. A person
  appears once (a repeated ``employee_id`` is refused).
* **Categories**: EEO-1 sex, EEO-1 race/ethnicity, and each sex x race/ethnicity
  intersection (labelled ``"Female / Asian"``). A missing or declined value is
  *unknown*: counted and reported per dimension, left out of every rate. Values
  outside the code lists are mapped at import (``recommender.ingest.demographics``);
  one that still arrives here is refused with :class:`~recommender.errors.InvalidInput`.
* **Selection mode**: ``rate_c = selected_c / assessed_c``.
* **Scoring mode**: ``m`` is the median of every score in the sample (unknowns
  included); ``rate_c = #(score > m)_c / assessed_c``. The comparison is strict and
  exact: a score equal to the median is *not* above it.
* **Impact ratio**: ``IR_c = rate_c / max rate`` over the categories that are not
  excluded; the category with the highest rate is the *reference* (the first in code
  list order on a tie).
* **Exclusion**: a category holding fewer than ``exclude_below`` (default 2 %) of
  everyone assessed, unknowns included, is left out of the maximum and gets no
  ratio; its n and rate are still reported, with the reason.
* **Undefined**: if the highest rate is 0 every ratio is ``None`` with the reason;
  a category nobody assessed belongs to is omitted.
* **Flags**: ratio under 0.80 (compared unrounded), two-sided Fisher exact test
  against the reference category with p < 0.05, and fewer than ``min_assessed``
  people assessed in the category.

This module and the ingest/store layers are the only readers of protected
attributes; no ranking code imports it (``tests/test_fairness.py`` checks).

Examples
--------
The EEOC four-fifths example: 48 of 80 selected against 12 of 40.

>>> men = [Outcome(f"m{i}", selected=i < 48, sex="Male") for i in range(80)]
>>> women = [Outcome(f"f{i}", selected=i < 12, sex="Female") for i in range(40)]
>>> row = impact_ratios(men + women, mode="selection").dimension("sex").row("Female")
>>> round(row.impact_ratio, 2), Flag.LOW_IMPACT_RATIO in row.flags
(0.5, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal

from scipy.stats import fisher_exact

from recommender.catalog import ProtectedAttributes
from recommender.errors import InvalidInput

__all__ = [
    "SEX_CATEGORIES",
    "RACE_ETHNICITY_CATEGORIES",
    "INTERSECTION_CATEGORIES",
    "DIMENSIONS",
    "IMPACT_RATIO_THRESHOLD",
    "FISHER_ALPHA",
    "RULESET",
    "Mode",
    "Flag",
    "Outcome",
    "CategoryRate",
    "DimensionReport",
    "AuditMetadata",
    "ImpactReport",
    "impact_ratios",
    "selected_ids",
    "intersection_label",
    "shortlist_outcomes",
    "scored_outcomes",
]

# The EEO-1 code lists. They equal recommender.ingest.demographics' lists (a test
# asserts it); they are repeated because algorithms may not import ingest.
SEX_CATEGORIES: tuple[str, ...] = ("Male", "Female")
RACE_ETHNICITY_CATEGORIES: tuple[str, ...] = (
    "Hispanic or Latino",
    "White",
    "Black or African American",
    "Native Hawaiian or Other Pacific Islander",
    "Asian",
    "American Indian or Alaska Native",
    "Two or More Races",
)

IMPACT_RATIO_THRESHOLD = 0.8
FISHER_ALPHA = 0.05
DEFAULT_EXCLUDE_BELOW = 0.02
DEFAULT_MIN_ASSESSED = 30
RULESET = "reskill.fairness/1 (NYC LL144 impact ratios, DCWP rules 6 RCNY 5-300)"

Mode = Literal["selection", "scoring"]
_MODES: tuple[str, ...] = ("selection", "scoring")


def intersection_label(sex: str, race_ethnicity: str) -> str:
    """The category name of a sex x race/ethnicity intersection.

    Examples
    --------
    >>> intersection_label("Female", "Asian")
    'Female / Asian'
    """
    return f"{sex} / {race_ethnicity}"


INTERSECTION_CATEGORIES: tuple[str, ...] = tuple(
    intersection_label(s, r) for s in SEX_CATEGORIES for r in RACE_ETHNICITY_CATEGORIES
)


class Flag(StrEnum):
    """Why a category deserves a look."""

    LOW_IMPACT_RATIO = "impact_ratio_below_0.80"
    SIGNIFICANT = "fisher_p_below_0.05"
    LOW_N = "low_n"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One assessed person: the outcome and the protected attributes, nothing else.

    ``selected`` is read in selection mode, ``score`` in scoring mode. ``None`` for
    ``sex`` or ``race_ethnicity`` means unknown (missing or declined).
    """

    employee_id: str
    selected: bool | None = None
    score: float | None = None
    sex: str | None = None
    race_ethnicity: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryRate:
    """One category's row of the report.

    ``selected`` counts the people selected (selection mode) or scoring above the
    median (scoring mode); ``rate`` is ``selected / assessed``. ``impact_ratio`` and
    ``fisher_p`` are ``None`` where undefined; ``reason`` says why, or marks the
    reference category.
    """

    category: str
    assessed: int
    selected: int
    rate: float
    impact_ratio: float | None
    excluded: bool
    reason: str | None
    flags: tuple[Flag, ...]
    fisher_p: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "assessed": self.assessed,
            "selected": self.selected,
            "rate": _json_float(self.rate),
            "impact_ratio": _json_float(self.impact_ratio),
            "excluded": self.excluded,
            "reason": self.reason,
            "flags": [str(f) for f in self.flags],
            "fisher_p": _json_float(self.fisher_p),
        }


@dataclass(frozen=True, slots=True)
class DimensionReport:
    """The rows of one dimension (sex, race/ethnicity or their intersection).

    ``unknown`` people are those whose category is unknown in this dimension (for the
    intersection: either attribute unknown); ``reference`` is the most-selected
    category, ``None`` when no category qualifies; ``reason`` explains a report whose
    ratios are undefined.
    """

    dimension: str
    rows: tuple[CategoryRate, ...]
    unknown: int
    unknown_selected: int
    reference: str | None
    reason: str | None

    def row(self, category: str) -> CategoryRate:
        """The row of ``category``; raises KeyError if nobody assessed belongs to it."""
        for r in self.rows:
            if r.category == category:
                return r
        raise KeyError(category)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "unknown": self.unknown,
            "unknown_selected": self.unknown_selected,
            "reference": self.reference,
            "reason": self.reason,
            "categories": [r.to_dict() for r in self.rows],
        }


@dataclass(frozen=True, slots=True)
class AuditMetadata:
    """What the report was computed from and how: the facts an LL144 summary states."""

    data_source: str
    window_start: date | None
    window_end: date | None
    version: str
    calculated_on: date
    ruleset: str
    exclude_below: float
    min_assessed: int
    median_score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "data_source": self.data_source,
            "window_start": _iso(self.window_start),
            "window_end": _iso(self.window_end),
            "version": self.version,
            "calculated_on": self.calculated_on.isoformat(),
            "ruleset": self.ruleset,
            "exclude_below": self.exclude_below,
            "min_assessed": self.min_assessed,
            "impact_ratio_threshold": IMPACT_RATIO_THRESHOLD,
            "fisher_alpha": FISHER_ALPHA,
            "median_score": _json_float(self.median_score),
        }


@dataclass(frozen=True, slots=True)
class ImpactReport:
    """Selection rates and impact ratios per dimension, with the audit's metadata."""

    mode: Mode
    assessed: int
    selected: int
    dimensions: tuple[DimensionReport, ...]
    metadata: AuditMetadata

    def dimension(self, name: str) -> DimensionReport:
        """``"sex"``, ``"race_ethnicity"`` or ``"intersection"``."""
        for d in self.dimensions:
            if d.dimension == name:
                return d
        raise KeyError(name)

    @property
    def unknown(self) -> dict[str, int]:
        """People assessed but left out of the rates, per dimension."""
        return {d.dimension: d.unknown for d in self.dimensions}

    def flagged(self) -> list[tuple[str, CategoryRate]]:
        """Every ``(dimension, row)`` with at least one flag."""
        return [(d.dimension, r) for d in self.dimensions for r in d.rows if r.flags]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: no NaN or infinity, ``None`` where a value is undefined."""
        return {
            "mode": self.mode,
            "assessed": self.assessed,
            "selected": self.selected,
            "unknown": self.unknown,
            "metadata": self.metadata.to_dict(),
            "dimensions": {d.dimension: d.to_dict() for d in self.dimensions},
        }


def _json_float(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- the calculation --------------------------------------------------------------------

_Categoriser = Callable[[Outcome], str | None]


def _sex(o: Outcome) -> str | None:
    return o.sex


def _race(o: Outcome) -> str | None:
    return o.race_ethnicity


def _intersection(o: Outcome) -> str | None:
    if o.sex is None or o.race_ethnicity is None:
        return None
    return intersection_label(o.sex, o.race_ethnicity)


#: (dimension name, its categories in code list order, how to read an outcome's category)
DIMENSIONS: tuple[tuple[str, tuple[str, ...], _Categoriser], ...] = (
    ("sex", SEX_CATEGORIES, _sex),
    ("race_ethnicity", RACE_ETHNICITY_CATEGORIES, _race),
    ("intersection", INTERSECTION_CATEGORIES, _intersection),
)


@dataclass(frozen=True, slots=True)
class _Count:
    category: str
    assessed: int
    selected: int

    @property
    def rate(self) -> float:
        return self.selected / self.assessed


def impact_ratios(
    outcomes: Sequence[Outcome],
    *,
    mode: Mode,
    exclude_below: float = DEFAULT_EXCLUDE_BELOW,
    min_assessed: int = DEFAULT_MIN_ASSESSED,
    data_source: str = "unspecified",
    window: tuple[date, date] | None = None,
    version: str = "unspecified",
    calculated_on: date | None = None,
) -> ImpactReport:
    """Selection rates and impact ratios per sex, race/ethnicity and intersection.

    Parameters
    ----------
    outcomes : sequence of Outcome
        Everyone assessed, once each.
    mode : {"selection", "scoring"}
        Read ``Outcome.selected``, or count ``Outcome.score`` strictly above the
        median of all scores as selected.
    exclude_below : float, default 0.02
        Categories holding a smaller share of everyone assessed are reported but
        left out of the ratios; 0 keeps every category.
    min_assessed : int, default 30
        Categories with fewer people assessed get the ``low_n`` flag.
    data_source, window, version, calculated_on
        Metadata copied into the report: where the outcomes came from, the audit
        window (first and last day), the ruleset/model version that produced them
        and the day of the calculation (default: today, UTC).

    Returns
    -------
    ImpactReport

    Raises
    ------
    InvalidInput
        An unknown mode, a parameter out of range, a repeated employee, a missing or
        non-finite score, a missing ``selected``, or a category outside the EEO-1
        code lists.
    """
    _check_parameters(mode, exclude_below, min_assessed, window)
    _check_outcomes(outcomes, mode)
    median = _median([o.score for o in outcomes]) if mode == "scoring" else None  # type: ignore[misc]
    chosen = [_is_selected(o, mode, median) for o in outcomes]
    dimensions = tuple(
        _dimension(name, cats, key, outcomes, chosen, exclude_below, min_assessed)
        for name, cats, key in DIMENSIONS
    )
    meta = AuditMetadata(
        data_source=data_source,
        window_start=window[0] if window else None,
        window_end=window[1] if window else None,
        version=version,
        calculated_on=calculated_on or datetime.now(UTC).date(),
        ruleset=RULESET,
        exclude_below=exclude_below,
        min_assessed=min_assessed,
        median_score=None if median is None else float(median),
    )
    return ImpactReport(mode, len(outcomes), sum(chosen), dimensions, meta)


def selected_ids(outcomes: Sequence[Outcome], *, mode: Mode) -> tuple[str, ...]:
    """The ids :func:`impact_ratios` counts as selected, in the order of ``outcomes``.

    Selection mode: those with ``selected`` True; scoring mode: those whose score is
    strictly above the exact median of every score (the same comparison as the report).

    Raises
    ------
    InvalidInput
        As :func:`impact_ratios`.

    Examples
    --------
    >>> scored = [Outcome("a", score=0.9), Outcome("b", score=0.5), Outcome("c", score=0.1)]
    >>> selected_ids(scored, mode="scoring")
    ('a',)
    """
    _check_parameters(mode, DEFAULT_EXCLUDE_BELOW, DEFAULT_MIN_ASSESSED, None)
    _check_outcomes(outcomes, mode)
    median = _median([o.score for o in outcomes]) if mode == "scoring" else None  # type: ignore[misc]
    return tuple(o.employee_id for o in outcomes if _is_selected(o, mode, median))


def _check_parameters(
    mode: str, exclude_below: float, min_assessed: int, window: tuple[date, date] | None
) -> None:
    if mode not in _MODES:
        raise InvalidInput(f"mode must be 'selection' or 'scoring', got {mode!r}")
    if not (isinstance(exclude_below, int | float) and 0.0 <= exclude_below < 1.0):
        raise InvalidInput(f"exclude_below must be in [0, 1), got {exclude_below!r}")
    if isinstance(min_assessed, bool) or not isinstance(min_assessed, int) or min_assessed < 0:
        raise InvalidInput(f"min_assessed must be a whole number >= 0, got {min_assessed!r}")
    if window is not None and window[0] > window[1]:
        raise InvalidInput(f"audit window starts {window[0]} after it ends {window[1]}")


def _check_outcomes(outcomes: Sequence[Outcome], mode: str) -> None:
    seen: set[str] = set()
    for o in outcomes:
        if o.employee_id in seen:
            raise InvalidInput(f"employee {o.employee_id!r} is assessed twice")
        seen.add(o.employee_id)
        _check_outcome(o, mode)


def _check_outcome(o: Outcome, mode: str) -> None:
    who = f"employee {o.employee_id!r}"
    if o.sex is not None and o.sex not in SEX_CATEGORIES:
        raise InvalidInput(f"{who}: sex {o.sex!r} is not one of {SEX_CATEGORIES}")
    if o.race_ethnicity is not None and o.race_ethnicity not in RACE_ETHNICITY_CATEGORIES:
        raise InvalidInput(
            f"{who}: race_ethnicity {o.race_ethnicity!r} is not one of {RACE_ETHNICITY_CATEGORIES}"
        )
    if mode == "selection" and not isinstance(o.selected, bool):
        raise InvalidInput(
            f"{who}: selection mode needs selected True or False, got {o.selected!r}"
        )
    if mode == "scoring" and not _is_finite_number(o.score):
        raise InvalidInput(f"{who}: scoring mode needs a finite score, got {o.score!r}")


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _median(scores: Sequence[float]) -> Fraction | None:
    """The exact median (a Fraction, so that ``score > median`` never rounds)."""
    if not scores:
        return None
    ordered = sorted(scores)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return (Fraction(ordered[mid - 1]) + Fraction(ordered[mid])) / 2


def _is_selected(o: Outcome, mode: str, median: Fraction | None) -> bool:
    if mode == "selection":
        return bool(o.selected)
    return median is not None and Fraction(o.score) > median  # type: ignore[arg-type]


def _dimension(
    name: str,
    categories: tuple[str, ...],
    key: _Categoriser,
    outcomes: Sequence[Outcome],
    chosen: Sequence[bool],
    exclude_below: float,
    min_assessed: int,
) -> DimensionReport:
    labels = [key(o) for o in outcomes]
    counts = _counts(categories, labels, chosen)
    total = len(outcomes)
    kept = [c for c in counts if c.assessed / total >= exclude_below]
    reference = max(kept, key=lambda c: c.rate, default=None)  # first on a tie
    rows = tuple(_row(c, c in kept, reference, total, exclude_below, min_assessed) for c in counts)
    unknown = [s for label, s in zip(labels, chosen, strict=True) if label is None]
    return DimensionReport(
        name,
        rows,
        len(unknown),
        sum(unknown),
        _reference_name(reference),
        _why_undefined(reference),
    )


def _counts(
    categories: tuple[str, ...], labels: Sequence[str | None], chosen: Sequence[bool]
) -> list[_Count]:
    assessed = dict.fromkeys(categories, 0)
    selected = dict.fromkeys(categories, 0)
    for label, picked in zip(labels, chosen, strict=True):
        if label is not None:
            assessed[label] += 1
            selected[label] += picked
    return [_Count(c, assessed[c], selected[c]) for c in categories if assessed[c] > 0]


def _reference_name(reference: _Count | None) -> str | None:
    return None if reference is None or reference.selected == 0 else reference.category


def _why_undefined(reference: _Count | None) -> str | None:
    if reference is None:
        return "no category qualifies for the impact-ratio calculation"
    if reference.selected == 0:
        return "the highest selection rate is 0, so impact ratios are undefined"
    return None


def _row(
    count: _Count,
    kept: bool,
    reference: _Count | None,
    total: int,
    exclude_below: float,
    min_assessed: int,
) -> CategoryRate:
    low_n = (Flag.LOW_N,) if count.assessed < min_assessed else ()
    if not kept:
        reason = (
            f"{count.assessed} of {total} assessed is under {exclude_below * 100:g}% of the "
            "sample: excluded from the impact-ratio calculation"
        )
        return _rate_row(count, None, True, reason, low_n, None)
    if reference is None or reference.selected == 0:
        return _rate_row(count, None, False, _why_undefined(reference), low_n, None)
    return _ratio_row(count, reference, low_n)


def _ratio_row(count: _Count, reference: _Count, low_n: tuple[Flag, ...]) -> CategoryRate:
    ratio = count.rate / reference.rate
    if count is reference:
        return _rate_row(count, ratio, False, "reference: highest selection rate", low_n, None)
    p = _fisher_p(count, reference)
    flags = (
        ((Flag.LOW_IMPACT_RATIO,) if ratio < IMPACT_RATIO_THRESHOLD else ())
        + ((Flag.SIGNIFICANT,) if p < FISHER_ALPHA else ())
        + low_n
    )
    return _rate_row(count, ratio, False, None, flags, p)


def _rate_row(
    count: _Count,
    ratio: float | None,
    excluded: bool,
    reason: str | None,
    flags: tuple[Flag, ...],
    p: float | None,
) -> CategoryRate:
    return CategoryRate(
        count.category,
        count.assessed,
        count.selected,
        count.rate,
        ratio,
        excluded,
        reason,
        flags,
        p,
    )


def _fisher_p(count: _Count, reference: _Count) -> float:
    """Two-sided Fisher exact p of the 2x2 table (selected, not selected) x (category, reference)."""
    table = [
        [count.selected, count.assessed - count.selected],
        [reference.selected, reference.assessed - reference.selected],
    ]
    return float(fisher_exact(table, alternative="two-sided").pvalue)


# --- building outcomes ------------------------------------------------------------------


def _attributes(
    employee_id: str, protected: Mapping[str, ProtectedAttributes]
) -> tuple[str | None, str | None]:
    found = protected.get(employee_id)
    return (None, None) if found is None else (found.sex, found.race_ethnicity)


def shortlist_outcomes(
    assessed_ids: Iterable[str],
    selected_ids: Iterable[str],
    protected: Mapping[str, ProtectedAttributes],
) -> list[Outcome]:
    """Selection-mode outcomes: everyone assessed, the shortlisted ones selected.

    Someone with no entry in ``protected`` counts as unknown in every dimension.

    Raises
    ------
    InvalidInput
        Someone is assessed twice, or selected without being assessed.

    Examples
    --------
    >>> p = {"e1": ProtectedAttributes("e1", sex="Female", race_ethnicity="Asian")}
    >>> [(o.employee_id, o.selected, o.sex) for o in shortlist_outcomes(["e1", "e2"], ["e1"], p)]
    [('e1', True, 'Female'), ('e2', False, None)]
    """
    assessed = list(assessed_ids)
    if len(set(assessed)) != len(assessed):
        twice = sorted({e for e in assessed if assessed.count(e) > 1})
        raise InvalidInput(f"assessed twice: {', '.join(map(repr, twice[:10]))}")
    selected = set(selected_ids)
    stray = sorted(selected.difference(assessed))
    if stray:
        raise InvalidInput(f"selected but not assessed: {', '.join(map(repr, stray[:10]))}")
    return [Outcome(e, e in selected, None, *_attributes(e, protected)) for e in assessed]


def scored_outcomes(
    scores: Mapping[str, float], protected: Mapping[str, ProtectedAttributes]
) -> list[Outcome]:
    """Scoring-mode outcomes: every scored employee with their score and attributes.

    Examples
    --------
    >>> [o.score for o in scored_outcomes({"e1": 0.7, "e2": 0.2}, {})]
    [0.7, 0.2]
    """
    return [Outcome(e, None, s, *_attributes(e, protected)) for e, s in scores.items()]
