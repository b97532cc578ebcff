from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender import ONET_ATTRIBUTION, __version__
from recommender.access import Role
from recommender.service import Recommender
from recommender.store import make_engine, upgrade
from recommender.store.access import create_key
from tests.factories import small_catalog


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A client holding a talent key, on an app whose keys live in a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    engine = make_engine(url)
    upgrade(engine)
    key = create_key(engine, Role.TALENT)
    engine.dispose()
    app = create_app(Settings(database_url=url), recommender=Recommender(small_catalog()))
    with TestClient(app, headers={"Authorization": f"Bearer {key.token}"}) as c:
        yield c


def test_health_says_only_status_and_version_even_to_a_key_holder(client: TestClient) -> None:
    """The catalogue's size and the O*NET attribution are not health: the attribution
    travels with O*NET data (role detail, titles); tests/security has the keyless case."""
    assert client.get("/v1/health").json() == {"status": "ok", "version": __version__}


def test_roles_filter_hard_to_fill(client: TestClient) -> None:
    body = client.get("/v1/roles", params={"hard_to_fill": "true"}).json()
    assert [r["id"] for r in body["items"]] == ["soc-analyst"]
    assert body["items"][0]["open_positions"] == 3


def test_roles_filter_by_source_and_title_text(client: TestClient) -> None:
    onet = client.get("/v1/roles", params={"source": "onet"}).json()
    assert [r["id"] for r in onet["items"]] == ["15-1212.00"]
    found = client.get("/v1/roles", params={"q": "service desk"}).json()
    assert [r["id"] for r in found["items"]] == ["help-desk"]


def test_role_detail_lists_requirements(client: TestClient) -> None:
    body = client.get("/v1/roles/soc-analyst").json()
    assert {r["skill_id"]: r["level"] for r in body["requirements"]} == {
        "siem": 3,
        "triage": 3,
        "networking": 3,
    }
    assert {r["skill_id"]: r["skill_name"] for r in body["requirements"]} == {
        "siem": "SIEM",
        "triage": "Incident triage",
        "networking": "Networking",
    }
    assert body["attribution"] is None


def test_onet_role_detail_carries_attribution(client: TestClient) -> None:
    assert client.get("/v1/roles/15-1212.00").json()["attribution"] == ONET_ATTRIBUTION


def test_unknown_role_is_a_problem_json_404_naming_it(client: TestClient) -> None:
    response = client.get("/v1/roles/no-such-role")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "no-such-role" in response.json()["detail"]


def test_pagination_limits_are_enforced_without_echoing_input(client: TestClient) -> None:
    response = client.get("/v1/roles", params={"limit": "1000000000000000000000"})
    assert response.status_code == 422
    assert "1000000000000000000000" not in response.text
    page = client.get("/v1/skills", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["offset"] == 1


def test_courses_filter_by_skill_taught(client: TestClient) -> None:
    body = client.get("/v1/courses", params={"teaches": "triage"}).json()
    assert [c["id"] for c in body["items"]] == ["sec-plus", "soc-lab"]
    assert client.get("/v1/courses", params={"teaches": "nope"}).status_code == 404


def test_courses_filter_by_kind(client: TestClient) -> None:
    body = client.get("/v1/courses", params={"kind": "stretch_assignment"}).json()
    assert [c["id"] for c in body["items"]] == ["soc-lab"]
    assert client.get("/v1/courses", params={"kind": "party"}).status_code == 422
