"""Plain-language reasons for gap analyses, plans, steps and stepping-stone paths.

Every sentence is built from the numbers the planner used, so an explanation
never claims more than the plan shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from recommender.catalog import Catalog
from recommender.pathways.gaps import GapAnalysis, SkillGap
from recommender.pathways.plan import PlanStep, RolePath, TrainingPlan, UnclosableGap

__all__ = [
    "skill_name",
    "gap_reasons",
    "step_reasons",
    "plan_reasons",
    "unclosable_message",
    "path_reasons",
]

_LISTED = 6


def skill_name(catalog: Catalog, skill_id: str) -> str:
    """The display name of a skill, or its id when the catalogue does not know it."""
    skill = catalog.skills.get(skill_id)
    return skill.name if skill is not None else skill_id


def _course_title(catalog: Catalog, course_id: str) -> str:
    course = catalog.courses.get(course_id)
    return course.title if course is not None else course_id


def _role_title(catalog: Catalog, role_id: str) -> str:
    role = catalog.roles.get(role_id)
    return role.title if role is not None else role_id


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_LISTED])
    more = len(names) - _LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _level_pair(gap: SkillGap) -> str:
    return f"has {gap.current:g}, needs {gap.required:g}"


def gap_reasons(catalog: Catalog, analysis: GapAnalysis) -> tuple[str, ...]:
    """Readiness, the skills that transfer and the skills missing, as sentences."""
    role = _role_title(catalog, analysis.role_id)
    out = [
        f"Meets {len(analysis.transferring)} of {len(analysis.gaps)} requirements of {role} "
        f"({analysis.readiness:.0%} weighted by importance)."
    ]
    if analysis.transferring:
        names = [
            f"{skill_name(catalog, g.skill_id)} ({_level_pair(g)})" for g in analysis.transferring
        ]
        out.append(f"Transfers: {_listing(names)}.")
    if analysis.missing:
        names = [f"{skill_name(catalog, g.skill_id)} ({_level_pair(g)})" for g in analysis.missing]
        out.append(f"Missing: {_listing(names)}.")
    return tuple(out)


def step_reasons(
    catalog: Catalog,
    step: PlanStep,
    analysis: GapAnalysis,
    closers: Callable[[str, float], tuple[str, ...]],
) -> tuple[str, ...]:
    """Why a course is in the plan: the gaps it closes and the courses it unlocks."""
    required = {g.skill_id: g.required for g in analysis.gaps}
    out: list[str] = []
    for skill_id in step.closes:
        others = [c for c in closers(skill_id, required[skill_id]) if c != step.course_id]
        alt = (
            f"; {len(others)} other course(s) also close it, none in a cheaper plan"
            if others
            else ""
        )
        out.append(
            f"Closes {skill_name(catalog, skill_id)} (to level {required[skill_id]:g}){alt}."
        )
    for course_id in step.unlocks:
        out.append(f"Unlocks {_course_title(catalog, course_id)} (meets its prerequisite).")
    if not out:
        out.append("Part of the cheapest combination found for the remaining gaps.")
    return tuple(out)


def plan_reasons(catalog: Catalog, plan: TrainingPlan) -> tuple[str, ...]:
    """The plan in a few sentences: readiness, what transfers, what it costs, what is left."""
    out = list(gap_reasons(catalog, plan.analysis))
    if plan.steps:
        criterion = {
            "hours": "fewest learning hours",
            "cost": "lowest price",
            "weeks": "fewest calendar weeks",
        }[str(plan.objective)]
        out.append(
            f"{len(plan.steps)} course(s), {plan.total_hours:g} hours, ${plan.total_cost:,.0f}, "
            f"about {plan.weeks} week(s) at {plan.weekly_hours:g} h/week, finishing "
            f"{plan.finish.isoformat()}; chosen for the {criterion} among plans that respect "
            "every prerequisite."
        )
    elif not plan.analysis.missing:
        out.append("No training needed: every requirement is already met.")
    for gap in plan.unclosable:
        out.append(_unclosable_sentence(catalog, gap))
    return tuple(out)


def _unclosable_sentence(catalog: Catalog, gap: UnclosableGap) -> str:
    alternatives = [_course_title(catalog, c) for c in gap.alternatives]
    instead = f" Consider instead: {_listing(alternatives)}." if alternatives else ""
    return (
        f"{skill_name(catalog, gap.skill_id)} cannot be closed to level {gap.required:g} "
        f"(reachable: {gap.reachable:g}): {gap.reason}.{instead}"
    )


def unclosable_message(catalog: Catalog, role_id: str, gaps: Sequence[UnclosableGap]) -> str:
    """The :class:`~recommender.errors.NoPathway` message for a strict plan."""
    body = " ".join(_unclosable_sentence(catalog, g) for g in gaps)
    return f"no training plan closes every gap for role {role_id!r}. {body}"


def path_reasons(catalog: Catalog, path: RolePath, direct_score: float | None) -> tuple[str, ...]:
    """Why a stepping-stone path: why the direct move is out, then each hop's score and cost.

    ``direct_score`` is the judge's score of the direct move when that move is not viable,
    ``None`` when it is.
    """
    roles = catalog.roles
    first, last = path.roles[0], path.roles[-1]
    out: list[str] = []
    if direct_score is not None and first in roles and last in roles:
        step = roles[last].job_zone - roles[first].job_zone
        why = (
            f"it climbs {step} job zones ({roles[first].job_zone} to {roles[last].job_zone})"
            if step > 1
            else f"too few skills transfer (transition score {direct_score:.2f})"
        )
        out.append(
            f"A direct move from {_role_title(catalog, first)} to {_role_title(catalog, last)} "
            f"is not viable: {why}."
        )
    if len(path.roles) > 2:
        out.append(
            f"Stepping stones: {_listing([_role_title(catalog, r) for r in path.roles[1:-1]])}; "
            f"{path.edge_hours:g} hours between typical role profiles, {path.total_hours:g} "
            "planned for this learner."
        )
    for hop in path.hops:
        transfers = [skill_name(catalog, g.skill_id) for g in hop.plan.analysis.transferring]
        out.append(
            f"{_role_title(catalog, hop.from_role)} to {_role_title(catalog, hop.to_role)}: "
            f"transition score {hop.score:.2f}, {hop.plan.total_hours:g} hours of training"
            + (f"; transfers {_listing(transfers)}" if transfers else "")
            + "."
        )
    return tuple(out)
