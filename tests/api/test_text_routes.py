"""POST /v1/match and POST /v1/titles/normalize: free text in, roles, skills and occupations out.

The bundled dataset has no O*NET roles, so the app built on it alone normalises titles to
the organisation's roles only; a second app is given the O*NET download
(``Settings(onet_dir=...)``) and also names O*NET occupations, with the attribution.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from recommender import ONET_ATTRIBUTION
from recommender.access import Role
from recommender.ingest.tables import read_org_tables
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key, read_access_log
from tests.conftest import DATA_DIR

SECURITY_TEXT = (
    "Five years in a hospital security operations centre: I triage SIEM alerts in Splunk, "
    "hunt threats, and lead incident response when ransomware hits clinical systems."
)
TITLES = ["Sr. Cyber Defense Analyst II", "RN - Med/Surg nights", "Nights, PRN"]
SECURITY_ROLES = {"information-security-analyst", "soc-analyst-1", "soc-analyst-2"}
SECURITY_ANALYSTS, REGISTERED_NURSES = "15-1212.00", "29-1141.00"


@dataclass
class Api:
    client: TestClient
    engine: sa.Engine

    def key(self, role: Role) -> dict[str, str]:
        employee_id = "E000001" if role == Role.EMPLOYEE else None
        department = "Nursing Services" if role == Role.MANAGER else None
        key = create_key(self.engine, role, employee_id=employee_id, department=department)
        return {"X-API-Key": key.token}

    def match(self, body: object, role: Role = Role.TALENT) -> httpx.Response:
        return self.client.post("/v1/match", json=body, headers=self.key(role))

    def titles(self, body: object, role: Role = Role.TALENT) -> httpx.Response:
        return self.client.post("/v1/titles/normalize", json=body, headers=self.key(role))


@contextmanager
def serve(path: Path, **settings: Any) -> Iterator[Api]:
    """The app on a SQLite database holding the bundled dataset."""
    url = f"sqlite:///{path / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    ds = read_org_tables(DATA_DIR)
    save_catalog(engine, ds.catalog, protected=ds.protected, kind="org", source="tests")
    try:
        with TestClient(create_app(Settings(database_url=url, **settings))) as client:
            yield Api(client, engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with serve(tmp_path_factory.mktemp("text")) as api:
        yield api


@pytest.fixture(scope="module")
def with_onet(tmp_path_factory: pytest.TempPathFactory, onet_dir: Path) -> Iterator[Api]:
    with serve(tmp_path_factory.mktemp("onet"), onet_dir=onet_dir, warm_up=False) as api:
        yield api


# /v1/match ------------------------------------------------------------------------------------


def test_match_ranks_security_roles_for_a_security_profile(api: Api) -> None:
    response = api.match({"text": SECURITY_TEXT, "top": 3})
    assert response.status_code == 200
    body = response.json()
    roles = body["roles"]
    assert len(roles) == 3 and roles[0]["id"] in SECURITY_ROLES | {"incident-responder"}
    assert [r["score"] for r in roles] == sorted((r["score"] for r in roles), reverse=True)
    for role in roles:
        parts = role["components"]
        overlap, coverage = parts["skill_overlap"], parts["skill_coverage"]
        fit = 2 * overlap * coverage / (overlap + coverage) if overlap + coverage else 0.0
        assert role["score"] == pytest.approx(
            0.6 * parts["embedding_similarity"] + 0.4 * fit, abs=1e-3
        )
    assert body["attribution"] is None  # the bundled data has no O*NET roles


def test_match_infers_skills_with_their_place_in_the_text(api: Api) -> None:
    skills = api.match({"text": SECURITY_TEXT}).json()["skills"]
    assert {"siem", "incident-response"} <= {s["id"] for s in skills}
    for skill in skills:
        assert skill["inferred"] is True and 0 < skill["confidence"] <= 1
        span = skill["span"]
        assert SECURITY_TEXT[span["start"] : span["end"]] == span["text"]


def test_match_returns_top_roles_and_accepts_the_longest_text(api: Api) -> None:
    assert len(api.match({"text": SECURITY_TEXT}).json()["roles"]) == 5
    assert len(api.match({"text": SECURITY_TEXT, "top": 20}).json()["roles"]) == 20
    longest = (SECURITY_TEXT + " ") * (20_000 // (len(SECURITY_TEXT) + 1))
    longest += "x" * (20_000 - len(longest))
    assert api.match({"text": longest, "top": 1}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   \n\t "},
        {"text": "a" * 20_001},
        {"text": SECURITY_TEXT, "top": 0},
        {"text": SECURITY_TEXT, "top": 21},
        {"text": SECURITY_TEXT, "top": "many"},
        {"text": SECURITY_TEXT, "limit": 3},
        {"top": 3},
        {"text": ["a", "list"]},
        [SECURITY_TEXT],
    ],
)
def test_a_malformed_match_body_is_422(api: Api, body: object) -> None:
    response = api.match(body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_rejected_text_is_not_echoed(api: Api) -> None:
    secret = "Patient Jane Roe, MRN 0042, " + "z" * 20_000
    response = api.match({"text": secret})
    assert response.status_code == 422
    assert "Jane Roe" not in response.text and "zzzz" not in response.text


def test_match_text_is_neither_logged_nor_written_to_the_access_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    marker = "Quillfeather Zandersnatch"
    with caplog.at_level(logging.DEBUG):
        assert api.match({"text": f"{marker} runs the SIEM."}).status_code == 200
        assert api.titles({"titles": [f"{marker} analyst"]}).status_code == 200
    assert not [r for r in caplog.records if "Quillfeather" in r.getMessage()]
    assert read_access_log(api.engine) == []


# /v1/titles/normalize (organisation roles only) ---------------------------------------------


def test_titles_rank_the_organisations_roles_without_onet(api: Api) -> None:
    response = api.titles({"titles": TITLES})
    assert response.status_code == 200
    body = response.json()
    cyber, nurse, nothing = body["results"]
    assert SECURITY_ROLES & {r["role_id"] for r in cyber["roles"]}
    assert nurse["roles"][0]["role_id"] == "registered-nurse"
    assert nurse["roles"][0]["code"] == REGISTERED_NURSES
    assert len(cyber["roles"]) == len(nurse["roles"]) == 5
    assert nothing == {"occupations": [], "roles": []}
    assert cyber["occupations"] == nurse["occupations"] == []
    assert body["attribution"] is None


def test_titles_top_bounds_each_list(api: Api) -> None:
    (result,) = api.titles({"titles": ["Help Desk Tech III"], "top": 2}).json()["results"]
    assert len(result["roles"]) == 2
    scores = [r["score"] for r in result["roles"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


@pytest.mark.parametrize(
    "body",
    [
        {"titles": []},
        {"titles": ["Nurse"] * 101},
        {"titles": [""]},
        {"titles": ["x" * 201]},
        {"titles": "Nurse"},
        {"titles": ["Nurse"], "top": 0},
        {"titles": ["Nurse"], "top": 21},
        {"titles": ["Nurse"], "language": "en"},
        {},
    ],
)
def test_a_malformed_titles_body_is_422(api: Api, body: object) -> None:
    response = api.titles(body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_hundred_titles_are_accepted(api: Api) -> None:
    body = api.titles({"titles": ["Staff Nurse"] * 100, "top": 1}).json()
    assert len(body["results"]) == 100


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.AUDITOR, Role.MANAGER])
def test_only_admin_talent_and_employees_use_the_text_routes(api: Api, role: Role) -> None:
    for response in (
        api.match({"text": SECURITY_TEXT}, role),
        api.titles({"titles": ["RN"]}, role),
    ):
        assert response.status_code == 403
        assert "match.use" in response.json()["detail"]
    # An employee describes the work they would like to do: no one's record is read.
    for allowed in (Role.ADMIN, Role.TALENT, Role.EMPLOYEE):
        assert api.match({"text": SECURITY_TEXT}, allowed).status_code == 200


def test_no_key_gets_401_before_the_body_is_read(api: Api) -> None:
    assert api.client.post("/v1/match", json={"text": ""}).status_code == 401
    assert api.client.post("/v1/titles/normalize", json={}).status_code == 401


# /v1/titles/normalize with O*NET ----------------------------------------------------------------


@pytest.mark.slow
def test_titles_name_onet_occupations_and_roles_with_the_attribution(with_onet: Api) -> None:
    response = with_onet.titles({"titles": TITLES})
    assert response.status_code == 200
    body = response.json()
    assert body["attribution"] == ONET_ATTRIBUTION
    cyber, nurse, nothing = body["results"]
    assert SECURITY_ANALYSTS in [o["code"] for o in cyber["occupations"]]
    assert nurse["occupations"][0]["code"] == REGISTERED_NURSES
    assert nurse["occupations"][0]["title"] == "Registered Nurses"
    assert SECURITY_ROLES & {r["role_id"] for r in cyber["roles"]}
    assert nurse["roles"][0]["role_id"] == "registered-nurse"
    assert nothing == {"occupations": [], "roles": []}
    for occupation in cyber["occupations"] + nurse["occupations"]:
        assert 0 <= occupation["score"] <= 1 and occupation["matched_title"]
        assert occupation["in_catalog"] is False  # named by the O*NET download, not a role


@pytest.mark.slow
def test_no_attribution_when_no_occupation_is_named(with_onet: Api) -> None:
    body = with_onet.titles({"titles": ["Nights, PRN", "---"]}).json()
    assert body["results"] == [{"occupations": [], "roles": []}] * 2
    assert body["attribution"] is None
