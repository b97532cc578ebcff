"""Impact-ratio reports cannot be differenced into a person's protected attributes.

The attack this defeats (measured on the code before): a talent key asked
``/v1/audit/impact-ratio?limit=k`` and ``limit=k+1``; the one category count that grew
belonged to the person at rank k+1, whom ``/v1/roles/R/candidates?limit=k+1`` names. For
k = 1..19 it recovered the sex and race/ethnicity of 19 people of 19.

Over HTTP on the bundled data (500 people), on SQLite and PostgreSQL, with the real
embedding model: one Recommender is shared by the two databases' apps (its answers are
the same for both), and the sweep of every question an auditor can ask runs once per
database. The true selected sets are recomputed from the service, never read from a
report. The guard itself is also tested directly on the store.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app, service_encoder
from api.settings import Settings
from recommender.access import Principal, Role
from recommender.candidates import ShortlistFilter
from recommender.catalog import ProtectedAttributes
from recommender.disclosure import DEFAULT_POLICY
from recommender.errors import ReportRefused
from recommender.fairness import scored_outcomes, selected_ids
from recommender.ingest.tables import read_org_tables
from recommender.reports import LIMITS, first_stage_scores
from recommender.service import Recommender
from recommender.store import make_engine, save_catalog, upgrade, write_transaction
from recommender.store.access import access_log, create_key
from recommender.store.reports import (
    check_report,
    forget_report_member,
    publish_report,
    published_count,
)
from recommender.store.schema import published_report_members, published_reports
from tests.api.test_shortlists import DATABASES, fresh_database
from tests.conftest import DATA_DIR

pytestmark = pytest.mark.slow

ROUTE = "/v1/audit/impact-ratio"
ROLE = "soc-analyst-1"
MIN_DIFFERENCE = DEFAULT_POLICY.min_difference
DATASET = read_org_tables(DATA_DIR)
PROTECTED: dict[str, ProtectedAttributes] = {p.employee_id: p for p in DATASET.protected}


@pytest.fixture(scope="module")
def service() -> Iterator[Recommender]:
    """One Recommender for both databases: the same catalogue, so the same answers. It
    remembers every shortlist the sweep asks (about a thousand), so the second database's
    sweep does not rank them again."""
    yield Recommender(DATASET.catalog, encoder=service_encoder(Settings()), answer_bytes=1 << 30)


@dataclass
class Served:
    client: TestClient
    engine: sa.Engine
    service: Recommender

    def key(self, role: Role) -> dict[str, str]:
        return {"X-API-Key": create_key(self.engine, role).token}


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    service: Recommender,
) -> Iterator[Served]:
    with fresh_database(request.param, request, tmp_path_factory) as url:
        engine = make_engine(url)
        upgrade(engine)
        save_catalog(
            engine, DATASET.catalog, protected=DATASET.protected, kind="org", source="tests"
        )
        app = create_app(Settings(database_url=url, warm_up=False), recommender=service)
        try:
            with TestClient(app) as client:
                yield Served(client, engine, service)
        finally:
            engine.dispose()


# -- the original attack ----------------------------------------------------------------


def test_talent_keys_may_not_ask_for_impact_reports(served: Served) -> None:
    response = served.client.get(ROUTE, params={"role_id": ROLE}, headers=served.key(Role.TALENT))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_the_limit_k_versus_k_plus_one_attack_gets_no_pair_of_answers(served: Served) -> None:
    """For every k of the original attack, at least one of the two reports is refused, and
    each refusal of a size states the sizes allowed."""
    admin = served.key(Role.ADMIN)  # admin may read both the candidates and the reports
    answered = {}
    for k in range(1, 21):
        response = served.client.get(ROUTE, params={"role_id": ROLE, "limit": k}, headers=admin)
        answered[k] = response.status_code == 200
        if k not in LIMITS:
            assert response.status_code == 422, response.text
            assert "10, 25, 50, 100" in response.json()["detail"]
    assert not any(answered[k] and answered[k + 1] for k in range(1, 20))
    assert answered[10]


def test_the_same_question_again_is_answered_whoever_asks(served: Served) -> None:
    """An equal selection tells nothing new: asked again, by another key, it is answered."""
    # Other tests of the module publish reports on the same people; whether one of them is
    # a near neighbour of this selection depends on the ranking, not on what is tested here.
    with served.engine.begin() as conn:
        conn.execute(sa.delete(published_reports))
    first = served.client.get(
        ROUTE, params={"role_id": "grc-analyst", "limit": 25}, headers=served.key(Role.AUDITOR)
    )
    again = served.client.get(
        ROUTE, params={"role_id": "grc-analyst", "limit": 25}, headers=served.key(Role.ADMIN)
    )
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    strip = ("report_id", "calculated_on")
    meta = [
        {k: v for k, v in r.json()["metadata"].items() if k not in strip} for r in (first, again)
    ]
    assert meta[0] == meta[1]
    assert first.json()["dimensions"] == again.json()["dimensions"]


# -- every question an auditor can ask --------------------------------------------------


@dataclass
class Sweep:
    """Every answered report (body and true selected set) and every refusal."""

    answered: list[tuple[dict[str, Any], dict[str, Any], frozenset[str]]] = field(
        default_factory=list
    )
    refused: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    key_id: str = ""


def _scopes() -> list[dict[str, str]]:
    employees = [e for e in DATASET.catalog.employees.values() if not e.opted_out]
    departments = sorted({e.department for e in employees})
    locations = sorted({e.location for e in employees})
    return (
        [{}] + [{"department": d} for d in departments] + [{"location": loc} for loc in locations]
    )


def _questions() -> list[dict[str, Any]]:
    roles = sorted(r.id for r in DATASET.catalog.roles.values() if r.hard_to_fill)
    modes: list[dict[str, Any]] = [{"limit": k} for k in LIMITS] + [{"mode": "scoring"}]
    return [
        {"role_id": role, **scope, **mode}
        for scope in _scopes()
        for role in roles
        for mode in modes
    ]


def true_selection(service: Recommender, question: dict[str, Any]) -> frozenset[str]:
    """Whom a report for ``question`` counts as selected, recomputed from the service."""
    scope = ShortlistFilter(
        department=question.get("department"), location=question.get("location")
    )
    if question.get("mode") != "scoring":
        listed = service.shortlist(question["role_id"], question["limit"], scope)
        return frozenset(c.employee_id for c in listed.candidates)
    index = service.candidate_index
    names = index.departments_ if scope.department else index.locations_
    codes = index.department_codes_ if scope.department else index.location_codes_
    value = scope.department or scope.location
    rows = None if value is None else (codes == names.index(value)).nonzero()[0]
    ids = index.employee_ids_ if rows is None else index.ids(rows)
    scores = first_stage_scores(index, question["role_id"], rows)
    outcomes = scored_outcomes(dict(zip(ids, scores.tolist(), strict=True)), PROTECTED)
    return frozenset(selected_ids(outcomes, mode="scoring"))


@pytest.fixture(scope="module")
def sweep(served: Served) -> Sweep:
    headers = served.key(Role.AUDITOR)
    found = Sweep(key_id=headers["X-API-Key"].split("_")[1])
    for question in _questions():
        response = served.client.get(ROUTE, params=question, headers=headers)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            found.refused.append((question, response.json()["detail"]))
            continue
        body = response.json()
        found.answered.append((question, body, true_selection(served.service, question)))
    scopes = sum(detail.startswith("no report can cover") for _, detail in found.refused)
    print(
        f"\n{served.engine.dialect.name}: of {len(found.answered) + len(found.refused)} "
        f"questions, {len(found.answered)} answered, {scopes} refused for their scope, "
        f"{len(found.refused) - scopes} refused by the differencing guard"
    )
    return found


def _selected_counts(body: dict[str, Any]) -> dict[tuple[str, str | None], int]:
    """Every published count of selected people, by (dimension, category or None)."""
    out = {}
    for name, dimension in body["dimensions"].items():
        if dimension["unknown_selected"] is not None:
            out[(name, None)] = dimension["unknown_selected"]
        for row in dimension["categories"]:
            if row["selected"] is not None:
                out[(name, row["category"])] = row["selected"]
    return out


def _isolates(d: int, plus: int, minus: int) -> bool:
    """Whether a count difference ``d`` forces the category of everyone on one side."""
    return (0 < plus < MIN_DIFFERENCE and d >= plus) or (0 < minus < MIN_DIFFERENCE and -d >= minus)


def test_no_two_answered_reports_force_anyones_category(sweep: Sweep) -> None:
    reports = [(q, _selected_counts(body), chosen) for q, body, chosen in sweep.answered]
    isolations = []
    for (qa, a, sa_), (qb, b, sb) in itertools.combinations(reports, 2):
        plus, minus = len(sa_ - sb), len(sb - sa_)
        for cell in a.keys() & b.keys():
            if _isolates(a[cell] - b[cell], plus, minus):
                isolations.append((qa, qb, cell))
    assert not isolations, isolations[:5]


def test_the_report_stays_useful_and_every_refusal_names_no_one(sweep: Sweep) -> None:
    assert len(sweep.answered) >= 50
    scopes = {(q.get("department"), q.get("location")) for q, _, _ in sweep.answered}
    assert len(scopes) > 1  # departments or locations answer too, not only the organisation
    published_rates = [
        row["rate"]
        for _, body, _ in sweep.answered
        for row in body["dimensions"]["sex"]["categories"]
        if row["rate"] is not None
    ]
    assert published_rates  # the sex dimension is published in some reports
    for question, detail in sweep.refused:
        assert not re.search(r"E\d{6}|\d", detail.replace("10, 25, 50, 100", "")), detail
        named = question.get("department") or question.get("location")
        for other in {v for s in _scopes() for v in s.values()} - {named}:
            assert f"'{other}'" not in detail


def test_answered_reports_publish_no_small_count_and_no_person(sweep: Sweep) -> None:
    for question, body, chosen in sweep.answered:
        text = json.dumps(body)
        assert not re.search(r"E\d{6}", text)
        assert body["selected"] == len(chosen), question
        for dimension in body["dimensions"].values():
            for row in dimension["categories"]:
                for kind in ("assessed", "selected", "not_selected"):
                    assert row[kind] is None or row[kind] >= DEFAULT_POLICY.min_cell, question
            for kind in ("unknown", "unknown_selected", "unknown_not_selected"):
                value = dimension[kind]
                assert value is None or value == 0 or value >= DEFAULT_POLICY.min_cell


def test_reports_over_one_scope_have_the_same_assessed_counts(sweep: Sweep) -> None:
    seen: dict[tuple[Any, Any], Any] = {}
    for question, body, _ in sweep.answered:
        scope = (question.get("department"), question.get("location"))
        assessed = {
            (name, row["category"]): row["assessed"]
            for name, dimension in body["dimensions"].items()
            for row in dimension["categories"]
        } | {("total", None): body["assessed"]}
        assert seen.setdefault(scope, assessed) == assessed, question


def test_every_answered_report_is_stored_and_logged_once_without_a_person(
    served: Served, sweep: Sweep
) -> None:
    with served.engine.connect() as conn:
        rows = conn.execute(
            sa.select(access_log).where(
                access_log.c.key_id == sweep.key_id, access_log.c.action == "impact.read"
            )
        ).all()
        stored = conn.execute(
            sa.select(published_reports.c.id, published_reports.c.question).where(
                published_reports.c.key_id == sweep.key_id
            )
        ).all()
        members = dict(
            conn.execute(
                sa.select(published_report_members.c.report_id, sa.func.count()).group_by(
                    published_report_members.c.report_id
                )
            ).all()
        )
    assert len(rows) == len(stored) == len(sweep.answered)
    asked = sorted(json.dumps(_asked(q), sort_keys=True) for q, _, _ in sweep.answered)
    logged = sorted(
        json.dumps({k: json.loads(r.detail)[k] for k in _asked({})}, sort_keys=True) for r in rows
    )
    assert logged == asked
    for row in rows:
        assert row.employee_id is None and row.tombstone is None
        assert not re.search(r"E\d{6}", row.detail)
    by_id = {body["metadata"]["report_id"]: body for _, body, _ in sweep.answered}
    for report_id, _ in stored:
        assert members.get(report_id, 0) == by_id[report_id]["selected"]


def _asked(question: dict[str, Any]) -> dict[str, Any]:
    """The question as the log records it (the limit resolved, scoring without one)."""
    mode = question.get("mode", "selection")
    return {
        "role_id": question.get("role_id"),
        "mode": mode,
        "limit": question.get("limit") if mode == "selection" else None,
        "department": question.get("department"),
        "location": question.get("location"),
    }


# -- the guard on the store ---------------------------------------------------------------


def _publish(engine: sa.Engine, members: set[str], *, min_difference: int = 5) -> str:
    return publish_report(
        engine,
        Principal("guardkey", Role.AUDITOR),
        question={"role_id": "r"},
        scope="organisation",
        members=members,
        min_difference=min_difference,
        route="GET /v1/audit/impact-ratio",
        request_id="test",
    )


@pytest.fixture
def store(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


PEOPLE = [f"P{i:03d}" for i in range(40)]


@pytest.mark.parametrize("removed", [1, 2, 3, 4])
@pytest.mark.parametrize("side", ["added", "removed"])
def test_a_selection_1_to_4_people_away_from_a_published_one_is_refused(
    store: sa.Engine, removed: int, side: str
) -> None:
    first = set(PEOPLE[:20])
    _publish(store, first)
    other = (
        first | set(PEOPLE[20 : 20 + removed]) if side == "added" else first - set(PEOPLE[:removed])
    )
    with pytest.raises(ReportRefused) as refused:
        _publish(store, other)
    assert not re.search(r"P\d{3}", str(refused.value))
    with pytest.raises(ReportRefused):
        check_report(store, other, 5)
    assert published_count(store) == 1


def test_equal_and_far_selections_are_published_and_logged(store: sa.Engine) -> None:
    first = set(PEOPLE[:20])
    _publish(store, first)
    _publish(store, set(first))  # the same set again
    _publish(store, first | set(PEOPLE[20:25]))  # five more
    _publish(store, set(PEOPLE[30:40]))  # disjoint, ten apart on each side
    check_report(store, set(PEOPLE[:15]), 5)  # five fewer than the first: allowed
    assert published_count(store) == 4
    with store.connect() as conn:
        logged = conn.execute(
            sa.select(access_log.c.employee_id, access_log.c.detail).where(
                access_log.c.action == "impact.read"
            )
        ).all()
    assert [(e, json.loads(d)) for e, d in logged] == [(None, {"role_id": "r"})] * 4


def test_an_empty_selection_is_compared_too(store: sa.Engine) -> None:
    _publish(store, set())
    with pytest.raises(ReportRefused):
        _publish(store, set(PEOPLE[:3]))
    _publish(store, set(PEOPLE[:5]))


def test_a_refused_check_writes_nothing(store: sa.Engine) -> None:
    _publish(store, set(PEOPLE[:10]))
    with pytest.raises(ReportRefused):
        check_report(store, set(PEOPLE[:11]), 5)
    with store.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(published_report_members)).scalar()
            == 10
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(access_log)).scalar() == 1


def test_an_erased_member_is_no_longer_named_and_still_protected(store: sa.Engine) -> None:
    """After an erasure the old report's set keeps its size under an unlinkable marker:
    the same question over the data without the person is refused (the old report minus
    the new one would be their categories)."""
    _publish(store, set(PEOPLE[:10]))
    _publish(store, set(PEOPLE[:10]) | set(PEOPLE[20:30]))
    with write_transaction(store) as conn:
        assert forget_report_member(conn, "P000") == 2
        assert forget_report_member(conn, "P000") == 0
    with store.connect() as conn:
        members = conn.execute(sa.select(published_report_members.c.employee_id)).scalars().all()
    assert "P000" not in members and len(members) == 30
    markers = [m for m in members if not m.startswith("P")]
    assert len(markers) == len(set(markers)) == 2  # one per report: nothing links them
    with pytest.raises(ReportRefused):
        check_report(store, set(PEOPLE[1:10]), 5)
    check_report(store, set(PEOPLE[1:10]) - set(PEOPLE[1:5]) | set(PEOPLE[30:40]), 5)
