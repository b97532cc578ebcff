"""A role learns nothing through filters and errors about fields it may not see.

The attack this defeats (measured on the code before): a recruiter may not see anyone's
department, yet ``POST /v1/shortlists`` let it filter by department, and an unknown value
answered a 422 listing every known department. Filtering by each department in turn then
told the recruiter the department of 354 people, none wrong.

Over HTTP on the bundled data, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from recommender.access import Role
from tests.api.test_shortlists import DATABASES, Api, fresh_database, serve

SHORTLISTS = "/v1/shortlists"
ROLE = "soc-analyst-1"


@pytest.fixture(scope="module", params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with fresh_database(request.param, request, tmp_path_factory) as url, serve(url) as served:
        yield served


def _departments(api: Api) -> list[str]:
    return sorted({e.department for e in api.catalog.employees.values()})


def _locations(api: Api) -> list[str]:
    return sorted({e.location for e in api.catalog.employees.values()})


def _shortlist(api: Api, key: dict[str, str], filters: dict[str, Any]) -> Any:
    body = {"role_id": ROLE, "limit": 100, "filters": filters}
    return api.client.post(SHORTLISTS, json=body, headers=key)


def test_a_recruiter_may_not_filter_by_department_or_location(api: Api) -> None:
    recruiter = api.key(Role.RECRUITER)
    for field, values in (("department", _departments(api)), ("location", _locations(api))):
        for value in [*values, "No Such Place"]:
            response = _shortlist(api, recruiter, {field: value})
            assert response.status_code == 403, (field, value)
            assert response.headers["content-type"] == "application/problem+json"
            # The refusal is the same whether the value exists or not.
            assert value not in response.text


def test_no_refusal_or_error_lists_values_the_caller_did_not_give(api: Api) -> None:
    departments, locations = _departments(api), _locations(api)
    for role in (Role.RECRUITER, Role.TALENT):
        key = api.key(role)
        for filters in ({"department": "No Such Place"}, {"location": "No Such Place"}):
            response = _shortlist(api, key, filters)
            assert response.status_code in (403, 422)
            for value in (*departments, *locations):
                assert value not in response.text, (role, value)
        listed = api.client.get(
            f"/v1/roles/{ROLE}/candidates", params={"department": "No Such Place"}, headers=key
        )
        assert listed.status_code in (403, 422)
        for value in (*departments, *locations):
            assert value not in listed.text, (role, value)


def test_a_recruiter_still_gets_its_shortlist_without_those_fields(api: Api) -> None:
    response = _shortlist(api, api.key(Role.RECRUITER), {"min_readiness": 0.2})
    assert response.status_code == 201
    for candidate in response.json()["candidates"]:
        assert not {"department", "location", "weekly_learning_hours"} & set(candidate)
