"""Nominations: a manager (their own department) or talent nominates a person for a target
role, or for the academy, with a short reason.

``POST /v1/employees/{id}/nominations`` nominates (admin, talent, manager);
``GET /v1/employees/{id}/nominations`` reads a person's nominations (the person themself,
their department's manager, talent, admin); ``GET /v1/nominations`` lists every nomination
the caller may see (a manager: their department's); ``DELETE /v1/nominations/{id}`` withdraws
one (talent and admin any; a manager only those its key made, in its department). Nominations
are personal data: each
route is one call through the gate, which logs everyone answered about; a manager asking
about someone outside their department gets the same 404 as for nobody.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import ConfigDict, Field

from api.auth import require
from api.deps import GateDep, NoStore
from api.schemas import RequestSchema, Schema
from recommender.access import Action
from recommender.gate import MAX_REASON, StoredNomination

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]
NominationId = Annotated[str, Path(min_length=1, max_length=200)]
Write = [require(Action.NOMINATIONS_WRITE), NoStore]
Read = [require(Action.NOMINATIONS_READ), NoStore]


class NominationIn(RequestSchema):
    """The body of a nomination; unknown fields are refused."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"role_id": "soc-analyst-1", "reason": "Runs our phishing triage."}]
        }
    )

    role_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="None: the academy."
    )
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class NominationOut(Schema):
    id: str
    employee_id: str
    role_id: str | None
    reason: str
    nominated_at: datetime
    nominated_by: str
    nominator_role: str

    @classmethod
    def from_domain(cls, n: StoredNomination) -> NominationOut:
        return cls.model_validate(n.to_dict())


class NominationsOut(Schema):
    nominations: list[NominationOut]


@router.post(
    "/employees/{employee_id}/nominations",
    response_model=NominationOut,
    status_code=201,
    dependencies=Write,
)
def post_nomination(
    employee_id: EmployeeId, body: NominationIn, response: Response, gate: GateDep
) -> NominationOut:
    """Nominate a person (a manager: only in their own department); stored and logged."""
    made = gate.nominate(employee_id, body.role_id, body.reason)
    response.headers["Location"] = f"/v1/employees/{employee_id}/nominations"
    return NominationOut.from_domain(made)


@router.get(
    "/employees/{employee_id}/nominations", response_model=NominationsOut, dependencies=Read
)
def get_nominations_of(employee_id: EmployeeId, gate: GateDep) -> NominationsOut:
    """A person's nominations, oldest first (an employee reads their own)."""
    found = gate.nominations_of(employee_id)
    return NominationsOut(nominations=[NominationOut.from_domain(n) for n in found])


@router.get("/nominations", response_model=NominationsOut, dependencies=Read)
def get_nominations(gate: GateDep) -> NominationsOut:
    """Every nomination the caller may see (a manager: their department's), oldest first."""
    found = gate.nominations()
    return NominationsOut(nominations=[NominationOut.from_domain(n) for n in found])


@router.delete(
    "/nominations/{nomination_id}",
    status_code=204,
    response_class=Response,
    dependencies=Write,
    responses={404: {"description": "No such nomination, or not one this key may withdraw"}},
)
def delete_nomination(nomination_id: NominationId, gate: GateDep) -> None:
    """Withdraw a nomination (a manager: one its key made, in its department); logged."""
    gate.withdraw_nomination(nomination_id)
