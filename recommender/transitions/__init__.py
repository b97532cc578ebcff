"""Directed role-to-role transition scores, learned against O*NET's related occupations.

Typical use (the model ships in ``models/``; nothing is fitted at start-up)::

    models = TransitionModelSet.load("models/transition-model.npz")
    transitions = TransitionScorer(models, encoder).prepare(catalog)
    transitions.score("15-1232.00", "15-1212.00")        # TransitionScore(score, components)
    transitions.top_destinations("15-1232.00", k=10)     # [(role id, score), ...]
    transitions.is_viable("15-1232.00", "15-1212.00")    # threshold + job-zone rule

Modules: :mod:`~recommender.transitions.features` (signals from Role objects),
:mod:`~recommender.transitions.model` (the tree fusion, saved without pickle),
:mod:`~recommender.transitions.scorer` (fusions, routing, ranking, explanations),
:mod:`~recommender.transitions.viability` (threshold calibration, job-zone rule),
:mod:`~recommender.transitions.training` (grouped cross-validation and fitting),
:mod:`~recommender.transitions.occupations` (the shipped score of every pair of O*NET
occupations), :mod:`~recommender.transitions.organisation` (the organisation judge, the
service's default judge of moves) and :mod:`~recommender.transitions.organisation_training`
(its fit on organisation roles simulated from O*NET).
"""

from recommender.transitions.features import SIGNALS, PreparedRoles, prepare_roles
from recommender.transitions.model import TransitionModel
from recommender.transitions.scorer import (
    FUSIONS,
    REGENERATE_COMMAND,
    FusionSpec,
    PreparedTransitions,
    TransitionModelSet,
    TransitionScore,
    TransitionScorer,
)
from recommender.transitions.training import cross_validate, fit_model_set, signal_metrics
from recommender.transitions.viability import calibrate_threshold, viable

__all__ = [
    "SIGNALS",
    "FUSIONS",
    "REGENERATE_COMMAND",
    "FusionSpec",
    "PreparedRoles",
    "PreparedTransitions",
    "TransitionModel",
    "TransitionModelSet",
    "TransitionScore",
    "TransitionScorer",
    "calibrate_threshold",
    "cross_validate",
    "fit_model_set",
    "prepare_roles",
    "signal_metrics",
    "viable",
]
