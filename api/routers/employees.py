"""A person's record. Every successful read is written to the access log first.

``talent`` and ``admin`` keys read anyone; an ``employee`` key reads only its
own record and gets the same 404 for anyone else as for an id that does not
exist; ``recruiter`` keys get a 403. Refused reads are not logged as reads.
The gate (:mod:`recommender.gate`) does all of it; the route is one call.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import require
from api.deps import GateDep, NoStore
from api.schemas import EmployeeOut
from recommender.access import Action

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get(
    "/employees/{employee_id}",
    response_model=EmployeeOut,
    dependencies=[require(Action.EMPLOYEES_READ), NoStore],
)
async def get_employee(employee_id: EmployeeId, gate: GateDep) -> EmployeeOut:
    """``async``: the record is in memory and the access-log commit is awaited (grouped with
    other requests' on a writer thread), so the event loop never waits on the database."""
    return EmployeeOut.from_domain(await gate.employee_async(employee_id))
