"""The title re-ranker: boosted trees stored as arrays re-score the fusion's best few."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.catalog import Catalog, Role, RoleSource
from recommender.embeddings import HashingEncoder
from recommender.errors import ModelMissing
from recommender.titles import DEFAULT_RERANKER_PATH, FusionWeights, Reranker, TitleNormaliser
from recommender.titles.features import FEATURES
from recommender.titles.rerank import ROW_FEATURES, candidate_rows, fit_reranker, rerank


def rows_and_gold(n: int = 150, top: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Candidate rows where the right candidate is the one with the highest column 3."""
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(n, top, len(ROW_FEATURES))).astype(np.float32)
    gold = rows[:, :, 3] == rows[:, :, 3].max(axis=1, keepdims=True)
    return rows, gold


def test_stored_trees_give_the_fitted_models_log_odds(tmp_path: Path) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rows, gold = rows_and_gold()
    reranker = fit_reranker(rows, gold, "enc", iterations=20)
    flat = rows.reshape(-1, rows.shape[-1])
    fitted = HistGradientBoostingClassifier(
        max_iter=20, learning_rate=0.1, max_leaf_nodes=31, random_state=0
    ).fit(flat, gold.ravel())
    expected = fitted.decision_function(flat).reshape(gold.shape)
    np.testing.assert_allclose(reranker.decision(rows), expected, atol=1e-9)
    reranker.save(tmp_path / "r.npz")
    loaded = Reranker.load(tmp_path / "r.npz")
    np.testing.assert_allclose(loaded.decision(rows), expected, atol=1e-9)
    assert loaded.encoder == "enc"


def test_a_file_that_is_not_a_reranker_is_refused_with_the_fix(tmp_path: Path) -> None:
    np.savez(tmp_path / "other.npz", format=np.asarray("something else"))
    with pytest.raises(ModelMissing, match="--refit --save"):
        Reranker.load(tmp_path / "other.npz")
    with pytest.raises(ModelMissing, match="--refit --save"):
        Reranker.load(tmp_path / "absent.npz")


def test_reranking_reorders_the_candidates_and_keeps_the_rest_below_them() -> None:
    rows, gold = rows_and_gold(top=5)
    reranker = fit_reranker(rows, gold, iterations=30)
    n_targets = 8
    fused = np.tile(np.arange(n_targets, 0, -1, dtype=np.float32), (1, 1))
    features = {name: np.zeros((1, n_targets), np.float32) for name in FEATURES}
    order, candidate = candidate_rows(features, fused, [2], top=5)
    assert order.tolist() == [[0, 1, 2, 3, 4]]
    assert candidate.shape == (1, 5, len(ROW_FEATURES))
    candidate[0, :, 3] = [0.0, 0.0, 0.0, 0.0, 3.0]  # the trees favour the fifth
    scores = rerank(reranker, candidate, order, fused)
    assert int(np.argmax(scores[0])) == 4
    assert scores[0, :5].min() > scores[0, 5:].max()
    assert scores[0, 5] > scores[0, 6] > scores[0, 7]


def test_the_shipped_reranker_loads_and_names_the_bundled_encoder() -> None:
    reranker = Reranker.load(DEFAULT_RERANKER_PATH)
    assert reranker.encoder == "sentence-transformers/all-MiniLM-L6-v2"
    assert len(reranker.offsets) > 10


def test_a_reranker_fitted_with_another_encoder_is_refused() -> None:
    rows, gold = rows_and_gold()
    other = fit_reranker(rows, gold, "another-model", iterations=2)
    role = Role(
        "29-1141.00",
        "Registered Nurses",
        "Care.",
        "29-1141.00",
        "Healthcare",
        3,
        source=RoleSource.ONET,
    )
    model = TitleNormaliser(HashingEncoder(), FusionWeights({"char": 1.0}), reranker=other)
    with pytest.raises(ModelMissing, match="fitted with encoder 'another-model'"):
        model.fit(Catalog.from_items(roles=[role]))
