"""The service facade: answers over one immutable catalogue, remembered until the data changes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from recommender.candidates import ShortlistFilter
from recommender.catalog import Catalog
from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
from recommender.errors import InvalidInput, ModelMissing, UnknownRole
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return read_org_tables(DATA).catalog


@pytest.fixture(scope="module")
def service(bundled: Catalog) -> Recommender:
    cache = EmbeddingCache(Path.home() / ".cache" / "reskill" / "embeddings")
    return Recommender(bundled, encoder=CachedEncoder(SentenceTransformerEncoder(), cache))


def test_a_repeated_shortlist_is_answered_from_memory(service: Recommender) -> None:
    first = service.shortlist("soc-analyst-1", 5)
    assert service.shortlist("soc-analyst-1", 5) is first
    other = service.shortlist("soc-analyst-1", 5, ShortlistFilter(min_readiness=0.3))
    assert other is not first
    assert all(c.readiness >= 0.3 - 1e-6 for c in other.candidates)


def test_new_data_means_new_answers(service: Recommender, bundled: Catalog) -> None:
    top = service.shortlist("soc-analyst-1", 3).candidates[0].employee_id
    people = [e for e in bundled.employees.values() if e.id != top]
    without = service.with_catalog(replace(bundled, employees={e.id: e for e in people}))
    assert top not in {c.employee_id for c in without.shortlist("soc-analyst-1", 3).candidates}
    assert without.encoder is service.encoder


def test_opportunities_and_pathways_need_no_model(bundled: Catalog) -> None:
    plain = Recommender(bundled)
    person = next(e for e in bundled.employees.values() if not e.opted_out)
    options = plain.opportunities(person.id, 3)
    assert 1 <= len(options) <= 3 and all(o.role_id != person.role_id for o in options)
    answer = plain.pathway("soc-analyst-1", from_role="service-desk-technician-1")
    assert answer.plan.role_id == "soc-analyst-1"
    assert answer.plan.total_hours == sum(step.hours for step in answer.plan.steps)
    with pytest.raises(ModelMissing):
        plain.shortlist("soc-analyst-1")
    with pytest.raises(ModelMissing):
        plain.match("I reset passwords")


def test_pathway_needs_exactly_one_starting_point(bundled: Catalog) -> None:
    plain = Recommender(bundled)
    with pytest.raises(InvalidInput):
        plain.pathway("soc-analyst-1")
    with pytest.raises(UnknownRole):
        plain.pathway("no-such-role", from_role="service-desk-technician-1")
