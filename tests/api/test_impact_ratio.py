"""GET /v1/audit/impact-ratio: the numbers match an independent pandas computation.

The population is rebuilt from the bundled CSV files (everyone not opted out who holds
neither the target role nor another hard-to-fill role), the selection is the shortlist
the API serves, and the protected attributes come from ``protected_attributes.csv``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from recommender.access import Role
from recommender.fairness import RULESET
from tests.api.test_shortlists import DATABASES, Api, fresh_database, serve
from tests.conftest import DATA_DIR

ROLE = "soc-analyst-1"
ROUTE = "/v1/audit/impact-ratio"


@pytest.fixture(scope="module", params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with fresh_database(request.param, request, tmp_path_factory) as url, serve(url) as served:
        yield served


def population(role_id: str, department: str | None = None) -> pd.DataFrame:
    """Everyone a shortlist for ``role_id`` assesses, with their sex and race/ethnicity."""
    employees = pd.read_csv(DATA_DIR / "employees.csv")
    roles = pd.read_csv(DATA_DIR / "roles.csv")
    scarce = set(roles.loc[roles["hard_to_fill"], "role_id"]) | {role_id}
    keep = ~employees["opted_out"] & ~employees["role_id"].isin(scarce)
    if department is not None:
        keep &= employees["department"] == department
    protected = pd.read_csv(DATA_DIR / "protected_attributes.csv")
    return employees.loc[keep, ["employee_id"]].merge(protected, on="employee_id", how="left")


def expected_rows(people: pd.DataFrame, column: str) -> pd.DataFrame:
    """n, selected, rate and impact ratio per category of ``column`` (pandas only)."""
    known = people.dropna(subset=[column])
    rows = known.groupby(column)["selected"].agg(assessed="size", selected="sum")
    rows["rate"] = rows["selected"] / rows["assessed"]
    rows["kept"] = rows["assessed"] / len(people) >= 0.02
    rows["impact_ratio"] = rows["rate"] / rows.loc[rows["kept"], "rate"].max()
    return rows


def check_dimension(report: dict[str, Any], people: pd.DataFrame, column: str) -> None:
    expected = expected_rows(people, column)
    dimension = report["dimensions"][column]
    got = {row["category"]: row for row in dimension["categories"]}
    assert set(got) == set(expected.index)
    assert dimension["unknown"] == int(people[column].isna().sum())
    for category, want in expected.iterrows():
        row = got[category]
        assert (row["assessed"], row["selected"]) == (want["assessed"], want["selected"])
        assert row["rate"] == pytest.approx(want["rate"])
        assert row["excluded"] is (not want["kept"])
        if not want["kept"]:
            assert row["impact_ratio"] is None and "excluded" in row["reason"]
            continue
        assert row["impact_ratio"] == pytest.approx(want["impact_ratio"])
        flagged = "impact_ratio_below_0.80" in row["flags"]
        assert flagged is bool(want["impact_ratio"] < 0.8)
        assert ("low_n" in row["flags"]) is bool(want["assessed"] < 30)


def get_report(api: Api, **params: Any) -> dict[str, Any]:
    response = api.client.get(
        ROUTE, params={"role_id": ROLE, **params}, headers=api.key(Role.TALENT)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert not re.search(r"E\d{6}", response.text)  # no person, only categories
    body: dict[str, Any] = response.json()
    return body


def test_selection_rates_and_ratios_match_pandas_over_the_same_shortlist(api: Api) -> None:
    report = get_report(api, limit=50)
    listed = api.client.get(
        f"/v1/roles/{ROLE}/candidates", params={"limit": 50}, headers=api.key(Role.ADMIN)
    ).json()
    people = population(ROLE)
    people["selected"] = people["employee_id"].isin(
        [c["employee_id"] for c in listed["candidates"]]
    )
    assert people["selected"].sum() == 50  # every shortlisted person is in the population
    assert (report["mode"], report["assessed"], report["selected"]) == (
        "selection",
        len(people),
        50,
    )
    for column in ("sex", "race_ethnicity"):
        check_dimension(report, people, column)
    flagged = [
        (d, row["category"])
        for d, dim in report["dimensions"].items()
        for row in dim["categories"]
        if "impact_ratio_below_0.80" in row["flags"]
    ]
    assert ("sex", "Female") in flagged  # the bundled data does flag something
    excluded = [r for r in report["dimensions"]["race_ethnicity"]["categories"] if r["excluded"]]
    assert excluded  # and has a category under 2% of the sample


def test_scoring_mode_counts_scores_above_the_median_of_everyone_assessed(api: Api) -> None:
    report = get_report(api, mode="scoring")
    service = api.client.app.state.recommender  # type: ignore[attr-defined]
    ranked = service.shortlist(ROLE, 1000, exact_hours=False)
    scores = pd.Series({c.employee_id: c.score for c in ranked.candidates}, name="score")
    people = population(ROLE)
    assert set(scores.index) == set(people["employee_id"])
    median = scores.median()
    people["selected"] = people["employee_id"].map(scores) > median
    assert report["metadata"]["median_score"] == pytest.approx(median)
    assert (report["mode"], report["assessed"]) == ("scoring", len(people))
    assert report["selected"] == int(people["selected"].sum())
    assert report["metadata"]["limit"] is None
    for column in ("sex", "race_ethnicity"):
        check_dimension(report, people, column)


def test_a_department_scope_narrows_the_population(api: Api) -> None:
    report = get_report(api, limit=5, department="Information Technology")
    people = population(ROLE, department="Information Technology")
    assert report["assessed"] == len(people) > 0
    assert report["metadata"]["department"] == "Information Technology"


def test_the_report_says_how_and_from_what_it_was_made(api: Api) -> None:
    report = get_report(api, limit=20)
    meta = report["metadata"]
    assert meta["ruleset"] == RULESET
    assert (meta["role_id"], meta["limit"]) == (ROLE, 20)
    assert meta["role_title"] == api.catalog.role(ROLE).title
    assert meta["calculated_on"] == datetime.now(UTC).date().isoformat()
    assert "MiniLM" in meta["version"] and meta["impact_ratio_threshold"] == 0.8
    assert set(report["dimensions"]) == {"sex", "race_ethnicity", "intersection"}
    intersection = report["dimensions"]["intersection"]["categories"]
    assert all(" / " in row["category"] for row in intersection)


def test_the_audit_reads_no_one_and_logs_nothing(api: Api) -> None:
    headers = api.key(Role.ADMIN)
    response = api.client.get(ROUTE, params={"role_id": ROLE}, headers=headers)
    assert response.status_code == 200
    assert api.log_of(headers) == []


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.RECRUITER])
def test_employee_and_recruiter_keys_get_403(api: Api, role: Role) -> None:
    response = api.client.get(ROUTE, params={"role_id": ROLE}, headers=api.key(role))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "impact.read" in response.json()["detail"]


def test_no_key_gets_401(api: Api) -> None:
    assert TestClient(api.client.app).get(ROUTE, params={"role_id": ROLE}).status_code == 401


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"role_id": "no-such-role"}, 404),
        ({}, 422),
        ({"role_id": ROLE, "mode": "vibes"}, 422),
        ({"role_id": ROLE, "limit": 0}, 422),
        ({"role_id": ROLE, "limit": 101}, 422),
        ({"role_id": ROLE, "department": "Astrology"}, 422),
    ],
)
def test_bad_questions_are_problems(api: Api, params: dict[str, Any], status: int) -> None:
    response = api.client.get(ROUTE, params=params, headers=api.key(Role.TALENT))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
