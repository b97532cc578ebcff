"""Prerequisites: why an order of courses is invalid, and what a set of courses reaches."""

from __future__ import annotations

from recommender.pathways import LearnerProfile, order_violation
from recommender.pathways.prerequisites import closure
from tests.pathways.security_org import make_course

INTRO = make_course("intro", 5, 0, {"security": 2})
NEXT = make_course("next", 5, 0, {"siem": 2}, needs={"security": 2}, after=("intro",))


def test_a_valid_order_has_no_violation() -> None:
    assert order_violation([INTRO, NEXT], LearnerProfile(), {"siem": 2.0}) is None


def test_a_course_before_its_prerequisite_skill_names_the_step_and_the_levels() -> None:
    learner = LearnerProfile({"security": 1}, held_courses=frozenset({"intro"}))
    assert (
        order_violation([NEXT], learner) == "step 1: course 'next' needs security at level 2, has 1"
    )


def test_a_course_before_its_prerequisite_course_names_that_course() -> None:
    learner = LearnerProfile({"security": 2})
    assert order_violation([NEXT], learner) == "step 1: course 'next' needs course 'intro' first"


def test_replanning_a_held_course_or_falling_short_of_a_target_is_a_violation() -> None:
    held = LearnerProfile(held_courses=frozenset({"intro"}))
    assert order_violation([INTRO], held) == "step 1: course 'intro' is already held"
    assert order_violation([INTRO], LearnerProfile(), {"security": 3.0}) == (
        "skill 'security' ends at 2, needs 3"
    )


def test_closure_takes_what_becomes_ready_and_leaves_a_cycle_without_a_way_in() -> None:
    x = make_course("x", 5, 0, {"siem": 3}, needs={"forensics": 2})
    y = make_course("y", 5, 0, {"forensics": 2}, needs={"siem": 3})
    z = make_course("z", 30, 0, {"forensics": 2})
    assert closure([x, y], LearnerProfile()) == (set(), {})
    taken, levels = closure([x, y, z], LearnerProfile())
    assert taken == {"x", "y", "z"} and levels == {"siem": 3.0, "forensics": 2.0}
