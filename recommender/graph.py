"""The graph of roles, skills and courses.

One :class:`networkx.DiGraph` holds three kinds of node, keyed ``"role:<id>"``,
``"skill:<id>"`` and ``"course:<id>"``, each with a ``kind`` attribute, and four
kinds of edge (attribute ``relation``):

* ``requires``: role -> skill, with ``level`` and ``importance``;
* ``teaches``: course -> skill, with the ``level`` reached on completion;
* ``prerequisite``: skill -> course (``level`` needed first) or course -> course;
* ``moves_to``: role -> role, a viable move with the ``hours`` of training it takes and
  the transition model's ``score`` (added by :func:`add_moves`, for exports).

Employees are not in the graph: it holds no personal data and can be exported
freely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from recommender.catalog import Catalog, Course, Role, Skill

__all__ = [
    "node_key",
    "build_graph",
    "course_prerequisite_cycle",
    "add_moves",
    "to_node_link",
    "to_cytoscape",
]


def node_key(kind: str, identifier: str) -> str:
    """The graph key of a catalogue object.

    Examples
    --------
    >>> node_key("skill", "siem")
    'skill:siem'
    """
    return f"{kind}:{identifier}"


def build_graph(catalog: Catalog) -> nx.DiGraph:
    """Build the role/skill/course graph of ``catalog``.

    Parameters
    ----------
    catalog : Catalog
        Skills, roles and courses; employees are ignored.

    Returns
    -------
    networkx.DiGraph
        Nodes carry ``kind`` and ``label``; edges carry ``relation``.

    Examples
    --------
    >>> from recommender.catalog import Requirement, SkillCategory
    >>> c = Catalog.from_items(
    ...     skills=[Skill("siem", "SIEM", SkillCategory.SECURITY)],
    ...     roles=[Role("soc", "SOC analyst", "", "15-1212.00", "Security", 4,
    ...                 (Requirement("siem", 3, 1.0),))])
    >>> G = build_graph(c)
    >>> G.edges["role:soc", "skill:siem"]["relation"], G.edges["role:soc", "skill:siem"]["level"]
    ('requires', 3)
    """
    graph = nx.DiGraph(name="reskill")
    _add_skills(graph, catalog.skills.values())
    _add_roles(graph, catalog.roles.values())
    _add_courses(graph, catalog.courses.values())
    return graph


def _add_skills(graph: nx.DiGraph, skills: Iterable[Skill]) -> None:
    for skill in skills:
        graph.add_node(
            node_key("skill", skill.id),
            kind="skill",
            label=skill.name,
            category=str(skill.category),
        )


def _add_roles(graph: nx.DiGraph, roles: Iterable[Role]) -> None:
    for role in roles:
        key = node_key("role", role.id)
        graph.add_node(
            key,
            kind="role",
            label=role.title,
            soc_code=role.soc_code,
            job_family=role.job_family,
            job_zone=role.job_zone,
            hard_to_fill=role.hard_to_fill,
        )
        for req in role.requirements:
            graph.add_edge(
                key,
                node_key("skill", req.skill_id),
                relation="requires",
                level=req.level,
                importance=req.importance,
            )


def _add_courses(graph: nx.DiGraph, courses: Iterable[Course]) -> None:
    for course in courses:
        key = node_key("course", course.id)
        graph.add_node(
            key,
            kind="course",
            label=course.title,
            course_kind=str(course.kind),
            provider=course.provider,
            hours=course.hours,
            cost=course.cost,
        )
        for taught in course.teaches:
            graph.add_edge(
                key, node_key("skill", taught.skill_id), relation="teaches", level=taught.level
            )
        for needed in course.prerequisite_skills:
            graph.add_edge(
                node_key("skill", needed.skill_id), key, relation="prerequisite", level=needed.level
            )
        for before in course.prerequisite_courses:
            graph.add_edge(node_key("course", before), key, relation="prerequisite")


def add_moves(graph: nx.DiGraph, moves: nx.DiGraph) -> int:
    """Add role-to-role ``moves_to`` edges to ``graph``; returns how many.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`build_graph`.
    moves : networkx.DiGraph
        Role ids as nodes, an edge per viable move with ``weight`` (training hours) and
        ``score`` (:attr:`recommender.pathways.SteppingStones.graph`).

    Examples
    --------
    >>> moves = nx.DiGraph()
    >>> moves.add_edge("a", "b", weight=12.0, score=0.8)
    >>> graph = nx.DiGraph()
    >>> add_moves(graph, moves), graph.edges["role:a", "role:b"]["relation"]
    (1, 'moves_to')
    """
    for a, b, data in moves.edges(data=True):
        graph.add_edge(
            node_key("role", a),
            node_key("role", b),
            relation="moves_to",
            hours=float(data["weight"]),
            score=round(float(data["score"]), 4),
        )
    return int(moves.number_of_edges())


def course_prerequisite_cycle(courses: Iterable[Course]) -> list[str] | None:
    """Return one cycle of course prerequisites as a closed list of ids, or None.

    Examples
    --------
    >>> from recommender.catalog import CourseKind
    >>> def course(cid, after):
    ...     return Course(cid, cid, "x", CourseKind.COURSE, 1, 0, "online", (), (), after)
    >>> course_prerequisite_cycle([course("a", ("b",)), course("b", ("a",))])
    ['a', 'b', 'a']
    >>> course_prerequisite_cycle([course("a", ()), course("b", ("a",))]) is None
    True
    """
    graph = nx.DiGraph()
    for course in courses:
        graph.add_node(course.id)
        graph.add_edges_from((course.id, before) for before in course.prerequisite_courses)
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    return [edges[0][0], *(v for _, v in edges)]


def to_node_link(graph: nx.DiGraph) -> dict[str, Any]:
    """Node-link JSON (``nodes`` and ``edges``), as :func:`networkx.node_link_data` writes it."""
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    return data


def to_cytoscape(graph: nx.DiGraph) -> dict[str, Any]:
    """Cytoscape.js JSON (``elements.nodes`` / ``elements.edges``) with labels as names."""
    data: dict[str, Any] = nx.cytoscape_data(graph, name="label", ident="id")
    return data
