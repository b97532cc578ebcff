"""The adverse-impact audit of a role's candidate shortlist (admin, talent).

``GET /v1/audit/impact-ratio?role_id=&limit=&mode=selection|scoring`` reports selection
rates and impact ratios per sex, race/ethnicity and their intersection
(:mod:`recommender.fairness`, NYC LL144 rules). The population is everyone the ranking
assessed for the role (``Shortlist.assessed``: the role's pool after the department and
location scoping, before any threshold).

* **selection**: selected = the people on the shortlist of that size.
* **scoring**: every assessed person's score, counted above or below the median
  (``limit`` plays no part and is reported as null). The scores are the first-stage
  ranking scores (hours to ready as their lower bound, no exact plans), so that
  everyone assessed has one at the cost of one pass; a shortlist re-scores its top
  entries with exact hours, which can only lower those scores.

The reply holds category counts only: no employee id, no person-level row. Nobody's
record is read, so nothing is written to the access log.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query

from api.auth import require
from api.deps import EngineDep, NoStore, RecommenderDep
from api.schemas import Schema
from recommender import __version__
from recommender.access import Action
from recommender.candidates import ShortlistFilter
from recommender.database import load_protected_attributes
from recommender.fairness import (
    ImpactReport,
    Mode,
    impact_ratios,
    scored_outcomes,
    shortlist_outcomes,
)
from recommender.service import Recommender

router = APIRouter(prefix="/v1/audit")

DATA_SOURCE = "reskill candidate ranking over the organisation's stored employees"

RoleQuery = Annotated[str, Query(min_length=1, max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]


class CategoryOut(Schema):
    """One category's counts, rate and impact ratio; never a person."""

    category: str
    assessed: int
    selected: int
    rate: float | None
    impact_ratio: float | None
    excluded: bool
    reason: str | None
    flags: list[str]
    fisher_p: float | None


class DimensionOut(Schema):
    dimension: str
    unknown: int
    unknown_selected: int
    reference: str | None
    reason: str | None
    categories: list[CategoryOut]


class ImpactMetadataOut(Schema):
    """How the report was made: ruleset, model and version, date, and the shortlist asked."""

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
    role_id: str
    role_title: str
    limit: int | None
    department: str | None
    location: str | None


class ImpactReportOut(Schema):
    """:meth:`recommender.fairness.ImpactReport.to_dict`, with the shortlist in the metadata."""

    mode: Literal["selection", "scoring"]
    assessed: int
    selected: int
    unknown: dict[str, int]
    metadata: ImpactMetadataOut
    dimensions: dict[str, DimensionOut]


def _version(service: Recommender) -> str:
    model = service.encoder.name if service.encoder is not None else "no embedding model"
    return f"reskill {__version__}; embeddings {model}"


def _report(
    service: Recommender,
    engine: sa.Engine,
    role_id: str,
    limit: int,
    scope: ShortlistFilter,
    mode: Mode,
) -> ImpactReport:
    """The report of ``role_id``'s shortlist of ``limit`` (selection) or of every score."""
    protected = load_protected_attributes(engine)
    if mode == "selection":
        listed = service.shortlist(role_id, limit, scope)
        chosen = [c.employee_id for c in listed.candidates]
        outcomes = shortlist_outcomes(listed.assessed, chosen, protected)
    else:
        # Everyone assessed gets a candidate: no readiness or hours threshold is set.
        everyone = max(1, len(service.catalog.employees))
        ranked = service.shortlist(role_id, everyone, scope, exact_hours=False)
        outcomes = scored_outcomes({c.employee_id: c.score for c in ranked.candidates}, protected)
    return impact_ratios(outcomes, mode=mode, data_source=DATA_SOURCE, version=_version(service))


@router.get(
    "/impact-ratio",
    response_model=ImpactReportOut,
    dependencies=[require(Action.IMPACT_READ), NoStore],
)
def get_impact_ratio(
    role_id: RoleQuery,
    service: RecommenderDep,
    engine: EngineDep,
    limit: Limit = 10,
    mode: Literal["selection", "scoring"] = "selection",
    department: Text = None,
    location: Text = None,
) -> ImpactReportOut:
    """Selection rates and impact ratios of ``role_id``'s shortlist of ``limit``."""
    scope = ShortlistFilter(department=department, location=location)
    report = _report(service, engine, role_id, limit, scope, mode).to_dict()
    report["metadata"] |= {
        "role_id": role_id,
        "role_title": service.role(role_id).title,
        "limit": limit if mode == "selection" else None,
        "department": department,
        "location": location,
    }
    return ImpactReportOut.model_validate(report)
