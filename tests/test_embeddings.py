"""Encoders, the on-disk embedding cache and the cached encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    Encoder,
    HashingEncoder,
    SentenceTransformerEncoder,
)
from recommender.errors import ModelMissing


class CountingEncoder:
    """Records what reaches the wrapped encoder."""

    def __init__(self) -> None:
        self.inner = HashingEncoder(32)
        self.seen: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        self.seen.extend(texts)
        return self.inner.encode(texts)


def test_hashing_encoder_returns_unit_float32_rows() -> None:
    vectors = HashingEncoder(64).encode(["registered nurse", "welder"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 64)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert isinstance(HashingEncoder(), Encoder)


def test_cache_returns_stored_vectors_to_a_new_process(tmp_path: Path) -> None:
    vectors = HashingEncoder(16).encode(["a", "b"])
    EmbeddingCache(tmp_path).put("m", ["a", "b"], vectors)
    again = EmbeddingCache(tmp_path).get("m", ["b", "c", "a"])
    assert set(again) == {0, 2}
    assert np.allclose(again[0], vectors[1], atol=1e-3)


def test_cache_keys_depend_on_the_model_name(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.put("model-a", ["text"], HashingEncoder(8).encode(["text"]))
    assert cache.get("model-b", ["text"]) == {}


def test_cached_encoder_encodes_each_new_text_once(tmp_path: Path) -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner, EmbeddingCache(tmp_path))
    first = encoder.encode(["nurse", "coder", "nurse"])
    second = encoder.encode(["coder", "nurse"])
    assert inner.seen == ["nurse", "coder"]
    assert np.allclose(first[0], second[1], atol=1e-3)


def test_missing_model_path_fails_with_a_clear_error(tmp_path: Path) -> None:
    encoder = SentenceTransformerEncoder(model_path=str(tmp_path / "nowhere"))
    with pytest.raises(ModelMissing, match="no sentence-transformers model"):
        encoder.encode(["x"])


@pytest.mark.slow
def test_bundled_model_puts_related_job_titles_closer() -> None:
    encoder = SentenceTransformerEncoder()
    v = encoder.encode(["registered nurse", "nurse practitioner", "welder"])
    assert v.shape == (3, 384) and encoder.dimension == 384
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


@pytest.mark.slow
def test_bf16_vectors_match_fp32_vectors() -> None:
    texts = ["Information security analysts plan and carry out security measures."]
    fp32 = SentenceTransformerEncoder().encode(texts)
    bf16 = SentenceTransformerEncoder(bf16=True).encode(texts)
    assert float(fp32[0] @ bf16[0]) > 0.999
