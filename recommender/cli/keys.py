"""`reskill keys create | list | revoke`: API keys for the HTTP service."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console

from recommender.access import Role
from recommender.cli._app import app
from recommender.cli._options import DEFAULT_DATABASE_URL, DatabaseUrl, migrated_engine
from recommender.cli._output import AsCsv, AsJson, Grid, output_format, print_answer, stdout
from recommender.errors import InvalidInput, UnknownEmployee

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

err = Console(stderr=True)

_DURATION = re.compile(r"([0-9]{1,6})([hdw])")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_expires_in(text: str) -> timedelta:
    """A key's lifetime from ``90d``, ``12h`` or ``4w`` (hours, days, weeks).

    Raises
    ------
    InvalidInput
        Anything else, or a zero lifetime.

    Examples
    --------
    >>> parse_expires_in("90d"), parse_expires_in("12h")
    (datetime.timedelta(days=90), datetime.timedelta(seconds=43200))
    """
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput(
            f"--expires-in takes a positive whole number and a unit h, d or w "
            f"(e.g. 90d, 12h, 4w), got {text!r}"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_expires(text: str) -> datetime:
    """The end (UTC) of the day written ``YYYY-MM-DD``: the key works through that whole day.

    Raises
    ------
    InvalidInput
        Not a valid calendar date in that form.

    Examples
    --------
    >>> parse_expires("2027-03-31").isoformat()
    '2027-03-31T23:59:59.999999+00:00'
    """
    try:
        if _DATE.fullmatch(text.strip()) is None:
            raise ValueError(text)
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--expires takes a date YYYY-MM-DD (the key works until the end of that day, "
            f"UTC), got {text!r}"
        ) from None
    return datetime.combine(day, time.max, tzinfo=UTC)


def _expiry(expires_in: str | None, expires: str | None) -> datetime | None:
    if expires_in is not None and expires is not None:
        raise InvalidInput("give --expires-in or --expires, not both")
    if expires_in is not None:
        try:
            return datetime.now(UTC) + parse_expires_in(expires_in)
        except OverflowError:
            raise InvalidInput(f"--expires-in {expires_in} ends after the year 9999") from None
    return None if expires is None else parse_expires(expires)


@keys_app.command("create")
def create(
    role: Annotated[Role, typer.Option("--role", help="What the key may see and do.")],
    employee: Annotated[
        str | None,
        typer.Option("--employee", help="The employee an employee key belongs to (required)."),
    ] = None,
    department: Annotated[
        str | None,
        typer.Option("--department", help="The department a manager key manages (required)."),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="A note saying who holds the key.")
    ] = None,
    expires_in: Annotated[
        str | None,
        typer.Option("--expires-in", help="Expire after this long: 12h, 90d, 4w (default: never)."),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="Expire at the end (UTC) of this day, YYYY-MM-DD."),
    ] = None,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Create a key and print it once: only its hash is stored, so it cannot be shown again."""
    from recommender.store.access import create_key

    try:
        expires_at = _expiry(expires_in, expires)
        with migrated_engine(database_url) as engine:
            key = create_key(
                engine,
                role,
                employee_id=employee,
                label=label,
                expires_at=expires_at,
                department=department,
            )
    except (InvalidInput, UnknownEmployee) as exc:
        err.print(f"[red]No key was created:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from None
    until = "" if expires_at is None else f" (expires {_when(expires_at)} UTC)"
    err.print(
        f"Created {role} key [bold]{key.key_id}[/bold]{until}. Store it now; it is shown only once:"
    )
    typer.echo(key.token)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


@keys_app.command("list")
def list_(
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """List every key: id, role, employee, department (manager keys), label, when created,
    expires and last used (UTC), and status (active, revoked or expired); never the secrets."""
    from recommender.store.access import LAST_USED_INTERVAL, list_keys

    fmt = output_format(as_json, as_csv)
    with migrated_engine(database_url) as engine:
        records = list_keys(engine)
    now = datetime.now(UTC)
    rows = [
        {
            "key_id": r.key_id,
            "role": str(r.role),
            "status": r.status(now),
            "employee_id": r.employee_id,
            "department": r.department,
            "label": r.label,
            "created_at": _iso(r.created_at),
            "expires_at": _iso(r.expires_at),
            "last_used_at": _iso(r.last_used_at),
        }
        for r in records
    ]

    def render() -> None:
        every = int(LAST_USED_INTERVAL.total_seconds() // 60)
        table = Grid(
            "key id",
            "role",
            "status",
            "employee",
            "department",
            "label",
            "created",
            "expires",
            "last used",
            caption=f"Times are UTC; last use is recorded at most every {every} minutes.",
        )
        for r in records:
            table.add_row(
                r.key_id,
                str(r.role),
                r.status(now),
                r.employee_id or "",
                r.department or "",
                r.label or "",
                _when(r.created_at),
                _when(r.expires_at) or "never",
                _when(r.last_used_at) or "never",
            )
        table.print()

    print_answer(fmt, lambda: rows, render, header=list(_KEY_FIELDS))


_KEY_FIELDS = (
    "key_id",
    "role",
    "status",
    "employee_id",
    "department",
    "label",
    "created_at",
    "expires_at",
    "last_used_at",
)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


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
    stdout().print(f"Revoked key {key_id}.", markup=False)
