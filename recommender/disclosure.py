"""Disclosure control for impact-ratio reports: what may be published of an :class:`ImpactReport`.

An impact-ratio report counts people by protected attribute. Published as computed, its
small counts, and the differences between two reports, can single a person out. This
module is the layer between :func:`recommender.fairness.impact_ratios` (whose maths it
never changes) and what leaves the service:

* **Scopes** (:func:`allowed_values`): a department or location holding fewer than
  ``min_population`` people is refused, and so are the smallest of the others while the
  refused ones together hold between 1 and ``min_population - 1`` people (else "the
  organisation minus every allowed department" would publish them).
* **Cells**: each category's assessed, selected and not-selected count, and each
  dimension's unknown counts. A category count below ``min_cell`` (0 included: "nobody in
  this category was selected" tells something about each selected person) is suppressed,
  and so is an unknown count from 1 to ``min_cell - 1``. A zero unknown count is
  published: it says only that everyone's attribute is recorded, never which one it is,
  and suppressing it would force suppressing a whole category wherever data are complete.
* **Complementary suppression**: every group of cells that adds up to a published number
  (a dimension's categories and unknown add up to the totals; a category's selected and
  not selected add up to its assessed) that holds exactly one suppressed cell gets a
  second one, the smallest. Then every suppressed cell is **audited by linear
  programming** (:func:`scipy.optimize.linprog`, HiGHS) over the full sex x race/ethnicity
  x outcome table, relaxed to non-negative reals, subject to everything published: the
  totals, the published cells and the order the published reference category reveals
  (every kept category's rate is at most the reference's, and which categories are kept
  says whether each holds 2 % of the sample). Between the cell's minimum and maximum
  there must be two whole numbers at least (so they differ by at least 1, and a range
  such as 0.5 to 1.5, which leaves a count only one value, counts as pinned); while one is
  pinned, a cell related to it is suppressed as well and the
  audit runs again. A cell already fixed by what cannot be withheld (the totals, or the
  scope's published assessed counts) is *exempt*: withholding more would hide nothing.
* **Assessed counts are the scope's**, the same in every report over a scope whatever
  the role or mode (:func:`withheld_assessed` decides them once, for every allowed scope
  together, so that a location's count cannot be worked out from the organisation's
  minus the other locations'). A category whose assessed count is withheld has its whole
  row withheld.
* **Derived values**: a rate is published only with both its counts, an impact ratio and
  a Fisher p only with their row's and the reference's counts, a flag only with the value
  it is about; the reference is named only when its counts are published (else every
  ratio of the dimension is suppressed: rate / ratio would give the reference's rate).

Every report lists every category of the code lists, a category nobody holds included
(suppressed), so that the shape of a report says nothing.

Examples
--------
>>> from recommender.fairness import Outcome, impact_ratios
>>> people = [Outcome(f"m{i}", selected=i < 30, sex="Male") for i in range(60)]
>>> people += [Outcome(f"f{i}", selected=i < 3, sex="Female") for i in range(60)]
>>> sex = disclose(impact_ratios(people, mode="selection")).dimension("sex")
>>> sex.row("Male").assessed, sex.row("Female").selected, sex.row("Female").suppressed["selected"]
(60, None, 'suppressed: fewer than 5 people, or a count from which one could be worked out')
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from recommender.errors import InvalidInput, ReportRefused
from recommender.fairness import (
    DIMENSIONS,
    RACE_ETHNICITY_CATEGORIES,
    SEX_CATEGORIES,
    AuditMetadata,
    CategoryRate,
    DimensionReport,
    Flag,
    ImpactReport,
    Mode,
    Outcome,
)

__all__ = [
    "DisclosurePolicy",
    "DEFAULT_POLICY",
    "KINDS",
    "SEX_AXIS",
    "RACE_AXIS",
    "PublishedCategory",
    "PublishedDimension",
    "DisclosedReport",
    "allowed_values",
    "base_counts",
    "count_table",
    "withheld_assessed",
    "suppressed_cells",
    "disclose",
    "CellKey",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Key = TypeVar("Key", bound=Hashable)
Scope = TypeVar("Scope", bound=Hashable)
#: A published count: (dimension, category or None for unknown, one of KINDS).
CellKey = tuple[str, str | None, str]

#: The three counts of a category: everyone assessed, the selected, the rest.
KINDS: tuple[str, ...] = ("assessed", "selected", "not_selected")
#: The axes of the full table: each code list, then unknown (``None``).
SEX_AXIS: tuple[str | None, ...] = (*SEX_CATEGORIES, None)
RACE_AXIS: tuple[str | None, ...] = (*RACE_ETHNICITY_CATEGORIES, None)
_BASE = (len(SEX_AXIS), len(RACE_AXIS))
_OUTCOME = {"assessed": (1.0, 1.0), "selected": (1.0, 0.0), "not_selected": (0.0, 1.0)}
_TOLERANCE = 1e-6
#: Random objectives tried before exact minima and maxima (each costs two LPs).
_PROBES = 4
#: Feasible points kept between audits of one suppression pattern.
_POOL = 64
#: Tables up to this many entries get a linear-algebra check before any programme.
_DECOMPOSE_UP_TO = 100


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    """The thresholds of disclosure control.

    Parameters
    ----------
    min_cell : int, default 5
        Counts below this are suppressed.
    min_population : int, default 50
        Scopes holding fewer people are refused (with complementary refusals).
    min_difference : int, default 5
        A report whose selected set differs from an earlier report's by 1 to
        ``min_difference - 1`` people on either side is refused.

    Examples
    --------
    >>> DisclosurePolicy().to_dict()
    {'min_cell': 5, 'min_population': 50, 'min_difference': 5}
    """

    min_cell: int = 5
    min_population: int = 50
    min_difference: int = 5

    def __post_init__(self) -> None:
        for name, value in self.to_dict().items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInput(f"{name} must be a whole number >= 1, got {value!r}")

    def to_dict(self) -> dict[str, int]:
        return {
            "min_cell": self.min_cell,
            "min_population": self.min_population,
            "min_difference": self.min_difference,
        }

    @property
    def count_reason(self) -> str:
        """Why a count is null."""
        return (
            f"suppressed: fewer than {self.min_cell} people, "
            "or a count from which one could be worked out"
        )


#: The defaults: cells of at least 5, scopes of at least 50, selections 5 apart.
DEFAULT_POLICY = DisclosurePolicy()

ROW_REASON = "suppressed with this category's counts"
REFERENCE_REASON = "suppressed with the reference category's counts"


# --- scopes ------------------------------------------------------------------------------


def allowed_values(sizes: Mapping[str, int], min_population: int) -> frozenset[str]:
    """The values of one scope dimension (departments, or locations) a report may cover.

    A value holding fewer than ``min_population`` people is refused. While the refused
    values together hold between 1 and ``min_population - 1`` people, the smallest allowed
    value (by size, then name) is refused too: the organisation's report minus every
    allowed value's report would otherwise publish the small ones together.

    Examples
    --------
    >>> sorted(allowed_values({"a": 120, "b": 60, "c": 10}, 50))
    ['a']
    >>> sorted(allowed_values({"a": 120, "b": 60, "c": 30, "d": 25}, 50))
    ['a', 'b']
    """
    refused = sum(n for n in sizes.values() if n < min_population)
    allowed = sorted(
        (v for v, n in sizes.items() if n >= min_population), key=lambda v: (sizes[v], v)
    )
    while 0 < refused < min_population and allowed:
        refused += sizes[allowed.pop(0)]
    return frozenset(allowed)


# --- the full table behind a report ------------------------------------------------------


def count_table(people: Iterable[tuple[str | None, str | None]]) -> IntArray:
    """How many people have each (sex, race/ethnicity), unknowns included: shape (3, 8),
    rows :data:`SEX_AXIS`, columns :data:`RACE_AXIS`.

    Examples
    --------
    >>> int(count_table([("Female", "Asian"), ("Female", None)])[1].sum())
    2
    """
    table = np.zeros(_BASE, dtype=np.int64)
    for sex, race in people:
        table[SEX_AXIS.index(sex), RACE_AXIS.index(race)] += 1
    return table


def base_counts(report: ImpactReport) -> IntArray:
    """The full table a report was computed from: shape (3, 8, 2), (sex, race/ethnicity,
    selected / not selected), unknowns included; recovered from its marginals and
    intersections (each sex's count minus its intersections is its people of unknown
    race/ethnicity, and so on).

    Raises
    ------
    InvalidInput
        If the report's counts do not add up (it was not made by ``impact_ratios``).
    """
    table = np.zeros((*_BASE, 2), dtype=np.int64)
    for i, s in enumerate(SEX_CATEGORIES):
        for j, r in enumerate(RACE_ETHNICITY_CATEGORIES):
            table[i, j] = _pair(report.dimension("intersection"), f"{s} / {r}")
    for i, s in enumerate(SEX_CATEGORIES):
        table[i, -1] = _pair(report.dimension("sex"), s) - table[i, :-1].sum(axis=0)
    for j, r in enumerate(RACE_ETHNICITY_CATEGORIES):
        table[-1, j] = _pair(report.dimension("race_ethnicity"), r) - table[:-1, j].sum(axis=0)
    totals = np.array([report.selected, report.assessed - report.selected])
    table[-1, -1] = totals - table.sum(axis=(0, 1)) + table[-1, -1]
    if (table < 0).any():
        raise InvalidInput("the report's counts do not add up to its totals")
    return table


def _pair(dimension: DimensionReport, category: str) -> IntArray:
    try:
        row = dimension.row(category)
    except KeyError:
        return np.zeros(2, dtype=np.int64)
    return np.array([row.selected, row.assessed - row.selected], dtype=np.int64)


def _masks() -> dict[tuple[str, str | None], BoolArray]:
    """Which (sex, race/ethnicity) cells of the full table each category (or unknown) holds."""
    out = {}
    for name, categories, key in DIMENSIONS:
        labels = [[key(Outcome("", sex=s, race_ethnicity=r)) for r in RACE_AXIS] for s in SEX_AXIS]
        for category in (*categories, None):
            out[(name, category)] = np.array(
                [[label == category for label in row] for row in labels]
            )
    return out


_MASKS = _masks()
#: Every (dimension, category or None for unknown), in report order.
_CATEGORIES: tuple[tuple[str, str | None], ...] = tuple(_MASKS)


def _related_categories(dimension: str, category: str | None) -> list[list[tuple[str, str | None]]]:
    """Categories whose counts share a sum with this one's, in tiers, best complements
    first: in its own dimension (for an intersection: those sharing its sex or its race
    first), then across the sex x race margins (a sex or race and its intersections).
    Suppressing a sex or race marginal hides a whole dimension's rates, so it comes last."""
    mask = _MASKS[(dimension, category)]
    siblings = [(d, c) for d, c in _CATEGORIES if d == dimension and c != category]
    across = [
        (d, c)
        for d, c in _CATEGORIES
        if d != dimension
        and (d == "intersection" or dimension == "intersection")
        and (_MASKS[(d, c)] & mask).any()
    ]
    if dimension != "intersection":
        return [siblings, across]
    margins = [
        (d, c)
        for d, c in siblings
        if (_MASKS[(d, c)].any(axis=1) & mask.any(axis=1)).any()
        or (_MASKS[(d, c)].any(axis=0) & mask.any(axis=0)).any()
    ]
    return [margins, [x for x in siblings if x not in margins], across]


# --- the protection engine ---------------------------------------------------------------


@dataclass
class _Cells:
    """Cells (linear forms over a table of non-negative unknowns) and what is known.

    ``forms`` (m, n): each cell as a sum of the table's entries; ``truth`` (n,): the table;
    ``known`` (k, n): sums published whatever is suppressed (totals, headcounts).
    ``groups``: cells adding up to a known sum; ``related[i]``: the cells that share a sum
    with cell i, in tiers (best complements first); ``modifiable``: cells this step may suppress; ``categories``: each cell's
    (dimension, category or None for unknown).
    """

    forms: FloatArray
    truth: FloatArray
    known: FloatArray
    modifiable: BoolArray
    groups: list[list[int]]
    related: list[list[list[int]]]
    categories: list[tuple[str, str | None]]
    values: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.values = self.forms @ self.truth
        # A zero unknown count is always published (see the module docstring).
        for i, (_, category) in enumerate(self.categories):
            if category is None and self.values[i] == 0:
                self.modifiable[i] = False


_Inequalities = Callable[[BoolArray], tuple[FloatArray, FloatArray]]


def _no_inequalities(_: BoolArray) -> tuple[FloatArray, FloatArray]:
    return np.zeros((0, 0)), np.zeros(0)


def _spread(
    eq: FloatArray,
    truth: FloatArray,
    ub: tuple[FloatArray, FloatArray],
    targets: FloatArray,
    pool: list[FloatArray] | None = None,
) -> BoolArray:
    """For each target form, whether max - min >= 1 over {x >= 0 : eq x = eq truth, ub}.

    Without a solver first: entries that a published zero forces to 0 are dropped; a
    target that is a combination of the published sums is pinned; two targets that differ
    (up to sign) by such a combination move together, so one stands for both. Then the
    points already known to be feasible (``pool``: the true table, vertices found before;
    each is checked again) show most targets moving by 1 or more; if many remain, a few
    random objectives add vertices; the rest get their exact maximum and minimum, each
    vertex found added to the pool for the next targets (and the next call: suppressing
    more only enlarges the feasible set). A solver failure counts as "does not move" (the
    caller then suppresses more).
    """
    values = eq @ truth
    free = _not_forced_to_zero(eq, values)
    ub_rows, ub_bounds = ub
    ub_rows = ub_rows[:, free] if len(ub_bounds) else ub_rows
    stands_for = _representatives(eq[:, free], targets[:, free])
    moves = np.zeros(len(targets), dtype=np.bool_)
    open_ = np.flatnonzero(stands_for == np.arange(len(targets)))
    if len(open_) == 0:
        return moves
    pool = [truth] if pool is None else pool
    lp = _Lp(eq[:, free], values, (ub_rows, ub_bounds), free)
    points = [p for p in pool if lp.feasible(p)]

    def certify() -> None:
        reached = targets[open_] @ np.array(points).T
        moves[open_] = _two_whole_values(reached.min(axis=1), reached.max(axis=1))

    certify()
    if (~moves[open_]).sum() > _PROBES:
        rng = np.random.default_rng(20240611)
        for _ in range(_PROBES):
            direction = rng.choice([-1.0, 1.0], size=len(open_)) @ targets[open_]
            points += lp.extremes(direction)
        certify()
    for i in open_:
        if not moves[i]:
            points += lp.extremes(targets[i], at=float(targets[i] @ truth))
            certify()
    pool[:] = [truth, *(p for p in points[-_POOL:] if p is not truth)]
    pinned = stands_for < 0
    out = moves[np.where(pinned, 0, stands_for)]
    out[pinned] = False
    return out


def _two_whole_values(low: Any, high: Any) -> Any:
    """Whether [low, high] holds two whole numbers or more (counts are whole: a range of
    1.0 from 0.5 to 1.5 would still pin the count to 1)."""
    return np.floor(np.asarray(high) + _TOLERANCE) - np.ceil(np.asarray(low) - _TOLERANCE) >= 1


def _not_forced_to_zero(eq: FloatArray, values: FloatArray) -> BoolArray:
    """Entries not forced to 0 by a published sum of 0 (all entries are >= 0)."""
    zero_sums = (np.abs(values) < _TOLERANCE) & (eq >= 0).all(axis=1)
    forced = np.asarray((eq[zero_sums] > 0).any(axis=0), dtype=np.bool_)
    return ~forced


def _representatives(eq: FloatArray, targets: FloatArray) -> npt.NDArray[np.intp]:
    """For each target, the first target whose range it shares, or -1 if it is pinned.

    A target minus its projection on the row space of ``eq`` (what the published sums
    fix) moves exactly as the target does: zero means pinned, equal up to sign means the
    same range. Large tables get no decomposition (it costs more than the programmes it
    saves): every target stands for itself.
    """
    if eq.shape[1] > _DECOMPOSE_UP_TO:
        return np.arange(len(targets))
    if eq.shape[1] == 0:
        return np.full(len(targets), -1)
    _, singular, vt = np.linalg.svd(eq, full_matrices=False)
    basis = vt[singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))]
    residual = targets - (targets @ basis.T) @ basis
    out = np.full(len(targets), -1)
    seen: dict[bytes, int] = {}
    for i, row in enumerate(residual):
        significant = np.flatnonzero(np.abs(row) > 1e-7)
        if len(significant) == 0:
            continue
        key = np.round(row * np.sign(row[significant[0]]), 6).tobytes()
        out[i] = seen.setdefault(key, i)
    return out


class _Lp:
    """Minima over {x >= 0 : eq x = values, ub} in the entries ``free`` of the full table."""

    def __init__(
        self,
        eq: FloatArray,
        values: FloatArray,
        ub: tuple[FloatArray, FloatArray],
        free: BoolArray,
    ):
        self.eq, self.values, self.free = eq, values, free
        self.ub_rows = ub[0] if len(ub[1]) else None
        self.ub_bounds = ub[1] if len(ub[1]) else None

    def feasible(self, point: FloatArray) -> bool:
        """Whether a full-table point satisfies every constraint (to rounding)."""
        if (point < -_TOLERANCE).any() or (np.abs(point[~self.free]) > _TOLERANCE).any():
            return False
        x = point[self.free]
        if np.abs(self.eq @ x - self.values).max(initial=0.0) > 1e-6:
            return False
        if self.ub_rows is None or self.ub_bounds is None:
            return True
        return bool((self.ub_rows @ x <= self.ub_bounds + 1e-6).all())

    def argmin(self, objective: FloatArray) -> FloatArray | None:
        """A full-table point minimising ``objective`` (full-table), or None on failure."""
        result = linprog(
            objective[self.free],
            A_ub=self.ub_rows,
            b_ub=self.ub_bounds,
            A_eq=self.eq,
            b_eq=self.values,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            return None
        point = np.zeros(len(self.free))
        point[self.free] = result.x
        return point

    def extremes(self, form: FloatArray, at: float | None = None) -> list[FloatArray]:
        """Points maximising then (unless the maximum is a whole 1 above ``at``, the true
        count) minimising ``form``."""
        top = self.argmin(-form)
        found = [] if top is None else [top]
        if top is not None and at is not None and _two_whole_values(at, float(form @ top)):
            return found
        bottom = self.argmin(form)
        return found + ([] if bottom is None else [bottom])


def _exempt(cells: _Cells, fixed_published: BoolArray) -> BoolArray:
    """Cells that what cannot be withheld (the known sums, the fixed published cells)
    already pins: suppressing more would not hide them."""
    eq = np.vstack([cells.known, cells.forms[fixed_published]])
    return ~_spread(eq, cells.truth, _no_inequalities(fixed_published), cells.forms)


Found = TypeVar("Found")


class _Memo(Generic[Found]):
    """The last ``size`` answers of a pure computation, by key; thread-safe (two threads
    asking the same new key may both compute it: the answers are equal)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.kept: OrderedDict[Hashable, Found] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Found]) -> Found:
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
        found = compute()
        with self.lock:
            self.kept[key] = found
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return found


#: :func:`_exempt` of report tables, by what it depends on: which cells are fixed and
#: published, their values and the totals (the forms are the same for every report).
#: Reports over one scope with one selection size share it.
_EXEMPT: _Memo[BoolArray] = _Memo(256)
#: :func:`suppressed_cells`, by the full table, the policy and the scope's withheld cells.
_SUPPRESSED: _Memo[frozenset[CellKey]] = _Memo(1024)


def _report_exempt(cells: _Cells, fixed_published: BoolArray) -> BoolArray:
    key = (
        fixed_published.tobytes(),
        (cells.known @ cells.truth).tobytes(),
        cells.values[fixed_published].tobytes(),
    )
    return _EXEMPT.get(key, lambda: _exempt(cells, fixed_published)).copy()


def _protect(
    cells: _Cells, start: BoolArray, exempt: BoolArray, inequalities: _Inequalities
) -> BoolArray | None:
    """The suppression pattern: ``start``, completed by the heuristic, then audited until
    no suppressed cell is pinned; ``None`` when no pattern this step may choose works."""
    suppressed = start.copy()
    usable = cells.modifiable & ~exempt
    _complete_groups(cells, suppressed, exempt, usable)
    pool = [cells.truth]
    while True:
        audited = np.flatnonzero(suppressed & ~exempt)
        published = ~suppressed
        eq = np.vstack([cells.known, cells.forms[published]])
        ub = inequalities(suppressed)
        moves = _spread(eq, cells.truth, ub, cells.forms[audited], pool)
        pinned = audited[~moves]
        if len(pinned) == 0:
            return suppressed
        if not _suppress_more(cells, suppressed, usable, pinned):
            return None
        _complete_groups(cells, suppressed, exempt, usable)


def _complete_groups(
    cells: _Cells, suppressed: BoolArray, exempt: BoolArray, usable: BoolArray
) -> None:
    """Give every exact group with a single (non-exempt) suppressed cell a second one."""
    changed = True
    while changed:
        changed = False
        for group in cells.groups:
            hidden = [i for i in group if suppressed[i]]
            if len(hidden) != 1 or exempt[hidden[0]]:
                continue
            pick = _smallest(cells, [i for i in group if usable[i] and not suppressed[i]])
            if pick is not None:
                suppressed[pick] = changed = True


def _suppress_more(
    cells: _Cells, suppressed: BoolArray, usable: BoolArray, pinned: npt.NDArray[np.intp]
) -> bool:
    """Suppress one more cell for each pinned one: the smallest of the first tier of its
    related cells that has one, else the smallest anywhere."""
    done: set[int] = set()
    for i in pinned:
        if any(done.intersection(tier) for tier in cells.related[i]):
            continue
        pick = None
        for tier in cells.related[i]:
            pick = _smallest(cells, [j for j in tier if usable[j] and not suppressed[j]])
            if pick is not None:
                break
        if pick is None:
            pick = _smallest(cells, list(np.flatnonzero(usable & ~suppressed)))
        if pick is None:
            return bool(done)
        suppressed[pick] = True
        done.add(pick)
    return True


def _smallest(cells: _Cells, candidates: Sequence[int]) -> int | None:
    if not candidates:
        return None
    return int(min(candidates, key=lambda i: (cells.values[i], i)))


def _sensitive(dimension_category: tuple[str, str | None], value: float, min_cell: int) -> bool:
    if dimension_category[1] is None:  # an unknown count: zero says nothing about anyone
        return 0 < value < min_cell
    return value < min_cell


# --- assessed counts, once per scope -----------------------------------------------------


def withheld_assessed(
    atoms: Mapping[Key, IntArray],
    scopes: Mapping[Scope, Collection[Key]],
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> dict[Scope, frozenset[tuple[str, str | None]]]:
    """Which assessed counts every report over each scope withholds, decided for all scopes
    together.

    Each scope is protected alone first (small problems: most of the work), then every
    suppressed count is audited again over all scopes at once, where the organisation is
    the sum of its departments and of its locations, and more are suppressed while one is
    pinned.

    Parameters
    ----------
    atoms : mapping of key to int array, shape (3, 8)
        The smallest groups scopes are made of (for example each department x location),
        each with its :func:`count_table`. Their headcounts are taken as known.
    scopes : mapping of scope to collection of atom keys
        Every scope a report may cover (the organisation, each allowed department and
        location) and the atoms it holds.
    policy : DisclosurePolicy

    Returns
    -------
    dict
        For each scope, the ``(dimension, category)`` pairs (``None`` for unknown) whose
        assessed count is withheld.

    Raises
    ------
    ReportRefused
        If no pattern protects every small count (it always exists while every scope
        holds people; this guards against solver failure).
    """
    order = list(atoms)
    names = list(scopes)
    held = {i: scopes[name] for i, name in enumerate(names)}
    start, exempt = [], []
    for i in held:
        table = sum((atoms[a] for a in held[i]), np.zeros(_BASE, dtype=np.int64))
        alone, _ = _assessed_cells([0], {0: table}, [i], {i: [0]})
        first = _initial(alone, policy)
        pinned = _exempt(alone, np.zeros(len(first), dtype=np.bool_))
        pattern = _protect(alone, first, pinned, _no_inequalities)
        if pattern is None:
            raise ReportRefused("no report can be published: its small counts cannot be protected")
        start.append(pattern)
        exempt.append(pinned)
    cells, keys = _assessed_cells(order, atoms, list(held), held)
    suppressed = _protect(cells, np.concatenate(start), np.concatenate(exempt), _no_inequalities)
    if suppressed is None:
        raise ReportRefused("no report can be published: its small counts cannot be protected")
    out: list[set[tuple[str, str | None]]] = [set() for _ in names]
    for (i, d, c), hidden in zip(keys, suppressed, strict=True):
        if hidden:
            out[i].add((d, c))
    return {name: frozenset(out[i]) for i, name in enumerate(names)}


def _initial(cells: _Cells, policy: DisclosurePolicy) -> BoolArray:
    """The sensitive cells (:func:`_sensitive`), suppressed from the start."""
    return np.array(
        [
            _sensitive(c, v, policy.min_cell)
            for c, v in zip(cells.categories, cells.values, strict=True)
        ],
        dtype=np.bool_,
    )


def _assessed_cells(
    order: Sequence[Key],
    atoms: Mapping[Key, IntArray],
    names: Sequence[int],
    scopes: Mapping[int, Collection[Key]],
) -> tuple[_Cells, list[tuple[int, str, str | None]]]:
    forms, keys = _assessed_forms(order, atoms, names, scopes)
    truth = np.concatenate([atoms[a].reshape(-1).astype(np.float64) for a in order])
    cells = _Cells(
        forms=forms,
        truth=truth,
        known=np.kron(np.eye(len(order)), np.ones((1, _BASE[0] * _BASE[1]))).astype(np.float64),
        modifiable=np.ones(len(keys), dtype=np.bool_),
        groups=_assessed_groups(keys),
        related=_assessed_related(keys),
        categories=[(d, c) for _, d, c in keys],
    )
    return cells, keys


def _assessed_forms(
    order: Sequence[Key],
    atoms: Mapping[Key, IntArray],
    names: Sequence[int],
    scopes: Mapping[int, Collection[Key]],
) -> tuple[FloatArray, list[tuple[int, str, str | None]]]:
    width = _BASE[0] * _BASE[1]
    position = {a: i for i, a in enumerate(order)}
    rows, keys = [], []
    for name in names:
        inside = np.zeros(len(order))
        inside[[position[a] for a in scopes[name]]] = 1.0
        for d, c in _CATEGORIES:
            rows.append(np.kron(inside, _MASKS[(d, c)].reshape(width).astype(np.float64)))
            keys.append((name, d, c))
    return np.array(rows).reshape(len(keys), len(order) * width), keys


def _assessed_groups(keys: Sequence[tuple[int, str, str | None]]) -> list[list[int]]:
    groups: dict[tuple[Hashable, str], list[int]] = {}
    for i, (name, d, _) in enumerate(keys):
        groups.setdefault((name, d), []).append(i)
    return list(groups.values())


def _assessed_related(
    keys: Sequence[tuple[int, str, str | None]],
) -> list[list[list[int]]]:
    index = {k: i for i, k in enumerate(keys)}
    scopes = list(dict.fromkeys(name for name, _, _ in keys))
    related = []
    for name, d, c in keys:
        inside = [[index[(name, rd, rc)] for rd, rc in tier] for tier in _related_categories(d, c)]
        across = [index[(other, d, c)] for other in scopes if other != name]
        related.append([*inside, across])
    return related


# --- one report --------------------------------------------------------------------------


def _report_cells(report: ImpactReport) -> tuple[_Cells, list[CellKey]]:
    truth = base_counts(report).reshape(-1).astype(np.float64)
    keys = [(d, c, kind) for d, c in _CATEGORIES for kind in KINDS]
    forms = np.array(
        [(_MASKS[(d, c)][..., None] * np.array(_OUTCOME[kind])).reshape(-1) for d, c, kind in keys]
    )
    index = {k: i for i, k in enumerate(keys)}
    rows = [[index[(d, c, kind)] for kind in KINDS] for d, c in _CATEGORIES]
    sums = [
        [index[(d, c, kind)] for dd, c in _CATEGORIES if dd == d]
        for d in dict.fromkeys(d for d, _ in _CATEGORIES)
        for kind in KINDS
    ]
    related = [_report_related(index, d, c, kind) for d, c, kind in keys]
    cells = _Cells(
        forms=forms,
        truth=truth,
        known=np.array([_OUTCOME_TOTAL["assessed"], _OUTCOME_TOTAL["selected"]]),
        modifiable=np.array([kind != "assessed" for _, _, kind in keys], dtype=np.bool_),
        groups=rows + sums,
        related=related,
        categories=[(d, c) for d, c, _ in keys],
    )
    return cells, keys


def _report_related(
    index: Mapping[CellKey, int], dimension: str, category: str | None, kind: str
) -> list[list[int]]:
    """Tiers of complements for one count: the same count of related categories (their
    first tier), the row's other count, then the rest of the related categories."""
    tiers = [
        [index[(d, c, kind)] for d, c in tier] for tier in _related_categories(dimension, category)
    ]
    row = [index[(dimension, category, k)] for k in KINDS if k not in (kind, "assessed")]
    return [tiers[0], row, *tiers[1:]]


_OUTCOME_TOTAL = {
    kind: np.tile(np.array(weights), _BASE[0] * _BASE[1]) for kind, weights in _OUTCOME.items()
}


def _reference(dimension: DimensionReport) -> CategoryRate | None:
    """The kept category with the highest rate (first in code list order on a tie), as
    :func:`recommender.fairness.impact_ratios` chose it, whether or not its rate is 0."""
    kept = [r for r in dimension.rows if not r.excluded]
    return max(kept, key=lambda r: r.selected / r.assessed, default=None)


def _order_revealed(report: ImpactReport, cells: _Cells, keys: Sequence[CellKey]) -> _Inequalities:
    """What a published reference reveals, as inequalities ``A x <= b`` on the table:
    every kept category's rate is at most the reference's, and each category holds at
    least (kept) or less than (excluded) its share of the sample. The same shares are
    revealed when no category qualifies."""
    index = {k: i for i, k in enumerate(keys)}
    share = report.metadata.exclude_below * report.assessed

    def revealed(suppressed: BoolArray) -> tuple[FloatArray, FloatArray]:
        rows: list[FloatArray] = []
        bounds: list[float] = []
        for name, categories, _ in DIMENSIONS:
            dimension = report.dimension(name)
            reference = _reference(dimension)
            if reference is not None and _hidden(suppressed, index, name, reference.category):
                continue
            for category in categories:
                a = cells.forms[index[(name, category, "assessed")]]
                kept = _is_kept(dimension, category)
                rows.append(-a if kept else a)
                bounds.append((-share if kept else share) + _TOLERANCE)
                if kept and reference is not None:
                    s = cells.forms[index[(name, category, "selected")]]
                    rows.append(s * reference.assessed - a * reference.selected)
                    bounds.append(_TOLERANCE)
        if not rows:
            return np.zeros((0, cells.forms.shape[1])), np.zeros(0)
        return np.array(rows), np.array(bounds)

    return revealed


def _hidden(suppressed: BoolArray, index: Mapping[CellKey, int], d: str, c: str) -> bool:
    return bool(suppressed[index[(d, c, "assessed")]] or suppressed[index[(d, c, "selected")]])


def _is_kept(dimension: DimensionReport, category: str) -> bool:
    try:
        return not dimension.row(category).excluded
    except KeyError:
        return False


def suppressed_cells(
    report: ImpactReport,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    withheld: Collection[tuple[str, str | None]] | None = None,
) -> frozenset[CellKey]:
    """The counts of ``report`` to suppress: small ones, their complements, and more
    while the linear-programming audit finds one pinned (see the module docstring).

    Parameters
    ----------
    report : ImpactReport
        As :func:`recommender.fairness.impact_ratios` computed it.
    policy : DisclosurePolicy
    withheld : collection of (dimension, category or None), optional
        Assessed counts the scope withholds in every report (:func:`withheld_assessed`);
        their rows are withheld whole. By default the report's population is taken as a
        scope of its own (:func:`withheld_assessed` over it alone). An explicit empty
        collection withholds only the small assessed counts, with no complement: their
        values may then be worked out from the other assessed counts.

    Returns
    -------
    frozenset of (dimension, category or None for unknown, kind)
        ``kind`` is one of :data:`KINDS`.

    Raises
    ------
    ReportRefused
        If no suppression pattern protects every small count (only when a solver fails).
    """
    table = base_counts(report)
    if withheld is None:
        withheld = withheld_assessed({0: table.sum(axis=2)}, {0: [0]}, policy)[0]
    key = (policy, frozenset(withheld), report.metadata.exclude_below, table.tobytes())
    found = withheld
    return _SUPPRESSED.get(key, lambda: _suppressed_cells(report, policy, found))


def _suppressed_cells(
    report: ImpactReport, policy: DisclosurePolicy, withheld: Collection[tuple[str, str | None]]
) -> frozenset[CellKey]:
    cells, keys = _report_cells(report)
    fixed = {
        (d, c)
        for (d, c, kind), v in zip(keys, cells.values, strict=True)
        if kind == "assessed" and ((d, c) in withheld or _sensitive((d, c), v, policy.min_cell))
    }
    start = np.array(
        [
            (d, c) in fixed or _sensitive((d, c), v, policy.min_cell)
            for (d, c, _), v in zip(keys, cells.values, strict=True)
        ],
        dtype=np.bool_,
    )
    exempt = _report_exempt(cells, ~cells.modifiable & ~start)
    suppressed = _protect(cells, start, exempt, _order_revealed(report, cells, keys))
    if suppressed is None:
        raise ReportRefused("this report cannot be published without revealing a small count")
    return frozenset(k for k, hidden in zip(keys, suppressed, strict=True) if hidden)


def disclose(
    report: ImpactReport,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    withheld: Collection[tuple[str, str | None]] | None = None,
    suppressed: Collection[CellKey] | None = None,
) -> DisclosedReport:
    """What may be published of ``report``: :func:`suppressed_cells` set to ``None`` with
    their reasons, and every value derived from them withheld too.

    Parameters
    ----------
    report : ImpactReport
    policy : DisclosurePolicy
    withheld : collection of (dimension, category or None)
        See :func:`suppressed_cells`.
    suppressed : collection of (dimension, category or None, kind), optional
        :func:`suppressed_cells` of this very report, if already computed.

    Raises
    ------
    ReportRefused
        As :func:`suppressed_cells`.
    """
    hidden = (
        suppressed_cells(report, policy, withheld=withheld) if suppressed is None else suppressed
    )
    dimensions = tuple(
        _published_dimension(report.dimension(name), categories, hidden, policy)
        for name, categories, _ in DIMENSIONS
    )
    return DisclosedReport(
        report.mode, report.assessed, report.selected, dimensions, report.metadata, policy
    )


# --- the published report ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedCategory:
    """One category's published row: ``None`` where a value is suppressed, and
    ``suppressed`` maps each such field to the reason.

    ``not_selected`` is ``assessed - selected`` (the people of the category not selected,
    or not above the median).
    """

    category: str
    assessed: int | None
    selected: int | None
    not_selected: int | None
    rate: float | None
    impact_ratio: float | None
    excluded: bool | None
    reason: str | None
    flags: tuple[Flag, ...]
    fisher_p: float | None
    suppressed: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "assessed": self.assessed,
            "selected": self.selected,
            "not_selected": self.not_selected,
            "rate": _finite(self.rate),
            "impact_ratio": _finite(self.impact_ratio),
            "excluded": self.excluded,
            "reason": self.reason,
            "flags": [str(f) for f in self.flags],
            "fisher_p": _finite(self.fisher_p),
            "suppressed": dict(self.suppressed),
        }


@dataclass(frozen=True, slots=True)
class PublishedDimension:
    """One dimension's published rows (every category of its code list, in order) and
    unknown counts; ``reference`` is named only when its counts are published."""

    dimension: str
    rows: tuple[PublishedCategory, ...]
    unknown: int | None
    unknown_selected: int | None
    unknown_not_selected: int | None
    reference: str | None
    reason: str | None
    suppressed: Mapping[str, str]

    def row(self, category: str) -> PublishedCategory:
        """The row of ``category``; raises KeyError if it is not in the code list."""
        for r in self.rows:
            if r.category == category:
                return r
        raise KeyError(category)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "unknown": self.unknown,
            "unknown_selected": self.unknown_selected,
            "unknown_not_selected": self.unknown_not_selected,
            "reference": self.reference,
            "reason": self.reason,
            "suppressed": dict(self.suppressed),
            "categories": [r.to_dict() for r in self.rows],
        }


@dataclass(frozen=True, slots=True)
class DisclosedReport:
    """An impact-ratio report as it may be published: totals, suppressed rows, metadata
    and the policy applied."""

    mode: Mode
    assessed: int
    selected: int
    dimensions: tuple[PublishedDimension, ...]
    metadata: AuditMetadata
    policy: DisclosurePolicy

    def dimension(self, name: str) -> PublishedDimension:
        """``"sex"``, ``"race_ethnicity"`` or ``"intersection"``."""
        for d in self.dimensions:
            if d.dimension == name:
                return d
        raise KeyError(name)

    @property
    def unknown(self) -> dict[str, int | None]:
        """People assessed but left out of the rates, per dimension (``None`` if suppressed)."""
        return {d.dimension: d.unknown for d in self.dimensions}

    def cells(self) -> dict[CellKey, int | None]:
        """Every published count by ``(dimension, category or None, kind)``."""
        out: dict[CellKey, int | None] = {}
        for d in self.dimensions:
            for r in d.rows:
                for kind, value in zip(
                    KINDS, (r.assessed, r.selected, r.not_selected), strict=True
                ):
                    out[(d.dimension, r.category, kind)] = value
            unknown = (d.unknown, d.unknown_selected, d.unknown_not_selected)
            for kind, value in zip(KINDS, unknown, strict=True):
                out[(d.dimension, None, kind)] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: ``None`` wherever a value is suppressed or undefined."""
        return {
            "mode": self.mode,
            "assessed": self.assessed,
            "selected": self.selected,
            "unknown": self.unknown,
            "metadata": self.metadata.to_dict() | self.policy.to_dict(),
            "dimensions": {d.dimension: d.to_dict() for d in self.dimensions},
        }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _published_dimension(
    dimension: DimensionReport,
    categories: Sequence[str],
    hidden: Collection[CellKey],
    policy: DisclosurePolicy,
) -> PublishedDimension:
    name = dimension.dimension
    reference = _reference(dimension)
    reference_shown = reference is None or not any(
        (name, reference.category, k) in hidden for k in KINDS[:2]
    )
    rows = tuple(
        _published_row(name, c, _row_or_none(dimension, c), hidden, reference_shown, policy)
        for c in categories
    )
    unknown = [
        None if (name, None, kind) in hidden else value
        for kind, value in zip(
            KINDS,
            (
                dimension.unknown,
                dimension.unknown_selected,
                dimension.unknown - dimension.unknown_selected,
            ),
            strict=True,
        )
    ]
    suppressed = {
        field_name: policy.count_reason
        for field_name, value in zip(
            ("unknown", "unknown_selected", "unknown_not_selected"), unknown, strict=True
        )
        if value is None
    }
    if not reference_shown:
        suppressed["reference"] = REFERENCE_REASON
    return PublishedDimension(
        dimension=name,
        rows=rows,
        unknown=unknown[0],
        unknown_selected=unknown[1],
        unknown_not_selected=unknown[2],
        reference=dimension.reference if reference_shown else None,
        reason=dimension.reason if reference_shown else None,
        suppressed=MappingProxyType(suppressed),
    )


def _row_or_none(dimension: DimensionReport, category: str) -> CategoryRate | None:
    try:
        return dimension.row(category)
    except KeyError:
        return None


def _published_row(
    name: str,
    category: str,
    row: CategoryRate | None,
    hidden: Collection[CellKey],
    reference_shown: bool,
    policy: DisclosurePolicy,
) -> PublishedCategory:
    assessed = 0 if row is None else row.assessed
    selected = 0 if row is None else row.selected
    counts = {"assessed": assessed, "selected": selected, "not_selected": assessed - selected}
    shown = {k: (None if (name, category, k) in hidden else v) for k, v in counts.items()}
    suppressed = {k: policy.count_reason for k, v in shown.items() if v is None}
    if row is None or suppressed:
        for derived in ("rate", "impact_ratio", "fisher_p"):
            suppressed[derived] = ROW_REASON
        if shown["assessed"] is None:
            suppressed["excluded"] = ROW_REASON
        return PublishedCategory(
            category=category,
            assessed=shown["assessed"],
            selected=shown["selected"],
            not_selected=shown["not_selected"],
            rate=None,
            impact_ratio=None,
            excluded=None if shown["assessed"] is None else row is not None and row.excluded,
            reason=None
            if row is None or shown["assessed"] is None or not row.excluded
            else row.reason,
            flags=(Flag.LOW_N,)
            if row is not None and Flag.LOW_N in row.flags and shown["assessed"] is not None
            else (),
            fisher_p=None,
            suppressed=MappingProxyType(suppressed),
        )
    if not reference_shown and not row.excluded:
        suppressed = {"impact_ratio": REFERENCE_REASON, "fisher_p": REFERENCE_REASON}
        return PublishedCategory(
            category=category,
            assessed=row.assessed,
            selected=row.selected,
            not_selected=row.assessed - row.selected,
            rate=row.rate,
            impact_ratio=None,
            excluded=row.excluded,
            reason=None,
            flags=tuple(f for f in row.flags if f == Flag.LOW_N),
            fisher_p=None,
            suppressed=MappingProxyType(suppressed),
        )
    return PublishedCategory(
        category=category,
        assessed=row.assessed,
        selected=row.selected,
        not_selected=row.assessed - row.selected,
        rate=row.rate,
        impact_ratio=row.impact_ratio,
        excluded=row.excluded,
        reason=row.reason,
        flags=row.flags,
        fisher_p=row.fisher_p,
        suppressed=MappingProxyType({}),
    )
