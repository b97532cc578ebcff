"""Training pathways: skill gaps, cheapest valid course plans and stepping-stone roles.

* :mod:`~recommender.pathways.gaps` — learner profiles and gap analysis;
* :mod:`~recommender.pathways.planner` — the exact, prerequisite-respecting
  course planner and its schedule;
* :mod:`~recommender.pathways.stepping` — multi-hop role paths over viable moves;
* :mod:`~recommender.pathways.explain` — plain-language reasons.
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
from recommender.pathways.planner import (
    Objective,
    Planner,
    PlanStep,
    Selection,
    TrainingPlan,
    UnclosableGap,
    order_violation,
    plan_key,
    plan_training,
)
from recommender.pathways.stepping import (
    CoverageJudge,
    Hop,
    RolePath,
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
