"""Impact-ratio reports as they are given out: authorised, scoped, suppressed, guarded, logged.

:func:`impact_report` is the one entry point (no HTTP in it). For a question (role, mode,
selection size, scope) it:

1. **authorises**: the principal must hold ``impact.read`` (admin and auditor keys);
2. **validates** the question: selection sizes come from a fixed ladder
   (:data:`LIMITS`); scoring mode takes no size; one scope dimension at most;
3. **scopes** the population: the organisation, one department or one location, each
   refused unless it may be reported on (:func:`recommender.disclosure.allowed_values`:
   at least ``min_population`` people, with complementary refusals). The refusal names
   only the value asked, never another value or any size;
4. takes as **population** everyone in the scope who has not opted out of matching, the
   same people for every role, so two reports over one scope always have the same
   assessed counts. People who already hold the role or another hard-to-fill role are
   assessed and never selected in selection mode (a shortlist never lists them);
5. **selects**: selection mode, the role's shortlist of that size (exactly what
   ``GET /v1/roles/{role}/candidates`` lists for the same scope); scoring mode, everyone
   whose first-stage score for the role is strictly above the median of everyone
   assessed. Scores are computed for the whole population at once from the candidate
   index (readiness, lower-bound hours, transition, similarity, the shortlist weights:
   the first stage of :func:`recommender.candidates.shortlist`), never by ranking
   everyone into a shortlist. Holders of the role are scored like anyone else;
6. computes the **LL144 report** (:func:`recommender.fairness.impact_ratios`, unchanged)
   and **suppresses** it (:func:`recommender.disclosure.disclose`, with the scope's
   assessed-count pattern from :func:`recommender.disclosure.withheld_assessed`);
7. applies the **differencing guard** and **stores and logs** the report in one write
   transaction (:mod:`recommender.store.reports`), then returns it.

What is the same for every report over a catalogue (the allowed scopes, their
populations and withheld assessed counts) is computed once per Recommender and
remembered with its answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from recommender import __version__
from recommender.access import Action, Principal
from recommender.candidates import CandidateIndex, ShortlistFilter, ShortlistWeights, hours_score
from recommender.candidates.scoring import DEFAULT_HOURS_SCALE
from recommender.catalog import ProtectedAttributes
from recommender.disclosure import (
    DEFAULT_POLICY,
    DisclosedReport,
    DisclosurePolicy,
    allowed_values,
    count_table,
    disclose,
    withheld_assessed,
)
from recommender.errors import InvalidInput, ModelMissing, ReportRefused
from recommender.fairness import (
    Mode,
    Outcome,
    impact_ratios,
    scored_outcomes,
    selected_ids,
    shortlist_outcomes,
)
from recommender.service import Recommender
from recommender.store import load_protected_attributes
from recommender.store.reports import check_report, publish_report

__all__ = [
    "LIMITS",
    "DEFAULT_LIMIT",
    "DATA_SOURCE",
    "POPULATION",
    "ImpactQuestion",
    "ReportScope",
    "PublishedImpactReport",
    "impact_report",
    "report_scope",
    "prepare_reports",
    "first_stage_scores",
    "ACADEMY_SOURCE",
    "selection_audit",
]

ACADEMY_SOURCE = "reskill academy plan over the organisation's stored employees"

#: The selection sizes a report may be asked for (any other would let two sizes one apart
#: be differenced).
LIMITS: tuple[int, ...] = (10, 25, 50, 100)
DEFAULT_LIMIT = 10
DATA_SOURCE = "reskill candidate ranking over the organisation's stored employees"
POPULATION = (
    "everyone in the scope who has not opted out of internal matching, the same people for "
    "every role; people who already hold this role or another hard-to-fill role are "
    "assessed and never selected in selection mode, and scored like anyone else in "
    "scoring mode"
)

IntpArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class ImpactQuestion:
    """What a caller asks: a role, a mode, a selection size (selection mode) and at most
    one of a department or a location (``None`` for the organisation)."""

    role_id: str
    mode: Mode = "selection"
    limit: int | None = None
    department: str | None = None
    location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "mode": self.mode,
            "limit": self.limit,
            "department": self.department,
            "location": self.location,
        }


@dataclass(frozen=True, slots=True)
class ReportScope:
    """The organisation, one department or one location (``value`` as the data spell it)."""

    kind: Literal["organisation", "department", "location"] = "organisation"
    value: str | None = None

    @property
    def label(self) -> str:
        """``"organisation"``, ``"department: <name>"`` or ``"location: <name>"``."""
        return self.kind if self.value is None else f"{self.kind}: {self.value}"

    def shortlist_filter(self) -> ShortlistFilter:
        return ShortlistFilter(
            department=self.value if self.kind == "department" else None,
            location=self.value if self.kind == "location" else None,
        )


ORGANISATION = ReportScope()


@dataclass(frozen=True, slots=True)
class PublishedImpactReport:
    """A report as given out: its id, the question (limit resolved), the scope and the
    suppressed report."""

    report_id: str
    question: ImpactQuestion
    role_title: str
    scope: ReportScope
    report: DisclosedReport
    limits: tuple[int, ...] = field(default=LIMITS)

    def to_dict(self) -> dict[str, Any]:
        """:meth:`DisclosedReport.to_dict` with the question, the scope and the population
        rule in the metadata."""
        out = self.report.to_dict()
        out["metadata"] |= {
            "report_id": self.report_id,
            "role_id": self.question.role_id,
            "role_title": self.role_title,
            "limit": self.question.limit,
            "department": self.question.department,
            "location": self.question.location,
            "scope": self.scope.label,
            "population": POPULATION,
            "allowed_limits": list(self.limits),
        }
        return out


def impact_report(
    service: Recommender,
    engine: sa.Engine,
    principal: Principal,
    question: ImpactQuestion,
    *,
    route: str,
    request_id: str,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> PublishedImpactReport:
    """Authorise, compute, suppress, guard, store and log one impact-ratio report.

    Parameters
    ----------
    service : Recommender
        The catalogue and candidate index being served.
    engine : sqlalchemy.Engine
        The database holding protected attributes, published reports and the access log.
    principal : Principal
        The caller; needs ``impact.read``.
    question : ImpactQuestion
    route : str
        The route that asked, for the access log (e.g. ``"GET /v1/audit/impact-ratio"``).
    request_id : str
        For the access log.
    policy : DisclosurePolicy

    Returns
    -------
    PublishedImpactReport
        Returned only after it is stored and its access-log row committed.

    Raises
    ------
    ReportRefused
        The principal may not read impact reports; the scope may not be reported on
        (unknown, too small, or withheld with smaller ones: the message does not say
        which); the report's selection differs from a published one's by too few people.
    InvalidInput
        A limit off the ladder, a limit in scoring mode, an unknown mode, a department
        and a location together.
    UnknownRole
        No such role.
    ModelMissing
        The service has no embedding model.
    """
    if not principal.may(Action.IMPACT_READ):
        article = "an" if str(principal.role)[:1] in "aeiou" else "a"
        raise ReportRefused(f"{article} {principal.role} key may not read impact-ratio reports")
    question = _validated(question)
    role = service.role(question.role_id)
    if service.encoder is None:
        raise ModelMissing(
            "an impact-ratio report needs the embedding model, and none is configured"
        )
    book = _scope_book(service, engine, policy)
    scope = report_scope(service, engine, question, policy)
    protected = load_protected_attributes(engine)
    outcomes = _outcomes(service, question, scope, book.rows[scope], protected)
    chosen = selected_ids(outcomes, mode=question.mode)
    check_report(engine, chosen, policy.min_difference)
    computed = impact_ratios(
        outcomes, mode=question.mode, data_source=DATA_SOURCE, version=_version(service)
    )
    published = disclose(computed, policy, withheld=book.withheld[scope])
    report_id = publish_report(
        engine,
        principal,
        question=question.to_dict() | {"scope": scope.label},
        scope=scope.label,
        members=chosen,
        min_difference=policy.min_difference,
        route=route,
        request_id=request_id,
    )
    return PublishedImpactReport(report_id, question, role.title, scope, published)


def selection_audit(
    service: Recommender,
    engine: sa.Engine,
    principal: Principal,
    selected: Sequence[str],
    *,
    question: Mapping[str, object],
    route: str,
    request_id: str,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """The impact-ratio audit of a selection made outside a shortlist (an academy plan's
    people), as a shortlist's selection gets it: the organisation's population (everyone
    not opted out), the LL144 report, the same suppression, the same differencing guard,
    published and logged. A refusal is returned as ``{"refused": reason}``, never raised:
    the plan stands, its audit is withheld."""
    book = _scope_book(service, engine, policy)
    if ORGANISATION not in book.rows:
        return {"refused": "no report can be made: the organisation holds too few people"}
    protected = load_protected_attributes(engine)
    assessed = service.candidate_index.employee_ids_
    outcomes = shortlist_outcomes(assessed, list(selected), protected)
    chosen = selected_ids(outcomes, mode="selection")
    try:
        check_report(engine, chosen, policy.min_difference)
    except ReportRefused as refused:
        return {"refused": str(refused)}
    computed = impact_ratios(
        outcomes, mode="selection", data_source=ACADEMY_SOURCE, version=_version(service)
    )
    published = disclose(computed, policy, withheld=book.withheld[ORGANISATION])
    report_id = publish_report(
        engine,
        principal,
        question=dict(question) | {"scope": ORGANISATION.label},
        scope=ORGANISATION.label,
        members=chosen,
        min_difference=policy.min_difference,
        route=route,
        request_id=request_id,
    )
    out = published.to_dict()
    out["metadata"] |= {"report_id": report_id, "scope": ORGANISATION.label}
    return out


def report_scope(
    service: Recommender,
    engine: sa.Engine,
    question: ImpactQuestion,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> ReportScope:
    """The scope ``question`` asks for, if a report may cover it.

    Raises
    ------
    InvalidInput
        A department and a location together.
    ReportRefused
        The organisation is too small, or the department or location is unknown, too
        small or withheld with smaller ones (the message does not say which, and names no
        other value).
    """
    if question.department is not None and question.location is not None:
        raise InvalidInput("give a department or a location, not both")
    book = _scope_book(service, engine, policy)
    if question.department is not None:
        return _named(book.departments, "department", question.department)
    if question.location is not None:
        return _named(book.locations, "location", question.location)
    if ORGANISATION not in book.rows:
        raise ReportRefused("no report can be made: the organisation holds too few people")
    return ORGANISATION


def prepare_reports(
    service: Recommender, engine: sa.Engine, policy: DisclosurePolicy = DEFAULT_POLICY
) -> None:
    """Decide now what every report over ``service``'s catalogue shares (the allowed
    scopes and their withheld assessed counts; seconds on a few hundred people), so the
    first report asked does not wait for it. Call it when warming a new Recommender."""
    _scope_book(service, engine, policy)


def _named(
    allowed: Mapping[str, str], kind: Literal["department", "location"], value: str
) -> ReportScope:
    found = allowed.get(value.casefold())
    if found is None:
        raise ReportRefused(
            f"no report can cover {kind} {value!r}: it is unknown, holds too few people, or "
            f"must be withheld so that smaller ones cannot be worked out"
        )
    return ReportScope(kind, found)


def _validated(question: ImpactQuestion) -> ImpactQuestion:
    if question.mode not in ("selection", "scoring"):
        raise InvalidInput(f"mode must be 'selection' or 'scoring', got {question.mode!r}")
    if question.mode == "scoring":
        if question.limit is not None:
            raise InvalidInput("scoring mode counts everyone above the median score: give no limit")
        return question
    limit = DEFAULT_LIMIT if question.limit is None else question.limit
    if isinstance(limit, bool) or limit not in LIMITS:
        allowed = ", ".join(map(str, LIMITS))
        raise InvalidInput(f"limit must be one of {allowed} (selection sizes are fixed)")
    return replace(question, limit=limit)


def _version(service: Recommender) -> str:
    model = service.encoder.name if service.encoder is not None else "no embedding model"
    return f"reskill {__version__}; embeddings {model}"


# --- population and selection -----------------------------------------------------------


def _outcomes(
    service: Recommender,
    question: ImpactQuestion,
    scope: ReportScope,
    rows: IntpArray | None,
    protected: Mapping[str, ProtectedAttributes],
) -> list[Outcome]:
    index = service.candidate_index
    assessed = index.employee_ids_ if rows is None else index.ids(rows)
    if question.mode == "selection":
        assert question.limit is not None  # _validated resolved it
        listed = service.shortlist(question.role_id, question.limit, scope.shortlist_filter())
        return shortlist_outcomes(assessed, [c.employee_id for c in listed.candidates], protected)
    scores = first_stage_scores(index, question.role_id, rows)
    return scored_outcomes(dict(zip(assessed, scores.tolist(), strict=True)), protected)


def first_stage_scores(
    index: CandidateIndex, role_id: str, rows: IntpArray | None = None
) -> npt.NDArray[np.float64]:
    """Every indexed employee's (or ``rows``') first-stage score for ``role_id``, holders
    of the role included: shape (n,), float64.

    The score a shortlist gives a candidate before exact planning (hours to ready taken as
    their lower bound), with the default weights, computed for everyone at once: equal to
    ``Candidate.score`` of ``shortlist(..., exact_hours=False)`` for those it lists.

    Raises
    ------
    UnknownRole
        No such role.
    """
    cols = index.columns(role_id, rows)
    w = ShortlistWeights()
    similarity = np.zeros_like(cols.readiness) if cols.similarity is None else cols.similarity
    # The order and precision of ScoreComponents.total: float64 sums of float32 parts.
    return (
        w.readiness * cols.readiness.astype(np.float64)
        + w.hours * hours_score(cols.hours, DEFAULT_HOURS_SCALE).astype(np.float64)
        + w.transition * cols.transition.astype(np.float64)
        + w.similarity * np.maximum(similarity.astype(np.float64), 0.0)
    )


# --- what is the same for every report over one catalogue -------------------------------


@dataclass(frozen=True, slots=True)
class _ScopeBook:
    """The allowed scopes (their index rows, ``None`` for everyone), the allowed department
    and location names by their case-folded spelling, and each scope's withheld assessed
    counts."""

    rows: Mapping[ReportScope, IntpArray | None]
    departments: Mapping[str, str]
    locations: Mapping[str, str]
    withheld: Mapping[ReportScope, frozenset[tuple[str, str | None]]]


def _scope_book(service: Recommender, engine: sa.Engine, policy: DisclosurePolicy) -> _ScopeBook:
    return service.remembered(
        ("impact-report scopes", policy),
        lambda: _build_scope_book(service.candidate_index, engine, policy),
    )


def _build_scope_book(
    index: CandidateIndex, engine: sa.Engine, policy: DisclosurePolicy
) -> _ScopeBook:
    if len(index) < policy.min_population:
        return _ScopeBook({}, {}, {}, {})
    departments = _allowed(index.departments_, index.department_codes_, policy)
    locations = _allowed(index.locations_, index.location_codes_, policy)
    rows: dict[ReportScope, IntpArray | None] = {ORGANISATION: None}
    for name, code in departments.items():
        rows[ReportScope("department", name)] = np.flatnonzero(index.department_codes_ == code)
    for name, code in locations.items():
        rows[ReportScope("location", name)] = np.flatnonzero(index.location_codes_ == code)
    atoms = index.department_codes_.astype(np.int64) * len(index.locations_) + index.location_codes_
    protected = load_protected_attributes(engine)
    tables = {
        int(atom): count_table(_attributes(protected, index.ids(np.flatnonzero(atoms == atom))))
        for atom in np.unique(atoms)
    }
    members = {
        scope: sorted(set(atoms.tolist() if r is None else atoms[r].tolist()))
        for scope, r in rows.items()
    }
    return _ScopeBook(
        rows=rows,
        departments={n.casefold(): n for n in departments},
        locations={n.casefold(): n for n in locations},
        withheld=withheld_assessed(tables, members, policy),
    )


def _allowed(
    names: tuple[str, ...], codes: npt.NDArray[np.int32], policy: DisclosurePolicy
) -> dict[str, int]:
    sizes = dict(zip(names, np.bincount(codes, minlength=len(names)).tolist(), strict=True))
    kept = allowed_values(sizes, policy.min_population)
    return {name: i for i, name in enumerate(names) if name in kept}


def _attributes(
    protected: Mapping[str, ProtectedAttributes], ids: tuple[str, ...]
) -> list[tuple[str | None, str | None]]:
    found = (protected.get(e) for e in ids)
    return [(None, None) if p is None else (p.sex, p.race_ethnicity) for p in found]
