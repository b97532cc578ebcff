"""What the transition-model experiments in bench/ share: the dev split, prepared once.

Each ``eval_transition_*.py`` script runs from the repository as ``python bench/<script>``,
so this module is imported by its plain name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from recommender.catalog import Catalog
from recommender.cli._options import EMBEDDING_CACHE, cached_encoder
from recommender.cli.transitions import _candidates, _load_catalog
from recommender.embeddings import Encoder
from recommender.evaluation import Judgements, read_related
from recommender.transitions import PreparedRoles, prepare_roles

ONET = Path(__file__).resolve().parents[2] / "shared" / "onet"


@dataclass(frozen=True)
class DevSplit:
    """O*NET, its dev-split judgements, the cached bf16 encoder and the prepared dev roles."""

    catalog: Catalog
    judgements: Judgements
    encoder: Encoder
    prepared: PreparedRoles


def dev_split(onet: Path = ONET) -> DevSplit:
    """Load O*NET from ``onet`` and prepare its dev-half occupations (as ``reskill evaluate
    transitions`` does on the dev split)."""
    catalog = _load_catalog(onet)
    related = read_related(onet / "Related Occupations (dev split).txt")
    judgements = {k: v for k, v in related.items() if k in catalog.roles}
    encoder = cached_encoder(EMBEDDING_CACHE, bf16=None)
    prepared = prepare_roles(catalog, encoder, _candidates(catalog, judgements))
    return DevSplit(catalog, judgements, encoder, prepared)
