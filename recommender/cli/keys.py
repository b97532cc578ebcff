"""`reskill keys create | list | revoke`: API keys for the HTTP service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from recommender.access import Role
from recommender.cli._app import app
from recommender.cli._options import DEFAULT_DATABASE_URL, DatabaseUrl, migrated_engine
from recommender.errors import InvalidInput, UnknownEmployee

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

console = Console()
err = Console(stderr=True)


@keys_app.command("create")
def create(
    role: Annotated[Role, typer.Option("--role", help="What the key may see and do.")],
    employee: Annotated[
        str | None,
        typer.Option("--employee", help="The employee an employee key belongs to (required)."),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="A note saying who holds the key.")
    ] = None,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Create a key and print it once: only its hash is stored, so it cannot be shown again."""
    from recommender.store.access import create_key

    try:
        with migrated_engine(database_url) as engine:
            key = create_key(engine, role, employee_id=employee, label=label)
    except (InvalidInput, UnknownEmployee) as exc:
        err.print(f"[red]No key was created:[/red] {exc}")
        raise typer.Exit(code=2) from None
    err.print(f"Created {role} key [bold]{key.key_id}[/bold]. Store it now; it is shown only once:")
    typer.echo(key.token)


@keys_app.command("list")
def list_(database_url: DatabaseUrl = DEFAULT_DATABASE_URL) -> None:
    """List every key (id, role, employee, label, dates); never the secrets."""
    from recommender.store.access import list_keys

    with migrated_engine(database_url) as engine:
        records = list_keys(engine)
    table = Table("key id", "role", "employee", "label", "created", "status")
    for r in records:
        status = "active" if r.revoked_at is None else f"revoked {r.revoked_at:%Y-%m-%d %H:%M}"
        created = f"{r.created_at:%Y-%m-%d %H:%M}"
        table.add_row(r.key_id, str(r.role), r.employee_id or "", r.label or "", created, status)
    console.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id shown by `reskill keys list`.")],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Revoke a key; requests with it are refused from now on."""
    from recommender.store.access import revoke_key

    with migrated_engine(database_url) as engine:
        revoked = revoke_key(engine, key_id)
    if not revoked:
        err.print(f"[red]No active key {key_id!r}[/red] (see `reskill keys list`).")
        raise typer.Exit(code=1)
    console.print(f"Revoked key {key_id}.")
