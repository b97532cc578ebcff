"""Where could a person go, and how do they get there? Opportunities and training pathways.

``GET /v1/employees/{employee_id}/opportunities`` and ``.../pathways`` answer about one
person: ``talent`` and ``admin`` keys ask about anyone, an ``employee`` key only about
itself and gets the same 404 for anyone else as for an id that does not exist;
``recruiter`` keys get a 403. Each answer is written to the access log (action
``pathways.read``) and sent only once that row is committed; refused or failed requests
(404, 422) return nothing about the person and are not logged. Responses carry
``Cache-Control: no-store``.

Opt-out: an employee who opted out of automated matching is never ranked, so their
opportunities (a ranking of roles built from the candidate index, which leaves them out)
are refused for every caller with a 422 problem saying so. A pathway to a target the
caller names is a plan, not a ranking: it is answered for the person themself and for
``talent``/``admin`` whether or not they opted out.

``GET /v1/pathways?from_role=&to_role=`` plans from a role's typical profile: no personal
data, so no access log.

``GET``, ``PUT`` and ``DELETE /v1/employees/{employee_id}/goal`` show, set and clear a
person's career goal (a role id or a job family): an employee key for itself, ``talent`` and
``admin`` for anyone. Setting or clearing is stored and logged (action ``goals.write``) in
one transaction; the person's next opportunities read, through any worker, follows it
(the first page prepared ahead is sent only while they have no goal set: the statement
logging the read checks).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.auth import require
from api.deps import NO_STORE_HEADERS, GateDep, NoStore, OneTripDep, RecommenderDep
from api.rendered import pages_of, render
from api.schemas_pathways import GoalIn, GoalViewOut, OpportunitiesOut, PathwayOut
from recommender.access import Action
from recommender.candidates.goals import Goal
from recommender.candidates.precompute import PREPARED_LIMIT, is_prepared_question
from recommender.gate import Gate
from recommender.pathways import Objective
from recommender.service import Recommender

router = APIRouter(prefix="/v1")

EmployeeId = Annotated[str, Path(min_length=1, max_length=200)]
RoleId = Annotated[str, Query(min_length=1, max_length=200)]
Paths = Annotated[
    int | None,
    Query(ge=1, le=5, description="Stepping-stone paths to show; default: one, if needed."),
]
PathwayRead = [require(Action.PATHWAYS_READ), NoStore]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such person (an employee key: not yourself), or role"}
}


def _page(
    service: Recommender, employee_id: str, limit: int, include_unviable: bool, step_down: bool
) -> bytes:
    """The response body for a person with no goal set: the first page as rendered ahead
    (or rendered now and kept), or any other question planned and rendered now (in the
    request's worker thread)."""
    today = date.today()
    first_page = is_prepared_question(limit, include_unviable, step_down)
    pages = pages_of(service)
    body = pages.get(employee_id, today) if first_page else None
    if body is None:
        body = _rendered(service, employee_id, limit, include_unviable, step_down, None, today)
        if first_page:
            pages.put(employee_id, today, body)
    return body


def _quick(
    employee_id: str, limit: int, include_unviable: bool, step_down: bool, gate: Gate
) -> bytes:
    """The first page rendered ahead (sent only if the log finds no goal set)."""
    return _page(gate.service, employee_id, limit, include_unviable, step_down)


def quick_first_page(employee_id: str, gate: Gate) -> bytes:
    """The first page asked without a query (what :mod:`api.quick_reads` answers)."""
    return _quick(employee_id, PREPARED_LIMIT, False, False, gate)


def opportunities_body(
    employee_id: str, limit: int, include_unviable: bool, step_down: bool, gate: Gate
) -> bytes:
    """The answer toward the goal stored for the person, if any (read now)."""
    goal = gate.stored_goal(employee_id)
    if goal is None:
        return _page(gate.service, employee_id, limit, include_unviable, step_down)
    today = date.today()
    return _rendered(gate.service, employee_id, limit, include_unviable, step_down, goal, today)


def _rendered(
    service: Recommender,
    employee_id: str,
    limit: int,
    include_unviable: bool,
    step_down: bool,
    goal: Goal | None,
    today: date,
) -> bytes:
    options = service.opportunities(
        employee_id,
        limit,
        include_unviable=include_unviable,
        include_step_down=step_down,
        goal=goal,
        today=today,
    )
    return render(employee_id, limit, include_unviable, options, include_step_down=step_down)


@router.get(
    "/employees/{employee_id}/opportunities",
    response_model=OpportunitiesOut,
    responses={
        **NOT_FOUND,
        422: {"description": "Invalid parameters, or the person opted out of matching"},
    },
)
async def get_opportunities(
    employee_id: EmployeeId,
    trip: OneTripDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    include_unviable: bool = False,
    include_step_down: Annotated[
        bool, Query(description="Also list step downs (a lower job zone or pay band), marked.")
    ] = False,
) -> Response:
    """Roles the person could move to, each with its kind of move, why it is listed and its
    cheapest training plan: near moves up or across first, then longer-term routes (with
    their stepping stones), then (only when asked) step downs; within each, moves toward
    the person's goal first. ``goal`` lists the best routes toward their goal.

    The first page, rendered ahead, is a quick read on the event loop; any other question
    (and anyone with a goal set) is planned in a worker thread (:class:`api.deps.OneTrip`)."""
    service, today = trip.service, date.today()
    first_page = is_prepared_question(limit, include_unviable, include_step_down)
    pages = pages_of(service)
    quick = first_page and pages.has(employee_id, today)
    # A page prepared into the database but not kept in this worker's memory is read from
    # there (in a worker thread), then answered as quickly as a kept one.
    fetch = None
    if first_page and not quick and pages.reads_a_source:
        fetch = partial(pages.fetch, employee_id, today)
    asked = (employee_id, limit, include_unviable, include_step_down)
    answer = partial(opportunities_body, *asked)
    if quick or fetch is not None:
        body = await trip(
            Action.PATHWAYS_READ,
            employee_id,
            partial(_quick, *asked),
            quick=quick,
            with_goal=answer,
            fetch=fetch,
        )
    else:
        body = await trip(Action.PATHWAYS_READ, employee_id, answer)
    # Sent as rendered (see api.rendered): FastAPI skips the response model for a Response.
    return Response(body, media_type="application/json", headers=NO_STORE_HEADERS)


GoalWrite = [require(Action.GOALS_WRITE), NoStore]


@router.get(
    "/employees/{employee_id}/goal",
    response_model=GoalViewOut,
    dependencies=PathwayRead,
    responses=NOT_FOUND,
)
def get_goal(employee_id: EmployeeId, gate: GateDep) -> GoalViewOut:
    """The person's career goal: the one set, the one their profile states, the one followed."""
    return GoalViewOut.from_domain(gate.goal(employee_id))


@router.put(
    "/employees/{employee_id}/goal",
    response_model=GoalViewOut,
    dependencies=GoalWrite,
    responses={
        **NOT_FOUND,
        422: {"description": "Not exactly one of role_id and job_family, or no such family"},
    },
)
def put_goal(employee_id: EmployeeId, body: GoalIn, gate: GateDep) -> GoalViewOut:
    """Set the person's career goal (a role id or a job family); their next opportunities
    read follows it. Stored and logged (``goals.write``)."""
    view = gate.set_goal(employee_id, role_id=body.role_id, job_family=body.job_family)
    return GoalViewOut.from_domain(view)


@router.delete(
    "/employees/{employee_id}/goal",
    response_model=GoalViewOut,
    dependencies=GoalWrite,
    responses=NOT_FOUND,
)
def delete_goal(employee_id: EmployeeId, gate: GateDep) -> GoalViewOut:
    """Clear the goal set for the person (their profile's stated goal counts again)."""
    return GoalViewOut.from_domain(gate.clear_goal(employee_id))


@router.get(
    "/employees/{employee_id}/pathways",
    response_model=PathwayOut,
    dependencies=PathwayRead,
    responses=NOT_FOUND,
)
def get_employee_pathway(
    employee_id: EmployeeId,
    target_role: RoleId,
    gate: GateDep,
    objective: Objective = Objective.HOURS,
    paths: Paths = None,
) -> PathwayOut:
    """The person's skill gaps for ``target_role``, the cheapest plan, and stepping stones."""
    answer = gate.pathway(employee_id, target_role, objective=objective, paths=paths)
    return PathwayOut.from_domain(answer)


@router.get(
    "/pathways",
    response_model=PathwayOut,
    dependencies=[require(Action.PATHWAYS_READ)],
    responses={404: {"description": "No such role"}},
)
def get_role_pathway(
    from_role: RoleId,
    to_role: RoleId,
    service: RecommenderDep,
    objective: Objective = Objective.HOURS,
    paths: Paths = None,
) -> PathwayOut:
    """The plan from ``from_role``'s typical profile to ``to_role`` (no personal data)."""
    answer = service.pathway(to_role, from_role=from_role, objective=objective, paths=paths)
    return PathwayOut.from_domain(answer)
