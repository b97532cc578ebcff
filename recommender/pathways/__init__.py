"""Training pathways: skill gaps, cheapest valid course plans and stepping-stone roles.

* :mod:`~recommender.pathways.gaps` — learner profiles and gap analysis;
* :mod:`~recommender.pathways.plan` — what planning returns: training plans, role paths
  and the objective a plan minimises;
* :mod:`~recommender.pathways.prerequisites` — what a course needs and what taking it gives;
* :mod:`~recommender.pathways.programme` — the exact course-choice integer programme;
* :mod:`~recommender.pathways.search` — the branch and bound for plans by fewest hours;
* :mod:`~recommender.pathways.schedule` — a valid order of the chosen courses, with dates;
* :mod:`~recommender.pathways.planner` — :class:`Planner`, the facade over the four above;
* :mod:`~recommender.pathways.stepping` — multi-hop role paths over viable moves;
* :mod:`~recommender.pathways.explain` — plain-language reasons;
* :mod:`~recommender.pathways.answer` — one pathway answer, shared by the CLI and the API.
"""

from __future__ import annotations

from recommender.pathways.gaps import (
    GapAnalysis,
    LearnerProfile,
    SkillGap,
    analyse_gaps,
    employee_profile,
    role_profile,
)
from recommender.pathways.plan import (
    Hop,
    Objective,
    PlanStep,
    RolePath,
    Selection,
    TrainingPlan,
    UnclosableGap,
    plan_key,
)
from recommender.pathways.planner import Planner, plan_training
from recommender.pathways.prerequisites import order_violation
from recommender.pathways.stepping import (
    CoverageJudge,
    SteppingStones,
    TransitionJudge,
)

__all__ = [
    "GapAnalysis",
    "LearnerProfile",
    "SkillGap",
    "analyse_gaps",
    "employee_profile",
    "role_profile",
    "Objective",
    "PlanStep",
    "Planner",
    "Selection",
    "TrainingPlan",
    "UnclosableGap",
    "order_violation",
    "plan_key",
    "plan_training",
    "CoverageJudge",
    "Hop",
    "RolePath",
    "SteppingStones",
    "TransitionJudge",
]
