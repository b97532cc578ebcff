"""What the templates show, built from the same response models ``/v1`` sends.

Only presentation: names for ids, the pathway as Cytoscape elements (roles and courses,
left to right) and as table rows, the gap as bars. Every number comes from the models the
API returns (:mod:`api.schemas_pathways`, :mod:`api.schemas`), so a page and the API never
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.schemas_pathways import PathwayOut, PlanOut
from recommender.catalog import Catalog, RoleSource

__all__ = [
    "Names",
    "GraphRow",
    "pathway_graph",
    "gap_bars",
    "KIND_LABELS",
    "EVIDENCE_LABELS",
    "uses_onet",
]

KIND_LABELS = {"step_up": "Step up", "lateral": "Lateral move", "step_down": "Step down"}
#: How each kind of evidence for a skill level reads on a page.
EVIDENCE_LABELS = {
    "inferred": "inferred from the profile text",
    "declared": "self-declared",
    "manager_verified": "verified by a manager",
    "certified": "certified",
}
#: The gap chart's scale: skill levels run 0 (none) to 5.
MAX_LEVEL = 5.0


class Names:
    """Titles and names for the ids in an answer, from the catalogue being served."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def role(self, role_id: str) -> str:
        role = self._catalog.roles.get(role_id)
        return role.title if role is not None else role_id

    def skill(self, skill_id: str) -> str:
        skill = self._catalog.skills.get(skill_id)
        return skill.name if skill is not None else skill_id

    def course(self, course_id: str) -> str:
        course = self._catalog.courses.get(course_id)
        return course.title if course is not None else course_id

    def prerequisites(self, course_id: str) -> list[str]:
        course = self._catalog.courses.get(course_id)
        return [] if course is None else [self.course(c) for c in course.prerequisite_courses]


@dataclass(frozen=True, slots=True)
class GraphRow:
    """One node of the pathway graph as the table beside it lists it, in graph order."""

    node_id: str
    kind: str  # "role" or "course"
    label: str
    leads_to: str
    hours: float | None
    cost: float | None


def _plans(answer: PathwayOut) -> list[tuple[str, str, PlanOut]]:
    """(from role, to role, plan) of each move: the stepping-stone path's hops when one was
    found and the direct move is not viable, else the direct plan."""
    start = answer.from_role or "start"
    if answer.stepping_stones and not answer.direct_move_viable:
        return [(h.from_role, h.to_role, h.plan) for h in answer.stepping_stones[0].hops]
    return [(start, answer.target, answer.plan)]


def pathway_graph(answer: PathwayOut, names: Names) -> tuple[list[dict[str, Any]], list[GraphRow]]:
    """The pathway as Cytoscape elements and as the table rows of the same nodes.

    Roles are nodes ``role:<id>``, courses ``course:<id>``; each move runs from its
    starting role through its courses, in plan order, to the role it reaches."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    rows: list[GraphRow] = []

    def node(node_id: str, kind: str, label: str) -> None:
        if node_id not in nodes:
            nodes[node_id] = {"data": {"id": node_id, "label": label, "kind": kind}}

    def edge(source: str, target: str) -> None:
        edges.append({"data": {"id": f"{source}->{target}", "source": source, "target": target}})

    moves = _plans(answer)
    first = f"role:{moves[0][0]}"
    node(first, "role", names.role(moves[0][0]))
    rows.append(GraphRow(first, "role", names.role(moves[0][0]), "", None, None))
    for from_role, to_role, plan in moves:
        previous = f"role:{from_role}"
        target = f"role:{to_role}"
        for step in plan.steps:
            course = f"course:{step.course_id}"
            node(course, "course", step.title)
            edge(previous, course)
            rows.append(
                GraphRow(course, "course", step.title, names.role(to_role), step.hours, step.cost)
            )
            previous = course
        node(target, "role", names.role(to_role))
        edge(previous, target)
        rows.append(GraphRow(target, "role", names.role(to_role), "", None, None))
    return [*nodes.values(), *edges], rows


@dataclass(frozen=True, slots=True)
class GapBar:
    """One requirement as the gap chart draws it (levels 0-5, SVG user units)."""

    skill: str
    current: float
    required: float
    importance: float
    met: bool
    y: int
    current_width: float
    required_width: float


BAR_WIDTH = 240.0
BAR_ROW = 28


def gap_bars(plan: PlanOut, names: Names) -> list[GapBar]:
    """The plan's gaps by importance (most important first), scaled for the chart."""
    gaps = sorted(plan.gaps, key=lambda g: (-g.importance, g.skill_id))
    return [
        GapBar(
            names.skill(g.skill_id),
            g.current,
            g.required,
            g.importance,
            g.met,
            i * BAR_ROW,
            BAR_WIDTH * min(g.current, MAX_LEVEL) / MAX_LEVEL,
            BAR_WIDTH * min(g.required, MAX_LEVEL) / MAX_LEVEL,
        )
        for i, g in enumerate(gaps)
    ]


def uses_onet(catalog: Catalog, role_ids: list[str]) -> bool:
    """Whether any of ``role_ids`` comes from O*NET (its attribution is then shown)."""
    return any(
        (r := catalog.roles.get(role_id)) is not None and r.source == RoleSource.ONET
        for role_id in role_ids
    )
