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
