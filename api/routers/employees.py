"""A person's record. Every successful read is written to the access log first.

``talent`` and ``admin`` keys read anyone; an ``employee`` key reads only its
own record and gets the same 404 for anyone else as for an id that does not
exist; ``recruiter`` keys get a 403. Refused reads are not logged as reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.auth import request_id, require
from api.deps import EngineDep, NoStore, RecommenderDep, route_of
from api.schemas import EmployeeOut
from recommender.access import Action, Principal
from recommender.audit import read_employee

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]
EmployeeReader = Annotated[Principal, require(Action.EMPLOYEES_READ)]


@router.get("/employees/{employee_id}", response_model=EmployeeOut, dependencies=[NoStore])
async def get_employee(
    employee_id: EmployeeId,
    request: Request,
    principal: EmployeeReader,
    service: RecommenderDep,
    engine: EngineDep,
) -> EmployeeOut:
    employee = read_employee(
        engine,
        service.catalog,
        principal,
        employee_id,
        route=route_of(request),
        request_id=request_id(request),
    )
    return EmployeeOut.from_domain(employee)
