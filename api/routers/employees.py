"""A person's record. Every successful read is written to the access log first.

``talent`` and ``admin`` keys read anyone; an ``employee`` key reads only its
own record and gets the same 404 for anyone else as for an id that does not
exist; ``recruiter`` keys get a 403. Refused reads are not logged as reads.
The gate (:mod:`recommender.gate`) does all of it; the route is one call.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import TypeAdapter

from api.deps import NO_STORE_HEADERS, OneTripDep
from api.schemas import EmployeeOut
from recommender.access import Action
from recommender.gate import Gate

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]


_JSON = TypeAdapter(EmployeeOut)


def record_body(employee_id: str, gate: Gate) -> bytes:
    """The stored record as JSON (also what :mod:`api.quick_reads` answers), remembered
    within the answer budget: the record depends only on the served catalogue."""
    catalog = gate.service.catalog
    return gate.service.remembered(
        ("employee record", employee_id),
        lambda: _JSON.dump_json(EmployeeOut.from_domain(catalog.employee(employee_id))),
    )


@router.get("/employees/{employee_id}", response_model=EmployeeOut)
async def get_employee(employee_id: EmployeeId, trip: OneTripDep) -> Response:
    """A stored record, read through the gate with the fewest hand-overs
    (:class:`api.deps.OneTrip`); the body is pydantic's JSON of the declared
    :class:`EmployeeOut`, as FastAPI would send it."""

    body = await trip(
        Action.EMPLOYEES_READ, employee_id, partial(record_body, employee_id), quick=True
    )
    return Response(body, media_type="application/json", headers=NO_STORE_HEADERS)
