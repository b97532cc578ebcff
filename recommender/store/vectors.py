"""Vectors computed once for every worker: the ``text_vectors`` table.

:class:`DatabaseEmbeddingCache` is the :class:`~recommender.embeddings.VectorCache` of the
service and of the commands that open a database: a text's vector under one model is
stored once, keyed by ``(model, sha256(text))`` (the text itself is never stored), as
little-endian ``float16``. Every worker, replica and command reading the same database
shares it, and a vector outlives data versions: a profile whose text did not change is
never encoded again.

Reads and writes go in batches: one ``SELECT ... IN (...)`` per :data:`CHUNK` texts, one
multi-row ``INSERT`` per :data:`INSERT_ROWS` vectors, each batch in one transaction.
Inserting a key that is already stored is ignored (``ON CONFLICT DO NOTHING`` on SQLite
and PostgreSQL), so several workers may store the same vector at once.

Erasure deletes a person's vector in its own transaction (:func:`forget_texts`, called by
:func:`recommender.store.erasures.forget_people` and :func:`recommender.erasure.erase_employee`),
under every model.

Examples
--------
>>> import numpy as np
>>> from recommender.store import make_engine, upgrade
>>> engine = make_engine("sqlite://")
>>> upgrade(engine)
>>> cache = DatabaseEmbeddingCache(engine)
>>> cache.put("m", ["a", "b"], np.eye(2, dtype=np.float32))
>>> sorted(cache.get("m", ["b", "c", "a"])), len(cache)
([0, 2], 2)
>>> cache.delete("m", ["a"]), len(cache)
(1, 1)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np
import sqlalchemy as sa

from recommender.embeddings import FloatMatrix, VectorCache
from recommender.store.engine import write_transaction
from recommender.store.schema import text_vectors

__all__ = [
    "CHUNK",
    "INSERT_ROWS",
    "DatabaseEmbeddingCache",
    "chunk_size",
    "member_of",
    "text_hash",
    "forget_texts",
]

#: Text hashes per ``IN (...)`` list on SQLite (far below its variable limit).
CHUNK = 500
#: Keys per ``= ANY(array)`` on PostgreSQL: one bound array, so no variable limit applies.
#: Reading 100,000 vectors took 15 s in chunks of 500 ``IN`` values, 2.0 s in arrays of
#: 5,000 (PostgreSQL 15 on the same two cores; docs/performance.md).
ARRAY_CHUNK = 5000
#: Vectors per multi-row ``INSERT`` (4 variables a row: under SQLite's oldest limit, 999).
INSERT_ROWS = 200
#: How vectors are stored: little-endian float16.
STORED = np.dtype("<f2")

T = TypeVar("T")


def text_hash(text: str) -> str:
    """The key of ``text`` in ``text_vectors``: its SHA-256, 64 hexadecimal characters.

    Examples
    --------
    >>> text_hash("nurse")[:16]
    '781e5116a1e14a34'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def chunk_size(conn: sa.Connection) -> int:
    """Keys per membership test (:func:`member_of`) on ``conn``'s database."""
    return ARRAY_CHUNK if conn.dialect.name == "postgresql" else CHUNK


def member_of(
    conn: sa.Connection, column: sa.ColumnElement[str], keys: Sequence[str]
) -> sa.ColumnElement[bool]:
    """``column IN (keys)``: on PostgreSQL as ``column = ANY(:keys)`` with one array
    parameter, which the server plans once instead of parsing thousands of literals.

    Examples
    --------
    >>> engine = sa.create_engine("sqlite://")
    >>> with engine.connect() as conn:
    ...     str(member_of(conn, text_vectors.c.text_hash, ["a", "b"]))
    'text_vectors.text_hash IN (__[POSTCOMPILE_text_hash_1])'
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        array = sa.bindparam("keys", list(keys), type_=postgresql.ARRAY(sa.String))
        return column == sa.any_(array)
    return column.in_(list(keys))


def _insert(conn: sa.Connection) -> sa.Insert:
    """``INSERT INTO text_vectors ... ON CONFLICT DO NOTHING`` in ``conn``'s dialect."""
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(text_vectors).on_conflict_do_nothing()
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(text_vectors).on_conflict_do_nothing()


class DatabaseEmbeddingCache:
    """A :class:`~recommender.embeddings.VectorCache` over the database's ``text_vectors``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated database (schema revision 0005 or later).
    local : VectorCache, optional
        A machine-local second tier (the on-disk
        :class:`~recommender.embeddings.EmbeddingCache`): texts the database lacks are looked
        up there (and what is found is stored in the database for everyone), vectors are
        stored in both, and deleted from both. It spares a fresh database the encoding of
        texts this machine already encoded for another one (tests, a second installation);
        the database stays the one every worker reads.
    """

    def __init__(self, engine: sa.Engine, local: VectorCache | None = None) -> None:
        self.engine = engine
        self.local = local

    @staticmethod
    def key(text: str) -> str:
        """The stored key of ``text`` (see :func:`text_hash`)."""
        return text_hash(text)

    def get(self, model_name: str, texts: Sequence[str]) -> dict[int, FloatMatrix]:
        """Return ``{position in texts: vector}`` for the texts already stored (float32)."""
        keys = [text_hash(t) for t in texts]
        found: dict[str, FloatMatrix] = {}
        distinct = list(dict.fromkeys(keys))
        with self.engine.connect() as conn:
            for chunk in _chunks(distinct, chunk_size(conn)):
                query = sa.select(text_vectors.c.text_hash, text_vectors.c.vector).where(
                    text_vectors.c.model == model_name,
                    member_of(conn, text_vectors.c.text_hash, chunk),
                )
                for key, blob in conn.execute(query):
                    found[str(key)] = np.frombuffer(bytes(blob), dtype=STORED).astype(np.float32)
        held = {i: found[k] for i, k in enumerate(keys) if k in found}
        if self.local is not None and len(held) < len(texts):
            held.update(self._from_local(model_name, texts, held))
        return held

    def _from_local(
        self, model_name: str, texts: Sequence[str], held: dict[int, FloatMatrix]
    ) -> dict[int, FloatMatrix]:
        """The vectors of the local tier for texts the database lacks, stored in the database."""
        assert self.local is not None
        asked = [i for i in range(len(texts)) if i not in held]
        found = self.local.get(model_name, [texts[i] for i in asked])
        if not found:
            return {}
        self._store(model_name, [texts[asked[j]] for j in found], np.stack(list(found.values())))
        return {asked[j]: vector for j, vector in found.items()}

    def put(self, model_name: str, texts: Sequence[str], vectors: FloatMatrix) -> None:
        """Store ``vectors[i]`` for ``texts[i]`` in one transaction (and in the local tier);
        stored keys are kept."""
        self._store(model_name, texts, vectors)
        if self.local is not None:
            self.local.put(model_name, texts, vectors)

    def _store(self, model_name: str, texts: Sequence[str], vectors: FloatMatrix) -> None:
        rows = {
            text_hash(t): {
                "model": model_name,
                "text_hash": text_hash(t),
                "dim": int(v.shape[0]),
                "vector": np.asarray(v).astype(STORED).tobytes(),
            }
            for t, v in zip(texts, vectors, strict=True)
        }
        if not rows:
            return
        with write_transaction(self.engine) as conn:
            for chunk in _chunks(list(rows.values()), INSERT_ROWS):
                conn.execute(_insert(conn).values(list(chunk)))

    def delete(self, model_name: str, texts: Sequence[str]) -> int:
        """Remove the vectors of ``texts`` under ``model_name`` (from the local tier too);
        return how many the database and the local tier held."""
        keys = sorted({text_hash(t) for t in texts})
        deleted = 0
        with write_transaction(self.engine) as conn:
            for chunk in _chunks(keys, chunk_size(conn)):
                query = sa.delete(text_vectors).where(
                    text_vectors.c.model == model_name,
                    member_of(conn, text_vectors.c.text_hash, chunk),
                )
                deleted += int(conn.execute(query).rowcount)
        if self.local is not None:
            deleted += self.local.delete(model_name, texts)
        return deleted

    def __len__(self) -> int:
        """Vectors in the database (the local tier not counted)."""
        with self.engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(text_vectors)).scalar()
        return int(count or 0)


def forget_texts(conn: sa.Connection, texts: Iterable[str]) -> int:
    """Delete the vectors of ``texts`` under every model, in ``conn``'s transaction; return
    how many rows went. Erasure calls it: no model may keep a vector of an erased profile.

    A text shared with someone else (two people with the same profile) loses its vector
    too: it is encoded again when next needed.
    """
    keys = sorted({text_hash(t) for t in texts if t})
    deleted = 0
    for chunk in _chunks(keys, chunk_size(conn)):
        query = sa.delete(text_vectors).where(member_of(conn, text_vectors.c.text_hash, chunk))
        deleted += int(conn.execute(query).rowcount)
    return deleted
