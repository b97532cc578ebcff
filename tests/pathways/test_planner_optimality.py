"""The planner against exhaustive search on small random catalogues (hypothesis).

The brute force shares no code with the planner: it walks every sequence of
courses that respects prerequisites, one valid step at a time, from the empty
plan. A set of courses is a valid plan exactly when some order of it is such a
sequence, and the learner's state after a sequence depends only on the set, so
each set is expanded once. Every subset with a valid order is therefore
visited, and its cost compared, under the same lexicographic objective.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from recommender.catalog import Catalog, Course, CourseKind, SkillLevel
from recommender.pathways import LearnerProfile, Objective, Planner, order_violation

SKILLS = ("a", "b", "c", "d")


_LEVELS = st.integers(1, 4)
_TEACHES = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 4), min_size=1, max_size=2)
_KINDS = st.sampled_from(list(CourseKind))


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Course], LearnerProfile, dict[str, float], Objective]:
    """Up to 8 courses over 4 skills with random skill and course prerequisites (cycles
    included). Prerequisites and targets are drawn mostly from what other courses teach,
    so that most instances need chains of courses rather than being trivially unclosable."""
    n = draw(st.integers(1, 8))
    ids = [f"c{i}" for i in range(n)]
    teaches = [draw(_TEACHES) for _ in ids]
    taught = sorted({(s, lv) for t in teaches for s, lv in t.items()})
    courses = []
    for i, cid in enumerate(ids):
        earlier = sorted({(s, lv) for t in teaches[:i] for s, lv in t.items()})
        needs = dict(draw(st.lists(st.sampled_from(earlier), max_size=2))) if earlier else {}
        if draw(st.integers(0, 3)) == 0:  # sometimes anything, cycles included
            needs |= draw(st.dictionaries(st.sampled_from(SKILLS), _LEVELS, max_size=1))
        after = draw(st.sampled_from([None, None, None, *ids[:i], *ids[i + 1 :]]))
        courses.append(
            Course(
                cid,
                cid,
                "t",
                draw(_KINDS),
                draw(st.integers(0, 40)),
                draw(st.integers(0, 20)) * 25,
                "online",
                tuple(SkillLevel(s, lv) for s, lv in teaches[i].items()),
                prerequisite_skills=tuple(SkillLevel(s, lv) for s, lv in needs.items()),
                prerequisite_courses=(after,) if after else (),
            )
        )
    levels = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(0, 2), max_size=2))
    held = draw(st.frozensets(st.sampled_from(ids), max_size=2))
    profile = LearnerProfile(levels, held_courses=held, weekly_hours=draw(st.integers(1, 10)))
    targets = dict(draw(st.lists(st.sampled_from(taught), min_size=1, max_size=3)))
    targets |= draw(st.dictionaries(st.sampled_from(SKILLS), _LEVELS, max_size=1))
    objective = draw(st.sampled_from(list(Objective)))
    return courses, profile, {s: float(v) for s, v in targets.items()}, objective


def _key(courses: Sequence[Course], weekly: float, objective: Objective) -> tuple[float, ...]:
    hours, cost = sum(c.hours for c in courses), sum(c.cost for c in courses)
    weeks = math.ceil(hours / weekly - 1e-9)
    return {
        Objective.HOURS: (hours, cost),
        Objective.COST: (cost, hours),
        Objective.WEEKS: (weeks, cost, hours),
    }[objective]


def _brute_force(
    courses: list[Course], profile: LearnerProfile, targets: dict[str, float], objective: Objective
) -> tuple[set[str], tuple[float, ...] | None]:
    """(unclosable target skills, best key over valid sets closing all the others)."""
    by_id = {c.id: c for c in courses}
    reached: dict[frozenset[str], dict[str, float]] = {}

    def walk(taken: frozenset[str], levels: dict[str, float]) -> None:
        if taken in reached:
            return
        reached[taken] = levels
        held = taken | profile.held_courses
        for c in courses:
            if c.id in held:
                continue
            if all(levels.get(p.skill_id, 0) >= p.level for p in c.prerequisite_skills) and all(
                q in held for q in c.prerequisite_courses
            ):
                after = dict(levels)
                for t in c.teaches:
                    after[t.skill_id] = max(after.get(t.skill_id, 0), t.level)
                walk(taken | {c.id}, after)

    walk(frozenset(), dict(profile.levels))

    def closed(levels: dict[str, float]) -> set[str]:
        return {s for s, lv in targets.items() if levels.get(s, 0) >= lv}

    closable = set().union(*(closed(lv) for lv in reached.values()))
    unclosable = set(targets) - closable
    keys = [
        _key([by_id[c] for c in taken], profile.weekly_hours, objective)
        for taken, levels in reached.items()
        if closable <= closed(levels)
    ]
    return unclosable, min(keys)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_plan_cost_equals_the_brute_force_optimum(
    instance: tuple[list[Course], LearnerProfile, dict[str, float], Objective],
) -> None:
    courses, profile, targets, objective = instance
    selection = Planner(Catalog.from_items(courses=courses)).select(profile, targets, objective)
    target(float(len(selection.order)), label="courses in the plan")
    unclosable, best = _brute_force(courses, profile, targets, objective)
    assert set(selection.unclosable) == unclosable
    chosen = [c for c in courses if c.id in selection.order]
    assert _key(chosen, profile.weekly_hours, objective) == best


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_plans_never_violate_prerequisites_or_replan_held_courses(
    instance: tuple[list[Course], LearnerProfile, dict[str, float], Objective],
) -> None:
    courses, profile, targets, objective = instance
    selection = Planner(Catalog.from_items(courses=courses)).select(profile, targets, objective)
    by_id = {c.id: c for c in courses}
    closable = {s: lv for s, lv in targets.items() if s not in selection.unclosable}
    ordered = [by_id[c] for c in selection.order]
    assert order_violation(ordered, profile, closable) is None
    assert not set(selection.order) & profile.held_courses
