"""Gap analysis: current and required levels, readiness, and profiles."""

from __future__ import annotations

import pytest

from recommender.errors import InvalidInput, UnknownEmployee, UnknownRole
from recommender.pathways import (
    LearnerProfile,
    analyse_gaps,
    employee_profile,
    plan_training,
    role_profile,
)
from tests.pathways.security_org import security_catalog


def test_gap_analysis_lists_every_requirement_with_current_required_and_gap() -> None:
    catalog = security_catalog()
    analysis = analyse_gaps(catalog, employee_profile(catalog, "E1"), "analyst")
    by_skill = {g.skill_id: (g.current, g.required, g.importance, g.gap) for g in analysis.gaps}
    assert by_skill == {
        "ticketing": (3.0, 2.0, 0.2, 0.0),
        "networking": (1.0, 2.0, 0.6, 1.0),
        "security": (0.0, 3.0, 1.0, 3.0),
        "siem": (0.0, 3.0, 0.8, 3.0),
    }
    assert [g.skill_id for g in analysis.transferring] == ["ticketing"]


def test_readiness_is_the_importance_weighted_share_of_requirements_met() -> None:
    catalog = security_catalog()
    analysis = analyse_gaps(catalog, employee_profile(catalog, "E1"), "analyst")
    assert analysis.readiness == pytest.approx(0.2 / (0.2 + 0.6 + 1.0 + 0.8))
    assert analyse_gaps(catalog, role_profile(catalog, "analyst"), "analyst").readiness == 1.0


def test_held_certification_counts_as_the_levels_it_teaches() -> None:
    catalog = security_catalog()
    profile = employee_profile(catalog, "E2")
    assert profile.level_of("security") == 3.0
    assert "sec-plus" in profile.held_courses


def test_role_profile_takes_the_required_levels_as_held() -> None:
    profile = role_profile(security_catalog(), "analyst", weekly_hours=6)
    assert profile.level_of("siem") == 3.0 and profile.weekly_hours == 6
    assert profile.role_id == "analyst"


def test_unknown_ids_raise_the_domain_errors() -> None:
    catalog = security_catalog()
    with pytest.raises(UnknownEmployee, match="E404"):
        employee_profile(catalog, "E404")
    with pytest.raises(UnknownRole, match="nowhere"):
        plan_training(catalog, LearnerProfile(), "nowhere")


def test_weekly_hours_must_be_positive() -> None:
    with pytest.raises(InvalidInput, match="weekly learning hours"):
        LearnerProfile(weekly_hours=0)
