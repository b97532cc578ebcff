"""A person's corrections to their own record: skills confirmed, removed or declared at a
level, and certifications they hold.

An employee contests what reskill knows about them (``PUT /v1/employees/{id}/skills/{skill}``,
``POST /v1/employees/{id}/certifications``); talent and admins may correct anyone, as with
goals (:mod:`recommender.candidates.goals`). A correction is stored apart from the imported
record (``employee_corrections``), so an import that rewrites the person's skills keeps it;
the catalogue is loaded with every stored correction applied (:func:`corrected`), and a
correction moves the data version, so every worker, every shortlist and every prepared
page follows it. The latest correction of one skill replaces the earlier one.

* **confirm**: the person holds the skill at the level shown; its evidence becomes at least
  *declared* (an inferred skill is then shown as self-declared); the level confirmed is
  stored with it, so a later import that changes the level keeps the confirmed one;
* **level**: the person declares a level (1-5); the skill is added if it was not listed,
  and its evidence is *declared*;
* **remove**: the person does not hold the skill; it is dropped;
* **hold**: the person holds a catalogue course or certification; it counts as taken (what
  it teaches raises their levels, and plans skip it), like an imported certification.

Examples
--------
>>> from recommender.catalog import Employee, EmployeeSkill, Evidence
>>> ada = Employee("E1", "Ada", "r", "IT", "Main", 1.0,
...                (EmployeeSkill("sql", 2, Evidence.INFERRED),
...                 EmployeeSkill("cpr", 3, Evidence.INFERRED)))
>>> fixed = corrected(ada, [Correction(CorrectionAction.LEVEL, "sql", 4),
...                         Correction(CorrectionAction.REMOVE, "cpr"),
...                         Correction(CorrectionAction.HOLD, "ccna")])
>>> fixed.skills, fixed.certifications
((EmployeeSkill(skill_id='sql', level=4, evidence=<Evidence.DECLARED: 'declared'>),), ('ccna',))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from recommender.catalog import (
    MAX_LEVEL,
    MIN_LEVEL,
    Catalog,
    Employee,
    EmployeeSkill,
    Evidence,
)
from recommender.errors import InvalidInput

__all__ = [
    "CorrectionAction",
    "Correction",
    "SKILL_ACTIONS",
    "checked_skill_correction",
    "checked_certification",
    "corrected",
    "with_employee",
]


class CorrectionAction(StrEnum):
    """What a correction does (module docstring)."""

    CONFIRM = "confirm"
    REMOVE = "remove"
    LEVEL = "level"
    HOLD = "hold"


#: The actions on a skill (``hold`` is a certification's).
SKILL_ACTIONS = frozenset(
    {CorrectionAction.CONFIRM, CorrectionAction.REMOVE, CorrectionAction.LEVEL}
)

_EVIDENCE_ORDER = {e: i for i, e in enumerate(Evidence)}


@dataclass(frozen=True, slots=True)
class Correction:
    """One correction: the action, the skill (or course, for ``hold``) it is about, the
    level (``confirm`` and ``level``), and when and by which key it was made."""

    action: CorrectionAction
    item_id: str
    level: int | None = None
    set_at: datetime | None = None
    set_by: str = ""

    @property
    def kind(self) -> str:
        """``"certification"`` for ``hold``, else ``"skill"``."""
        return "certification" if self.action == CorrectionAction.HOLD else "skill"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": str(self.action),
            "kind": self.kind,
            "item_id": self.item_id,
            "level": self.level,
            "set_at": self.set_at.isoformat() if self.set_at is not None else None,
            "set_by": self.set_by,
        }


def checked_skill_correction(
    catalog: Catalog, person: Employee, skill_id: str, action: str, level: int | None
) -> Correction:
    """A correction someone makes to ``person``'s ``skill_id``, checked.

    Raises
    ------
    UnknownSkill
        A skill the catalogue does not have.
    InvalidInput
        An unknown action; a level outside 1-5, missing for ``level`` or given with
        ``remove``; ``confirm`` or ``remove`` of a skill the person is not listed with.
    """
    skill = catalog.skill(skill_id)
    try:
        what = CorrectionAction(action)
    except ValueError:
        raise InvalidInput("action must be confirm, remove or level") from None
    if what not in SKILL_ACTIONS:
        raise InvalidInput("action must be confirm, remove or level")
    listed = next((s for s in person.skills if s.skill_id == skill.id), None)
    if what == CorrectionAction.LEVEL:
        if level is None or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise InvalidInput(
                f"a declared level is a whole number from {MIN_LEVEL} to {MAX_LEVEL}"
            )
        return Correction(what, skill.id, level)
    if level is not None:
        raise InvalidInput("give a level only to declare one (action 'level')")
    if listed is None:
        raise InvalidInput(f"skill {skill.id!r} is not listed for this person: declare a level")
    return Correction(what, skill.id, listed.level if what == CorrectionAction.CONFIRM else None)


def checked_certification(catalog: Catalog, course_id: str) -> Correction:
    """A course or certification of the catalogue someone holds.

    Raises
    ------
    UnknownCourse
    """
    return Correction(CorrectionAction.HOLD, catalog.course(course_id).id)


def corrected(person: Employee, corrections: Iterable[Correction]) -> Employee:
    """``person`` with ``corrections`` applied in order (module docstring)."""
    skills = {s.skill_id: s for s in person.skills}
    held = list(person.certifications)
    for c in corrections:
        if c.action == CorrectionAction.HOLD:
            if c.item_id not in held:
                held.append(c.item_id)
        elif c.action == CorrectionAction.REMOVE:
            skills.pop(c.item_id, None)
        elif c.action == CorrectionAction.LEVEL:
            skills[c.item_id] = EmployeeSkill(
                c.item_id, int(c.level or MIN_LEVEL), Evidence.DECLARED
            )
        elif c.item_id in skills:  # confirm: at the level confirmed, at least declared
            was = skills[c.item_id]
            evidence = max(was.evidence, Evidence.DECLARED, key=_EVIDENCE_ORDER.__getitem__)
            level = was.level if c.level is None else c.level
            skills[c.item_id] = EmployeeSkill(c.item_id, level, evidence)
    return replace(person, skills=tuple(skills.values()), certifications=tuple(held))


def with_employee(catalog: Catalog, person: Employee) -> Catalog:
    """``catalog`` with ``person``'s record replaced (they must be in it).

    Examples
    --------
    >>> c = Catalog.from_items(employees=[Employee("E1", "A", "r", "IT", "Main", 1.0, ())])
    >>> with_employee(c, replace(c.employee("E1"), name="B")).employee("E1").name
    'B'
    """
    catalog.employee(person.id)
    people = dict(catalog.employees)
    people[person.id] = person
    return replace(catalog, employees=MappingProxyType(people))
