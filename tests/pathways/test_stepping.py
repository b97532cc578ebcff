"""Stepping stones: multi-hop role paths over viable moves, and their queries."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from recommender.catalog import Catalog
from recommender.errors import InvalidInput, NoPathway, UnknownRole
from recommender.pathways import (
    CoverageJudge,
    LearnerProfile,
    SteppingStones,
    TransitionJudge,
    employee_profile,
)
from tests.pathways.security_org import MONDAY, SKILLS, make_role, security_catalog


def _stones(catalog: Catalog, threshold: float = 0.15) -> SteppingStones:
    return SteppingStones.build(catalog, CoverageJudge(catalog, threshold=threshold))


def test_coverage_judge_satisfies_the_transition_judge_protocol() -> None:
    assert isinstance(CoverageJudge(security_catalog()), TransitionJudge)


def test_a_jump_of_two_job_zones_goes_through_a_stepping_stone() -> None:
    catalog = security_catalog()
    judge = CoverageJudge(catalog, threshold=0.15)
    assert not judge.is_viable("help-desk", "engineer")
    path = _stones(catalog).shortest_path("help-desk", "engineer", start=MONDAY)
    assert path.roles == ("help-desk", "analyst", "engineer")
    assert [(h.from_role, h.to_role) for h in path.hops] == [
        ("help-desk", "analyst"),
        ("analyst", "engineer"),
    ]
    assert "not viable: it climbs 2 job zones" in path.reasons[0]


def _declaring(catalog: Catalog, role_id: str, *feeders: str) -> Catalog:
    roles = dict(catalog.roles)
    roles[role_id] = dataclasses.replace(roles[role_id], feeder_roles=feeders)
    return dataclasses.replace(catalog, roles=roles)


def test_a_declared_career_path_is_viable_at_the_threshold_and_lowers_no_score() -> None:
    plain = security_catalog()
    judge = CoverageJudge(plain, threshold=0.5)
    assert judge.score("help-desk", "analyst") < 0.5
    assert not judge.is_viable("help-desk", "analyst")
    declared = CoverageJudge(_declaring(plain, "analyst", "help-desk"), threshold=0.5)
    assert declared.score("help-desk", "analyst") == 0.5
    assert declared.is_viable("help-desk", "analyst")
    high = CoverageJudge(_declaring(plain, "help-desk", "analyst"), threshold=0.5)
    assert high.score("analyst", "help-desk") == judge.score("analyst", "help-desk") > 0.5


def test_a_declared_career_path_two_job_zones_up_stays_not_viable() -> None:
    judge = CoverageJudge(_declaring(security_catalog(), "engineer", "help-desk"), threshold=0.15)
    assert judge.score("help-desk", "engineer") >= 0.15
    assert not judge.is_viable("help-desk", "engineer")


def test_each_hop_plans_from_what_the_learner_holds_by_then() -> None:
    catalog = security_catalog()
    stones = _stones(catalog)
    path = stones.shortest_path(employee_profile(catalog, "E1"), "engineer", start=MONDAY)
    first, second = path.hops
    assert first.plan.course_ids == ("net-basics", "sec-plus", "siem-course")
    assert set(second.plan.course_ids) == {"net-plus", "cissp", "threat-course"}
    assert "sec-plus" not in second.plan.course_ids
    assert second.plan.start > first.plan.finish
    weights = sum(stones.graph.edges[a, b]["weight"] for a, b in itertools.pairwise(path.roles))
    assert path.total_hours <= weights


def test_edge_weight_is_the_hours_from_one_typical_profile_to_the_next() -> None:
    catalog = security_catalog()
    graph = _stones(catalog).graph
    # help-desk holds networking 1: net-basics 10 + sec-plus 40 + siem-course 20.
    assert graph.edges["help-desk", "analyst"]["weight"] == 70.0
    assert not graph.has_edge("help-desk", "engineer")


def _with_detour() -> Catalog:
    """The security catalogue with a second stepping stone, sysadmin, toward engineer."""
    base = security_catalog()
    detour = make_role(
        "sysadmin", 3, {"ticketing": (2, 0.3), "networking": (3, 1.0), "security": (3, 0.5)}
    )
    return Catalog.from_items(SKILLS, [*base.roles.values(), detour], base.courses.values())


def test_k_alternative_paths_come_cheapest_first() -> None:
    paths = _stones(_with_detour()).paths("help-desk", "engineer", k=3, start=MONDAY)
    routes = [p.roles for p in paths]
    assert routes[0] == ("help-desk", "analyst", "engineer")
    assert ("help-desk", "sysadmin", "engineer") in routes
    assert len(set(routes)) == len(routes)


def test_roles_reachable_within_hours_follow_the_dijkstra_cutoff() -> None:
    catalog = security_catalog()
    stones = _stones(catalog)
    assert stones.reachable("help-desk", 69) == {}
    assert stones.reachable("help-desk", 70) == {"analyst": 70.0}
    within = stones.reachable("help-desk", 1000)
    assert set(within) == {"analyst", "engineer"}
    assert within["engineer"] > within["analyst"]


def test_no_viable_path_raises_no_pathway_with_the_reason() -> None:
    catalog = security_catalog()
    strict = SteppingStones.build(catalog, CoverageJudge(catalog, threshold=0.99))
    with pytest.raises(NoPathway, match="help-desk.*engineer"):
        strict.shortest_path("help-desk", "engineer")


def test_stepping_stone_queries_validate_their_input() -> None:
    stones = _stones(security_catalog())
    with pytest.raises(InvalidInput, match="k must be"):
        stones.paths("help-desk", "analyst", k=0)
    with pytest.raises(UnknownRole):
        stones.shortest_path("help-desk", "astronaut")
    with pytest.raises(InvalidInput, match="current role"):
        stones.shortest_path(LearnerProfile(), "analyst")


# -- the edge weight ------------------------------------------------------------------------


def _through(role_id: str, penalty: float) -> Callable[[str, str, dict[str, Any]], float]:
    """Hours, with ``penalty`` more for every move into ``role_id``."""
    return lambda u, v, d: d["weight"] + (penalty if v == role_id else 0.0)


def test_a_weight_function_changes_which_path_is_shortest() -> None:
    stones = _stones(_with_detour())
    by_hours = stones.shortest_path("help-desk", "engineer", start=MONDAY)
    avoiding = stones.shortest_path(
        "help-desk", "engineer", start=MONDAY, weight=_through("analyst", 1000.0)
    )
    assert by_hours.roles == ("help-desk", "analyst", "engineer")
    assert avoiding.roles == ("help-desk", "sysadmin", "engineer")
    # A path's edge hours stay hours, whatever ranked it.
    hours = sum(stones.graph.edges[a, b]["weight"] for a, b in itertools.pairwise(avoiding.roles))
    assert avoiding.edge_hours == hours > by_hours.edge_hours


def test_alternatives_come_in_the_order_of_the_weight() -> None:
    stones = _stones(_with_detour())
    routes = [
        p.roles
        for p in stones.paths(
            "help-desk", "engineer", k=2, start=MONDAY, weight=_through("analyst", 1000.0)
        )
    ]
    assert routes[0] == ("help-desk", "sysadmin", "engineer")
    assert all("analyst" in r for r in routes[1:])


def test_a_weight_function_returning_none_leaves_the_move_out() -> None:
    stones = _stones(_with_detour())

    def no_stepping_stones(u: str, v: str, d: dict[str, Any]) -> float | None:
        return None if v in {"analyst", "sysadmin"} else d["weight"]

    with pytest.raises(NoPathway, match="help-desk.*engineer"):
        stones.shortest_path("help-desk", "engineer", weight=no_stepping_stones)
    assert stones.reachable("help-desk", 10_000, weight=no_stepping_stones) == {}


def test_reachable_within_a_weight_function_counts_what_it_returns() -> None:
    stones = _stones(security_catalog())
    moves = stones.reachable("help-desk", 2, weight=lambda u, v, d: 1.0)
    assert moves == {"analyst": 1.0, "engineer": 2.0}
    assert stones.reachable("help-desk", 1, weight=lambda u, v, d: 1.0) == {"analyst": 1.0}


def test_an_attribute_name_weighs_by_that_edge_attribute() -> None:
    stones = _stones(security_catalog())
    score = stones.graph.edges["help-desk", "analyst"]["score"]
    assert stones.reachable("help-desk", 1.0, weight="score")["analyst"] == score


def test_from_a_learner_the_weight_function_sees_their_current_role() -> None:
    catalog = security_catalog()
    seen: set[str] = set()

    def weight(u: str, v: str, d: dict[str, Any]) -> float:
        seen.add(u)
        return float(d["weight"])

    path = _stones(catalog).shortest_path(
        employee_profile(catalog, "E1"), "engineer", weight=weight
    )
    assert path.roles == ("help-desk", "analyst", "engineer")
    assert "help-desk" in seen and all(u in catalog.roles for u in seen)
