"""Encoders, the on-disk embedding cache and the cached encoder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recommender.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    Encoder,
    HashingEncoder,
    SentenceTransformerEncoder,
    _bf16_in_cpuinfo,
    native_bf16,
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


ICE_LAKE = "flags\t\t: fpu vme sse2 avx2 fma avx512f avx512dq avx512bw avx512_vnni avx512vbmi\n"
ZEN_4 = "flags\t\t: fpu vme sse2 avx2 fma avx512f avx512bw avx512_bf16 avx512_vnni\n"
SAPPHIRE_RAPIDS = "flags\t\t: fpu sse2 avx512f amx_bf16 amx_tile amx_int8\n"
NEOVERSE_V1 = "Features\t: fp asimd evtstrm aes sha2 crc32 atomics sve bf16 i8mm\n"


def test_bf16_is_chosen_only_where_the_cpu_computes_it_natively() -> None:
    # Emulated bf16 encoded 3x slower than fp32 on an Ice Lake Xeon; native, 1.5x faster.
    assert not _bf16_in_cpuinfo(ICE_LAKE * 2, "x86_64")
    assert _bf16_in_cpuinfo(ZEN_4, "x86_64") and _bf16_in_cpuinfo(SAPPHIRE_RAPIDS, "x86_64")
    assert _bf16_in_cpuinfo(NEOVERSE_V1, "aarch64")
    assert not _bf16_in_cpuinfo(NEOVERSE_V1.replace(" bf16", ""), "aarch64")
    assert not _bf16_in_cpuinfo("", "x86_64")
    assert SentenceTransformerEncoder(bf16=None).bf16 is native_bf16()
    assert SentenceTransformerEncoder(bf16=True).bf16 and not SentenceTransformerEncoder().bf16


@pytest.mark.slow
def test_encoding_in_processes_gives_each_batch_its_own_vectors_in_order() -> None:
    texts = [
        "Registered nurse on a medical-surgical unit",
        "Help desk technician resetting passwords",
        "SOC analyst triaging SIEM alerts",
        "Medical coder assigning ICD-10 codes",
        "Pharmacy technician",
        "Data analyst building dashboards in SQL",
        "Radiologic technologist",
    ]
    batches = [texts[:3], texts[3:4], texts[4:]]
    encoder = SentenceTransformerEncoder()
    alone = [encoder.encode(batch) for batch in batches]
    together = list(encoder.encode_many(batches, processes=2))
    assert [v.shape for v in together] == [(3, 384), (1, 384), (3, 384)]
    for mine, theirs in zip(alone, together, strict=True):
        assert float((mine * theirs).sum(axis=1).min()) > 0.9999  # threads sum in other orders


ENCODE_IN_TWO = """
from recommender.embeddings import SentenceTransformerEncoder

if __name__ == "__main__":
    for vectors in SentenceTransformerEncoder().encode_many([["a nurse"], ["a coder"]], 2):
        print(vectors.shape)
"""


@pytest.mark.slow
def test_encoding_in_processes_ends_without_a_leaked_semaphore_warning(tmp_path: Path) -> None:
    script = tmp_path / "encode_in_two.py"
    script.write_text(ENCODE_IN_TWO)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(1,", "384)", "(1,", "384)"]
    assert "leaked" not in done.stderr, done.stderr  # what `reskill prepare` ended with
