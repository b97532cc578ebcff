"""`reskill init`, `reskill import onet`, `reskill import org`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from recommender import ONET_ATTRIBUTION
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
from recommender.cli._output import (
    AsCsv,
    AsJson,
    Format,
    Grid,
    output_format,
    print_answer,
    stdout,
)
from recommender.errors import InvalidCatalog

if TYPE_CHECKING:
    from recommender.embeddings import CachedEncoder
    from recommender.imports import ImportOutcome
    from recommender.store import SaveResult

console = Console()
err = Console(stderr=True)


#: The per-table counts a save reports, in the order of the table's columns.
COUNTS = ("inserted", "updated", "deleted", "unchanged")


def _saved(result: SaveResult, kind: str, source: str, **fields: Any) -> dict[str, Any]:
    """A save as ``--json`` prints it: what, from where, its outcome, ``fields``, then the
    counts of each table it touched or kept (``tables``, the section ``--csv`` expands)."""
    tables = [
        {"table": name, **{count: getattr(c, count) for count in COUNTS}}
        for name, c in sorted(result.tables.items())
        if c.inserted or c.updated or c.deleted or c.unchanged
    ]
    outcome = "imported" if result.changed else "unchanged"
    return {"kind": kind, "source": source, "outcome": outcome, **fields, "tables": tables}


def _print_save(body: dict[str, Any]) -> None:
    verdict = "imported" if body["outcome"] == "imported" else "unchanged (already up to date)"
    out = stdout()
    out.print(f"[bold]{body['kind']}[/bold] from {escape(body['source'])}: {verdict}")
    table = Grid("table", *COUNTS)
    for row in body["tables"]:
        table.add_row(row["table"], *(str(row[count]) for count in COUNTS))
    table.print(out)


def _print_org(body: dict[str, Any]) -> None:
    _print_save(body)
    if body["snapshot"]:
        who = (
            "1 person not in these files was"
            if body["removed"] == 1
            else (f"{body['removed']} people not in these files were")
        )
        console.print(
            f"snapshot: {who} removed (roles, skills and courses not in them stay)",
            soft_wrap=True,
        )
    else:
        console.print("partial import: nobody was removed", soft_wrap=True)
    console.print(f"left out because erased: {body['left_out_erased']}", soft_wrap=True)


def _print_outcome(fmt: Format, outcome: ImportOutcome, source: str) -> None:
    """Warnings on stderr; the import as a table, JSON or CSV on stdout."""
    for warning in outcome.report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(str(warning))}", soft_wrap=True)
    body = _saved(
        outcome.saved,
        "org",
        source,
        snapshot=outcome.snapshot,
        removed=outcome.removed,
        left_out_erased=outcome.left_out_erased,
    )
    print_answer(fmt, lambda: body, lambda: _print_org(body), sections=["tables"])


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
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Create or migrate the database; load the bundled dataset (or --data) only if it is empty.

    Safe on every start: a database that holds data is migrated and left as it is (with
    --json or --csv the outcome is "skipped").
    """
    from recommender.imports import initial_import
    from recommender.store import entity_counts

    fmt = output_format(as_json, as_csv)
    with migrated_engine(database_url) as engine:
        try:
            outcome = initial_import(engine, data, label=str(data), into_existing=load_data)
        except InvalidCatalog as exc:
            _fail(exc)
        held = entity_counts(engine) if outcome is None else {}
    if outcome is None:
        _print_skipped(fmt, str(data), held)
    else:
        _print_outcome(fmt, outcome, str(data))


def _print_skipped(fmt: Format, source: str, held: dict[str, int]) -> None:
    """`reskill init` on a database that holds data: the hint is the answer; --json and
    --csv print the outcome ``skipped`` with what the database holds, the hint on stderr."""
    what = ", ".join(f"{n} {table}" for table, n in held.items())
    hint = (
        f"The database already holds data ({what}); nothing was loaded. "
        "Import your organisation's files with `reskill import org DIR`, or add a "
        "dataset without removing anyone with `reskill init --load-data --data DIR`."
    )
    if fmt is not Format.TABLE:
        typer.echo(hint, err=True)
    body: dict[str, Any] = {
        "kind": "org",
        "source": source,
        "outcome": "skipped",
        "snapshot": None,
        "removed": 0,
        "left_out_erased": 0,
        "held": held,
        "tables": [],
    }
    print_answer(fmt, lambda: body, lambda: typer.echo(hint), sections=["tables"])


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
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Import an organisation's roles, skills, courses and employees (all or nothing).

    Files that list employees are a snapshot: employees stored but not listed are
    removed (everything naming them), unless --partial. Erased people are left out.
    """
    from recommender.imports import import_org as run_import

    fmt = output_format(as_json, as_csv)
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
    _print_outcome(fmt, outcome, str(source))


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
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Import O*NET occupations, skills, knowledge, tasks, technologies and titles."""
    from recommender.ingest.onet import load_onet
    from recommender.store import save_catalog

    fmt = output_format(as_json, as_csv)
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
            result = save_catalog(engine, catalog, protected=(), kind="onet", source=str(directory))
    # O*NET's licence (CC BY 4.0) asks for attribution: the JSON and CSV carry it too.
    body = _saved(result, "onet", str(directory), attribution=ONET_ATTRIBUTION)

    def render() -> None:
        _print_save(body)
        console.print(f"[dim]{ONET_ATTRIBUTION}[/dim]")

    print_answer(fmt, lambda: body, render, sections=["tables"])
