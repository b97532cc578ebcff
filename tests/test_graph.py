import json

import networkx as nx

from recommender.catalog import Course, CourseKind
from recommender.graph import (
    build_graph,
    course_prerequisite_cycle,
    to_cytoscape,
    to_node_link,
)
from tests.factories import small_catalog


def test_graph_links_roles_to_required_skills_with_level_and_importance() -> None:
    graph = build_graph(small_catalog())
    edge = graph.edges["role:soc-analyst", "skill:siem"]
    assert (edge["relation"], edge["level"], edge["importance"]) == ("requires", 3, 1.0)


def test_graph_links_courses_to_what_they_teach_and_need() -> None:
    graph = build_graph(small_catalog())
    assert graph.edges["course:sec-plus", "skill:triage"]["relation"] == "teaches"
    assert graph.edges["skill:networking", "course:sec-plus"]["level"] == 2
    assert graph.edges["course:sec-plus", "course:soc-lab"]["relation"] == "prerequisite"


def test_graph_holds_no_employees() -> None:
    graph = build_graph(small_catalog())
    assert {d["kind"] for _, d in graph.nodes(data=True)} == {"role", "skill", "course"}
    assert not any("E1" in node for node in graph)


def test_course_cycle_is_reported_as_a_closed_path() -> None:
    def course(cid: str, after: tuple[str, ...]) -> Course:
        return Course(cid, cid, "x", CourseKind.COURSE, 1, 0, "online", (), (), after)

    cycle = course_prerequisite_cycle(
        [course("a", ("c",)), course("b", ("a",)), course("c", ("b",))]
    )
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert course_prerequisite_cycle([course("s", ("s",))]) == ["s", "s"]
    assert course_prerequisite_cycle(small_catalog().courses.values()) is None


def test_node_link_export_round_trips_through_json() -> None:
    graph = build_graph(small_catalog())
    data = json.loads(json.dumps(to_node_link(graph)))
    again = nx.node_link_graph(data, edges="edges")
    assert set(again.nodes) == set(graph.nodes)
    assert set(again.edges) == set(graph.edges)


def test_cytoscape_export_names_nodes_by_their_labels() -> None:
    data = to_cytoscape(build_graph(small_catalog()))
    names = {n["data"]["id"]: n["data"]["name"] for n in data["elements"]["nodes"]}
    assert names["role:soc-analyst"] == "SOC analyst"
    assert len(data["elements"]["edges"]) == build_graph(small_catalog()).number_of_edges()
