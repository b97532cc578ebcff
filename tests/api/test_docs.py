"""The OpenAPI docs work offline: every script and stylesheet comes from this server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('docs') / 'reskill.db'}"
    settings = Settings(database_url=url, embeddings=False, warm_up=False)
    with TestClient(create_app(settings)) as client:
        yield client


def test_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} would be fetched from another host"
        fetched = client.get(asset)
        assert fetched.status_code == 200 and fetched.content, asset
    assert "/openapi.json" in page.text


def test_openapi_lists_the_v1_routes_and_key_schemes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/health" in spec["paths"] and "/v1/roles/{role_id}" in spec["paths"]
    assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
    assert not any(path.startswith("/docs") for path in spec["paths"])


def test_every_operation_has_a_short_unique_id_and_an_area_tag(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) == len(operations)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) and len(i) <= 30 for i in ids), ids
    declared = {t["name"] for t in spec["tags"]}
    assert all(len(op["tags"]) == 1 and op["tags"][0] in declared for op in operations)
    assert spec["paths"]["/v1/shortlists"]["post"]["operationId"] == "shortlists_create"
    assert spec["paths"]["/v1/roles/{role_id}/candidates"]["get"]["operationId"] == (
        "roles_candidates"
    )


def test_every_request_body_carries_an_example_its_route_accepts(client: TestClient) -> None:
    """The examples shown in /docs and generated clients must be valid requests."""
    from api.routers.candidates import ShortlistIn
    from api.routers.people import PeopleSearchIn
    from api.routers.text import MatchIn, TitlesIn

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for model in (ShortlistIn, PeopleSearchIn, MatchIn, TitlesIn):
        examples = schemas[model.__name__]["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
