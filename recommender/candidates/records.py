"""A candidate as a plain record, and what each kind of caller may see of it.

A shortlist entry is stored as the record :func:`candidate_record` makes (JSON-ready:
everything the ranking says about the person), and every view of it is a projection of
that record: keys that may read candidates see the whole record (:data:`View.FULL`);
any other key that may read shortlists (recruiters) sees :data:`View.SHORTLIST`: the
shortlist fields only (:func:`project`), never department, location, profile, skill
levels or weekly learning hours. Projection is deny-by-default: a field or reason not
listed here stays hidden from recruiters.

Examples
--------
>>> record = {"rank": 1, "employee_id": "E1", "name": "Ada", "department": "IT",
...           "current_role_title": "Desk", "score": 0.5, "readiness": 0.4,
...           "hours_to_ready": 10.0, "weeks_to_ready": 3,
...           "matched": [{"skill_id": "s", "name": "S", "current": 3, "required": 3,
...                        "importance": 1.0}],
...           "missing": [], "reasons": ["Meets 1 of 2", "Learns 4 h a week"]}
>>> shown = project(record, View.SHORTLIST)
>>> "department" in shown, shown["matched"], shown["reasons"]
(False, [{'skill_id': 's', 'name': 'S'}], ['Meets 1 of 2'])
>>> project(record, View.FULL) is record
True
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from recommender.candidates.shortlist import Candidate
from recommender.catalog import Catalog
from recommender.pathways.explain import skill_name
from recommender.pathways.gaps import SkillGap

__all__ = ["View", "SHORTLIST_FIELDS", "SHORTLIST_REASONS", "candidate_record", "project"]


class View(StrEnum):
    """How much of a candidate a caller sees."""

    FULL = "full"
    SHORTLIST = "recruiter"


#: The fields of :data:`View.SHORTLIST`, in the order they are shown.
SHORTLIST_FIELDS: tuple[str, ...] = (
    "rank",
    "employee_id",
    "name",
    "current_role_title",
    "score",
    "readiness",
    "hours_to_ready",
    "weeks_to_ready",
    "matched",
    "missing",
    "reasons",
)

#: Reasons :data:`View.SHORTLIST` keeps, by their opening words; every other reason
#: (skill levels, weekly learning hours) is dropped.
SHORTLIST_REASONS: tuple[str, ...] = (
    "Meets ",
    "Ready now",
    "No course closes ",
    "Moves from ",
    "Profile-to-role similarity ",
    "Score ",
)


def _gap(catalog: Catalog, gap: SkillGap) -> dict[str, Any]:
    return {
        "skill_id": gap.skill_id,
        "name": skill_name(catalog, gap.skill_id),
        "current": gap.current,
        "required": gap.required,
        "importance": gap.importance,
    }


def candidate_record(catalog: Catalog, candidate: Candidate) -> dict[str, Any]:
    """Everything the ranking says about ``candidate``, JSON-ready (numbers rounded as shown)."""
    shown = candidate.to_dict()
    current = catalog.roles.get(candidate.current_role_id)
    return {
        "rank": candidate.rank,
        "employee_id": candidate.employee_id,
        "name": candidate.name,
        "current_role_id": candidate.current_role_id,
        "current_role_title": current.title if current else candidate.current_role_id,
        "department": candidate.department,
        "location": candidate.location,
        "score": shown["score"],
        "components": shown["components"],
        "contributions": shown["contributions"],
        "weights": shown["weights"],
        "readiness": shown["readiness"],
        "hours_to_ready": candidate.hours_to_ready,
        "hours_exact": candidate.hours_exact,
        "weeks_to_ready": candidate.weeks_to_ready,
        "weekly_learning_hours": candidate.weekly_hours,
        "viable_move": candidate.viable_move,
        "matched": [_gap(catalog, g) for g in candidate.matched],
        "missing": [_gap(catalog, g) for g in candidate.missing],
        "unclosable": [
            {"skill_id": s, "name": skill_name(catalog, s)} for s in candidate.unclosable
        ],
        "plan_course_ids": list(candidate.plan_course_ids),
        "reasons": list(candidate.reasons),
    }


def project(record: Mapping[str, Any], view: View) -> Mapping[str, Any]:
    """``record`` as ``view`` shows it: the record itself, or its shortlist fields only."""
    if view == View.FULL:
        return record
    shown = {name: record[name] for name in SHORTLIST_FIELDS if name in record}
    for name in ("matched", "missing"):
        shown[name] = [{"skill_id": g["skill_id"], "name": g["name"]} for g in record[name]]
    shown["reasons"] = [r for r in record["reasons"] if r.startswith(SHORTLIST_REASONS)]
    return shown
