"""Plain-language reasons for plans and their steps."""

from __future__ import annotations

from recommender.pathways import (
    employee_profile,
    plan_training,
)
from tests.pathways.security_org import MONDAY, security_catalog


def test_plan_explains_transfers_missing_skills_and_why_each_course() -> None:
    catalog = security_catalog()
    plan = plan_training(catalog, employee_profile(catalog, "E1"), "analyst", start=MONDAY)
    text = " ".join(plan.reasons)
    assert "Transfers: Ticketing (has 3, needs 2)" in text
    assert "Missing:" in text and "SIEM (has 0, needs 3)" in text
    assert "70 hours" in text and "2025-04-14" in text
    steps = {s.course_id: " ".join(s.reasons) for s in plan.steps}
    assert "Unlocks Sec Plus" in steps["net-basics"]
    assert "Closes Security fundamentals (to level 3)" in steps["sec-plus"]
    assert "Unlocks Siem Course" in steps["sec-plus"]
    assert "Closes SIEM" in steps["siem-course"]
