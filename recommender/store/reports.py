"""Published aggregate reports, whom each selected, and the differencing guard.

Every impact-ratio report given out is stored (``published_reports``: the question, its
scope, the key that asked, when) with the people it counted as selected
(``published_report_members``), in the same write transaction as its access-log row
(action ``impact.read``, no employee id, the question as JSON in ``detail``).

The **differencing guard**: before a report is stored, its selected set is compared with
the selected set of every report stored before, in one SQL query (whatever their scope).
If any differs from it by 1 to ``min_difference - 1`` people on either side (new minus
old, or old minus new), the report is refused: the category counts of the two reports
would differ by those few people only. Equal sets are fine (nothing new is revealed). The
decision depends only on *who* is selected, never on anyone's protected attributes, so a
refusal reveals none.

Writers are serialised (SQLite: the write transaction holds the database's write lock;
PostgreSQL: ``published_reports`` is locked in SHARE ROW EXCLUSIVE mode, which only
writers of published reports wait for), so two reports asked at once are each checked
against the other.

Erasure must remove the person from the member rows: :func:`forget_report_member`,
inside the erasure's transaction, replaces their id with an unlinkable marker, so the
sets keep their sizes and the question answered before the erasure cannot be answered
again without them (the difference would be their categories). What an old, already
published report said about its counts cannot be taken back.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa

from recommender.access import Action, Principal
from recommender.errors import ReportRefused
from recommender.store.access import access_log
from recommender.store.engine import write_transaction
from recommender.store.schema import published_report_members, published_reports

__all__ = [
    "DIFFERENCING_REFUSAL",
    "check_report",
    "publish_report",
    "forget_report_member",
    "published_count",
]

#: What a refused report is told: no person, no count, no attribute.
DIFFERENCING_REFUSAL = (
    "this report is refused: the people it selects differ from those of a report already "
    "published by too few people, so the difference of the two could single someone out. "
    "Ask another question (another selection size, scope or role)."
)

_MEMBERS = published_report_members
_REPORTS = published_reports


def check_report(engine: sa.Engine, members: Collection[str], min_difference: int) -> None:
    """Refuse now a report :func:`publish_report` would refuse; nothing is stored.

    Raises
    ------
    ReportRefused
        Its selected set differs from a published one by 1 to ``min_difference - 1``
        people on either side.
    """
    with write_transaction(engine) as conn:
        _lock(conn)
        trial = conn.begin_nested()
        try:
            report_id = _insert(conn, "check", "check", {}, members)
            clash = _too_close(conn, report_id, len(set(members)), min_difference)
        finally:
            trial.rollback()
    if clash:
        raise ReportRefused(DIFFERENCING_REFUSAL)


def publish_report(
    engine: sa.Engine,
    principal: Principal,
    *,
    question: Mapping[str, object],
    scope: str,
    members: Collection[str],
    min_difference: int,
    route: str,
    request_id: str,
) -> str:
    """Store a report and whom it selected, and log it, in one write transaction.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    principal : Principal
        Who asked; their key id is stored with the report and in the access log.
    question : mapping
        What was asked (role, mode, limit, scope): JSON-safe, never a person.
    scope : str
        The scope's label (``"organisation"``, ``"department: ..."``, ``"location: ..."``).
    members : collection of str
        The employee ids the report counted as selected.
    min_difference : int
        See the module docstring.
    route, request_id : str
        For the access-log row.

    Returns
    -------
    str
        The new report's id.

    Raises
    ------
    ReportRefused
        The differencing guard refused it; nothing was stored or logged.
    """
    with write_transaction(engine) as conn:
        _lock(conn)
        report_id = _insert(conn, principal.key_id, scope, question, members)
        if _too_close(conn, report_id, len(set(members)), min_difference):
            raise ReportRefused(DIFFERENCING_REFUSAL)
        conn.execute(
            sa.insert(access_log).values(
                at=datetime.now(UTC),
                key_id=principal.key_id,
                role=str(principal.role),
                action=str(Action.IMPACT_READ),
                route=route,
                employee_id=None,
                request_id=request_id,
                detail=json.dumps(dict(question), sort_keys=True),
            )
        )
    return report_id


def forget_report_member(conn: sa.Connection, employee_id: str) -> int:
    """Remove ``employee_id`` from every published report's selected set, in ``conn``'s
    transaction (erasure's); returns how many reports named them.

    Each row naming them gets a random marker instead (a different one in each report,
    so nothing links them): the person is no longer named, but every selected set keeps
    its size. Deleting the rows would let the same question be answered again over the
    data without the person, and the old report minus the new one would then be that one
    person's categories.
    """
    named = (
        conn.execute(sa.select(_MEMBERS.c.report_id).where(_MEMBERS.c.employee_id == employee_id))
        .scalars()
        .all()
    )
    for report_id in named:
        conn.execute(
            sa.update(_MEMBERS)
            .where(_MEMBERS.c.report_id == report_id, _MEMBERS.c.employee_id == employee_id)
            .values(employee_id=f"erased-{secrets.token_hex(8)}")
        )
    return len(named)


def published_count(engine: sa.Engine) -> int:
    """How many reports have been published."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(_REPORTS)).scalar_one())


def _lock(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE published_reports IN SHARE ROW EXCLUSIVE MODE"))


def _insert(
    conn: sa.Connection,
    key_id: str,
    scope: str,
    question: Mapping[str, object],
    members: Collection[str],
) -> str:
    report_id = uuid.uuid4().hex
    conn.execute(
        sa.insert(_REPORTS).values(
            id=report_id, at=datetime.now(UTC), key_id=key_id, scope=scope, question=dict(question)
        )
    )
    rows = [{"report_id": report_id, "employee_id": e} for e in sorted(set(members))]
    if rows:
        conn.execute(sa.insert(_MEMBERS), rows)
    return report_id


def _too_close(conn: sa.Connection, report_id: str, size: int, min_difference: int) -> bool:
    """Whether any other stored report's selected set differs from ``report_id``'s by 1 to
    ``min_difference - 1`` people on either side: one query over every stored report."""
    if min_difference <= 1:
        return False
    new = sa.select(_MEMBERS.c.employee_id).where(_MEMBERS.c.report_id == report_id).subquery()
    old_size = sa.func.count(_MEMBERS.c.employee_id)
    common = sa.func.count(new.c.employee_id)
    query = (
        sa.select(_REPORTS.c.id)
        .select_from(
            _REPORTS.outerjoin(_MEMBERS, _MEMBERS.c.report_id == _REPORTS.c.id).outerjoin(
                new, new.c.employee_id == _MEMBERS.c.employee_id
            )
        )
        .where(_REPORTS.c.id != report_id)
        .group_by(_REPORTS.c.id)
        .having(
            sa.or_(
                (old_size - common).between(1, min_difference - 1),
                (sa.literal(size) - common).between(1, min_difference - 1),
            )
        )
        .limit(1)
    )
    return conn.execute(query).first() is not None
