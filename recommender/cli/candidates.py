"""`reskill candidates`, `reskill people`, `reskill mobility` and `reskill hard-to-fill`.

Each answers from the database (``--database-url``), or from ``--data`` imported into a
temporary database (:mod:`recommender.cli._analysis`). ``candidates``, ``people`` and
``mobility`` return or rank people: each makes one call through the gate as the command
line's admin principal (``cli:<os user>``, route ``reskill <command>``), which writes
everyone shown to the access log. ``hard-to-fill`` shows only counts (nothing is logged),
through the gate too, which leaves out anyone erased since the data was loaded. Profiles are embedded by the bundled
sentence-transformers model (or ``--model``), their vectors kept in the database (shared
with the service and ``reskill prepare``; with ``--data``, on disk in ``--cache-dir``);
mobility and the hard-to-fill view need no model.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from recommender.candidates import (
    MobilityOption,
    RoleDemand,
    Shortlist,
    ShortlistFilter,
)
from recommender.candidates.mobility import Opportunities
from recommender.candidates.people import PeopleSearch
from recommender.catalog import Catalog
from recommender.cli._analysis import answering, embedding_profiles, fail, gate
from recommender.cli._app import app
from recommender.cli._options import (
    DEFAULT_DATABASE_URL,
    EMBEDDING_CACHE,
    CacheDir,
    DatabaseUrl,
    DataDir,
    cached_encoder,
)
from recommender.cli._output import AsCsv, AsJson, Grid, output_format, print_answer, stdout
from recommender.errors import ReskillError

err = Console(stderr=True)

#: The paragraph the help of every command that reads people ends with.
LOGGED = (
    "Reads people as the command line's admin principal (key id cli:<os user>, route "
    "'reskill {command}'): everyone shown is written to the database's access log, as a read "
    "over HTTP is. With --data the log is kept in the temporary database, discarded on exit."
)

ModelPath = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Directory of a local sentence-transformers model "
        "(default: the bundled all-MiniLM-L6-v2).",
    ),
]


@app.command("candidates", epilog=LOGGED.format(command="candidates"))
def candidates(
    role: Annotated[str, typer.Option("--role", help="Target role id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many candidates.")] = 10,
    department: Annotated[
        str | None, typer.Option("--department", help="Only this department.")
    ] = None,
    location: Annotated[str | None, typer.Option("--location", help="Only this location.")] = None,
    min_readiness: Annotated[
        float, typer.Option("--min-readiness", min=0.0, max=1.0, help="Minimum readiness, 0-1.")
    ] = 0.0,
    max_hours: Annotated[
        float | None, typer.Option("--max-hours", min=0.0, help="Maximum training hours.")
    ] = None,
    estimate: Annotated[
        bool,
        typer.Option("--estimate", help="Rank by lower-bound hours only (no exact plans)."),
    ] = False,
    include_hard_to_fill_holders: Annotated[
        bool,
        typer.Option(
            "--include-hard-to-fill-holders",
            help="Also rank people who hold another hard-to-fill role (moving them moves the vacancy).",
        ),
    ] = False,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    model: ModelPath = None,
) -> None:
    """Rank employees who could fill ROLE, with the reasons for each."""
    fmt = output_format(as_json, as_csv)
    try:
        with answering(database_url, data, encoder=cached_encoder(cache_dir, model)) as service:
            service.role(role)  # an unknown role fails before anyone is embedded
            filters = ShortlistFilter(
                department, location, min_readiness, max_hours, include_hard_to_fill_holders
            )
            with embedding_profiles(service):
                result = gate(service, "candidates").candidates(
                    role, limit, filters, exact_hours=not estimate
                )
    except ReskillError as exc:
        fail(exc)
    print_answer(
        fmt,
        result.to_dict,
        lambda: _render_shortlist(service.catalog, result),
        sections=["candidates"],
    )


@app.command("people", epilog=LOGGED.format(command="people"))
def people(
    text: Annotated[
        str, typer.Option("--text", help='Job description or profile; "-" reads stdin.')
    ],
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many people.")] = 10,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
    cache_dir: CacheDir = EMBEDDING_CACHE,
    model: ModelPath = None,
) -> None:
    """List the employees who do the work TEXT describes, with the skills that matched.

    Ranked by the skills TEXT evidences that they hold (level, evidence), how well their
    current role fits TEXT and how close their profile reads.

    The text is neither logged nor stored.
    """
    fmt = output_format(as_json, as_csv)
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        err.print("[red]error:[/red] --text is empty: give a job description or profile")
        raise typer.Exit(2)
    try:
        with answering(database_url, data, encoder=cached_encoder(cache_dir, model)) as service:
            with embedding_profiles(service):
                result = gate(service, "people").search_people(text, limit)
    except ReskillError as exc:
        fail(exc)
    print_answer(
        fmt, result.to_dict, lambda: _render_people(result), sections=["matches", "skills"]
    )


@app.command("mobility", epilog=LOGGED.format(command="mobility"))
def mobility(
    employee: Annotated[str, typer.Option("--employee", help="Employee id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many roles.")] = 5,
    include_unviable: Annotated[
        bool,
        typer.Option("--all-moves", help="Also list moves the transition judge finds not viable."),
    ] = False,
    include_step_down: Annotated[
        bool,
        typer.Option(
            "--include-step-down",
            help="Also list step downs (a lower job zone or pay band), last and marked.",
        ),
    ] = False,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
) -> None:
    """List the roles EMPLOYEE could move to: near moves up or across first, then
    longer-term routes (with their stepping stones), step downs only when asked; each with
    its kind, whether it keeps pay, why it is listed and its training plan; and the best
    routes toward the person's goal (set through the API, or stated in their profile)."""
    fmt = output_format(as_json, as_csv)
    try:
        # The embedding model reads the roles' texts for the organisation judge (the default
        # judge of moves); vectors come from the database or the disk cache.
        with answering(database_url, data, encoder=cached_encoder(EMBEDDING_CACHE)) as service:
            options = gate(service, "mobility").opportunities(
                employee,
                limit,
                include_unviable=include_unviable,
                include_step_down=include_step_down,
            )
    except ReskillError as exc:
        fail(exc)
    print_answer(
        fmt,
        lambda: {"employee_id": employee, **options.to_dict()},
        lambda: _render_mobility(service.catalog, employee, options),
        sections=["items", "goal.routes"],
    )


@app.command("hard-to-fill")
def hard_to_fill(
    within_hours: Annotated[
        float,
        typer.Option("--within-hours", min=0.0, help="Training hours that count as within reach."),
    ] = 200.0,
    all_roles: Annotated[
        bool, typer.Option("--all", help="List every role, not only the hard-to-fill ones.")
    ] = False,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
) -> None:
    """Hard-to-fill roles ranked by open positions, days to fill and employees within reach.

    "Within reach" counts exactly the people `reskill candidates --role R --max-hours H`
    would list (with a large enough --limit). Shows counts only, never a person, so no
    read is logged.
    """
    fmt = output_format(as_json, as_csv)
    try:
        with answering(database_url, data, encoder=cached_encoder(EMBEDDING_CACHE)) as service:
            rows = gate(service, "hard-to-fill").hard_to_fill(within_hours, all_roles=all_roles)
    except ReskillError as exc:
        fail(exc)
    print_answer(
        fmt,
        lambda: [r.to_dict() for r in rows],
        lambda: _render_demand(rows, within_hours),
        header=["role_id", "title"],
    )


def _render_people(result: PeopleSearch) -> None:
    out = stdout()
    how = "approximate index, exact scores" if result.approximate else "exact search"
    table = Grid(
        "#",
        "employee",
        "current role",
        "department",
        "score",
        "skills",
        "role fit",
        "similarity",
        "matched skills",
        title=f"People who fit the text ({len(result.matches)} of {result.searched:,}; "
        f"{result.considered:,} scored; {how})",
    )
    for m in result.matches:
        table.add_row(
            str(m.rank),
            f"{m.name} ({m.employee_id})",
            m.current_role_title,
            m.department,
            f"{m.score:.3f}",
            f"{m.skill_match:.2f}",
            f"{m.role_fit:.2f}",
            f"{m.similarity:.3f}",
            ", ".join(f"{s.name} {s.level}" for s in m.shared_skills) or "-",
        )
    table.print(out)
    evidenced = ", ".join(s.name for s in result.skills)
    out.print(f"Skills the text evidences (inferred): {evidenced or 'none'}", markup=False)


def _title(catalog: Catalog, role_id: str) -> str:
    role = catalog.roles.get(role_id)
    return role.title if role is not None else role_id


def _render_shortlist(catalog: Catalog, result: Shortlist) -> None:
    out = stdout()
    basis = (
        "exact plan hours" + (", certified top" if result.certified else ", uncertified")
        if result.exact_hours
        else "lower-bound hours"
    )
    table = Grid(
        "#",
        "employee",
        "current role",
        "department",
        "location",
        "score",
        "ready",
        "hours",
        "weeks",
        "move",
        "similar",
        title=f"Candidates for {_title(catalog, result.role_id)} "
        f"({len(result.candidates)} of {result.considered} considered; {basis})",
    )
    for c in result.candidates:
        table.add_row(
            str(c.rank),
            f"{c.name} ({c.employee_id})",
            _title(catalog, c.current_role_id),
            c.department,
            c.location,
            f"{c.score:.2f}",
            f"{c.readiness:.0%}",
            f"{c.hours_to_ready:g}" if c.hours_exact else f">={c.hours_to_ready:g}",
            str(c.weeks_to_ready),
            f"{c.components.transition:.2f}",
            f"{c.components.similarity:.2f}",
        )
    table.print(out)
    for c in result.candidates:
        out.print(f"[bold]{c.rank}. {escape(c.name)} ({escape(c.employee_id)})[/bold]")
        for reason in c.reasons:
            out.print(f"  - {reason}", markup=False)


def _render_mobility(catalog: Catalog, employee_id: str, options: Opportunities) -> None:
    out = stdout()
    employee = catalog.employees[employee_id]
    where = f"{employee.name} ({employee_id}, {_title(catalog, employee.role_id)})"
    _options_table(f"Where {where} could go", options.options).print(out)
    if not options:
        out.print("No viable move found; try --all-moves or --include-step-down.")
    _option_reasons(out, options.options)
    section = options.goal
    if section is None:
        return
    goal = section.goal
    source = "set" if str(goal.source) == "set" else "stated in the profile"
    title = f"Toward the goal {goal.stated!r} ({goal.what}, {source})"
    if not section.routes:
        out.print(f"{title}: no route toward it.", markup=False)
        return
    _options_table(title, section.routes).print(out)
    _option_reasons(out, section.routes)


def _options_table(title: str, options: Sequence[MobilityOption]) -> Grid:
    table = Grid(
        "#",
        "role",
        "kind",
        "pay",
        "reach",
        "score",
        "ready",
        "hours",
        "weeks",
        "goal",
        title=title,
    )
    for o in options:
        table.add_row(
            str(o.rank),
            o.title,
            o.kind.label,
            {None: "?", True: "kept", False: "cut"}[o.keeps_pay],
            "near" if not o.long_term else "long-term",
            f"{o.score:.2f}",
            f"{o.readiness:.0%}",
            f"{o.hours:g}",
            str(o.weeks),
            "yes" if o.toward_goal else "",
        )
    return table


def _option_reasons(out: Console, options: Sequence[MobilityOption]) -> None:
    for o in options:
        courses = ", ".join(s.title for s in o.plan.steps) or "no courses needed"
        out.print(f"[bold]{o.rank}. {escape(o.title)}[/bold]: {escape(courses)}")
        for reason in o.reasons:
            out.print(f"  - {reason}", markup=False)


def _render_demand(rows: tuple[RoleDemand, ...], within_hours: float) -> None:
    table = Grid(
        "#",
        "role",
        "open",
        "days to fill",
        "hard to fill",
        "incumbents",
        "within reach",
        "ready now",
        title=f"Hard-to-fill view (within reach: whom `reskill candidates --max-hours "
        f"{within_hours:g}` lists)",
    )
    for number, r in enumerate(rows, start=1):
        table.add_row(
            str(number),
            f"{r.title} ({r.role_id})",
            str(r.open_positions),
            "" if r.median_days_to_fill is None else str(r.median_days_to_fill),
            "yes" if r.hard_to_fill else "",
            str(r.incumbents),
            str(r.within_reach),
            str(r.ready_now),
        )
    table.print()
