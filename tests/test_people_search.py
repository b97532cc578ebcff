"""Searching people by text: the people who do the described work first (their skills,
their role, their profile), their feeders further down, exact or approximate alike,
opted-out people never, and the explanation names the skills that matched."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recommender.catalog import Catalog
from recommender.cli import app
from recommender.embeddings import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
from recommender.errors import InvalidInput, ModelMissing
from recommender.ingest.tables import read_org_tables
from recommender.service import Recommender
from recommender.vector_search import VectorIndex

DATA = Path(__file__).resolve().parents[1] / "data"
CACHE = Path.home() / ".cache" / "reskill" / "embeddings"
SOC_TEXT = (
    "Security operations analyst: monitor SIEM alerts around the clock, triage and escalate "
    "incidents, investigate phishing and malware on clinical endpoints."
)
SECURITY_ROLES = {"soc-analyst-1", "soc-analyst-2", "information-security-analyst"}


def security_work(catalog: Catalog) -> set[str]:
    """The roles whose work is security: the Security family and its leaders."""
    family = {r.id for r in catalog.roles.values() if r.job_family == "Security"}
    return family | {"security-operations-manager", "ciso"}


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return read_org_tables(DATA).catalog


@pytest.fixture(scope="module")
def service(bundled: Catalog) -> Recommender:
    encoder = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(CACHE))
    return Recommender(bundled, encoder=encoder)


def test_a_security_job_ad_finds_security_people_first(service: Recommender) -> None:
    found = service.similar_people(SOC_TEXT, 10)
    assert [m.rank for m in found.matches] == list(range(1, 11))
    scores = [m.score for m in found.matches]
    assert scores == sorted(scores, reverse=True)
    roles = [m.current_role_id for m in found.matches]
    assert set(roles[:5]) <= security_work(service.catalog), roles
    assert not found.approximate and found.searched == len(service.candidate_index)


def test_the_score_weighs_exact_similarity_held_skills_and_role_fit(
    service: Recommender,
) -> None:
    import numpy as np

    from recommender.candidates.people import SearchWeights
    from recommender.matching import text_vector

    assert service.encoder is not None
    query = text_vector(service.encoder, SOC_TEXT)
    index = service.candidate_index
    assert index.vectors_ is not None
    w = SearchWeights()
    fits = {
        r.role_id: r.score
        for r in service.role_index.score_all(query, service.skill_extractor.extract(SOC_TEXT))
    }
    for m in service.similar_people(SOC_TEXT, 10).matches:
        cosine = float(index.vectors_[index.row_[m.employee_id]].astype(np.float32) @ query)
        assert m.similarity == pytest.approx(cosine, abs=1e-4)
        assert m.role_fit == pytest.approx(fits[m.current_role_id])
        assert 0.0 < m.skill_match <= 1.0
        assert m.score == pytest.approx(
            w.similarity * m.similarity + w.skills * m.skill_match + w.role * m.role_fit
        )


def test_the_top_is_the_same_as_scoring_everyone(service: Recommender) -> None:
    """The two first stages (closest profiles; best skills and role) lose no one who
    belongs in the top: a limit as large as the index scores every person."""
    everyone = len(service.candidate_index)
    for text in (
        SOC_TEXT,
        *(service.role(r).description for r in ("medical-coder", "data-analyst")),
    ):
        ranked = [m.employee_id for m in service.similar_people(text, everyone).matches]
        assert len(ranked) == everyone
        top = [m.employee_id for m in service.similar_people(text, 10).matches]
        assert top == ranked[:10]


def test_shared_skills_are_the_texts_skills_the_person_holds(
    service: Recommender, bundled: Catalog
) -> None:
    from recommender.pathways import employee_profile

    found = service.similar_people(SOC_TEXT, 10)
    evidenced = {s.skill_id for s in found.skills}
    assert evidenced, "the text should evidence some catalogue skills"
    for m in found.matches:
        held = employee_profile(bundled, m.employee_id).levels  # certifications included
        recorded = {s.skill_id: s for s in bundled.employees[m.employee_id].skills}
        assert {s.skill_id for s in m.shared_skills} == {
            s for s in evidenced if held.get(s, 0) >= 1
        }
        for s in m.shared_skills:
            assert s.level == int(held[s.skill_id] + 1e-6)
            own = recorded.get(s.skill_id)
            if own is not None and own.level >= s.level:
                assert s.evidence == own.evidence
        assert any("Profile similarity" in r for r in m.reasons)


def test_the_explanation_names_the_skills_that_matched_and_the_role(
    service: Recommender,
) -> None:
    top = service.similar_people(SOC_TEXT, 3).matches[0]
    assert top.shared_skills
    holds = next(r for r in top.reasons if r.startswith("Holds"))
    for skill in top.shared_skills[:5]:
        assert f"{skill.name} (level {skill.level}" in holds
    assert any(
        r.startswith(f"Currently {top.current_role_title}, a role that requires")
        for r in top.reasons
    )
    assert any(r.startswith("Score ") for r in top.reasons)


def test_the_approximate_index_gives_the_same_people_on_the_bundled_data(
    service: Recommender,
) -> None:
    from recommender.candidates.people import similar_people
    from recommender.matching import text_vector

    index = service.candidate_index
    assert service.encoder is not None and index.vectors_ is not None
    query = text_vector(service.encoder, SOC_TEXT)
    skills = service.skill_extractor.extract(SOC_TEXT)
    exact = similar_people(index, VectorIndex(index.vectors_, approximate=False), query, skills, 10)
    approx = similar_people(index, VectorIndex(index.vectors_, approximate=True), query, skills, 10)
    assert approx.approximate
    assert [m.employee_id for m in approx.matches] == [m.employee_id for m in exact.matches]


def test_people_who_opted_out_never_appear(bundled: Catalog, service: Recommender) -> None:
    top = service.similar_people(SOC_TEXT, 5).matches[0].employee_id
    employees = dict(bundled.employees)
    employees[top] = replace(employees[top], opted_out=True)
    without = service.with_catalog(replace(bundled, employees=employees))
    ids = [m.employee_id for m in without.similar_people(SOC_TEXT, 500).matches]
    assert top not in ids
    assert not {e.id for e in employees.values() if e.opted_out} & set(ids)


def test_blank_text_bad_limit_and_no_model_fail_clearly(
    service: Recommender, bundled: Catalog
) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        service.similar_people("  \n", 5)
    with pytest.raises(InvalidInput, match="at least 1"):
        service.similar_people(SOC_TEXT, 0)
    with pytest.raises(ModelMissing):
        Recommender(bundled).similar_people(SOC_TEXT, 5)


def test_cli_people_prints_the_closest_profiles_as_json() -> None:
    args = ["people", "--text", SOC_TEXT, "--limit", "3", "--json", "--cache-dir", str(CACHE)]
    result = CliRunner().invoke(app, [*args, "--data", str(DATA)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [m["rank"] for m in body["matches"]] == [1, 2, 3]
    assert {"employee_id", "similarity", "shared_skills", "reasons"} <= set(body["matches"][0])
    assert body["approximate"] is False


def test_cli_people_rejects_blank_text() -> None:
    result = CliRunner().invoke(app, ["people", "--text", " "])
    assert result.exit_code == 2
    assert "empty" in result.output


def test_a_repeated_search_is_answered_from_memory_until_the_data_changes(
    service: Recommender, bundled: Catalog
) -> None:
    first = service.similar_people(SOC_TEXT, 4)
    assert service.similar_people(SOC_TEXT, 4) is first
    assert service.similar_people(SOC_TEXT, 5) is not first
    assert service.with_catalog(bundled).similar_people(SOC_TEXT, 4) is not first


# -- the people who do the work come first ---------------------------------------------------

SIEM_TEXT = "Monitor SIEM alerts, triage incidents, investigate phishing"
CLINICAL_FAMILIES = {"Clinical", "Nursing"}
FEEDERS = {"service-desk-technician-1", "service-desk-technician-2", "desktop-support-technician"}


@pytest.mark.parametrize(
    "role_id", ["soc-analyst-1", "data-analyst", "medical-coder", "ehr-trainer"]
)
def test_a_roles_own_description_finds_its_holders_and_family_first(
    service: Recommender, bundled: Catalog, role_id: str
) -> None:
    role = bundled.roles[role_id]
    family = {r.id for r in bundled.roles.values() if r.job_family == role.job_family}
    if role_id == "soc-analyst-1":
        family |= security_work(bundled)
    top = [m.current_role_id for m in service.similar_people(role.description, 3).matches]
    assert set(top) <= family, top
    assert role_id in top, top


def test_the_siem_query_puts_no_clinical_role_in_its_top_five(
    service: Recommender, bundled: Catalog
) -> None:
    clinical = {r.id for r in bundled.roles.values() if r.job_family in CLINICAL_FAMILIES}
    top = [m.current_role_id for m in service.similar_people(SIEM_TEXT, 5).matches]
    assert len(top) == 5 and not set(top) & clinical, top


def test_feeders_stay_findable_below_the_people_who_do_the_work(
    service: Recommender, bundled: Catalog
) -> None:
    soc = bundled.roles["soc-analyst-1"]
    roles = [m.current_role_id for m in service.similar_people(soc.description, 50).matches]
    feeders = [rank for rank, r in enumerate(roles) if r in FEEDERS]
    holders = [rank for rank, r in enumerate(roles) if r == "soc-analyst-1"]
    assert feeders, roles  # still in the answer
    assert holders and max(holders) < min(feeders), roles


def test_a_text_without_catalogue_skills_ranks_by_profile_and_role(
    service: Recommender,
) -> None:
    from recommender.candidates.people import SearchWeights

    found = service.similar_people("Keeps things running smoothly for everyone.", 5)
    assert found.skills == ()
    ws, wk, wr = SearchWeights().used(False)
    assert wk == 0.0 and ws + wr == pytest.approx(1.0)
    for m in found.matches:
        assert m.skill_match == 0.0 and m.shared_skills == ()
        assert m.score == pytest.approx(ws * m.similarity + wr * m.role_fit)
