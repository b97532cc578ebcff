"""Audit views for admins: who read which person's data, and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import require
from api.deps import GateDep, NoStore
from api.schemas import AccessEntryOut, AccessLogOut
from recommender.access import Action

router = APIRouter(prefix="/v1/audit")

MAX_LIMIT = 100


@router.get(
    "/access-log",
    response_model=AccessLogOut,
    dependencies=[require(Action.AUDIT_READ), NoStore],
)
def get_access_log(
    gate: GateDep,
    employee_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AccessLogOut:
    """The newest ``limit`` reads of personal data (of one person with ``employee_id``)."""
    rows = gate.access_log(employee_id, limit)
    return AccessLogOut(items=[AccessEntryOut.from_domain(r) for r in rows], limit=limit)
