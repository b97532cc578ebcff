"""Academy planning: fill hard-to-fill vacancies from inside, within a budget.

* :mod:`~recommender.academy.programme` -- the cohort integer programme (HiGHS): which
  options (a person's plan toward a role) to choose, criteria in order;
* :mod:`~recommender.academy.planning` -- the catalogue's side: who may be chosen, their
  dated plans, why each vacancy stays open, the backfill each move creates.
"""

from __future__ import annotations

from recommender.academy.planning import (
    Assignment,
    Backfill,
    CohortPlan,
    CohortRequest,
    CohortRun,
    OpenReason,
    OpenVacancy,
    plan_cohort,
    role_weight,
)
from recommender.academy.programme import Choice, Limits, Option, choose

__all__ = [
    "Assignment",
    "Backfill",
    "Choice",
    "CohortPlan",
    "CohortRequest",
    "CohortRun",
    "Limits",
    "OpenReason",
    "OpenVacancy",
    "Option",
    "choose",
    "plan_cohort",
    "role_weight",
]
