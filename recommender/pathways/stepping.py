"""Stepping stones: multi-hop role paths when the jump to a target role is too far.

The role graph has a node per role and an edge ``a -> b`` for every move a
:class:`TransitionJudge` finds viable (in the transition model: score above the
calibrated threshold and a job-zone step of at most one), weighted by the
learning hours of the cheapest plan from ``a``'s typical profile to ``b``. An
edge whose gaps cannot all be closed by training is left out. The graph is
built once per catalogue (:meth:`SteppingStones.build`); queries are then
networkx shortest paths, ``shortest_simple_paths`` for alternatives and a
Dijkstra cutoff for "roles reachable within H hours". As in networkx, each query
takes the edge ``weight`` as an attribute name (``"weight"``, the hours, by
default) or a function ``weight(u, v, d)`` of the two roles and the edge's
attributes that returns the edge's length, or ``None`` to leave the move out.

Each hop of a returned path carries its own plan, computed from what the
learner holds at that point: the starting profile, raised by every course
already taken on the path and by the typical profile of every role already
reached. Holding more never costs more, so a path's planned hours are at most
the sum of its edge weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Protocol, TypeAlias, runtime_checkable

import networkx as nx

from recommender.catalog import Catalog, Role
from recommender.errors import InvalidInput, NoPathway
from recommender.pathways import explain
from recommender.pathways.gaps import LearnerProfile, role_profile
from recommender.pathways.plan import Hop, Objective, RolePath
from recommender.pathways.planner import Planner

__all__ = [
    "TransitionJudge",
    "CoverageJudge",
    "SteppingStones",
    "Weight",
]

_LEARNER = "\0learner"

#: An edge weight, as networkx takes one: the name of an edge attribute, or a function of
#: (from role, to role, edge attributes) returning the edge's length, ``None`` to hide it.
Weight: TypeAlias = str | Callable[[str, str, dict[str, Any]], float | None]


@runtime_checkable
class TransitionJudge(Protocol):
    """What stepping stones need from a transition model."""

    def is_viable(self, a_id: str, b_id: str) -> bool:
        """Whether moving from role ``a_id`` to role ``b_id`` is a realistic single step."""
        ...

    def score(self, a_id: str, b_id: str) -> float:
        """How good the move is, higher is better (shown to users, not used as a weight)."""
        ...


class CoverageJudge:
    """A transparent baseline judge: skill coverage plus the job-zone rule.

    ``score(a, b)`` is the importance-weighted share of ``b``'s required levels
    that ``a``'s typical profile covers, with partial credit
    ``min(1, level_a / level_b)`` per requirement. A move is viable when the
    score is at least ``threshold`` and ``b``'s job zone is at most
    ``max_zone_step`` above ``a``'s (moving down any number of zones is allowed).
    A career path the organisation declares (``a`` is one of ``b``'s ``feeder_roles``)
    scores at least ``threshold``.

    Examples
    --------
    >>> from recommender.catalog import Requirement
    >>> a = Role("a", "A", "", "", "IT", 2, (Requirement("net", 2, 1.0),))
    >>> b = Role("b", "B", "", "", "IT", 3, (Requirement("net", 4, 1.0),))
    >>> judge = CoverageJudge(Catalog.from_items(roles=[a, b]), threshold=0.5)
    >>> judge.score("a", "b"), judge.is_viable("a", "b")
    (0.5, True)
    """

    def __init__(self, catalog: Catalog, threshold: float = 0.3, max_zone_step: int = 1) -> None:
        self.catalog = catalog
        self.threshold = threshold
        self.max_zone_step = max_zone_step
        # The catalogue never changes under a judge, so each pair is worked out once.
        self._scores: dict[tuple[str, str], float] = {}

    def score(self, a_id: str, b_id: str) -> float:
        known = self._scores.get((a_id, b_id))
        if known is None:
            known = self._scores[(a_id, b_id)] = self._score(a_id, b_id)
        return known

    def _score(self, a_id: str, b_id: str) -> float:
        a, b = self.catalog.role(a_id), self.catalog.role(b_id)
        have = {r.skill_id: r.level for r in a.requirements}
        total = sum(r.importance for r in b.requirements)
        if total <= 0:
            return 1.0
        covered = sum(
            r.importance * min(1.0, have.get(r.skill_id, 0.0) / r.level)
            for r in b.requirements
            if r.level > 0
        )
        if a_id != b_id and a_id in b.feeder_roles:
            return max(covered / total, self.threshold)
        return covered / total

    def is_viable(self, a_id: str, b_id: str) -> bool:
        a, b = self.catalog.role(a_id), self.catalog.role(b_id)
        return (
            a_id != b_id
            and b.job_zone - a.job_zone <= self.max_zone_step
            and self.score(a_id, b_id) >= self.threshold
        )


class SteppingStones:
    """The weighted graph of viable role moves of one catalogue, and path queries over it.

    Build it with :meth:`build`; the instance is immutable afterwards. The path queries
    (:meth:`paths`, :meth:`shortest_path`, :meth:`reachable`) take ``weight`` as networkx
    does: an edge attribute name (default ``"weight"``, the hours) or a function
    ``weight(u, v, d)`` returning an edge's length, or ``None`` to leave the move out.

    Attributes
    ----------
    graph : networkx.DiGraph
        Role ids as nodes; an edge per viable, fully trainable move, with
        ``weight`` (learning hours) and ``score`` (the judge's score).
    """

    def __init__(
        self, catalog: Catalog, judge: TransitionJudge, planner: Planner, graph: nx.DiGraph
    ) -> None:
        self.catalog = catalog
        self.judge = judge
        self.planner = planner
        self.graph = graph

    @classmethod
    def build(cls, catalog: Catalog, judge: TransitionJudge) -> SteppingStones:
        """Weigh every viable move between the catalogue's roles (once per catalogue).

        Examples
        --------
        >>> from recommender.catalog import Course, CourseKind, Requirement, SkillLevel
        >>> roles = [Role("a", "A", "", "", "IT", 2, (Requirement("s", 1, 1.0),)),
        ...          Role("b", "B", "", "", "IT", 3, (Requirement("s", 2, 1.0),))]
        >>> course = Course("c", "C", "x", CourseKind.COURSE, 12, 0, "online",
        ...                 (SkillLevel("s", 2),))
        >>> catalog = Catalog.from_items(roles=roles, courses=[course])
        >>> stones = SteppingStones.build(catalog, CoverageJudge(catalog))
        >>> stones.graph.edges["a", "b"]["weight"], stones.graph.has_edge("b", "a")
        (12.0, True)
        """
        planner = Planner(catalog)
        graph = nx.DiGraph()
        role_ids = sorted(catalog.roles)
        graph.add_nodes_from(role_ids)
        for a in role_ids:
            source = role_profile(catalog, a)
            for b in role_ids:
                if a == b or not judge.is_viable(a, b):
                    continue
                hours = _hours_to(planner, source, catalog.roles[b])
                if hours is not None:
                    graph.add_edge(a, b, weight=hours, score=float(judge.score(a, b)))
        return cls(catalog, judge, planner, graph)

    # -- queries ---------------------------------------------------------------------------

    def paths(
        self,
        source: str | LearnerProfile,
        target: str,
        k: int = 1,
        *,
        objective: Objective | str = Objective.HOURS,
        start: date | None = None,
        weight: Weight = "weight",
    ) -> list[RolePath]:
        """Up to ``k`` shortest stepping-stone paths to the role ``target``, by ``weight``.

        Parameters
        ----------
        source : str or LearnerProfile
            A role id (its typical profile starts the path) or a learner, whose
            ``role_id`` is the current role and whose own levels plan the first hop.
        target : str
            The target role id.
        k : int
            How many alternative paths, shortest first.
        objective : Objective
            What each hop's plan minimises.
        start : date, optional
            First day of study; each hop starts when the previous one finishes.
        weight : str or callable
            What a move costs, as in networkx: an edge attribute (default ``"weight"``,
            the learning hours between typical profiles) or a function
            ``weight(u, v, d)`` of the two role ids and the edge's attributes
            (``weight``, ``score``) returning a non-negative length, or ``None`` to
            leave the move out. From a learner, ``u`` is their current role. A path's
            ``edge_hours`` are its hours whatever the weight.

        Raises
        ------
        UnknownRole
            If a role id is not in the catalogue.
        NoPathway
            If no sequence of viable, trainable moves (that ``weight`` keeps) reaches
            ``target``.

        Examples
        --------
        Two routes climb from ``a`` (job zone 1) to ``d`` (zone 3): through ``c`` (1 + 2
        hours) or through ``b`` (10 + 1). A weight function that hides moves into ``c``
        leaves the other.

        >>> from recommender.catalog import Course, CourseKind, Requirement, SkillLevel
        >>> def role(rid, zone, **levels):
        ...     return Role(rid, rid, "", "", "IT", zone,
        ...                 tuple(Requirement(s, lv, 1.0) for s, lv in levels.items()))
        >>> def course(cid, hours, skill, level):
        ...     return Course(cid, cid, "x", CourseKind.COURSE, hours, 0, "online",
        ...                   (SkillLevel(skill, level),))
        >>> roles = [role("a", 1, p=1), role("b", 2, p=1, x=2), role("c", 2, p=1, y=1),
        ...          role("d", 3, p=1, x=1, y=1)]
        >>> courses = [course("x1", 2, "x", 1), course("x2", 10, "x", 2), course("y1", 1, "y", 1)]
        >>> catalog = Catalog.from_items(roles=roles, courses=courses)
        >>> stones = SteppingStones.build(catalog, CoverageJudge(catalog))
        >>> path = stones.shortest_path("a", "d")
        >>> path.roles, path.edge_hours
        (('a', 'c', 'd'), 3.0)
        >>> avoid_c = lambda u, v, d: None if v == "c" else d["weight"]
        >>> path = stones.shortest_path("a", "d", weight=avoid_c)
        >>> path.roles, path.edge_hours
        (('a', 'b', 'd'), 11.0)
        """
        if k < 1:
            raise InvalidInput(f"k must be at least 1, got {k}")
        graph, node, profile = self._with_source(source)
        self.catalog.role(target)
        if node == target:
            raise InvalidInput(f"the learner already holds role {target!r}")
        routes = _simple_paths(graph, node, target, self._weight(weight, profile, node))
        found = [
            self._path(graph, profile, route, objective, start)
            for route in itertools.islice(routes, k)
        ]
        if not found:
            raise NoPathway(self._no_path_message(graph, node, target, profile))
        return found

    def shortest_path(
        self,
        source: str | LearnerProfile,
        target: str,
        *,
        objective: Objective | str = Objective.HOURS,
        start: date | None = None,
        weight: Weight = "weight",
    ) -> RolePath:
        """The shortest stepping-stone path by ``weight``; see :meth:`paths`."""
        return self.paths(source, target, 1, objective=objective, start=start, weight=weight)[0]

    def reachable(
        self, source: str | LearnerProfile, max_hours: float, *, weight: Weight = "weight"
    ) -> dict[str, float]:
        """Roles reachable within ``max_hours`` of training (edge hours), nearest first.

        With another ``weight`` (see :meth:`paths`), ``max_hours`` bounds the length that
        weight gives a path, and the values are those lengths. The source's own role is
        not listed.
        """
        if max_hours < 0:
            raise InvalidInput(f"max_hours must be >= 0, got {max_hours!r}")
        graph, node, profile = self._with_source(source)
        lengths = nx.single_source_dijkstra_path_length(
            graph, node, cutoff=max_hours, weight=self._weight(weight, profile, node)
        )
        own = {node, profile.role_id}
        return dict(sorted(((r, h) for r, h in lengths.items() if r not in own), key=_by_hours))

    # -- helpers ---------------------------------------------------------------------------

    def _with_source(self, source: str | LearnerProfile) -> tuple[nx.DiGraph, str, LearnerProfile]:
        """The graph to search, the start node and the starting profile."""
        if isinstance(source, str):
            self.catalog.role(source)
            return self.graph, source, role_profile(self.catalog, source)
        if source.role_id is None:
            raise InvalidInput("a learner needs a current role (role_id) for stepping stones")
        current = self.catalog.role(source.role_id).id
        graph = self.graph.copy()
        graph.remove_node(current)
        graph.add_node(_LEARNER)
        for b in sorted(self.catalog.roles):
            if b != current and self.judge.is_viable(current, b):
                hours = _hours_to(self.planner, source, self.catalog.roles[b])
                if hours is not None:
                    graph.add_edge(_LEARNER, b, weight=hours, score=self.judge.score(current, b))
        return graph, _LEARNER, source

    @staticmethod
    def _weight(weight: Weight, profile: LearnerProfile, node: str) -> Weight:
        """``weight`` for networkx: a function sees the learner's node as their role."""
        if isinstance(weight, str) or node != _LEARNER:
            return weight
        current = profile.role_id or node

        def seen(u: str, v: str, d: dict[str, Any]) -> float | None:
            return weight(current if u == _LEARNER else u, v, d)

        return seen

    def _path(
        self,
        graph: nx.DiGraph,
        profile: LearnerProfile,
        route: list[str],
        objective: Objective | str,
        start: date | None,
    ) -> RolePath:
        roles = [profile.role_id or route[0], *route[1:]]
        day = start or date.today()
        hops: list[Hop] = []
        for a, b in itertools.pairwise(roles):
            plan = self.planner.plan(profile, b, objective, start=day)
            hops.append(Hop(a, b, float(self.judge.score(a, b)), plan))
            courses = [self.catalog.courses[c] for c in plan.course_ids]
            profile = profile.after(courses, self.catalog.roles[b])
            day = plan.finish + timedelta(days=1) if plan.steps else day
        weight = nx.path_weight(graph, route, weight="weight")
        path = RolePath(tuple(roles), tuple(hops), edge_hours=float(weight))
        a, b = roles[0], roles[-1]
        score = None if self.judge.is_viable(a, b) else float(self.judge.score(a, b))
        return replace(path, reasons=explain.path_reasons(self.catalog, path, score))

    def _no_path_message(
        self, graph: nx.DiGraph, node: str, target: str, profile: LearnerProfile
    ) -> str:
        start = profile.role_id or node
        return (
            f"no path of viable, trainable moves from {start!r} to {target!r}: "
            f"{graph.out_degree(node)} viable move(s) out of {start!r}, "
            f"{graph.in_degree(target)} into {target!r}"
        )


def _hours_to(planner: Planner, profile: LearnerProfile, role: Role) -> float | None:
    """Hours of the cheapest plan from ``profile`` to ``role``; ``None`` if a gap cannot close."""
    targets = {r.skill_id: float(r.level) for r in role.requirements}
    # The branch and bound settles it in milliseconds where the programme took ~10 ms a
    # pair (900 pairs: 10 s of every worker's start); same hours, same unclosable skills.
    selection = planner.fewest_hours(profile, targets)
    if selection is None:  # never without a ceiling; the programme settles it if so
        selection = planner.select(profile, targets, Objective.HOURS, tie_break=False)
    if selection.unclosable:
        return None
    return float(sum(planner.catalog.courses[c].hours for c in selection.order))


def _simple_paths(
    graph: nx.DiGraph, source: str, target: str, weight: Weight
) -> Iterator[list[str]]:
    """Simple paths, shortest first; none when ``target`` is out of reach (a weight
    function that hides edges can put it there)."""
    if target not in graph or not nx.has_path(graph, source, target):
        return
    try:
        yield from nx.shortest_simple_paths(graph, source, target, weight=weight)
    except nx.NetworkXNoPath:
        return


def _by_hours(item: tuple[str, float]) -> tuple[float, str]:
    return item[1], item[0]
