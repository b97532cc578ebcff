"""Vectors in the database: one set for every worker, batched, keyed by a hash of the text.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from recommender.embeddings import CachedEncoder, EmbeddingCache, HashingEncoder
from recommender.store import make_engine, schema, upgrade, write_transaction
from recommender.store.vectors import (
    CHUNK,
    INSERT_ROWS,
    DatabaseEmbeddingCache,
    chunk_size,
    forget_texts,
    text_hash,
)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


class Statements:
    """The SQL statements an engine runs while counted (executemany counts once)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.seen.append(statement.split()[0].upper() + " " + statement)

    def on(self, verb: str, table: str) -> int:
        return sum(1 for s in self.seen if s.startswith(verb) and table in s)


def test_vectors_round_trip_as_little_endian_float16_under_the_text_hash(
    engine: sa.Engine,
) -> None:
    cache = DatabaseEmbeddingCache(engine)
    vectors = HashingEncoder(16).encode(["nurse informatics", "welding"])
    cache.put("model-a", ["nurse informatics", "welding"], vectors)
    found = cache.get("model-a", ["welding", "unknown", "nurse informatics", "welding"])
    assert sorted(found) == [0, 2, 3]
    np.testing.assert_array_equal(found[0], vectors[1].astype(np.float16).astype(np.float32))
    assert cache.get("model-b", ["welding"]) == {}  # keyed by model too
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.text_vectors)).all()
    stored = {r.text_hash: r for r in rows}
    row = stored[text_hash("welding")]
    assert (row.model, row.dim) == ("model-a", 16)
    assert bytes(row.vector) == vectors[1].astype("<f2").tobytes()
    assert "welding" not in repr(rows)  # the text itself is never stored


def test_reads_and_writes_go_in_batches_not_one_query_per_text(engine: sa.Engine) -> None:
    cache = DatabaseEmbeddingCache(engine)
    texts = [f"profile number {i}" for i in range(2 * CHUNK + 10)]
    vectors = HashingEncoder(8).encode(texts)
    counted = Statements(engine)
    cache.put("m", texts, vectors)
    assert counted.on("INSERT", "text_vectors") == -(-len(texts) // INSERT_ROWS)
    assert len(cache.get("m", texts)) == len(texts)
    with engine.connect() as conn:
        per_query = chunk_size(conn)  # an IN list of 500 on SQLite, an array of 5,000 on PostgreSQL
    assert counted.on("SELECT", "text_vectors") == -(-len(texts) // per_query)


def test_storing_a_vector_already_stored_is_ignored_and_keeps_the_first(engine: sa.Engine) -> None:
    cache = DatabaseEmbeddingCache(engine)
    first = np.ones((1, 4), dtype=np.float32)
    cache.put("m", ["same text"], first)
    cache.put("m", ["same text", "same text", "other"], np.zeros((3, 4), dtype=np.float32))
    assert len(cache) == 2
    np.testing.assert_array_equal(cache.get("m", ["same text"])[0], first[0])


def test_two_workers_sharing_the_database_encode_each_text_once(engine: sa.Engine) -> None:
    one = CachedEncoder(HashingEncoder(32), DatabaseEmbeddingCache(engine))
    other = CachedEncoder(HashingEncoder(32), DatabaseEmbeddingCache(engine))
    texts = ["a b", "c d", "a b"]
    np.testing.assert_allclose(one.encode(texts), other.encode(texts), atol=1e-3)
    assert (one.misses, other.misses, other.hits) == (2, 0, 3)


def test_erasure_deletes_a_text_under_every_model_in_the_callers_transaction(
    engine: sa.Engine,
) -> None:
    cache = DatabaseEmbeddingCache(engine)
    for model in ("m1", "m2"):
        cache.put(model, ["gone", "kept"], np.ones((2, 3), dtype=np.float32))
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        assert forget_texts(conn, ["gone"]) == 2
        raise RuntimeError("rolled back")
    assert len(cache) == 4
    with write_transaction(engine) as conn:
        assert forget_texts(conn, ["gone", ""]) == 2
    assert cache.get("m1", ["gone", "kept"]).keys() == {1}
    assert cache.delete("m2", ["kept", "never stored"]) == 1 and len(cache) == 1


def test_a_local_tier_fills_a_fresh_database_and_forgets_with_it(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """The on-disk cache of a machine that encoded the texts for another database spares
    this one the encoding; what the database lacks is copied into it for every worker."""
    disk = EmbeddingCache(tmp_path / "vectors")
    disk.put("m", ["known text"], np.full((1, 4), 0.5, dtype=np.float32))
    cache = DatabaseEmbeddingCache(engine, local=disk)
    found = cache.get("m", ["known text", "new text"])
    assert list(found) == [0] and len(cache) == 1  # copied into the database
    assert DatabaseEmbeddingCache(engine).get("m", ["known text"]).keys() == {0}
    cache.put("m", ["new text"], np.ones((1, 4), dtype=np.float32))
    assert len(disk) == 2 and len(cache) == 2  # stored in both
    assert cache.delete("m", ["known text"]) == 2  # one row, one file entry
    assert cache.get("m", ["known text"]) == {} and len(disk) == 1
