"""`reskill init`, `reskill import onet`, `reskill import org`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from recommender import ONET_ATTRIBUTION
from recommender.catalog import Catalog, ProtectedAttributes
from recommender.cli._app import app, import_app
from recommender.cli._options import (
    BUNDLED_DATA,
    DEFAULT_DATABASE_URL,
    EMBEDDING_CACHE,
    CacheDir,
    DatabaseUrl,
    cached_encoder,
    migrated_engine,
)
from recommender.cli._output import Grid, stdout
from recommender.errors import InvalidCatalog

if TYPE_CHECKING:
    import sqlalchemy as sa

    from recommender.embeddings import CachedEncoder
    from recommender.imports import ImportOutcome
    from recommender.store import SaveResult

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
    _print_save(result, kind, source)


def _print_save(result: SaveResult, kind: str, source: str) -> None:
    verdict = "imported" if result.changed else "unchanged (already up to date)"
    out = stdout()
    out.print(f"[bold]{kind}[/bold] from {escape(source)}: {verdict}")
    table = Grid("table", "inserted", "updated", "deleted", "unchanged")
    for name, c in sorted(result.tables.items()):
        if c.inserted or c.updated or c.deleted or c.unchanged:
            table.add_row(name, str(c.inserted), str(c.updated), str(c.deleted), str(c.unchanged))
    table.print(out)


def _print_outcome(outcome: ImportOutcome, source: str) -> None:
    for warning in outcome.report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(str(warning))}", soft_wrap=True)
    _print_save(outcome.saved, "org", source)
    if outcome.snapshot:
        who = (
            "1 person not in these files was"
            if outcome.removed == 1
            else (f"{outcome.removed} people not in these files were")
        )
        console.print(
            f"snapshot: {who} removed (roles, skills and courses not in them stay)",
            soft_wrap=True,
        )
    else:
        console.print("partial import: nobody was removed", soft_wrap=True)
    console.print(f"left out because erased: {outcome.left_out_erased}", soft_wrap=True)


def _fail(exc: InvalidCatalog) -> NoReturn:
    # The problems name sheets as FILE.xlsx[sheet]: printed as text, not read as markup.
    err.print("[red]Nothing was imported.[/red]", escape(str(exc)))
    raise typer.Exit(code=2)


def _embedding_cache(cache_dir: Path, model: Path | None) -> CachedEncoder | None:
    """The service's cache of vectors, if there is one to purge (no model is loaded)."""
    from recommender.embeddings import CachedEncoder, EmbeddingCache

    if not (cache_dir / EmbeddingCache.FILE_NAME).is_file():
        return None
    encoder = cached_encoder(cache_dir, model)
    return encoder if isinstance(encoder, CachedEncoder) else None


@app.command()
def init(
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: Annotated[
        Path, typer.Option(help="Org dataset to load into an empty database.")
    ] = BUNDLED_DATA,
    load_data: Annotated[
        bool,
        typer.Option(
            "--load-data",
            help="Also load DATA into a database that holds data, as a partial import "
            "(nobody is removed; erased people stay out).",
        ),
    ] = False,
) -> None:
    """Create or migrate the database; load the bundled dataset (or --data) only if it is empty.

    Safe on every start: a database that holds data is migrated and left as it is.
    """
    from recommender.imports import initial_import
    from recommender.store import entity_counts

    with migrated_engine(database_url) as engine:
        try:
            outcome = initial_import(engine, data, label=str(data), into_existing=load_data)
        except InvalidCatalog as exc:
            _fail(exc)
        held = entity_counts(engine) if outcome is None else {}
    if outcome is None:
        what = ", ".join(f"{n} {table}" for table, n in held.items())
        typer.echo(
            f"The database already holds data ({what}); nothing was loaded. "
            "Import your organisation's files with `reskill import org DIR`, or add a "
            "dataset without removing anyone with `reskill init --load-data --data DIR`."
        )
        return
    _print_outcome(outcome, str(data))


@import_app.command("org")
def import_org(
    source: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx workbook.")],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="Keep the stored employees these files do not list (by default files with "
            "employees are a snapshot: the others are removed).",
        ),
    ] = False,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            envvar="RESKILL_MODEL",
            help="The service's sentence-transformers model, if not the bundled one "
            "(removed people's vectors are purged under its name).",
        ),
    ] = None,
) -> None:
    """Import an organisation's roles, skills, courses and employees (all or nothing).

    Files that list employees are a snapshot: employees stored but not listed are
    removed (everything naming them), unless --partial. Erased people are left out.
    """
    from recommender.imports import import_org as run_import

    with migrated_engine(database_url) as engine:
        try:
            outcome = run_import(
                engine,
                source,
                label=str(source),
                partial=partial,
                cache=_embedding_cache(cache_dir, model),
            )
        except InvalidCatalog as exc:
            _fail(exc)
    _print_outcome(outcome, str(source))


@import_app.command("template")
def import_template(
    out: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).")] = Path(
        "reskill-template.xlsx"
    ),
) -> None:
    """Write an XLSX template for `reskill import org`: one sheet per file, headers with notes.

    Fill in the sheets (delete those you do not use: an import refuses an empty sheet), then
    run `reskill import org FILE.xlsx`. data/COLUMNS.md documents every column.
    """
    from recommender.imports import write_template

    if out.suffix.lower() != ".xlsx":
        typer.echo(f"the template is an .xlsx workbook; got {out.name}", err=True)
        raise typer.Exit(2)
    sheets = write_template(out)
    typer.echo(f"wrote {out} with {len(sheets)} sheets: {', '.join(sheets)}")


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
