"""`reskill academy plan`: a cohort chosen to fill hard-to-fill vacancies, within a budget.

One call through the gate as the command line's admin principal: the plan is computed
among the people still stored, its selection audited like a shortlist's, stored (read it
back with ``GET /v1/academy/plans/{id}``) and everyone in it written to the access log.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from recommender.academy import CohortRequest
from recommender.cli._analysis import answering, fail, gate
from recommender.cli._app import app
from recommender.cli._options import (
    DEFAULT_DATABASE_URL,
    EMBEDDING_CACHE,
    DatabaseUrl,
    DataDir,
    cached_encoder,
)
from recommender.cli._output import AsCsv, AsJson, Grid, output_format, print_answer, stdout
from recommender.errors import InvalidInput, ReskillError
from recommender.gate import PlanView

academy_app = typer.Typer(help="Plan academy cohorts.", no_args_is_help=True)
app.add_typer(academy_app, name="academy")

LOGGED = (
    "Reads people as the command line's admin principal (key id cli:<os user>, route "
    "'reskill academy plan'): everyone in the plan is written to the access log, and the "
    "plan is stored. With --data both are kept in the temporary database, discarded on exit."
)


def _needs(pairs: list[str]) -> dict[str, int] | None:
    if not pairs:
        return None
    out: dict[str, int] = {}
    for pair in pairs:
        role, _, count = pair.partition("=")
        if not count.strip().isdigit():
            raise InvalidInput(f"--need takes ROLE=COUNT, got {pair!r}")
        out[role.strip()] = int(count)
    return out


@academy_app.command("plan", epilog=LOGGED)
def plan(
    roles: Annotated[str, typer.Option("--roles", help="Target role ids, comma-separated.")],
    need: Annotated[
        list[str],
        typer.Option("--need", help="ROLE=COUNT people needed (default: its open positions)."),
    ] = [],  # noqa: B006
    budget: Annotated[
        float | None, typer.Option("--budget", min=0.0, help="Training budget in US dollars.")
    ] = None,
    hours: Annotated[
        float | None, typer.Option("--hours", min=0.0, help="Training hours budget, all learners.")
    ] = None,
    weeks: Annotated[
        int | None, typer.Option("--weeks", min=0, help="Every plan finishes within WEEKS.")
    ] = None,
    max_per_role: Annotated[
        int | None, typer.Option("--max-per-role", min=0, help="Most people leaving one role.")
    ] = None,
    max_per_department: Annotated[
        int | None,
        typer.Option("--max-per-department", min=0, help="Most people leaving one department."),
    ] = None,
    from_hard_to_fill: Annotated[
        bool,
        typer.Option("--from-hard-to-fill", help="Also move people who hold a hard-to-fill role."),
    ] = False,
    start: Annotated[
        str | None, typer.Option("--start", help="First day of study, YYYY-MM-DD (default today).")
    ] = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
) -> None:
    """Choose who trains for which vacancy: most hard-to-fill vacancies filled, then least cost."""
    fmt = output_format(as_json, as_csv)
    try:
        request = CohortRequest(
            roles=tuple(dict.fromkeys(r.strip() for r in roles.split(",") if r.strip())),
            needs=_needs(need),
            money=budget,
            hours=hours,
            weeks=weeks,
            max_per_role=max_per_role,
            max_per_department=max_per_department,
            from_hard_to_fill=from_hard_to_fill,
            start=_day(start),
        )
        # The embedding model reads the roles' texts for the organisation judge (the default
        # judge of moves, as over the API); vectors come from the database or the disk cache.
        with answering(database_url, data, encoder=cached_encoder(EMBEDDING_CACHE)) as service:
            shown = gate(service, "academy plan").create_academy_plan(request)
    except ReskillError as exc:
        fail(exc)
    print_answer(fmt, lambda: _record(shown), lambda: _render(shown), sections=["assignments"])


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--start must be a date YYYY-MM-DD, got {text!r}") from None


def _record(shown: PlanView) -> dict[str, Any]:
    return {
        "id": shown.stored.id,
        "request": dict(shown.stored.content.request),
        **shown.summary,
        "assignments": list(shown.assignments),
    }


def _render(shown: PlanView) -> None:
    s = shown.summary
    console = stdout()
    console.print(
        f"Academy plan {shown.stored.id}: {s['filled']} of {sum(s['needs'].values())} "
        f"vacancies filled, ${s['total_cost']:,.0f}, {s['total_hours']:,.0f} training hours "
        f"(starting {s['start']}; {s['considered']} people considered)"
    )
    people = Grid("Employee", "From", "Department", "To", "Hours", "Weeks", "Cost", "Finish")
    for a in shown.assignments:
        people.add_row(
            f"{a['employee_id']} {a['name']}",
            a["from_role_id"],
            a["department"],
            a["role_id"],
            f"{a['hours']:g}",
            str(a["weeks"]),
            f"${a['seat_cost']:,.0f}",
            a["finish"],
        )
    people.print(console)
    if s["cohort_runs"]:
        runs = Grid("Cohort run", "Cost", "Learners")
        for r in s["cohort_runs"]:
            runs.add_row(r["title"], f"${r['cost']:,.0f}", str(r["learners"]))
        runs.print(console)
    vacancies = Grid("Open vacancy", "Reason")
    for v in s["open"]:
        vacancies.add_row(v["role_id"], f"{v['reason']}: {v['why']}")
    vacancies.print(console)
    backfill = Grid("Backfill: role left", "Department", "Leaving", "Hard to fill")
    for b in s["backfill"]:
        backfill.add_row(b["title"], b["department"], str(b["leaving"]), str(b["hard_to_fill"]))
    backfill.print(console)
