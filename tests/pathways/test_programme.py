"""The course-choice integer programme, solved alone: objectives, ties and skill cycles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import pytest

from recommender.catalog import Course
from recommender.pathways import LearnerProfile, Objective
from recommender.pathways.programme import _Programme, solve, tie_limit
from tests.pathways.security_org import make_course


def _suppliers(courses: Sequence[Course]) -> Callable[[str, float], Iterable[Course]]:
    """Courses teaching a skill to a level without requiring it at that level first."""

    def supply(skill_id: str, level: float) -> list[Course]:
        return [
            c
            for c in courses
            if any(t.skill_id == skill_id and t.level >= level for t in c.teaches)
            and not any(p.skill_id == skill_id and p.level >= level for p in c.prerequisite_skills)
        ]

    return supply


def _solve(courses: Sequence[Course], targets: dict[str, float], objective: Objective) -> set[str]:
    learner = LearnerProfile(weekly_hours=4)
    chosen = solve(courses, _suppliers(courses), learner, targets, objective, True)
    return {c.id for c in chosen}


def test_each_objective_picks_its_own_cheapest_set() -> None:
    courses = [
        make_course("nine-hours", 9, 300, {"siem": 3}),
        make_course("twelve-hours", 12, 0, {"siem": 3}),
        make_course("four-hours", 4, 900, {"siem": 3}),
    ]
    assert _solve(courses, {"siem": 3.0}, Objective.HOURS) == {"four-hours"}
    assert _solve(courses, {"siem": 3.0}, Objective.COST) == {"twelve-hours"}
    # Nine and twelve hours both take three weeks at 4 h/week; four hours take one.
    assert _solve(courses, {"siem": 3.0}, Objective.WEEKS) == {"four-hours"}
    del courses[2]
    assert _solve(courses, {"siem": 3.0}, Objective.WEEKS) == {"twelve-hours"}


def test_courses_that_only_unlock_each_other_are_cut_for_an_outside_supplier() -> None:
    # x and y each need what the other teaches: the relaxation's 10 h pair has no valid
    # order, so the programme cuts it and takes z (30 h) to start the chain.
    courses = [
        make_course("x", 5, 0, {"siem": 3}, needs={"forensics": 2}),
        make_course("y", 5, 0, {"forensics": 2}, needs={"siem": 3}),
        make_course("z", 30, 0, {"forensics": 2}),
    ]
    assert _solve(courses, {"siem": 3.0}, Objective.HOURS) == {"x", "z"}


def test_a_tie_on_the_first_criterion_goes_to_the_cheaper_set_on_the_next() -> None:
    # 0.1 + 0.2 hours (0.30000000000000004) and 0.3 hours tie within the tolerance.
    courses = [
        make_course("a", 0.1, 0, {"security": 1}),
        make_course("b", 0.2, 0, {"siem": 1}, needs={"security": 1}),
        make_course("c", 0.3, 75, {"siem": 1}),
    ]
    assert 0.1 + 0.2 <= tie_limit(0.3)
    assert _solve(courses, {"siem": 1.0}, Objective.HOURS) == {"a", "b"}


def test_a_course_that_can_only_follow_another_never_supplies_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A residency: year two requires year one and teaches the anatomy year one requires.
    # Year two cannot come first, so only the graduate course (80 h) supplies year one;
    # the cheaper-looking pair (year two as year one's supplier) is never even tried.
    courses = [
        make_course("year-one", 1000, 0, {"radiology": 3}, needs={"anatomy": 4}),
        make_course("year-two", 1000, 0, {"radiology": 4, "anatomy": 5}, after=("year-one",)),
        make_course("graduate-anatomy", 80, 500, {"anatomy": 4}),
    ]
    solves = []
    minimise = _Programme.minimise

    def counted(self: _Programme, objective: Mapping[int, float]) -> tuple[object, float]:
        solves.append(objective)
        return minimise(self, objective)

    monkeypatch.setattr(_Programme, "minimise", counted)
    assert _solve(courses, {"radiology": 4.0}, Objective.HOURS) == {
        "graduate-anatomy",
        "year-one",
        "year-two",
    }
    assert len(solves) == 2  # hours, then cost: no cut, no solve again
