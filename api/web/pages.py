"""The pages: sign-in, an employee's career explorer, a talent team's roles, shortlists and
academy plans.

Served by the same app as ``/v1``, under ``/app``, and through the same gate
(:mod:`recommender.gate`) with the same principal a key gets: every read of a person is
authorised, projected and logged exactly as the ``/v1`` route that answers the same
question (the log's route names the page). A page never shows what the same key could not
read over ``/v1``: each one asks the gate the ``/v1`` route's question and shows the
``/v1`` route's response model. Pages are plain ``def`` (blocking work off the event
loop); the ones that name a person are ``Cache-Control: no-store``. Every form that
changes anything carries the session's CSRF token.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from api.auth import AuthError
from api.deps import NO_STORE_HEADERS, route_of
from api.errors import STATUS, request_id
from api.routers.academy import MAX_ROLES, CohortPlanOut, PlanIn, plan_out
from api.routers.candidates import (
    CandidatesOut,
    FiltersIn,
    RecruiterShortlistOut,
    StoredShortlistOut,
    candidates_out,
    shortlist_out,
)
from api.routers.corrections import CorrectionsOut, corrected_now
from api.routers.fairness import ImpactReportOut
from api.routers.pathways import opportunities_body
from api.routers.people import PeopleSearchOut
from api.routers.text import MatchOut
from api.schemas import EmployeeOut
from api.schemas_pathways import GoalViewOut, OpportunitiesOut, OpportunityOut, PathwayOut
from api.state import current_recommender
from api.web import session as web_session
from api.web.views import EVIDENCE_LABELS, KIND_LABELS, Names, gap_bars, pathway_graph, uses_onet
from recommender import ONET_ATTRIBUTION
from recommender.access import Action, Role
from recommender.candidates.precompute import PREPARED_LIMIT
from recommender.database import SessionRecord
from recommender.errors import Forbidden, ReskillError
from recommender.gate import Gate
from recommender.reports import ImpactQuestion

__all__ = ["router", "templates", "PageError", "PUBLIC_PAGES"]

router = APIRouter(prefix="/app", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["KIND_LABELS"] = KIND_LABELS
templates.env.globals["EVIDENCE_LABELS"] = EVIDENCE_LABELS

#: Pages anyone may open without a session: (method, path). Every other page takes
#: :data:`Session` (:func:`api.web.session.require_session`; a test walks the routes).
PUBLIC_PAGES: frozenset[tuple[str, str]] = frozenset(
    {("GET", "/app/sign-in"), ("POST", "/app/sign-in"), ("GET", "/app/")}
)
Session = Annotated[SessionRecord, Depends(web_session.require_session)]
Csrf = Annotated[str | None, Form(alias="csrf_token")]
#: The hours the talent overview counts people within; ``/v1/hard-to-fill`` takes at most 400.
REACH_HOURS = (100.0, 200.0, 400.0)
#: The opportunities shown: the first page ``/v1`` prepares ahead for everyone.
FIRST_PAGE = PREPARED_LIMIT
#: The shortlist sizes a fairness summary may be asked for (the API's allowed limits).
AUDIT_LIMITS = (10, 25, 50, 100)


class PageError(Exception):
    """A refusal shown as a page: the status and title the API would answer with."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


@contextmanager
def as_page() -> Iterator[None]:
    """Domain errors become the API's status, shown as a page."""
    try:
        yield
    except ReskillError as exc:
        for cls, status, title in STATUS:
            if isinstance(exc, cls):
                raise PageError(status, title, str(exc)) from None
        raise


def _gate(request: Request, session: SessionRecord) -> Gate:
    service = current_recommender(request)
    return service.for_principal(
        session.principal,
        route=route_of(request),
        request_id=request_id(request),
        engine=request.app.state.engine,
    )


def _page(
    request: Request,
    template: str,
    session: SessionRecord | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered; never cached (pages carry the session's CSRF token, most
    also personal data)."""
    headers = NO_STORE_HEADERS
    context = {"session": session, "principal": session and session.principal, **context}
    return templates.TemplateResponse(request, template, context, status, headers=headers)


def _permit(session: SessionRecord, action: Action) -> None:
    if not session.principal.may(action):
        raise PageError(403, "Forbidden", str(Forbidden(session.principal.role, action.value)))


# -- signing in and out --------------------------------------------------------------------


def _sign_in_form(request: Request, *, status: int = 200, error: str | None = None) -> Response:
    token = web_session.sign_in_token(request)
    response = _page(
        request,
        "sign_in.html",
        None,
        status=status,
        sign_in_token=token,
        error=error,
    )
    web_session.remember_sign_in_token(request, response, token)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return _sign_in_form(request)


@router.post("/sign-in")
def sign_in(
    request: Request,
    api_key: Annotated[str, Form(min_length=1, max_length=200)],
    sign_in_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Sign in with an API key: checked as ``/v1`` checks it, then a session is opened."""
    web_session.check_sign_in_token(request, sign_in_token)
    response = RedirectResponse("/app/", status_code=303)
    try:
        web_session.sign_in(request, response, api_key)
    except AuthError as exc:
        return _sign_in_form(request, status=401, error=exc.detail)
    return response


@router.post("/sign-out")
def sign_out(request: Request, session: Session, csrf_token: Csrf = None) -> Response:
    web_session.check_csrf(session, csrf_token)
    response = RedirectResponse("/app/sign-in", status_code=303)
    web_session.sign_out(request, response)
    return response


@router.get("/")
def home(request: Request) -> Response:
    """Where a signed-in key starts: an employee's own explorer, a talent team's roles."""
    found = web_session.current_session(request)
    if found is None:
        return RedirectResponse("/app/sign-in", status_code=303)
    principal = found.principal
    if principal.role == Role.EMPLOYEE:
        return RedirectResponse(f"/app/people/{principal.employee_id}", status_code=303)
    if principal.may(Action.CANDIDATES_READ):
        return RedirectResponse("/app/talent", status_code=303)
    return _page(request, "home.html", found)


# -- the career explorer ---------------------------------------------------------------------


@router.get("/people/{employee_id}")
def explorer(request: Request, employee_id: str, session: Session) -> Response:
    """A person's record, the roles they could reach (``/v1`` opportunities) and goal."""
    gate = _gate(request, session)
    with as_page():
        person = EmployeeOut.from_domain(gate.employee(employee_id))
        goal = GoalViewOut.from_domain(gate.goal(employee_id))
        corrections = CorrectionsOut.from_domain(gate.corrections(employee_id)).corrections
        options = _opportunities(gate, employee_id)
    catalog = gate.service.catalog
    names = Names(catalog)
    return _page(
        request,
        "explorer.html",
        session,
        person=person,
        goal=goal,
        corrections=corrections,
        may_correct=session.principal.may(Action.SKILLS_WRITE),
        skills=sorted(catalog.skills.values(), key=lambda k: k.name.casefold()),
        courses=sorted(catalog.courses.values(), key=lambda c: c.title.casefold()),
        options=options,
        opted_out=person.opted_out,
        names=names,
        families=sorted({r.job_family for r in catalog.roles.values()}),
        roles=sorted(catalog.roles.values(), key=lambda r: r.title),
        may_match=session.principal.may(Action.MATCH_USE),
        onet=uses_onet(catalog, [person.role_id, *(o.role_id for o in options)]),
        attribution=ONET_ATTRIBUTION,
    )


def _opportunities(gate: Gate, employee_id: str) -> list[OpportunityOut]:
    """The first page of opportunities, the very answer ``GET /v1/employees/{id}/opportunities``
    sends (rendered ahead when prepared; toward the goal stored, if any), read and logged
    through the gate; none for someone opted out (``/v1`` refuses the question for them,
    and the page says why)."""
    if gate.service.catalog.employee(employee_id).opted_out:
        return []
    answer = partial(opportunities_body, employee_id, FIRST_PAGE, False, False, gate)
    body = gate.read_person(Action.PATHWAYS_READ, employee_id, answer)
    return OpportunitiesOut.model_validate_json(body).items


@router.get("/people/{employee_id}/pathway")
def pathway(
    request: Request,
    employee_id: str,
    session: Session,
    target_role: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """The pathway to a role: graph, the same nodes as a table, the dated plan, the gap."""
    gate = _gate(request, session)
    with as_page():
        answer = PathwayOut.from_domain(gate.pathway(employee_id, target_role))
    names = Names(gate.service.catalog)
    elements, rows = pathway_graph(answer, names)
    fragment = request.headers.get("HX-Request") == "true"
    return _page(
        request,
        "_pathway.html" if fragment else "pathway.html",
        session,
        employee_id=employee_id,
        answer=answer,
        elements=elements,
        rows=rows,
        bars=gap_bars(answer.plan, names),
        names=names,
        onet=uses_onet(gate.service.catalog, [answer.target]),
        attribution=ONET_ATTRIBUTION,
    )


@router.post("/people/{employee_id}/goal")
def set_goal(
    request: Request,
    employee_id: str,
    session: Session,
    csrf_token: Csrf = None,
    goal: Annotated[str, Form(min_length=1, max_length=200)] = "",
) -> Response:
    """Set the person's career goal (``PUT /v1/employees/{id}/goal``): ``role:<id>`` or
    ``family:<name>``; an empty choice clears it."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    kind, _, value = goal.partition(":")
    with as_page():
        if kind == "role" and value:
            gate.set_goal(employee_id, role_id=value)
        elif kind == "family" and value:
            gate.set_goal(employee_id, job_family=value)
        else:
            gate.clear_goal(employee_id)
    return RedirectResponse(f"/app/people/{employee_id}", status_code=303)


@router.post("/people/{employee_id}/skills")
def correct_skill(
    request: Request,
    employee_id: str,
    session: Session,
    skill: Annotated[str, Form(min_length=1, max_length=200)],
    change: Annotated[str, Form(min_length=1, max_length=20)],
    csrf_token: Csrf = None,
) -> Response:
    """Confirm, remove or declare a level of one of the person's skills
    (``PUT /v1/employees/{id}/skills/{skill_id}``): ``change`` is ``confirm``, ``remove`` or
    ``level:<1-5>``."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    action, _, level = change.partition(":")
    wanted = int(level) if action == "level" and level.isdigit() else None
    with as_page():
        corrected_now(
            request, lambda: gate.correct_skill(employee_id, skill, action=action, level=wanted)
        )
    return RedirectResponse(f"/app/people/{employee_id}#skills", status_code=303)


@router.post("/people/{employee_id}/certifications")
def add_certification(
    request: Request,
    employee_id: str,
    session: Session,
    course: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: Csrf = None,
) -> Response:
    """Record a catalogue course or certification the person holds
    (``POST /v1/employees/{id}/certifications``)."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    with as_page():
        corrected_now(request, lambda: gate.add_certification(employee_id, course))
    return RedirectResponse(f"/app/people/{employee_id}#skills", status_code=303)


@router.post("/people/{employee_id}/corrections/withdraw")
def withdraw_correction(
    request: Request,
    employee_id: str,
    session: Session,
    kind: Annotated[str, Form(min_length=1, max_length=20)],
    item: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: Csrf = None,
) -> Response:
    """Withdraw one correction of the person's record
    (``DELETE /v1/employees/{id}/corrections/{skills|certifications}/{item}``): ``kind`` is
    ``skill`` or ``certification``."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    with as_page():
        corrected_now(request, lambda: gate.withdraw_correction(employee_id, kind, item))
    return RedirectResponse(f"/app/people/{employee_id}#skills", status_code=303)


@router.post("/match")
def match(
    request: Request,
    session: Session,
    text: Annotated[str, Form(min_length=1, max_length=20_000, pattern=r"\S")],
    csrf_token: Csrf = None,
) -> Response:
    """Roles for a description of the work someone would like to do (``POST /v1/match``)."""
    web_session.check_csrf(session, csrf_token)
    _permit(session, Action.MATCH_USE)
    service = current_recommender(request)
    with as_page():
        found = MatchOut.from_domain(service.match(text, 5), service)
    return _page(request, "_matches.html", session, found=found)


# -- talent pages ------------------------------------------------------------------------------


@router.get("/talent")
def talent(request: Request, session: Session) -> Response:
    """Hard-to-fill roles: vacancies, days to fill and people within reach (``/v1/hard-to-fill``)."""
    gate = _gate(request, session)
    with as_page():
        views = {h: gate.hard_to_fill(h) for h in REACH_HOURS}
    first = views[REACH_HOURS[0]]
    counts = {h: {row.role_id: row.within_reach for row in views[h]} for h in REACH_HOURS}
    reach = {row.role_id: [counts[h].get(row.role_id, 0) for h in REACH_HOURS] for row in first}
    widest = max([1, *(n for counts in reach.values() for n in counts)])
    return _page(
        request,
        "talent.html",
        session,
        roles=first,
        reach=reach,
        hours=REACH_HOURS,
        widest=widest,
    )


def _filters(
    department: str | None, location: str | None, min_readiness: str | None, max_hours: str | None
) -> FiltersIn:
    """The filters as ``/v1`` takes them, from a form's fields (an empty field: no filter)."""
    try:
        return FiltersIn(
            department=department or None,
            location=location or None,
            min_readiness=float(min_readiness) if min_readiness else 0.0,
            max_hours=float(max_hours) if max_hours else None,
        )
    except ValueError as exc:
        raise PageError(422, "Invalid input", "The filters are not valid.") from exc


@router.get("/talent/roles/{role_id}")
def role_shortlist(
    request: Request,
    role_id: str,
    session: Session,
    department: Annotated[str | None, Query(max_length=200)] = None,
    location: Annotated[str | None, Query(max_length=200)] = None,
    min_readiness: Annotated[str | None, Query(max_length=40)] = None,
    max_hours: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """A role's shortlist computed now (``GET /v1/roles/{role_id}/candidates``)."""
    gate = _gate(request, session)
    filters = _filters(department, location, min_readiness, max_hours)
    with as_page():
        listed = gate.candidates(role_id, limit, filters.to_domain())
        shown: CandidatesOut = candidates_out(gate.service.catalog, listed, limit, filters)
    return _page(
        request,
        "role.html",
        session,
        shown=shown,
        filters=filters,
        limit=limit,
        may_audit=session.principal.may(Action.IMPACT_READ),
        audit_limits=AUDIT_LIMITS,
    )


@router.post("/talent/roles/{role_id}/fairness")
def fairness(
    request: Request,
    role_id: str,
    session: Session,
    csrf_token: Csrf = None,
    limit: Annotated[int, Form()] = 10,
) -> Response:
    """The fairness summary of the role's shortlist of ``limit`` (``GET /v1/audit/impact-ratio``,
    admin and auditor keys): published under the same suppression and refusal rules, stored
    and logged as the API does it (so it is a form post)."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    with as_page():
        published = gate.impact_report(ImpactQuestion(role_id, "selection", limit, None, None))
    report = ImpactReportOut.model_validate(published.to_dict())
    return _page(request, "fairness.html", session, report=report)


@router.post("/talent/roles/{role_id}/shortlists")
def store_shortlist(
    request: Request,
    role_id: str,
    session: Session,
    csrf_token: Csrf = None,
    department: Annotated[str | None, Form(max_length=200)] = None,
    location: Annotated[str | None, Form(max_length=200)] = None,
    min_readiness: Annotated[str | None, Form(max_length=40)] = None,
    max_hours: Annotated[str | None, Form(max_length=40)] = None,
    limit: Annotated[int, Form(ge=1, le=100)] = 10,
) -> Response:
    """Store the shortlist as shown (``POST /v1/shortlists``), then show it."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    filters = _filters(department, location, min_readiness, max_hours)
    with as_page():
        shown = gate.create_shortlist(
            role_id, limit, filters.to_domain(), filters_record=filters.model_dump(mode="json")
        )
    return RedirectResponse(f"/app/shortlists/{shown.stored.id}", status_code=303)


def _stored(
    request: Request, session: SessionRecord, shortlist_id: str
) -> StoredShortlistOut | RecruiterShortlistOut:
    gate = _gate(request, session)
    with as_page():
        return shortlist_out(gate.shortlist(shortlist_id))


#: The CSV's columns: the fields every view of a shortlist has (recruiters' too).
CSV_COLUMNS = (
    "rank",
    "employee_id",
    "name",
    "current_role_title",
    "score",
    "readiness",
    "hours_to_ready",
    "weeks_to_ready",
    "reasons",
)


@router.get("/shortlists/{shortlist_id}.csv")
def shortlist_csv(request: Request, shortlist_id: str, session: Session) -> Response:
    """The stored shortlist as CSV: one row per candidate of ``GET /v1/shortlists/{id}``."""
    stored = _stored(request, session, shortlist_id)
    rows = []
    for c in stored.candidates:
        row = c.model_dump()
        row["reasons"] = " | ".join(row["reasons"])
        rows.append(row)
    return _csv_download(CSV_COLUMNS, rows, f"shortlist-{stored.id}.csv")


def _csv_download(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], filename: str
) -> Response:
    """``rows`` as a CSV attachment of ``columns`` (cells guarded against formulas), never
    cached."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[k]) for k in columns])
    headers = {**NO_STORE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


# Declared after the ``.csv`` route: its path would match ``<id>.csv`` too.
@router.get("/shortlists/{shortlist_id}")
def shortlist(request: Request, shortlist_id: str, session: Session) -> Response:
    """A stored shortlist as ``GET /v1/shortlists/{id}`` shows it to this key."""
    return _page(request, "shortlist.html", session, stored=_stored(request, session, shortlist_id))


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@router.get("/talent/search")
def search_page(request: Request, session: Session) -> Response:
    _permit(session, Action.CANDIDATES_READ)
    return _page(request, "search.html", session, found=None, text="")


@router.post("/talent/search")
def search(
    request: Request,
    session: Session,
    text: Annotated[str, Form(min_length=1, max_length=20_000, pattern=r"\S")],
    csrf_token: Csrf = None,
) -> Response:
    """People whose profiles read like a job description (``POST /v1/candidates/search``)."""
    web_session.check_csrf(session, csrf_token)
    gate = _gate(request, session)
    with as_page():
        found = PeopleSearchOut.from_domain(gate.search_people(text, 10))
    return _page(request, "search.html", session, found=found, text=text)


# -- academy plans -----------------------------------------------------------------------------

#: The job families whose hard-to-fill roles the academy form offers as targets.
ACADEMY_FAMILIES = ("Security", "Data & AI")
#: How the form's "nominated people" choice maps onto the request's two flags.
NOMINATED = {
    "any": {"only_nominated": False, "prefer_nominated": False},
    "prefer": {"only_nominated": False, "prefer_nominated": True},
    "only": {"only_nominated": True, "prefer_nominated": False},
}
NOMINATED_CHOICES = (
    ("any", "Anyone eligible, nominated or not"),
    ("prefer", "Prefer nominated people between equally weighty plans"),
    ("only", "Only people a manager nominated"),
)
#: The form's defaults: the example in docs/academy.md (a year, $3,000, three from a role).
ACADEMY_DEFAULTS = {"money": "3000", "hours": "", "weeks": "52", "max_per_role": "3"}
#: The form's labels, to say which field the API's validation refused.
ACADEMY_LABELS = {
    "roles": "Target roles",
    "money": "Money budget",
    "hours": "Training hours budget",
    "weeks": "Weeks to finish",
    "max_per_role": "Most people from one role",
    "max_per_department": "Most people from one department",
    "nominated": "Nominated people",
}
Number = Annotated[str | None, Form(max_length=40)]


def _academy_form(
    request: Request,
    session: SessionRecord,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
) -> Response:
    catalog = current_recommender(request).catalog
    targets = sorted(
        (r for r in catalog.roles.values() if r.hard_to_fill and r.job_family in ACADEMY_FAMILIES),
        key=lambda r: (ACADEMY_FAMILIES.index(r.job_family), r.title),
    )
    return _page(
        request,
        "academy.html",
        session,
        status=422 if error else 200,
        targets=targets,
        families=ACADEMY_FAMILIES,
        values={"roles": [], "nominated": "any", **ACADEMY_DEFAULTS, **(values or {})},
        error=error,
        max_roles=MAX_ROLES,
        nominated_choices=NOMINATED_CHOICES,
    )


@router.get("/academy")
def academy(request: Request, session: Session) -> Response:
    """The form that plans an academy cohort (``POST /v1/academy/plans``)."""
    _permit(session, Action.ACADEMY_WRITE)
    return _academy_form(request, session)


def _plan_in(values: dict[str, Any]) -> PlanIn:
    """The request ``POST /v1/academy/plans`` takes, from the form's fields (an empty
    field: not limited)."""
    flags = NOMINATED.get(str(values.get("nominated")))
    if flags is None:
        raise PageError(422, "Invalid input", "Nominated people: choose one of the options")
    fields = {k: v for k, v in values.items() if k != "nominated" and v not in (None, "")}
    try:
        return PlanIn.model_validate(fields | flags)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ACADEMY_LABELS.get(str(e['loc'][0]), 'Form') if e['loc'] else 'Form'}: {e['msg']}"
            for e in exc.errors()
        )
        raise PageError(422, "Invalid input", problems) from None


@router.post("/academy")
def plan_academy(
    request: Request,
    session: Session,
    csrf_token: Csrf = None,
    roles: Annotated[list[str] | None, Form()] = None,
    money: Number = None,
    hours: Number = None,
    weeks: Number = None,
    max_per_role: Number = None,
    max_per_department: Number = None,
    nominated: Annotated[str, Form(max_length=20)] = "any",
) -> Response:
    """Plan, audit and store a cohort through the gate call ``POST /v1/academy/plans``
    makes, then show the stored plan. A form the API would refuse comes back with why."""
    web_session.check_csrf(session, csrf_token)
    _permit(session, Action.ACADEMY_WRITE)
    values: dict[str, Any] = {
        "roles": roles or [],
        "money": money,
        "hours": hours,
        "weeks": weeks,
        "max_per_role": max_per_role,
        "max_per_department": max_per_department,
        "nominated": nominated,
    }
    try:
        body = _plan_in(values)
    except PageError as exc:
        shown = {k: ("" if v is None else v) for k, v in values.items()}
        return _academy_form(request, session, values=shown, error=exc.detail)
    gate = _gate(request, session)
    with as_page():
        stored = gate.create_academy_plan(body.to_domain())
    return RedirectResponse(f"/app/academy/plans/{stored.stored.id}", status_code=303)


def _plan(request: Request, session: SessionRecord, plan_id: str) -> CohortPlanOut:
    """The stored plan as ``GET /v1/academy/plans/{id}`` answers this key (everyone in it
    logged under the page's route)."""
    gate = _gate(request, session)
    with as_page():
        return plan_out(gate.academy_plan(plan_id))


#: The plan CSV's columns: one row per assignment of ``GET /v1/academy/plans/{id}``.
PLAN_CSV_COLUMNS = (
    "employee_id",
    "name",
    "from_role_id",
    "department",
    "role_id",
    "hours",
    "weeks",
    "seat_cost",
    "start",
    "finish",
    "nominated",
    "nominated_by",
)


def _nominated_by(assignment: Any) -> str:
    """Who nominated the person, as the plan stores it: ``key (role)``, one per nomination."""
    return " | ".join(f"{n.nominated_by} ({n.nominator_role})" for n in assignment.nominations)


@router.get("/academy/plans/{plan_id}.csv")
def academy_plan_csv(request: Request, plan_id: str, session: Session) -> Response:
    """The stored plan's assignments as CSV, the rows ``GET /v1/academy/plans/{id}`` has."""
    plan = _plan(request, session, plan_id)
    rows = (
        a.model_dump(mode="json") | {"nominated_by": _nominated_by(a)} for a in plan.assignments
    )
    return _csv_download(PLAN_CSV_COLUMNS, rows, f"academy-plan-{plan.id}.csv")


# Declared after the ``.csv`` route: its path would match ``<id>.csv`` too.
@router.get("/academy/plans/{plan_id}")
def academy_plan(request: Request, plan_id: str, session: Session) -> Response:
    """A stored academy plan as ``GET /v1/academy/plans/{id}`` shows it to this key: the
    selection's audit only for keys that may read impact reports."""
    plan = _plan(request, session, plan_id)
    return _page(
        request,
        "academy_plan.html",
        session,
        plan=plan,
        needed=sum(plan.needs.values()),
        names=Names(current_recommender(request).catalog),
        nominated_by=_nominated_by,
    )
