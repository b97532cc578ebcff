"""Who inside could do this job, and where could an employee go.

* :mod:`~recommender.candidates.index` -- :class:`CandidateIndex`, the prepared,
  immutable state (levels, vectors, lower-bound tables), fitted once per catalogue;
* :mod:`~recommender.candidates.hours` -- lower bounds on training hours for all
  employees at once;
* :mod:`~recommender.candidates.scoring` -- bounded scores and exact refinement;
* :mod:`~recommender.candidates.plans` -- exact plans, memoised by plan signature;
* :mod:`~recommender.candidates.shortlist` -- candidate shortlists for a role;
* :mod:`~recommender.candidates.mobility` -- the roles an employee could move to;
* :mod:`~recommender.candidates.career` -- kinds of move (step up, lateral, step down) and
  what counts as near;
* :mod:`~recommender.candidates.goals` -- career goals, set or stated in a profile;
* :mod:`~recommender.candidates.demand` -- the hard-to-fill view.
"""

from __future__ import annotations

from recommender.candidates.demand import RoleDemand, demand_score, hard_to_fill_view
from recommender.candidates.hours import CoverTable, cover_table
from recommender.candidates.index import CandidateIndex, RoleColumns, profile_text, role_text
from recommender.candidates.mobility import (
    GoalRoutes,
    MobilityOption,
    MobilityWeights,
    Opportunities,
    Routes,
    mobility_options,
)
from recommender.candidates.scoring import ShortlistWeights, hours_score, refine_top
from recommender.candidates.shortlist import (
    Candidate,
    ScoreComponents,
    Shortlist,
    ShortlistFilter,
    candidate_reasons,
    shortlist,
)

__all__ = [
    "RoleDemand",
    "demand_score",
    "hard_to_fill_view",
    "MobilityOption",
    "MobilityWeights",
    "Opportunities",
    "GoalRoutes",
    "Routes",
    "mobility_options",
    "CoverTable",
    "cover_table",
    "CandidateIndex",
    "RoleColumns",
    "profile_text",
    "role_text",
    "ShortlistWeights",
    "hours_score",
    "refine_top",
    "Candidate",
    "ScoreComponents",
    "Shortlist",
    "ShortlistFilter",
    "candidate_reasons",
    "shortlist",
]
