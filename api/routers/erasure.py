"""``DELETE /v1/employees/{employee_id}``: an admin erases a person (204; 404 if unknown).

The database forgets them in one transaction (record, skills, certifications,
protected attributes, their keys, their shortlist entries; their id in the access
log becomes a tombstone, and the erasure is logged under that tombstone), their
profile vector leaves the embedding cache, the data version moves, and a Recommender
without them is swapped in (other workers follow the version; none of them answers
about the person meanwhile: every read is logged from the stored row first). See
:mod:`recommender.erasure`.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.auth import require
from api.deps import GateDep, NoStore
from api.state import CATALOGUE_WRITES, current_recommender, swap_recommender
from recommender.access import Action
from recommender.erasure import without_employee

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]


@router.delete(
    "/employees/{employee_id}",
    status_code=204,
    response_class=Response,
    dependencies=[require(Action.EMPLOYEES_ERASE), NoStore],
    responses={404: {"description": "No such person"}},
)
def erase(employee_id: EmployeeId, request: Request, gate: GateDep) -> None:
    """Erase a person everywhere reskill keeps them; the access log keeps a tombstone."""
    with CATALOGUE_WRITES:
        started = time.perf_counter()
        receipt = gate.erase(employee_id)
        service = current_recommender(request)
        # The served catalogue less this person is the erasure's version only if it was the
        # version just before; else keep the old label, so the watcher loads the database.
        follows = service.data_version == receipt.data_version - 1
        version = receipt.data_version if follows else service.data_version
        new = service.with_catalog(
            without_employee(service.catalog, employee_id), data_version=version
        )
        swap_recommender(request, new, started)
