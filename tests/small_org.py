"""A small generated organisation in a database, for the preparation tests.

The bundled roles, skills and courses with ``n`` employees made by ``reskill generate
employees`` (seeded), imported as ``reskill init --data`` imports them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from recommender.cli import app
from recommender.embeddings import CachedEncoder, HashingEncoder
from recommender.service import Recommender
from recommender.store import make_engine, schema
from recommender.store.vectors import DatabaseEmbeddingCache
from tests.conftest import DATA_DIR

#: The tables a preparation fills, each with the columns that order its rows.
PREPARED_TABLES = {
    "prepared_answers": ("version", "employee_id"),
    "text_vectors": ("model", "text_hash"),
}


def small_org(folder: Path, n: int = 60, seed: int = 7) -> Path:
    """A folder of org CSV files: the bundled roles, skills and courses, ``n`` employees."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in DATA_DIR.glob("*.csv"):
        shutil.copyfile(path, folder / path.name)
    args = ["generate", "employees", "--n", str(n), "--seed", str(seed), "--data", str(folder)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return folder


def load(url: str, folder: Path) -> None:
    """``reskill init --data folder`` (in this process)."""
    result = CliRunner().invoke(app, ["init", "--database-url", url, "--data", str(folder)])
    assert result.exit_code == 0, result.output


@contextmanager
def loaded(url: str, folder: Path) -> Iterator[sa.Engine]:
    """An engine on ``url`` once ``folder`` is loaded into it (:func:`load`), disposed after."""
    load(url, folder)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def hashing_service(engine: sa.Engine) -> Recommender:
    """The database's current data, with a fast encoder whose vectors live in the database."""
    encoder = CachedEncoder(HashingEncoder(64), DatabaseEmbeddingCache(engine))
    return Recommender.from_engine(engine, encoder=encoder)


def prepared_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables a preparation fills, in key order, as stored (bytes)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: [
                    tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in conn.execute(
                        sa.select(schema.metadata.tables[name]).order_by(
                            *(schema.metadata.tables[name].c[c] for c in order)
                        )
                    )
                ]
                for name, order in PREPARED_TABLES.items()
            }
    finally:
        engine.dispose()


def forget_preparations(url: str) -> None:
    """Empty the tables a preparation fills (and ``preparations``)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for table in (schema.prepared_answers, schema.text_vectors, schema.preparations):
                conn.execute(sa.delete(table))
    finally:
        engine.dispose()
