"""A person contests what reskill knows about them: their skills and certifications.

``GET /v1/employees/{employee_id}/corrections`` shows the record as served (skills with
level and evidence, certifications) and the corrections stored for the person;
``PUT /v1/employees/{employee_id}/skills/{skill_id}`` confirms, removes or declares a level of
one skill (body ``{"action": "confirm" | "remove"}`` or ``{"level": 1-5}``);
``POST /v1/employees/{employee_id}/certifications`` records a catalogue course or
certification the person holds (body ``{"course_id": ...}``).
``DELETE /v1/employees/{employee_id}/corrections/skills/{skill_id}`` and
``.../corrections/certifications/{course_id}`` withdraw one: the record is again as imported
there.

As with goals, an ``employee`` key corrects only itself and gets the same 404 for anyone
else as for an id that does not exist; ``talent`` and ``admin`` keys correct anyone;
``recruiter``, ``manager`` and ``auditor`` keys get a 403. A correction is stored apart
from the imported record (an import keeps it; erasure deletes it), logged (action
``skills.write``) and moves the data version in one transaction; this worker then swaps in
the corrected record at once (as an erasure does), and other workers follow the version,
so the person's next opportunities and pathways, and talent's shortlists, are made from
the corrected record. A skill confirmed or declared is shown as self-declared. See
:mod:`recommender.corrections`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import ConfigDict, Field, model_validator

from api.auth import require
from api.deps import GateDep, NoStore
from api.schemas import EmployeeSkillOut, RequestSchema, Schema
from api.state import CATALOGUE_WRITES, current_recommender, swap_recommender
from recommender.access import Action
from recommender.corrections import Correction, with_employee
from recommender.gate import CorrectionsView

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]
SkillId = Annotated[str, Path(min_length=1, max_length=200)]
CourseId = Annotated[str, Path(min_length=1, max_length=200)]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such person (an employee key: not yourself)"}
}
INVALID: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such person (an employee key: not yourself), skill or course"},
    422: {"description": "A level outside 1-5, or confirm/remove of a skill not listed"},
}
WITHDRAWN: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such person (an employee key: not yourself), or no such correction"}
}


class SkillCorrectionIn(RequestSchema):
    """A correction of one skill: ``{"action": "confirm"}``, ``{"action": "remove"}``, or
    a level declared (``{"level": 3}``, action ``level`` implied)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"action": "confirm"}, {"level": 3}, {"action": "remove"}]}
    )

    action: Literal["confirm", "remove", "level"] | None = None
    level: int | None = Field(default=None, ge=1, le=5)

    @model_validator(mode="after")
    def _something(self) -> SkillCorrectionIn:
        if self.action is None and self.level is None:
            raise ValueError("give an action (confirm, remove) or a level")
        return self

    @property
    def what(self) -> str:
        return self.action if self.action is not None else "level"


class CertificationIn(RequestSchema):
    """A catalogue course or certification the person holds."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"course_id": "comptia-secplus"}]})

    course_id: str = Field(min_length=1, max_length=200)


class CorrectionOut(Schema):
    """One stored correction: what was done to which skill or course, and when."""

    action: str
    kind: str
    item_id: str
    level: int | None
    set_at: datetime | None

    @classmethod
    def from_domain(cls, c: Correction) -> CorrectionOut:
        return cls(
            action=str(c.action), kind=c.kind, item_id=c.item_id, level=c.level, set_at=c.set_at
        )


class CorrectionsOut(Schema):
    """The person's skills and certifications as their answers now use them (corrections
    applied; evidence ``declared`` is self-declared), and their corrections, oldest first."""

    employee_id: str
    skills: list[EmployeeSkillOut]
    certifications: list[str]
    corrections: list[CorrectionOut]

    @classmethod
    def from_domain(cls, view: CorrectionsView) -> CorrectionsOut:
        person = view.employee
        return cls(
            employee_id=person.id,
            skills=[EmployeeSkillOut.from_domain(s) for s in person.skills],
            certifications=list(person.certifications),
            corrections=[CorrectionOut.from_domain(c) for c in view.corrections],
        )


Write = [require(Action.SKILLS_WRITE), NoStore]


@router.get(
    "/employees/{employee_id}/corrections",
    response_model=CorrectionsOut,
    dependencies=[require(Action.EMPLOYEES_READ), NoStore],
    responses=NOT_FOUND,
)
def get_corrections(employee_id: EmployeeId, gate: GateDep) -> CorrectionsOut:
    """The person's skills and certifications as used, and the corrections they made."""
    return CorrectionsOut.from_domain(gate.corrections(employee_id))


@router.put(
    "/employees/{employee_id}/skills/{skill_id}",
    response_model=CorrectionsOut,
    dependencies=Write,
    responses=INVALID,
)
def put_skill(
    employee_id: EmployeeId,
    skill_id: SkillId,
    body: SkillCorrectionIn,
    request: Request,
    gate: GateDep,
) -> CorrectionsOut:
    """Confirm, remove or declare a level of one of the person's skills; their next
    answers follow it. Stored and logged (``skills.write``)."""
    view = corrected_now(
        request,
        lambda: gate.correct_skill(employee_id, skill_id, action=body.what, level=body.level),
    )
    return CorrectionsOut.from_domain(view)


@router.post(
    "/employees/{employee_id}/certifications",
    response_model=CorrectionsOut,
    dependencies=Write,
    responses=INVALID,
)
def post_certification(
    employee_id: EmployeeId, body: CertificationIn, request: Request, gate: GateDep
) -> CorrectionsOut:
    """Record a catalogue course or certification the person holds: plans skip it and
    what it teaches counts. Stored and logged (``skills.write``)."""
    view = corrected_now(request, lambda: gate.add_certification(employee_id, body.course_id))
    return CorrectionsOut.from_domain(view)


@router.delete(
    "/employees/{employee_id}/corrections/skills/{skill_id}",
    response_model=CorrectionsOut,
    dependencies=Write,
    responses=WITHDRAWN,
)
def delete_skill_correction(
    employee_id: EmployeeId, skill_id: SkillId, request: Request, gate: GateDep
) -> CorrectionsOut:
    """Withdraw the person's correction of one skill: the skill is again as imported (or
    absent, if the correction added it). Logged (``skills.write``)."""
    view = corrected_now(request, lambda: gate.withdraw_correction(employee_id, "skill", skill_id))
    return CorrectionsOut.from_domain(view)


@router.delete(
    "/employees/{employee_id}/corrections/certifications/{course_id}",
    response_model=CorrectionsOut,
    dependencies=Write,
    responses=WITHDRAWN,
)
def delete_certification_correction(
    employee_id: EmployeeId, course_id: CourseId, request: Request, gate: GateDep
) -> CorrectionsOut:
    """Withdraw a certification the person recorded (an imported one stays). Logged
    (``skills.write``)."""
    view = corrected_now(
        request, lambda: gate.withdraw_correction(employee_id, "certification", course_id)
    )
    return CorrectionsOut.from_domain(view)


def corrected_now(request: Request, change: Callable[[], CorrectionsView]) -> CorrectionsView:
    """Make the ``change`` to a person's record (a gate call: stored, logged, the data version
    moved) and serve the corrected record in this worker at once (:func:`swap_corrected`),
    one catalogue write at a time."""
    with CATALOGUE_WRITES:
        started = time.perf_counter()
        view = change()
        swap_corrected(request, view, started)
    return view


def swap_corrected(request: Request, view: CorrectionsView, started: float) -> None:
    """Serve the corrected record at once in this worker (hold ``CATALOGUE_WRITES``).

    The served catalogue with this record replaced is the correction's version only if it
    was the version just before; else the old label stays, so the watcher loads the
    database (as after an erasure)."""
    service = current_recommender(request)
    if view.employee.id not in service.catalog.employees or view.data_version is None:
        return
    follows = service.data_version == view.data_version - 1
    version = view.data_version if follows else service.data_version
    new = service.with_catalog(with_employee(service.catalog, view.employee), data_version=version)
    swap_recommender(request, new, started)
