"""Short, stable operation ids and one tag per area, for the OpenAPI schema.

A client generated from ``/openapi.json`` (openapi-python-client, openapi-generator) names
its functions and modules after these: ``shortlists.shortlists_create`` instead of FastAPI's
default ``post_shortlist_v1_shortlists_post`` under one ``default`` tag. They are part of
the API: renaming one breaks the clients generated from it, so each is listed here once,
and a route without an entry fails the app's start (and the tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

__all__ = ["OPERATIONS", "TAGS", "install"]

#: Each area's tag and what it holds, in the order the docs list them.
TAGS: dict[str, str] = {
    "catalogue": "Roles, skills and courses: what each role requires and each course teaches.",
    "candidates": "Internal candidates for a role, and people matching a job description.",
    "shortlists": "Stored shortlists for recruiters: created once, read back by id.",
    "employees": "One person's record, the corrections they make to it, and their erasure.",
    "pathways": "Opportunities and training pathways: a person's or between two roles.",
    "text": "Free text mapped onto roles, skills and occupation titles.",
    "audit": "The access log and the fairness (impact-ratio) report.",
    "imports": "Loading an organisation's own data.",
    "academy": "Academy plans (a cohort chosen to fill hard-to-fill vacancies, stored by id) "
    "and nominations.",
    "service": "Health of the service.",
}

#: (method, path) -> (operation id, tag). Ids are ``<area>_<verb or noun>``, snake case.
OPERATIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/v1/health"): ("health", "service"),
    ("GET", "/v1/roles"): ("roles_list", "catalogue"),
    ("GET", "/v1/roles/{role_id}"): ("roles_get", "catalogue"),
    ("GET", "/v1/skills"): ("skills_list", "catalogue"),
    ("GET", "/v1/courses"): ("courses_list", "catalogue"),
    ("GET", "/v1/roles/{role_id}/candidates"): ("roles_candidates", "candidates"),
    ("POST", "/v1/candidates/search"): ("candidates_search", "candidates"),
    ("POST", "/v1/shortlists"): ("shortlists_create", "shortlists"),
    ("GET", "/v1/shortlists/{shortlist_id}"): ("shortlists_get", "shortlists"),
    ("POST", "/v1/academy/plans"): ("academy_plans_create", "academy"),
    ("GET", "/v1/academy/plans/{plan_id}"): ("academy_plans_get", "academy"),
    ("POST", "/v1/employees/{employee_id}/nominations"): ("nominations_create", "academy"),
    ("GET", "/v1/employees/{employee_id}/nominations"): ("nominations_of_employee", "academy"),
    ("GET", "/v1/nominations"): ("nominations_list", "academy"),
    ("DELETE", "/v1/nominations/{nomination_id}"): ("nominations_withdraw", "academy"),
    ("GET", "/v1/employees/{employee_id}"): ("employees_get", "employees"),
    ("DELETE", "/v1/employees/{employee_id}"): ("employees_erase", "employees"),
    ("GET", "/v1/employees/{employee_id}/corrections"): ("employees_corrections", "employees"),
    ("PUT", "/v1/employees/{employee_id}/skills/{skill_id}"): (
        "employees_skill_correct",
        "employees",
    ),
    ("POST", "/v1/employees/{employee_id}/certifications"): (
        "employees_certification_add",
        "employees",
    ),
    ("DELETE", "/v1/employees/{employee_id}/corrections/skills/{skill_id}"): (
        "corrections_skill_withdraw",
        "employees",
    ),
    ("DELETE", "/v1/employees/{employee_id}/corrections/certifications/{course_id}"): (
        "corrections_cert_withdraw",
        "employees",
    ),
    ("GET", "/v1/employees/{employee_id}/opportunities"): ("employees_opportunities", "pathways"),
    ("GET", "/v1/employees/{employee_id}/pathways"): ("employees_pathway", "pathways"),
    ("GET", "/v1/employees/{employee_id}/goal"): ("employees_goal_get", "pathways"),
    ("PUT", "/v1/employees/{employee_id}/goal"): ("employees_goal_set", "pathways"),
    ("DELETE", "/v1/employees/{employee_id}/goal"): ("employees_goal_clear", "pathways"),
    ("GET", "/v1/hard-to-fill"): ("candidates_hard_to_fill", "candidates"),
    ("GET", "/v1/pathways"): ("pathways_between_roles", "pathways"),
    ("POST", "/v1/match"): ("text_match", "text"),
    ("POST", "/v1/titles/normalize"): ("titles_normalize", "text"),
    ("GET", "/v1/audit/access-log"): ("audit_access_log", "audit"),
    ("GET", "/v1/audit/impact-ratio"): ("audit_impact_ratio", "audit"),
    ("POST", "/v1/imports/org"): ("imports_org", "imports"),
}


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every :class:`APIRoute`, also inside included routers (FastAPI >= 0.16x nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", route)
        yield from api_routes(getattr(nested, "routes", ()))


def install(app: FastAPI) -> None:
    """Give every API route its operation id and tag (call after the routers are included).

    Raises
    ------
    RuntimeError
        A route has no entry in :data:`OPERATIONS`.
    """
    missing = []
    for route in api_routes(app.routes):
        if not route.include_in_schema:  # the web pages (api.web): not part of the API
            continue
        for method in route.methods or ():
            named = OPERATIONS.get((method, route.path))
            if named is None:
                missing.append(f"{method} {route.path}")
                continue
            route.operation_id, tag = named
            route.tags = [tag]
    if missing:
        raise RuntimeError(f"routes without an operation id in api.operations: {missing}")
    app.openapi_tags = [{"name": name, "description": text} for name, text in TAGS.items()]
