"""Alembic environment for reskill.

Migrations run only through :func:`recommender.store.engine.upgrade`, which
passes an open connection in ``config.attributes["connection"]``; there is no
``alembic.ini`` and no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context

from recommender.store.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "reskill migrations need a live connection: call recommender.store.upgrade(engine)"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic installs ``context.config`` while it runs this file; plain imports
# (pytest's doctest collection, linters) must not try to migrate anything.
if hasattr(context, "config"):
    run_migrations()
