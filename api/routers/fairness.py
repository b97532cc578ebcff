"""The adverse-impact audit of a role's candidate ranking (admin and auditor keys).

``GET /v1/audit/impact-ratio?role_id=&mode=selection|scoring&limit=&department=|location=``
reports selection rates and impact ratios per sex, race/ethnicity and their intersection
(:mod:`recommender.fairness`, NYC LL144 rules), as :func:`recommender.reports.impact_report`
publishes them: over everyone in the scope who has not opted out of matching; small
counts suppressed (``null``, with the reason under ``suppressed``); refused (422) when the
scope is too small or when the people it selects differ from an earlier report's by too
few. ``limit`` is one of 10, 25, 50, 100 in selection mode (default 10) and absent in
scoring mode.

The reply holds category counts only: no employee id, no person-level row. Each report
is stored with whom it selected and logged (``impact.read``, the question, no person).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.auth import require
from api.deps import GateDep, NoStore
from api.schemas import Schema
from recommender.access import Action
from recommender.reports import ImpactQuestion

router = APIRouter(prefix="/v1/audit")

RoleQuery = Annotated[str, Query(min_length=1, max_length=200)]
Limit = Annotated[int | None, Query(description="10, 25, 50 or 100 (selection mode only)")]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]


class CategoryOut(Schema):
    """One category's counts, rate and impact ratio; ``None`` where suppressed (the reason
    is under ``suppressed``, by field); never a person."""

    category: str
    assessed: int | None
    selected: int | None
    not_selected: int | None
    rate: float | None
    impact_ratio: float | None
    excluded: bool | None
    reason: str | None
    flags: list[str]
    fisher_p: float | None
    suppressed: dict[str, str]


class DimensionOut(Schema):
    dimension: str
    unknown: int | None
    unknown_selected: int | None
    unknown_not_selected: int | None
    reference: str | None
    reason: str | None
    suppressed: dict[str, str]
    categories: list[CategoryOut]


class ImpactMetadataOut(Schema):
    """How the report was made (ruleset, model and version, date, data source and window),
    what was asked, the population rule and the disclosure policy applied."""

    data_source: str
    window_start: date | None
    window_end: date | None
    version: str
    calculated_on: date
    ruleset: str
    exclude_below: float
    min_assessed: int
    impact_ratio_threshold: float
    fisher_alpha: float
    median_score: float | None
    report_id: str
    role_id: str
    role_title: str
    limit: int | None
    department: str | None
    location: str | None
    scope: str
    population: str
    allowed_limits: list[int]
    min_cell: int
    min_population: int
    min_difference: int


class ImpactReportOut(Schema):
    """:meth:`recommender.reports.PublishedImpactReport.to_dict`."""

    mode: Literal["selection", "scoring"]
    assessed: int
    selected: int
    unknown: dict[str, int | None]
    metadata: ImpactMetadataOut
    dimensions: dict[str, DimensionOut]


@router.get(
    "/impact-ratio",
    response_model=ImpactReportOut,
    dependencies=[require(Action.IMPACT_READ), NoStore],
)
def get_impact_ratio(
    role_id: RoleQuery,
    gate: GateDep,
    limit: Limit = None,
    mode: Literal["selection", "scoring"] = "selection",
    department: Text = None,
    location: Text = None,
) -> ImpactReportOut:
    """Selection rates and impact ratios of ``role_id``'s shortlist of ``limit`` (selection)
    or of every first-stage score (scoring), as they may be published."""
    question = ImpactQuestion(role_id, mode, limit, department, location)
    published = gate.impact_report(question)
    return ImpactReportOut.model_validate(published.to_dict())
