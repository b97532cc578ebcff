"""`reskill init`, `reskill import onet`, `reskill import org`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recommender import ONET_ATTRIBUTION
from recommender.catalog import Catalog, ProtectedAttributes
from recommender.cli._app import app, import_app
from recommender.cli._options import (
    BUNDLED_DATA,
    DEFAULT_DATABASE_URL,
    DatabaseUrl,
    migrated_engine,
)

if TYPE_CHECKING:
    import sqlalchemy as sa
from recommender.errors import InvalidCatalog

console = Console()
err = Console(stderr=True)


def _save(
    engine: sa.Engine,
    catalog: Catalog,
    protected: tuple[ProtectedAttributes, ...],
    kind: str,
    source: str,
) -> None:
    from recommender.store import save_catalog

    result = save_catalog(engine, catalog, protected=protected, kind=kind, source=source)
    verdict = "imported" if result.changed else "unchanged (already up to date)"
    console.print(f"[bold]{kind}[/bold] from {source}: {verdict}")
    table = Table("table", "inserted", "updated", "deleted", "unchanged")
    for name, c in sorted(result.tables.items()):
        if c.inserted or c.updated or c.deleted or c.unchanged:
            table.add_row(name, str(c.inserted), str(c.updated), str(c.deleted), str(c.unchanged))
    console.print(table)


def _import_org(source: Path, url: str) -> None:
    """Validate ``source`` against what the database holds, then save it in one transaction."""
    from recommender.ingest.tables import read_org_tables
    from recommender.store import load_catalog

    with migrated_engine(url) as engine:
        try:
            dataset = read_org_tables(source, base=load_catalog(engine))
        except InvalidCatalog as exc:
            _fail(exc)
        for warning in dataset.report.warnings:
            err.print(f"[yellow]warning:[/yellow] {warning}")
        _save(engine, dataset.catalog, dataset.protected, "org", str(source))


def _fail(exc: InvalidCatalog) -> NoReturn:
    err.print(f"[red]Nothing was imported.[/red] {exc}")
    raise typer.Exit(code=2)


@app.command()
def init(
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: Annotated[Path, typer.Option(help="Org dataset to load.")] = BUNDLED_DATA,
) -> None:
    """Create (or migrate) the database and load the bundled default dataset. Idempotent."""
    _import_org(data, database_url)


@import_app.command("org")
def import_org(
    source: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx workbook.")],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Import an organisation's roles, skills, courses and employees (all or nothing)."""
    _import_org(source, database_url)


@import_app.command("onet")
def import_onet(
    directory: Annotated[Path, typer.Argument(help="Your download of the O*NET text database.")],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Import O*NET occupations, skills, knowledge, tasks, technologies and titles."""
    from recommender.ingest.onet import load_onet

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("O*NET", total=None)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=f"O*NET: {step}", completed=done, total=total)

        try:
            catalog = load_onet(directory, progress=report)
        except InvalidCatalog as exc:
            _fail(exc)
        progress.update(task, description="saving to the database")
        with migrated_engine(database_url) as engine:
            _save(engine, catalog, (), "onet", str(directory))
    console.print(f"[dim]{ONET_ATTRIBUTION}[/dim]")
