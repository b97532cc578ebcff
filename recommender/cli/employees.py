"""`reskill employees rehire ID`: lift an erasure tombstone, so the next import may bring
the person back. The command line is the admin's: it reaches the database directly."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from recommender.cli._app import app
from recommender.cli._options import DEFAULT_DATABASE_URL, DatabaseUrl, migrated_engine

employees_app = typer.Typer(help="Manage people the database remembers.", no_args_is_help=True)
app.add_typer(employees_app, name="employees")

console = Console()
err = Console(stderr=True)


@employees_app.command("rehire")
def rehire(
    employee_id: Annotated[
        str, typer.Argument(help="The HR id of an erased person who was hired again.")
    ],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Let the next import bring back an erased person: removes the digest of their id.

    Nothing else changes now; their record comes back only with an import that lists them.
    """
    from recommender.store.erasures import rehire as lift_tombstone

    with migrated_engine(database_url) as engine:
        lifted = lift_tombstone(engine, employee_id)
    if not lifted:
        err.print("No erased person has this id; nothing changed.")
        raise typer.Exit(code=1)
    console.print("Re-hired: the next import that lists this id brings the person back.")
