"""Stored academy plans: saved once, read back exactly as saved, each read in the access log.

Like stored shortlists (:mod:`recommender.store.shortlists`): an ``academy_plans`` row
holds what was asked, by which key and role, when (UTC), and everything the plan said that
names no person; one ``academy_plan_entries`` row per person chosen holds the assignment
as rendered when saved. Reading never recomputes. Erasure removes a person's entries
(:func:`forget_employee`) inside its own transaction.

Admin and talent keys read every plan; no other key reads any (a recruiter sees no plan):
anything else is the same :class:`UnknownPlan` as an id that does not exist. Saving and
reading write one access-log row per person in the plan, in the same transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from recommender.access import Action, Principal, Role
from recommender.errors import InvalidInput, NotFound
from recommender.store.access import log_reads
from recommender.store.engine import write_transaction
from recommender.store.schema import academy_plan_entries, academy_plans

__all__ = [
    "UnknownPlan",
    "PlanEntry",
    "PlanContent",
    "StoredPlan",
    "create_plan",
    "read_plan",
    "forget_employee",
]


class UnknownPlan(NotFound):
    """No such plan, or not one the caller may see: the two are the same on purpose."""

    kind = "academy plan"

    def __str__(self) -> str:
        return "unknown academy plan"


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One person in a plan: position (from 1), employee id, the assignment as saved."""

    position: int
    employee_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PlanContent:
    """What a plan says: the request, the summary that names nobody, the entries."""

    request: Mapping[str, Any]
    summary: Mapping[str, Any]
    entries: tuple[PlanEntry, ...]

    @property
    def employee_ids(self) -> tuple[str, ...]:
        return tuple(e.employee_id for e in self.entries)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A saved plan: its random id, when and by which key it was made, its content."""

    id: str
    created_at: datetime
    created_by: str
    creator_role: Role
    content: PlanContent


def _check_json(content: PlanContent) -> None:
    try:
        json.dumps(
            [content.request, content.summary, *(e.payload for e in content.entries)],
            allow_nan=False,
        )
    except ValueError as error:
        raise InvalidInput(f"an academy plan cannot be stored: {error}") from None


def create_plan(
    engine: sa.Engine,
    principal: Principal,
    content: PlanContent,
    *,
    route: str,
    request_id: str,
) -> StoredPlan:
    """Store ``content`` and log one ``academy.write`` access per person, in one transaction;
    anyone erased since the plan was computed is neither logged nor kept."""
    _check_json(content)
    with write_transaction(engine) as conn:
        logged = log_reads(
            conn,
            principal,
            content.employee_ids,
            action=str(Action.ACADEMY_WRITE),
            route=route,
            request_id=request_id,
        )
        content = _only(content, logged)
        stored = StoredPlan(
            uuid.uuid4().hex, datetime.now(UTC), principal.key_id, principal.role, content
        )
        conn.execute(
            sa.insert(academy_plans).values(
                id=stored.id,
                created_at=stored.created_at,
                created_by=stored.created_by,
                creator_role=str(stored.creator_role),
                request=dict(content.request),
                summary=dict(content.summary),
            )
        )
        if content.entries:
            conn.execute(
                sa.insert(academy_plan_entries),
                [
                    {
                        "plan_id": stored.id,
                        "position": e.position,
                        "employee_id": e.employee_id,
                        "payload": dict(e.payload),
                    }
                    for e in content.entries
                ],
            )
    return stored


def read_plan(
    engine: sa.Engine, principal: Principal, plan_id: str, *, route: str, request_id: str
) -> StoredPlan:
    """``plan_id`` for ``principal``, logged as one ``academy.read`` per person in it.

    Raises
    ------
    UnknownPlan
        No such plan, or a caller who may not read plans; nothing is logged.
    """
    if not principal.may(Action.ACADEMY_READ):
        raise UnknownPlan(plan_id)
    with write_transaction(engine) as conn:
        stored = _load(conn, plan_id)
        logged = log_reads(
            conn,
            principal,
            stored.content.employee_ids,
            action=str(Action.ACADEMY_READ),
            route=route,
            request_id=request_id,
        )
    return replace(stored, content=_only(stored.content, logged))


def forget_employee(conn: sa.Connection, employee_id: str) -> int:
    """Remove ``employee_id`` from every stored plan, in ``conn``'s transaction; how many."""
    result = conn.execute(
        sa.delete(academy_plan_entries).where(academy_plan_entries.c.employee_id == employee_id)
    )
    return int(result.rowcount)


def _only(content: PlanContent, employee_ids: Sequence[str]) -> PlanContent:
    if len(employee_ids) == len(content.entries):
        return content
    kept = set(employee_ids)
    return replace(content, entries=tuple(e for e in content.entries if e.employee_id in kept))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _load(conn: sa.Connection, plan_id: str) -> StoredPlan:
    head = conn.execute(sa.select(academy_plans).where(academy_plans.c.id == plan_id)).first()
    if head is None:
        raise UnknownPlan(plan_id)
    entries = academy_plan_entries.c
    query = (
        sa.select(entries.position, entries.employee_id, entries.payload)
        .where(entries.plan_id == plan_id)
        .order_by(entries.position)
    )
    rows = tuple(PlanEntry(r.position, r.employee_id, r.payload) for r in conn.execute(query))
    h = head._mapping
    content = PlanContent(request=h["request"], summary=h["summary"], entries=rows)
    return StoredPlan(
        h["id"], _utc(h["created_at"]), h["created_by"], Role(h["creator_role"]), content
    )
