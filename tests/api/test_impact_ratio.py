"""GET /v1/audit/impact-ratio: the published numbers match an independent pandas computation.

The population is rebuilt from the bundled CSV files (everyone in the scope who has not
opted out: the same people for every role, holders of the role and of other hard-to-fill
roles included), the selection is the shortlist the API serves (which never lists those
holders) or every first-stage score above the median, and the protected attributes come
from ``protected_attributes.csv``. Every published count, rate and ratio equals pandas';
every suppressed one is null with a reason. Published reports are cleared after each
test, so the differencing guard of one test never refuses another's question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from recommender.access import Role
from recommender.candidates import ShortlistFilter
from recommender.errors import ReportRefused
from recommender.fairness import RULESET
from recommender.reports import (
    LIMITS,
    POPULATION,
    ImpactQuestion,
    ReportScope,
    first_stage_scores,
    prepare_reports,
    report_scope,
)
from recommender.store.schema import published_report_members, published_reports
from tests.api.test_shortlists import DATABASES, Api, fresh_database, serve
from tests.conftest import DATA_DIR

ROLE = "soc-analyst-1"
ROUTE = "/v1/audit/impact-ratio"
CANDIDATES = f"/v1/roles/{ROLE}/candidates"


@pytest.fixture(scope="module", params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with fresh_database(request.param, request, tmp_path_factory) as url, serve(url) as served:
        yield served


@pytest.fixture(autouse=True)
def no_published_reports(api: Api) -> Iterator[None]:
    yield
    with api.engine.begin() as conn:
        conn.execute(sa.delete(published_report_members))
        conn.execute(sa.delete(published_reports))


def population(department: str | None = None, location: str | None = None) -> pd.DataFrame:
    """Everyone a report over the scope assesses, with their sex and race/ethnicity."""
    employees = pd.read_csv(DATA_DIR / "employees.csv")
    keep = ~employees["opted_out"]
    if department is not None:
        keep &= employees["department"] == department
    if location is not None:
        keep &= employees["location"] == location
    protected = pd.read_csv(DATA_DIR / "protected_attributes.csv")
    people = employees.loc[keep, ["employee_id", "role_id"]]
    people = people.merge(protected, on="employee_id", how="left")
    people["intersection"] = people["sex"] + " / " + people["race_ethnicity"]
    return people


def expected_rows(people: pd.DataFrame, column: str) -> pd.DataFrame:
    """n, selected, rate and impact ratio per category of ``column`` (pandas only)."""
    known = people.dropna(subset=[column])
    rows = known.groupby(column)["selected"].agg(assessed="size", selected="sum")
    rows["rate"] = rows["selected"] / rows["assessed"]
    rows["kept"] = rows["assessed"] / len(people) >= 0.02
    rows["impact_ratio"] = rows["rate"] / rows.loc[rows["kept"], "rate"].max()
    return rows


def check_dimension(report: dict[str, Any], people: pd.DataFrame, column: str) -> int:
    """Published values equal pandas'; suppressed ones are null with a reason. Returns how
    many rows were published whole."""
    expected = expected_rows(people, column)
    dimension = report["dimensions"][column]
    unknown = people[column].isna()
    for field, value in (
        ("unknown", int(unknown.sum())),
        ("unknown_selected", int(people.loc[unknown, "selected"].sum())),
    ):
        assert dimension[field] in (value, None)
        assert (dimension[field] is None) == (field in dimension["suppressed"])
    whole = 0
    for row in dimension["categories"]:
        want = expected.loc[row["category"]] if row["category"] in expected.index else None
        assessed = 0 if want is None else int(want["assessed"])
        selected = 0 if want is None else int(want["selected"])
        counts = {"assessed": assessed, "selected": selected, "not_selected": assessed - selected}
        for field, value in counts.items():
            assert row[field] in (value, None), (row, field, value)
            assert (row[field] is None) == (field in row["suppressed"])
            assert row[field] is None or value >= 5  # nothing small is published
        if row["rate"] is not None:
            assert row["rate"] == pytest.approx(want["rate"])
        if row["impact_ratio"] is not None:
            assert row["impact_ratio"] == pytest.approx(want["impact_ratio"])
            flagged = "impact_ratio_below_0.80" in row["flags"]
            assert flagged is bool(want["impact_ratio"] < 0.8)
            whole += 1
        if row["excluded"] is not None:
            assert row["excluded"] is (not want["kept"])
            assert ("low_n" in row["flags"]) is bool(want["assessed"] < 30)
    return whole


def get_report(api: Api, **params: Any) -> dict[str, Any]:
    response = api.client.get(
        ROUTE, params={"role_id": ROLE, **params}, headers=api.key(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert not re.search(r"E\d{6}", response.text)  # no person, only categories
    body: dict[str, Any] = response.json()
    return body


def test_selection_counts_and_ratios_match_pandas_over_the_same_shortlist(api: Api) -> None:
    # 100 of the 480 assessed: large enough that every sex and four race/ethnicity
    # categories are published whole under the suppression rules.
    report = get_report(api, limit=100)
    listed = api.client.get(CANDIDATES, params={"limit": 100}, headers=api.key(Role.ADMIN)).json()
    people = population()
    people["selected"] = people["employee_id"].isin(
        [c["employee_id"] for c in listed["candidates"]]
    )
    assert people["selected"].sum() == 100
    assert (report["mode"], report["assessed"], report["selected"]) == (
        "selection",
        len(people),
        100,
    )
    assert check_dimension(report, people, "sex") == 2  # both sexes published whole
    assert check_dimension(report, people, "race_ethnicity") >= 3
    check_dimension(report, people, "intersection")
    female = next(r for r in report["dimensions"]["sex"]["categories"] if r["category"] == "Female")
    assert "impact_ratio_below_0.80" in female["flags"]  # the bundled data does flag something


def test_holders_of_the_role_are_assessed_and_never_selected(api: Api) -> None:
    report = get_report(api, limit=100)
    people = population()
    roles = pd.read_csv(DATA_DIR / "roles.csv")
    scarce = set(roles.loc[roles["hard_to_fill"], "role_id"]) | {ROLE}
    holders = people.loc[people["role_id"].isin(scarce), "employee_id"]
    assert len(holders) > 0 and report["assessed"] == len(people)
    listed = api.client.get(CANDIDATES, params={"limit": 100}, headers=api.key(Role.ADMIN)).json()
    assert not set(holders) & {c["employee_id"] for c in listed["candidates"]}
    assert "never selected" in report["metadata"]["population"]


def test_every_role_is_reported_over_the_same_population(api: Api) -> None:
    first = get_report(api, limit=25)
    other = api.client.get(
        ROUTE, params={"role_id": "registered-nurse", "limit": 25}, headers=api.key(Role.AUDITOR)
    ).json()
    assert other["assessed"] == first["assessed"]
    for name in ("sex", "race_ethnicity", "intersection"):
        assert [r["assessed"] for r in other["dimensions"][name]["categories"]] == [
            r["assessed"] for r in first["dimensions"][name]["categories"]
        ]


def test_scoring_mode_counts_first_stage_scores_above_the_median_of_everyone(api: Api) -> None:
    report = get_report(api, mode="scoring")
    service = api.client.app.state.recommender  # type: ignore[attr-defined]
    index = service.candidate_index
    scores = pd.Series(first_stage_scores(index, ROLE), index=list(index.employee_ids_))
    people = population()
    assert set(scores.index) == set(people["employee_id"])
    median = scores.median()
    people["selected"] = people["employee_id"].map(scores) > median
    assert report["metadata"]["median_score"] == pytest.approx(median)
    assert (report["mode"], report["assessed"]) == ("scoring", len(people))
    assert report["selected"] == int(people["selected"].sum())
    assert report["metadata"]["limit"] is None
    assert check_dimension(report, people, "sex") == 2
    for column in ("race_ethnicity", "intersection"):
        check_dimension(report, people, column)


def test_first_stage_scores_are_the_shortlists_bound_scores_for_everyone(api: Api) -> None:
    service = api.client.app.state.recommender  # type: ignore[attr-defined]
    index = service.candidate_index
    scores = dict(zip(index.employee_ids_, first_stage_scores(index, ROLE).tolist(), strict=True))
    everyone = ShortlistFilter(include_hard_to_fill_holders=True)
    ranked = service.shortlist(ROLE, 60, everyone, exact_hours=False)
    assert len(ranked.candidates) == 60
    for candidate in ranked.candidates:
        assert scores[candidate.employee_id] == candidate.score


def test_a_department_scope_narrows_the_population_to_that_department(api: Api) -> None:
    report = get_report(api, limit=10, department="nursing services")
    people = population(department="Nursing Services")
    assert report["assessed"] == len(people) > 50
    assert report["metadata"]["department"] == "nursing services"
    assert report["metadata"]["scope"] == "department: Nursing Services"
    listed = api.client.get(
        CANDIDATES,
        params={"limit": 10, "department": "Nursing Services"},
        headers=api.key(Role.ADMIN),
    ).json()
    people["selected"] = people["employee_id"].isin(
        [c["employee_id"] for c in listed["candidates"]]
    )
    for column in ("sex", "race_ethnicity"):
        check_dimension(report, people, column)


def test_a_location_scope_narrows_the_population_to_that_location(api: Api) -> None:
    report = get_report(api, limit=25, location="Riverside Medical Center")
    assert report["assessed"] == len(population(location="Riverside Medical Center"))


def test_the_report_says_how_from_what_and_under_which_policy_it_was_made(api: Api) -> None:
    report = get_report(api, limit=25)
    meta = report["metadata"]
    assert meta["ruleset"] == RULESET
    assert (meta["role_id"], meta["limit"], meta["scope"]) == (ROLE, 25, "organisation")
    assert meta["role_title"] == api.catalog.role(ROLE).title
    assert meta["calculated_on"] == datetime.now(UTC).date().isoformat()
    assert "MiniLM" in meta["version"] and meta["impact_ratio_threshold"] == 0.8
    assert meta["data_source"] and "window_start" in meta and "window_end" in meta
    assert (meta["min_cell"], meta["min_population"], meta["min_difference"]) == (5, 50, 5)
    assert meta["allowed_limits"] == list(LIMITS) and meta["population"] == POPULATION
    assert re.fullmatch(r"[0-9a-f]{32}", meta["report_id"])
    assert set(report["dimensions"]) == {"sex", "race_ethnicity", "intersection"}
    intersection = report["dimensions"]["intersection"]["categories"]
    assert len(intersection) == 14 and all(" / " in row["category"] for row in intersection)


def test_each_report_is_logged_once_with_its_question_and_no_person(api: Api) -> None:
    headers = api.key(Role.ADMIN)
    params = {"role_id": ROLE, "limit": 25, "location": "Remote"}
    response = api.client.get(ROUTE, params=params, headers=headers)
    assert response.status_code == 200, response.text
    (row,) = api.log_of(headers)
    assert (row.action, row.route, row.employee_id) == ("impact.read", f"GET {ROUTE}", None)
    with api.engine.connect() as conn:
        detail = conn.execute(sa.text("SELECT detail FROM access_log ORDER BY id DESC")).first()
    assert detail is not None
    assert json.loads(detail[0]) == {
        "role_id": ROLE,
        "mode": "selection",
        "limit": 25,
        "department": None,
        "location": "Remote",
        "scope": "location: Remote",
    }


@pytest.mark.parametrize("role", [Role.TALENT, Role.EMPLOYEE, Role.RECRUITER])
def test_talent_employee_and_recruiter_keys_get_403(api: Api, role: Role) -> None:
    response = api.client.get(ROUTE, params={"role_id": ROLE}, headers=api.key(role))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "impact.read" in response.json()["detail"]


def test_no_key_gets_401(api: Api) -> None:
    assert TestClient(api.client.app).get(ROUTE, params={"role_id": ROLE}).status_code == 401


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"role_id": "no-such-role"}, 404, "no-such-role"),
        ({}, 422, None),
        ({"role_id": ROLE, "mode": "vibes"}, 422, None),
        ({"role_id": ROLE, "limit": 0}, 422, "10, 25, 50, 100"),
        ({"role_id": ROLE, "limit": 11}, 422, "10, 25, 50, 100"),
        ({"role_id": ROLE, "limit": 101}, 422, "10, 25, 50, 100"),
        ({"role_id": ROLE, "mode": "scoring", "limit": 10}, 422, "no limit"),
        ({"role_id": ROLE, "department": "Clinical", "location": "Remote"}, 422, "not both"),
    ],
)
def test_bad_questions_are_problems(
    api: Api, params: dict[str, Any], status: int, says: str | None
) -> None:
    response = api.client.get(ROUTE, params=params, headers=api.key(Role.AUDITOR))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if says is not None:
        assert says in response.json()["detail"]


@pytest.mark.parametrize(
    "department", ["Astrology", "Executive Office", "Data & Analytics", "executive office"]
)
def test_unknown_and_small_departments_are_refused_alike_naming_nothing_else(
    api: Api, department: str
) -> None:
    """Executive Office (16 people) and Data & Analytics (21) are too small; the
    refusal reads as for a department that does not exist, and names no other."""
    response = api.client.get(
        ROUTE, params={"role_id": ROLE, "department": department}, headers=api.key(Role.AUDITOR)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Report refused"
    assert body["detail"] == (
        f"no report can cover department {department!r}: it is unknown, holds too few "
        "people, or must be withheld so that smaller ones cannot be worked out"
    )
    for other in pd.read_csv(DATA_DIR / "employees.csv")["department"].unique():
        assert f"'{other}'" not in body["detail"] or other.casefold() == department.casefold()


def test_two_roles_whose_shortlists_differ_by_a_few_people_cannot_both_be_reported(
    api: Api,
) -> None:
    """The brief's cross-role attack: two roles' top 10 that differ by a few people in
    and out would give those people's categories. The second report is refused."""
    service = api.client.app.state.recommender  # type: ignore[attr-defined]
    first, second = (
        {c.employee_id for c in service.shortlist(role, 10).candidates}
        for role in (ROLE, "soc-analyst-2")
    )
    assert 0 < len(first - second) < 5 and 0 < len(second - first) < 5  # the bundled data
    get_report(api, limit=10)
    response = api.client.get(
        ROUTE, params={"role_id": "soc-analyst-2", "limit": 10}, headers=api.key(Role.ADMIN)
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Report refused"
    assert not re.search(r"E\d{6}|\d", response.json()["detail"])
    assert get_report(api, limit=10)["selected"] == 10  # the same question again is answered


def test_scopes_can_be_prepared_before_the_first_report(api: Api) -> None:
    service = api.client.app.state.recommender  # type: ignore[attr-defined]
    prepare_reports(service, api.engine)
    assert report_scope(service, api.engine, ImpactQuestion(ROLE, location="remote")) == (
        ReportScope("location", "Remote")
    )
    with pytest.raises(ReportRefused):
        report_scope(service, api.engine, ImpactQuestion(ROLE, department="Executive Office"))
