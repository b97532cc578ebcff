"""The pages' sign-in, session cookie, CSRF and headers over HTTP (no browser: these run
everywhere, the browser tests beside them need Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.web import CONTENT_SECURITY_POLICY
from recommender.access import Role
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, revoke_key
from tests.factories import small_catalog


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'reskill.db'}")
    upgrade(engine)
    save_catalog(engine, small_catalog(), kind="org", source="tests")
    yield engine
    engine.dispose()


def _client(engine: sa.Engine, base_url: str = "http://testserver") -> TestClient:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    app = create_app(settings, recommender=Recommender(small_catalog()))
    return TestClient(app, base_url=base_url)


def _sign_in(client: TestClient, key: str) -> Any:
    form = client.get("/app/sign-in")
    token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"api_key": key, "sign_in_token": token.group(1)}
    return client.post("/app/sign-in", data=data, follow_redirects=False)


def test_signing_in_sets_a_strict_httponly_cookie_and_never_echoes_the_key(
    engine: sa.Engine,
) -> None:
    key = create_key(engine, Role.TALENT).token
    with _client(engine) as client:
        bad = _sign_in(client, key[:-4] + "AAAA")
        assert bad.status_code == 401 and key[:-4] not in bad.text
        good = _sign_in(client, key)
        assert good.status_code == 303 and good.headers["location"] == "/app/"
        cookie = good.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/app" in cookie
        assert "Secure" not in cookie and key not in cookie


def test_over_https_the_cookie_is_secure(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT).token
    with _client(engine, "https://testserver") as client:
        assert "Secure" in _sign_in(client, key).headers["set-cookie"]


def test_a_sign_in_without_its_form_token_is_refused(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT).token
    with _client(engine) as client:
        response = client.post("/app/sign-in", data={"api_key": key}, follow_redirects=False)
        assert response.status_code == 403 and "set-cookie" not in response.headers


def test_revoking_the_key_ends_its_page_session(engine: sa.Engine) -> None:
    key = create_key(engine, Role.TALENT).token
    with _client(engine) as client:
        _sign_in(client, key)
        assert client.get("/app/talent/search").status_code == 200
        revoke_key(engine, key.split("_")[1])
        gone = client.get("/app/talent/search", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"] == "/app/sign-in"


def test_pages_carry_the_csp_and_the_api_is_untouched(engine: sa.Engine) -> None:
    with _client(engine) as client:
        page = client.get("/app/sign-in")
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "content-security-policy" not in client.get("/v1/health").headers
        assert not any(p.startswith("/app") for p in client.get("/openapi.json").json()["paths"])


def test_pages_take_form_posts_only(engine: sa.Engine) -> None:
    with _client(engine) as client:
        response = client.post("/app/sign-in", json={"api_key": "x"})
        assert response.status_code == 415
