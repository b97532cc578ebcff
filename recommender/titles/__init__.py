"""Job-title normalisation: free-text titles to ranked O*NET occupations and org roles.

* :mod:`~recommender.titles.abbreviations` cleans a title (abbreviations, shifts, grades);
* :mod:`~recommender.titles.features` scores titles against an index of targets;
* :mod:`~recommender.titles.fusion` fuses the scores with fitted weights;
* :mod:`~recommender.titles.rerank` re-scores the fusion's best with boosted trees;
* :mod:`~recommender.titles.normaliser` is the public ranker, :class:`TitleNormaliser`;
* :mod:`~recommender.titles.occupations` describes the O*NET occupations known by their
  titles alone (no ratings, no catalogue role) that it may also rank;
* :mod:`~recommender.titles.holdout` and :mod:`~recommender.titles.training` hold out
  O*NET titles, fit the weights and measure accuracy on unseen titles.
"""

from recommender.titles.abbreviations import clean_title
from recommender.titles.fusion import FusionWeights
from recommender.titles.holdout import TitleSplit, holdout_split, title_fold, title_key
from recommender.titles.normaliser import (
    DEFAULT_MODEL_PATH,
    DEFAULT_RERANKER_PATH,
    TitleMatch,
    TitleNormaliser,
)
from recommender.titles.occupations import TitledOccupation
from recommender.titles.rerank import Reranker
from recommender.titles.training import TitleScores, evaluate, fit_fusion, fit_reranker_on_folds

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DEFAULT_RERANKER_PATH",
    "FusionWeights",
    "Reranker",
    "TitleMatch",
    "TitleNormaliser",
    "TitleScores",
    "TitleSplit",
    "TitledOccupation",
    "clean_title",
    "evaluate",
    "fit_fusion",
    "fit_reranker_on_folds",
    "holdout_split",
    "title_fold",
    "title_key",
]
