"""Free-text matching: roles ranked by embedding similarity and weighted skill overlap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from recommender.catalog import Catalog, Requirement, Role, Skill, SkillCategory
from recommender.cli import app
from recommender.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    HashingEncoder,
    SentenceTransformerEncoder,
)
from recommender.errors import InvalidInput
from recommender.matching import RoleIndex, match_text
from recommender.skills_extraction import SkillExtractor

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "profiles" / "profiles.json"


def tiny_catalog() -> Catalog:
    skills = [
        Skill("siem", "SIEM operations", SkillCategory.SECURITY, aliases=("Splunk",)),
        Skill("sql", "SQL", SkillCategory.DATA_AI),
        Skill("tableau", "Tableau", SkillCategory.DATA_AI),
    ]
    roles = [
        Role("soc", "SOC analyst", "Watches security alerts.", "15-1212.00", "Security", 4,
             (Requirement("siem", 3, 1.0), Requirement("sql", 2, 0.25))),
        Role("bi", "BI developer", "Builds dashboards.", "15-2051.00", "Data", 4,
             (Requirement("sql", 3, 1.0), Requirement("tableau", 3, 1.0))),
    ]  # fmt: skip
    return Catalog.from_items(skills=skills, roles=roles)


def test_score_weighs_similarity_and_the_harmonic_mean_of_overlap_and_coverage() -> None:
    catalog, encoder = tiny_catalog(), HashingEncoder(64)
    extractor = SkillExtractor().fit(catalog)
    result = match_text("SQL and Splunk every day.", catalog, encoder, extractor, top=2)
    by_id = {r.role_id: r for r in result.roles}
    soc = by_id["soc"]
    confidence = {s.skill_id: s.confidence for s in result.skills}
    assert soc.skill_overlap == pytest.approx(
        (confidence["siem"] + 0.25 * confidence["sql"]) / 1.25
    )
    assert soc.skill_coverage == pytest.approx(1.0)  # the role requires both skills
    assert soc.matched_skills == ("siem", "sql")
    bi = by_id["bi"]
    assert bi.skill_overlap == pytest.approx(confidence["sql"] / 2)
    assert bi.skill_coverage == pytest.approx(confidence["sql"] / sum(confidence.values()))
    for role in result.roles:
        fit = (
            2
            * role.skill_overlap
            * role.skill_coverage
            / (role.skill_overlap + role.skill_coverage)
        )
        assert role.skill_fit == pytest.approx(fit)
        assert role.score == pytest.approx(0.6 * role.embedding_similarity + 0.4 * fit)
    assert [r.role_id for r in result.roles] == ["soc", "bi"]


def test_a_text_without_skills_is_matched_by_its_embedding_alone() -> None:
    catalog, encoder = tiny_catalog(), HashingEncoder(64)
    result = match_text("Watches security alerts.", catalog, encoder, SkillExtractor().fit(catalog))
    assert result.skills == ()
    for role in result.roles:
        assert role.score == pytest.approx(role.embedding_similarity)


def test_a_role_that_requires_none_of_the_texts_skills_scores_no_skill_fit() -> None:
    catalog, encoder = tiny_catalog(), HashingEncoder(64)
    result = match_text("Splunk all day.", catalog, encoder, SkillExtractor().fit(catalog), top=2)
    bi = next(r for r in result.roles if r.role_id == "bi")
    assert bi.skill_coverage == 0.0 and bi.skill_fit == 0.0
    assert bi.score == pytest.approx(0.6 * bi.embedding_similarity)


def test_a_prepared_index_is_reused_and_top_limits_the_roles(tmp_path: Path) -> None:
    catalog, encoder = tiny_catalog(), CachedEncoder(HashingEncoder(64), EmbeddingCache(tmp_path))
    index = RoleIndex(encoder).fit(catalog)
    misses = encoder.misses
    extractor = SkillExtractor().fit(catalog)
    result = match_text("Tableau dashboards.", catalog, encoder, extractor, top=1, index=index)
    assert [r.role_id for r in result.roles] == ["bi"]
    assert encoder.misses == misses + 1  # only the query text was encoded


def test_skills_in_the_result_are_inferred_skills() -> None:
    catalog = tiny_catalog()
    result = match_text(
        "No SQL. Splunk.", catalog, HashingEncoder(64), SkillExtractor().fit(catalog)
    )
    assert [s.skill_id for s in result.skills] == ["siem"]
    assert result.to_dict()["skills"][0]["evidence"] == "inferred"


@pytest.mark.parametrize("text", ["", "  \n "])
def test_blank_text_is_rejected(text: str) -> None:
    catalog = tiny_catalog()
    with pytest.raises(InvalidInput, match="empty"):
        match_text(text, catalog, HashingEncoder(64), SkillExtractor().fit(catalog))


def test_bad_arguments_are_rejected() -> None:
    catalog = tiny_catalog()
    with pytest.raises(InvalidInput, match="not fitted"):
        RoleIndex(HashingEncoder(64)).rank("SQL", [])
    with pytest.raises(InvalidInput, match="top must be at least 1"):
        RoleIndex(HashingEncoder(64)).fit(catalog).rank("SQL", [], top=0)
    with pytest.raises(InvalidInput, match="embedding_weight"):
        RoleIndex(HashingEncoder(64), embedding_weight=1.5).fit(catalog)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    from recommender.ingest.tables import read_org_tables

    return read_org_tables(DATA).catalog


@pytest.mark.slow
def test_fixture_texts_rank_a_fitting_role_in_the_top_three(
    bundled: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    encoder = CachedEncoder(
        SentenceTransformerEncoder(), EmbeddingCache(tmp_path_factory.mktemp("e"))
    )
    extractor, index = SkillExtractor(encoder).fit(bundled), RoleIndex(encoder).fit(bundled)
    items: list[dict[str, Any]] = [i for i in json.loads(FIXTURES.read_text()) if i.get("roles")]
    hits = 0
    for item in items:
        result = match_text(item["text"], bundled, encoder, extractor, top=3, index=index)
        hits += any(r.role_id in item["roles"] for r in result.roles)
    assert hits / len(items) >= 0.9  # measured 34 of 34


@pytest.mark.slow
def test_cli_match_prints_roles_and_inferred_skills_as_json(tmp_path: Path) -> None:
    text = "Registered nurse: patient assessment, medication administration, charting in Epic."
    args = ["match", "--text", text, "--top", "3", "--json", "--cache-dir", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--data", str(DATA)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout[result.stdout.index("{") :])
    assert len(body["roles"]) == 3
    assert body["roles"][0]["role_id"] in {"registered-nurse", "licensed-practical-nurse"}
    assert set(body["roles"][0]["components"]) == {
        "embedding_similarity",
        "skill_overlap",
        "skill_coverage",
    }
    assert {"registered-nursing-practice", "patient-assessment", "ehr-use"} <= {
        s["skill_id"] for s in body["skills"]
    }


def test_cli_match_rejects_blank_text() -> None:
    result = CliRunner().invoke(app, ["match", "--text", "   ", "--no-cache"])
    assert result.exit_code == 2
    assert "empty" in result.output
