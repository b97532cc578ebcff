"""`reskill pathway` and `reskill reachable`: gaps, the cheapest valid training plan,
stepping-stone roles, and the roles within reach of some hours of training.

Both answer from the database (``--database-url``), or from ``--data`` imported into a
temporary database (:mod:`recommender.cli._analysis`). From ``--employee`` the answer is
one call through the gate, as the command line's admin principal (``cli:<os user>``, route
``reskill pathway`` / ``reskill reachable``): the person is written to the access log.
From ``--from-role`` (a role's typical profile, no person) the
:class:`~recommender.service.Recommender` answers directly. Moves are judged by the
organisation judge (``--judge model``, the default: the shipped O*NET occupation scores
combined with the roles' own profiles; :mod:`recommender.transitions.organisation`), or with
``--judge coverage`` by skill coverage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from recommender.catalog import Catalog
from recommender.cli._analysis import _step, about_person, answering, fail
from recommender.cli._app import app
from recommender.cli._options import (
    DEFAULT_DATABASE_URL,
    EMBEDDING_CACHE,
    DatabaseUrl,
    DataDir,
    cached_encoder,
)
from recommender.cli._output import AsCsv, AsJson, Grid, output_format, print_answer, stdout
from recommender.embeddings import Encoder
from recommender.errors import ReskillError
from recommender.pathways import (
    CoverageJudge,
    LearnerProfile,
    Objective,
    PlanStep,
    RolePath,
    SteppingStones,
    TrainingPlan,
    TransitionJudge,
    employee_profile,
    role_profile,
)
from recommender.pathways.answer import PathwayAnswer, answer_pathway
from recommender.pathways.explain import skill_name

if TYPE_CHECKING:
    from recommender.service import Recommender

err = Console(stderr=True)

#: The lists of ``reskill pathway --json`` that ``--csv`` writes as sections.
PATHWAY_SECTIONS = ("plan.gaps", "plan.steps", "plan.unclosable", "stepping_stones")

#: The paragraph the help of both commands ends with.
LOGGED = (
    "With --employee, reads the person as the command line's admin principal (key id "
    "cli:<os user>, route 'reskill {command}'): the read is written to the database's access "
    "log, as a read over HTTP is. With --data the log is kept in the temporary database, "
    "discarded on exit. --from-role reads no person and logs nothing."
)


class Judge(StrEnum):
    COVERAGE = "coverage"
    MODEL = "model"


@app.command("pathway", epilog=LOGGED.format(command="pathway"))
def pathway(
    target: Annotated[str, typer.Option("--target", help="Target role id.")],
    employee: Annotated[
        str | None, typer.Option("--employee", help="Plan for this employee id.")
    ] = None,
    from_role: Annotated[
        str | None, typer.Option("--from-role", help="Plan from this role's typical profile.")
    ] = None,
    objective: Annotated[
        Objective, typer.Option("--objective", help="What the plan minimises.")
    ] = Objective.HOURS,
    start: Annotated[
        datetime | None,
        typer.Option("--start", formats=["%Y-%m-%d"], help="First day of study (default today)."),
    ] = None,
    weekly_hours: Annotated[
        float | None,
        typer.Option("--weekly-hours", min=0.5, max=40, help="Override weekly learning hours."),
    ] = None,
    paths: Annotated[
        int | None,
        typer.Option(
            "--paths",
            min=1,
            help="Show this many stepping-stone paths (default: one, only when the direct "
            "move is not viable).",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail when a gap cannot be closed.")
    ] = False,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
    judge_name: Annotated[
        Judge,
        typer.Option(
            "--judge",
            help="Which moves count as viable: the learned organisation judge (O*NET occupation "
            "scores with the roles' own profiles), or skill coverage.",
        ),
    ] = Judge.MODEL,
) -> None:
    """Print what to learn, from which courses, in what order, to reach TARGET."""
    fmt = output_format(as_json, as_csv)
    if (employee is None) == (from_role is None):
        raise typer.BadParameter("give exactly one of --employee or --from-role")
    try:
        with answering(database_url, data, encoder=_encoder(judge_name)) as service:
            judge, stones = _moves(service, judge_name)

            def plan() -> PathwayAnswer:
                return answer_pathway(
                    service.planner,
                    judge,
                    stones,
                    _profile(service.catalog, employee, from_role, weekly_hours),
                    target,
                    objective=objective,
                    start=start.date() if start else None,
                    paths=paths,
                    strict=strict,
                )

            result = about_person(service, "pathway", employee, plan)
    except ReskillError as exc:
        fail(exc)
    print_answer(
        fmt,
        result.to_dict,
        lambda: _render(result, stdout(), service.catalog),
        sections=PATHWAY_SECTIONS,
    )


def _encoder(name: Judge) -> Encoder | None:
    """The embedding model the organisation judge reads role texts with (cached on disk, and
    in the database's vectors when answering from one); none for skill coverage."""
    return cached_encoder(EMBEDDING_CACHE) if name is Judge.MODEL else None


def _moves(
    service: Recommender, name: Judge
) -> tuple[TransitionJudge, Callable[[], SteppingStones]]:
    """The judge of viable moves, and the stepping-stone graph it builds (when first asked)."""
    if name is Judge.MODEL or service.judge_name == "coverage":
        with _step("Judging every move between the roles"):
            judge = service.judge
        return judge, lambda: _stones(lambda: service.stepping_stones)
    coverage = CoverageJudge(service.catalog)
    return coverage, lambda: _stones(lambda: SteppingStones.build(service.catalog, coverage))


def _stones(build: Callable[[], SteppingStones]) -> SteppingStones:
    """The stepping-stone graph, with a spinner while it is built (seconds: every viable
    move between the roles is planned)."""
    with _step("Planning every viable move (the stepping-stone graph)"):
        return build()


def _profile(
    catalog: Catalog, employee: str | None, from_role: str | None, weekly_hours: float | None
) -> LearnerProfile:
    if employee is not None:
        profile = employee_profile(catalog, employee)
        if weekly_hours is None:
            return profile
        return LearnerProfile(
            profile.levels, profile.held_courses, weekly_hours, profile.role_id, profile.employee_id
        )
    assert from_role is not None
    return role_profile(catalog, from_role, weekly_hours or 4.0)


def _render(answer: PathwayAnswer, out: Console, catalog: Catalog) -> None:
    profile, plan = answer.profile, answer.plan
    who = profile.employee_id or f"typical {_title(catalog, profile.role_id)}"
    out.print(
        f"[bold]Pathway[/bold] for {escape(who)}: {escape(_title(catalog, profile.role_id))} -> "
        f"{escape(_title(catalog, plan.role_id))}  (objective: {plan.objective})"
    )
    _gap_table(catalog, plan).print(out)
    _plan_table(catalog, plan).print(out)
    for reason in plan.reasons:
        out.print(f"  - {reason}", markup=False)
    if not answer.viable:
        out.print(
            "[yellow]The direct move is not viable[/yellow] (job-zone step or too few "
            "transferable skills): consider the stepping stones below."
        )
    for number, path in enumerate(answer.paths, start=1):
        _render_path(out, catalog, number, path)
    if answer.note:
        out.print(f"[yellow]No stepping-stone path:[/yellow] {escape(answer.note)}")


def _title(catalog: Catalog, role_id: str | None) -> str:
    if role_id is None:
        return "(no role)"
    role = catalog.roles.get(role_id)
    return role.title if role is not None else role_id


def _gap_table(catalog: Catalog, plan: TrainingPlan) -> Grid:
    table = Grid(
        "skill",
        "has",
        "needs",
        "importance",
        "status",
        title=f"Skill gaps (readiness {plan.analysis.readiness:.0%})",
    )
    for gap in plan.analysis.gaps:
        status = Text("transfers", "green") if gap.met else Text(f"gap {gap.gap:g}", "red")
        table.add_row(
            skill_name(catalog, gap.skill_id),
            f"{gap.current:g}",
            f"{gap.required:g}",
            f"{gap.importance:.2f}",
            status,
        )
    return table


def _why(catalog: Catalog, step: PlanStep) -> str:
    parts = []
    if step.closes:
        parts.append("closes " + ", ".join(skill_name(catalog, s) for s in step.closes))
    if step.unlocks:
        titles = (catalog.courses[c].title if c in catalog.courses else c for c in step.unlocks)
        parts.append("unlocks " + ", ".join(titles))
    return "; ".join(parts)


def _plan_table(catalog: Catalog, plan: TrainingPlan) -> Grid:
    table = Grid(
        "#",
        "course",
        "kind",
        "hours",
        "cost",
        "total h",
        "start",
        "finish",
        "why",
        title=f"Plan: {plan.total_hours:g} h, ${plan.total_cost:,.0f}, {plan.weeks} week(s) "
        f"at {plan.weekly_hours:g} h/week, finish {plan.finish.isoformat()}",
    )
    for number, step in enumerate(plan.steps, start=1):
        table.add_row(
            str(number),
            f"{step.title} ({step.course_id})",
            str(step.kind),
            f"{step.hours:g}",
            f"${step.cost:,.0f}",
            f"{step.cumulative_hours:g}",
            step.start.isoformat(),
            step.finish.isoformat(),
            _why(catalog, step),
        )
    return table


def _render_path(out: Console, catalog: Catalog, number: int, path: RolePath) -> None:
    route = " -> ".join(_title(catalog, r) for r in path.roles)
    out.print(
        f"[bold]Stepping stones #{number}[/bold]: {escape(route)} "
        f"({path.total_hours:g} h, ${path.total_cost:,.0f})"
    )
    for hop in path.hops:
        courses = ", ".join(s.title for s in hop.plan.steps) or "no training needed"
        out.print(
            f"  {_title(catalog, hop.from_role)} -> {_title(catalog, hop.to_role)}: "
            f"{hop.plan.total_hours:g} h ({courses})",
            markup=False,
        )
    for reason in path.reasons:
        out.print(f"  - {reason}", markup=False)


@app.command("reachable", epilog=LOGGED.format(command="reachable"))
def reachable(
    hours: Annotated[
        float, typer.Option("--hours", min=0, help="Training hours the person can invest.")
    ],
    employee: Annotated[
        str | None, typer.Option("--employee", help="Start from this employee's skills.")
    ] = None,
    from_role: Annotated[
        str | None, typer.Option("--from-role", help="Start from this role's typical profile.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    as_csv: AsCsv = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    data: DataDir = None,
    judge_name: Annotated[
        Judge, typer.Option("--judge", help="Which moves count as viable.")
    ] = Judge.MODEL,
) -> None:
    """List the roles reachable within --hours of training, through viable moves, cheapest first."""
    fmt = output_format(as_json, as_csv)
    if (employee is None) == (from_role is None):
        raise typer.BadParameter("give exactly one of --employee or --from-role")
    try:
        with answering(database_url, data, encoder=_encoder(judge_name)) as service:
            _, stones = _moves(service, judge_name)

            def within() -> dict[str, float]:
                source = _profile(service.catalog, employee, from_role, None)
                return stones().reachable(source if employee else str(from_role), hours)

            found = about_person(service, "reachable", employee, within)
    except ReskillError as exc:
        fail(exc)
    roles = service.catalog.roles
    rows = [{"role_id": r, "title": roles[r].title, "hours": round(h, 1)} for r, h in found.items()]

    def render() -> None:
        table = Grid("role", "title", "training hours", title=f"Reachable within {hours:g} h")
        for role_id, needed in found.items():
            table.add_row(role_id, roles[role_id].title, f"{needed:,.0f}")
        table.print()

    print_answer(fmt, lambda: rows, render, header=["role_id", "title", "hours"])
