"""Opportunities and pathways over HTTP: who may ask about whom, what comes back, the access log.

The app serves the bundled Riverside Health dataset (built once for the module). Thomas
Kowalski (E000176) is a tier-1 service desk technician; E000302 is another one; E999999 is
nobody.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient

from api.main import create_app
from api.rendered import pages_of, render
from api.schemas_pathways import GoalRoutesOut, OpportunitiesOut, OpportunityOut
from api.settings import Settings
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.pathways import Objective
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, read_access_log
from tests.conftest import DATA_DIR

ME, OTHER, NOBODY = "E000176", "E000302", "E999999"
DESK, SOC = "service-desk-technician-1", "soc-analyst-1"
OPPORTUNITIES = "GET /v1/employees/{employee_id}/opportunities"
PATHWAYS = "GET /v1/employees/{employee_id}/pathways"


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    @property
    def service(self) -> Recommender:
        service: Recommender = self.client.app.state.recommender  # type: ignore[attr-defined]
        return service

    def key(self, role: Role, employee_id: str | None = None) -> dict[str, str]:
        """Headers with a fresh key; an employee key belongs to ``ME`` unless told otherwise."""
        if role == Role.EMPLOYEE and employee_id is None:
            employee_id = ME
        return {"X-API-Key": create_key(self.engine, role, employee_id=employee_id).token}

    def opportunities(self, person: str, headers: dict[str, str], **params: object) -> object:
        return self.client.get(
            f"/v1/employees/{person}/opportunities", params=params, headers=headers
        )

    def pathway(self, person: str, headers: dict[str, str], **params: object) -> object:
        params = {"target_role": SOC, **params}
        return self.client.get(f"/v1/employees/{person}/pathways", params=params, headers=headers)


def _migrated(url: str, *, with_data: bool) -> sa.Engine:
    engine = make_engine(url)
    upgrade(engine)
    if with_data:
        ds = read_org_tables(DATA_DIR)
        save_catalog(engine, ds.catalog, protected=ds.protected, kind="org", source="tests")
    return engine


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path_factory.mktemp('pathways') / 'reskill.db'}"
    engine = _migrated(url, with_data=True)
    try:
        with TestClient(create_app(Settings(database_url=url))) as client:
            yield Api(client, engine)
    finally:
        engine.dispose()


@pytest.fixture
def log_empty(api: Api) -> Api:
    """The module app with an empty access log (tests share the database)."""
    with api.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM access_log"))
    return api


def opted_out(service: Recommender) -> str:
    return min(e.id for e in service.catalog.employees.values() if e.opted_out)


# What comes back -------------------------------------------------------------------------


def test_an_employee_reads_their_own_pathway_and_the_plan_adds_up(api: Api) -> None:
    response = api.pathway(ME, api.key(Role.EMPLOYEE))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["employee_id"], body["from_role"], body["target"]) == (ME, DESK, SOC)
    plan = body["plan"]
    steps = plan["steps"]
    assert plan["role_id"] == SOC and plan["objective"] == "hours" and steps
    assert sum(s["hours"] for s in steps) == pytest.approx(plan["total_hours"])
    assert sum(s["cost"] for s in steps) == pytest.approx(plan["total_cost"])
    assert steps[-1]["cumulative_hours"] == pytest.approx(plan["total_hours"])
    assert steps[-1]["finish"] == plan["finish"] and steps[0]["start"] == plan["start"]
    assert all(a["finish"] <= b["start"] for a, b in zip(steps, steps[1:], strict=False))
    catalog = api.service.catalog
    assert all(catalog.courses[s["course_id"]].title == s["title"] for s in steps)
    assert plan["weeks"] > 0 and plan["weekly_hours"] == catalog.employee(ME).weekly_learning_hours


def test_the_gap_analysis_lists_every_requirement_and_the_plan_closes_the_open_ones(
    api: Api,
) -> None:
    plan = api.pathway(ME, api.key(Role.TALENT)).json()["plan"]
    role = api.service.catalog.role(SOC)
    assert {g["skill_id"] for g in plan["gaps"]} == {r.skill_id for r in role.requirements}
    for gap in plan["gaps"]:
        assert gap["met"] == (gap["current"] >= gap["required"])
        assert gap["gap"] == pytest.approx(max(0.0, gap["required"] - gap["current"]))
    closed = {skill for step in plan["steps"] for skill in step["closes"]}
    unclosable = {u["skill_id"] for u in plan["unclosable"]}
    assert {g["skill_id"] for g in plan["gaps"] if not g["met"]} == closed | unclosable
    assert plan["complete"] == (not unclosable)


def test_the_api_gives_the_same_plan_as_the_service(api: Api) -> None:
    body = api.pathway(ME, api.key(Role.TALENT), objective="cost").json()
    expected = api.service.pathway(SOC, employee_id=ME, objective=Objective.COST).to_dict()
    assert [s["course_id"] for s in body["plan"]["steps"]] == [
        s["course_id"] for s in expected["plan"]["steps"]
    ]
    assert body["plan"]["total_cost"] == expected["plan"]["total_cost"]
    assert body["direct_move_viable"] == expected["direct_move_viable"]


def test_an_unviable_move_comes_with_a_stepping_stone_path_whose_hops_add_up(api: Api) -> None:
    # The organisation judge (the default) finds help desk -> SOC analyst viable in one step;
    # help desk -> security architect takes stepping stones.
    body = api.pathway(ME, api.key(Role.TALENT), target_role=ARCHITECT).json()
    assert body["direct_move_viable"] is False
    (path,) = body["stepping_stones"]
    assert path["roles"][0] == DESK and path["roles"][-1] == ARCHITECT and len(path["roles"]) >= 3
    assert [h["from_role"] for h in path["hops"]] == path["roles"][:-1]
    assert [h["to_role"] for h in path["hops"]] == path["roles"][1:]
    for hop in path["hops"]:
        assert hop["hours"] == pytest.approx(sum(s["hours"] for s in hop["plan"]["steps"]))
    assert path["total_hours"] == pytest.approx(sum(h["hours"] for h in path["hops"]))


def test_the_objective_changes_what_is_minimised(api: Api) -> None:
    headers = api.key(Role.TALENT)
    by_hours = api.pathway(ME, headers, objective="hours").json()["plan"]
    by_cost = api.pathway(ME, headers, objective="cost").json()["plan"]
    by_weeks = api.pathway(ME, headers, objective="weeks").json()["plan"]
    assert (by_hours["objective"], by_cost["objective"], by_weeks["objective"]) == (
        "hours",
        "cost",
        "weeks",
    )
    assert by_cost["total_cost"] <= by_hours["total_cost"]
    assert by_hours["total_hours"] <= by_cost["total_hours"]
    assert by_weeks["weeks"] <= by_cost["weeks"]


def test_an_employee_reads_their_own_opportunities_best_first(api: Api) -> None:
    response = api.opportunities(ME, api.key(Role.EMPLOYEE))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["employee_id"], body["limit"], body["include_unviable"]) == (ME, 10, False)
    items = body["items"]
    assert 0 < len(items) <= 10
    assert [o["rank"] for o in items] == list(range(1, len(items) + 1))
    tiers = {"near": 0, "long_term": 1}  # no step down unless asked
    keys = [(tiers[o["tier"]], not o["toward_goal"], -o["score"]) for o in items]
    assert keys == sorted(keys)
    for option in items:
        assert option["judged_viable"] and option["role_id"] != DESK
        assert option["kind"] in ("step_up", "lateral") and option["why"] == option["reasons"][0]
        assert option["plan"]["role_id"] == option["role_id"]
        assert option["hours"] == pytest.approx(option["plan"]["total_hours"])
        assert sum(option["contributions"].values()) == pytest.approx(option["score"], abs=1e-3)
        assert option["reasons"] and option["title"] == api.service.role(option["role_id"]).title


def test_opportunities_prepared_at_start_up_are_the_answers_asked_for(
    api: Api, tmp_path: Path
) -> None:
    """``reskill serve`` prepares everyone's first page in worker processes at start-up."""
    url = f"sqlite:///{tmp_path / 'prepared.db'}"
    engine = _migrated(url, with_data=True)
    settings = Settings(database_url=url, prepare_opportunities=True, prepare_processes=2)
    try:
        with TestClient(create_app(settings)) as client:
            prepared = Api(client, engine)
            rankable = prepared.service.candidate_index.employee_ids_
            assert len(prepared.service.prepared_opportunities) == len(rankable)
            assert len(pages_of(prepared.service)) == len(rankable)  # rendered too
            for person in (ME, OTHER, *rankable[::97]):
                assert prepared.service.has_opportunities(person)
                ours = prepared.opportunities(person, prepared.key(Role.TALENT))
                theirs = api.opportunities(person, api.key(Role.TALENT))
                assert ours.status_code == theirs.status_code == 200  # type: ignore[attr-defined]
                assert ours.json() == theirs.json()  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_a_rendered_page_is_what_the_response_model_sends(api: Api) -> None:
    """Pages are sent as rendered bytes, bypassing FastAPI's response model: they must be
    the same JSON it would send, and valid against the schema /openapi.json publishes."""
    service = api.service
    for person, limit, unviable in ((ME, 10, False), (OTHER, 3, True)):
        options = service.opportunities(person, limit, include_unviable=unviable)
        body = render(person, limit, unviable, options)
        model = OpportunitiesOut(
            employee_id=person,
            include_unviable=unviable,
            limit=limit,
            items=[OpportunityOut.from_domain(o) for o in options],
            goal=None if options.goal is None else GoalRoutesOut.from_routes(options.goal),
        )
        assert json.loads(body) == jsonable_encoder(model)
        assert OpportunitiesOut.model_validate_json(body) == model
        sent = api.opportunities(
            person, api.key(Role.TALENT), limit=limit, include_unviable=unviable
        )
        assert sent.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
        assert sent.json() == json.loads(body)  # type: ignore[attr-defined]


def test_a_page_rendered_on_an_earlier_day_is_rendered_again(api: Api) -> None:
    """Plans are dated from the day they are read: a page kept from yesterday is not sent."""
    today = date.today()
    yesterday = today - timedelta(days=1)
    pages = pages_of(api.service)
    stale = render(ME, 10, False, api.service.opportunities(ME, today=yesterday))
    pages.put(ME, yesterday, stale)
    sent = api.opportunities(ME, api.key(Role.EMPLOYEE)).json()  # type: ignore[attr-defined]
    starts = {o["plan"]["start"] for o in sent["items"]}
    assert starts == {today.isoformat()}
    assert {o["plan"]["start"] for o in json.loads(stale)["items"]} == {yesterday.isoformat()}
    assert json.loads(pages.get(ME, today) or b"null") == sent  # kept again, for today


def test_limit_and_include_unviable_shape_the_list(api: Api) -> None:
    headers = api.key(Role.TALENT)
    assert len(api.opportunities(ME, headers, limit=3).json()["items"]) == 3
    viable = api.opportunities(ME, headers, limit=100).json()["items"]
    everything = api.opportunities(ME, headers, limit=100, include_unviable=True).json()
    assert everything["include_unviable"] is True
    assert len(everything["items"]) > len(viable)
    assert {o["judged_viable"] for o in everything["items"]} == {True, False}
    assert not any(o["viable"] and not o["judged_viable"] for o in everything["items"])


def test_a_role_to_role_pathway_uses_the_typical_profile(api: Api) -> None:
    params = {"from_role": DESK, "to_role": SOC, "paths": 3}
    response = api.client.get("/v1/pathways", params=params, headers=api.key(Role.EMPLOYEE))
    assert response.status_code == 200
    body = response.json()
    assert (body["employee_id"], body["from_role"], body["target"]) == (None, DESK, SOC)
    paths = body["stepping_stones"]
    assert 1 <= len(paths) <= 3 and len({tuple(p["roles"]) for p in paths}) == len(paths)
    assert all(p["roles"][0] == DESK and p["roles"][-1] == SOC for p in paths)
    plan = body["plan"]
    assert sum(s["hours"] for s in plan["steps"]) == pytest.approx(plan["total_hours"])


# Who may ask about whom -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TALENT])
def test_talent_and_admin_ask_about_anyone(api: Api, role: Role) -> None:
    headers = api.key(role)
    assert api.opportunities(OTHER, headers, limit=2).status_code == 200
    assert api.pathway(OTHER, headers).json()["employee_id"] == OTHER


@pytest.mark.parametrize("route", ["opportunities", "pathways"])
def test_another_person_is_the_same_404_as_nobody(log_empty: Api, route: str) -> None:
    api = log_empty
    ask = api.opportunities if route == "opportunities" else api.pathway
    headers = api.key(Role.EMPLOYEE)
    someone_else, nobody = ask(OTHER, headers), ask(NOBODY, headers)
    assert someone_else.status_code == nobody.status_code == 404
    assert nobody.headers["content-type"] == "application/problem+json"
    assert someone_else.text.replace(OTHER, NOBODY) == nobody.text
    same = {k: v for k, v in someone_else.headers.items() if k not in ("date", "content-length")}
    assert same == {k: v for k, v in nobody.headers.items() if k not in ("date", "content-length")}
    assert api.service.catalog.employee(OTHER).name not in someone_else.text
    assert read_access_log(api.engine) == []


def test_a_recruiter_gets_403_everywhere(api: Api) -> None:
    headers = api.key(Role.RECRUITER)
    role_path = {"from_role": DESK, "to_role": SOC}
    for response in (
        api.opportunities(ME, headers),
        api.pathway(ME, headers),
        api.client.get("/v1/pathways", params=role_path, headers=headers),
    ):
        assert response.status_code == 403
        assert "pathways.read" in response.json()["detail"]


def test_no_key_gets_401(api: Api) -> None:
    assert api.opportunities(ME, {}).status_code == 401
    assert (
        api.client.get("/v1/pathways", params={"from_role": DESK, "to_role": SOC}).status_code
        == 401
    )


def test_an_opted_out_person_gets_pathways_but_no_ranking(api: Api) -> None:
    person = opted_out(api.service)
    for headers in (api.key(Role.EMPLOYEE, person), api.key(Role.TALENT)):
        assert api.pathway(person, headers).status_code == 200
        refused = api.opportunities(person, headers)
        assert refused.status_code == 422
        assert "opted out" in refused.json()["detail"]


# Bad requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"include_unviable": "perhaps"},
    ],
)
def test_bad_opportunity_parameters_are_422(api: Api, params: dict[str, object]) -> None:
    response = api.opportunities(ME, api.key(Role.TALENT), **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "params",
    [
        {"objective": "zzfastest"},
        {"paths": 0},
        {"paths": 6},
        {"target_role": ""},
    ],
)
def test_bad_pathway_parameters_are_422_and_not_echoed(api: Api, params: dict[str, object]) -> None:
    response = api.pathway(ME, api.key(Role.TALENT), **params)
    assert response.status_code == 422
    assert "zzfastest" not in response.text


def test_missing_parameters_are_422(api: Api) -> None:
    headers = api.key(Role.TALENT)
    assert api.client.get(f"/v1/employees/{ME}/pathways", headers=headers).status_code == 422
    for params in ({"from_role": DESK}, {"to_role": SOC}, {}):
        assert api.client.get("/v1/pathways", params=params, headers=headers).status_code == 422


def test_an_unknown_role_is_404(api: Api) -> None:
    headers = api.key(Role.TALENT)
    response = api.pathway(ME, headers, target_role="astronaut")
    assert response.status_code == 404 and "astronaut" in response.json()["detail"]
    for params in ({"from_role": "astronaut", "to_role": SOC}, {"from_role": DESK, "to_role": "x"}):
        assert api.client.get("/v1/pathways", params=params, headers=headers).status_code == 404


# The access log -------------------------------------------------------------------------------


def test_refused_and_failed_requests_are_not_logged(log_empty: Api) -> None:
    api = log_empty
    talent = api.key(Role.TALENT)
    assert api.pathway(ME, talent, target_role="astronaut").status_code == 404
    assert api.pathway(ME, talent, objective="zzfastest").status_code == 422
    assert api.opportunities(NOBODY, talent).status_code == 404
    assert api.opportunities(opted_out(api.service), talent).status_code == 422
    assert api.opportunities(ME, api.key(Role.RECRUITER)).status_code == 403
    params = {"from_role": DESK, "to_role": SOC}
    assert api.client.get("/v1/pathways", params=params, headers=talent).status_code == 200
    assert read_access_log(api.engine) == []


def test_each_answer_about_a_person_writes_one_committed_log_row(
    api: Api, database_url: str
) -> None:
    # The module's recommender serves this app too (no second warm-up); the database holds
    # the same data, the keys and the log.
    engine = _migrated(database_url, with_data=True)
    settings = Settings(database_url=database_url, warm_up=False)
    try:
        with TestClient(create_app(settings, recommender=api.service)) as client:
            key = create_key(engine, Role.TALENT)
            mine = create_key(engine, Role.EMPLOYEE, employee_id=ME)
            before = datetime.now(UTC)
            ask = [
                (f"/v1/employees/{ME}/opportunities", {"limit": 2}, mine),
                (f"/v1/employees/{OTHER}/pathways", {"target_role": SOC}, key),
                ("/v1/pathways", {"from_role": DESK, "to_role": SOC}, key),
            ]
            for path, params, who in ask:
                headers = {"Authorization": f"Bearer {who.token}"}
                assert client.get(path, params=params, headers=headers).status_code == 200
        rows = read_access_log(engine)  # read back through a fresh connection: committed
    finally:
        engine.dispose()
    assert [(r.employee_id, r.route, r.key_id, r.role) for r in rows] == [
        (OTHER, PATHWAYS, key.key_id, "talent"),
        (ME, OPPORTUNITIES, mine.key_id, "employee"),
    ]
    for row in rows:
        assert row.action == "pathways.read" and row.tombstone is None
        assert before <= row.at <= datetime.now(UTC)
        assert re.fullmatch("[0-9a-f]{32}", row.request_id)
    assert rows[0].request_id != rows[1].request_id


# Goals ----------------------------------------------------------------------------------------

GOAL = "/v1/employees/{}/goal"
ARCHITECT = "security-architect"


def _goal_writes(api: Api, person: str) -> list[str]:
    return [
        r.route
        for r in read_access_log(api.engine, employee_id=person)
        if r.action == "goals.write"
    ]


def test_a_goal_set_through_the_api_changes_the_next_opportunities_read_at_once(
    api: Api,
) -> None:
    me = api.key(Role.EMPLOYEE)
    before = api.opportunities(ME, me).json()  # type: ignore[attr-defined]
    assert pages_of(api.service).has(ME, date.today())  # the next read is the quick one
    assert api.opportunities(ME, me).json() == before  # type: ignore[attr-defined]
    put = api.client.put(GOAL.format(ME), json={"role_id": ARCHITECT}, headers=me)
    assert put.status_code == 200 and put.headers["cache-control"] == "no-store"
    view = put.json()
    assert view["set"]["role_id"] == ARCHITECT and view["effective"] == view["set"]
    assert view["set"]["source"] == "set" and view["set_at"]
    assert _goal_writes(api, ME)[-1] == "PUT /v1/employees/{employee_id}/goal"
    after = api.opportunities(ME, me).json()  # type: ignore[attr-defined]
    goal = after["goal"]
    assert (goal["source"], goal["role_id"]) == ("set", ARCHITECT)
    assert [r["role_id"] for r in goal["routes"]] == [ARCHITECT]
    (route,) = goal["routes"]
    assert route["toward_goal"] and route["long_term"] and route["why"]
    assert api.client.get(GOAL.format(ME), headers=me).json()["set"]["role_id"] == ARCHITECT
    cleared = api.client.delete(GOAL.format(ME), headers=me)
    assert cleared.status_code == 200 and cleared.json()["set"] is None
    assert api.opportunities(ME, me).json() == before  # type: ignore[attr-defined]


def test_a_goal_stored_by_another_worker_counts_in_this_one(api: Api) -> None:
    """Nothing of a goal is kept in a worker: a row another process wrote is followed."""
    from recommender.access import Principal
    from recommender.store.goals import clear_goal, set_goal

    talent = api.key(Role.TALENT)
    api.opportunities(OTHER, talent)
    api.opportunities(OTHER, talent)  # rendered and kept in this worker
    elsewhere = Principal("elsewhere", Role.TALENT)
    written = {"action": "goals.write", "route": "PUT", "request_id": "w"}
    set_goal(api.engine, elsewhere, OTHER, role_id=None, job_family="Security", **written)
    try:
        goal = api.opportunities(OTHER, talent).json()["goal"]  # type: ignore[attr-defined]
        assert (goal["source"], goal["job_family"]) == ("set", "Security")
        families = {api.service.role(r["role_id"]).job_family for r in goal["routes"]}
        assert families == {"Security"}
    finally:
        clear_goal(api.engine, elsewhere, OTHER, **written)


def test_the_profile_goal_shows_until_one_is_set(api: Api) -> None:
    person = "E000485"  # a registered nurse whose profile states a goal in cybersecurity
    talent = api.key(Role.TALENT)
    view = api.client.get(GOAL.format(person), headers=talent).json()
    assert view["set"] is None
    assert view["stated"] == view["effective"]
    assert (view["stated"]["source"], view["stated"]["job_family"]) == ("profile", "Security")
    goal = api.opportunities(person, talent).json()["goal"]  # type: ignore[attr-defined]
    assert goal["source"] == "profile" and goal["routes"]


def test_who_may_set_a_goal(log_empty: Api) -> None:
    api = log_empty
    body = {"job_family": "data & ai"}
    for headers in (api.key(Role.TALENT), api.key(Role.ADMIN)):
        response = api.client.put(GOAL.format(OTHER), json=body, headers=headers)
        assert response.status_code == 200
        assert response.json()["set"]["job_family"] == "Data & AI"  # the catalogue's spelling
    mine = api.key(Role.EMPLOYEE)
    assert api.client.put(GOAL.format(OTHER), json=body, headers=mine).status_code == 404
    assert api.client.get(GOAL.format(OTHER), headers=mine).status_code == 404
    recruiter = api.key(Role.RECRUITER)
    assert api.client.put(GOAL.format(OTHER), json=body, headers=recruiter).status_code == 403
    assert api.client.delete(GOAL.format(OTHER), headers=api.key(Role.TALENT)).status_code == 200
    assert len(_goal_writes(api, OTHER)) == 3  # two sets and the clear; refusals not logged


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"role_id": SOC, "job_family": "Security"}, 422),
        ({"job_family": "Astronautics"}, 422),
        ({"role_id": "astronaut"}, 404),
        ({"role_id": SOC, "extra": 1}, 422),
    ],
)
def test_a_bad_goal_is_refused_and_changes_nothing(
    api: Api, body: dict[str, object], status: int
) -> None:
    headers = api.key(Role.TALENT)
    response = api.client.put(GOAL.format(ME), json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert api.client.get(GOAL.format(ME), headers=headers).json()["set"] is None


def test_step_downs_come_only_when_asked(api: Api) -> None:
    nurse = "E000001"
    talent = api.key(Role.TALENT)
    default = api.opportunities(nurse, talent, limit=100).json()  # type: ignore[attr-defined]
    assert {o["kind"] for o in default["items"]} <= {"step_up", "lateral"}
    asked = api.opportunities(nurse, talent, limit=100, include_step_down=True).json()  # type: ignore[attr-defined]
    assert asked["include_step_down"] is True
    kinds = [o["kind"] for o in asked["items"]]
    assert "step_down" in kinds
    assert kinds == sorted(kinds, key=lambda k: k == "step_down")  # step downs last
    down = [o for o in asked["items"] if o["kind"] == "step_down"]
    assert all(o["tier"] == "step_down" and o["why"].startswith("Step down") for o in down)


def test_the_hard_to_fill_view_counts_whom_the_candidates_route_returns(api: Api) -> None:
    headers = api.key(Role.TALENT)
    response = api.client.get("/v1/hard-to-fill", params={"within_hours": 200}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    hard = {r.id for r in api.service.roles() if r.hard_to_fill}
    assert {r["role_id"] for r in body["roles"]} == hard
    for row in body["roles"][:4]:
        listed = api.client.get(
            f"/v1/roles/{row['role_id']}/candidates",
            params={"max_hours": 200, "limit": 100},
            headers=headers,
        ).json()
        assert row["within_reach"] == len(listed["candidates"]) < 100
    assert api.client.get("/v1/hard-to-fill", headers=api.key(Role.RECRUITER)).status_code == 403


def test_the_hard_to_fill_view_counts_up_to_the_talent_pages_widest_band(api: Api) -> None:
    """The talent page shows the pipeline within 100, 200 and 400 hours; beyond 400 the
    exact count is refused with a reason, not computed."""
    headers = api.key(Role.TALENT)
    widest = api.client.get("/v1/hard-to-fill", params={"within_hours": 400}, headers=headers)
    narrow = api.client.get("/v1/hard-to-fill", params={"within_hours": 100}, headers=headers)
    assert widest.status_code == narrow.status_code == 200
    reach = {r["role_id"]: r["within_reach"] for r in narrow.json()["roles"]}
    assert all(r["within_reach"] >= reach[r["role_id"]] for r in widest.json()["roles"])
    refused = api.client.get("/v1/hard-to-fill", params={"within_hours": 401}, headers=headers)
    assert refused.status_code == 422 and "within_hours" in refused.text


def test_a_role_lists_the_roles_the_organisation_declares_it_recruits_from(api: Api) -> None:
    headers = api.key(Role.RECRUITER)
    body = api.client.get("/v1/roles/desktop-support-technician", headers=headers).json()
    assert body["feeder_roles"] == ["service-desk-technician-1"]
    first = api.client.get("/v1/roles/service-desk-technician-1", headers=headers).json()
    assert first["feeder_roles"] == []
