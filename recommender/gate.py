"""The one gate every read of a person passes: authorise, compute, project, log, drop.

Every operation that returns, ranks, counts or logs a person goes through a
:class:`Gate`, made for one caller and one request by
:meth:`recommender.service.Recommender.for_principal`. Each method, in this order:

1. **authorises**: the caller's role must allow the action (:data:`PERMISSIONS`); an
   employee acts only on their own record, and anyone else is the same
   :class:`~recommender.errors.UnknownEmployee` as a person who does not exist; a role
   may filter only by fields it may see (:meth:`Gate._check_filters`);
2. **computes** the answer over the immutable catalogue being served;
3. **projects** it to the fields the role may see (:mod:`recommender.candidates.records`);
4. **logs** one access-log row per person in it, from the person's *stored* row,
   committed before the answer is returned (:mod:`recommender.store.access`);
5. **drops** anyone the log did not name: a person erased since the served data was
   loaded is never answered about. Opted-out people are never ranked (the candidate
   index leaves them out).

Routes and CLI commands make one call through it. Catalogue questions that hold no
person (roles, skills, courses, role-to-role pathways) stay on the
:class:`~recommender.service.Recommender`.

Examples
--------
>>> from recommender.access import Principal, Role
>>> from recommender.catalog import Catalog, Employee
>>> from recommender.store import make_engine, save_catalog, upgrade
>>> from recommender.service import Recommender
>>> engine = make_engine("sqlite://")
>>> upgrade(engine)
>>> people = Catalog.from_items(employees=[Employee("E1", "Ada", "r", "IT", "Main", 1.0, ())])
>>> service = Recommender(people, engine=engine)
>>> me = service.for_principal(Principal("k1", Role.EMPLOYEE, "E1"), route="doc", request_id="1")
>>> me.employee("E2")
Traceback (most recent call last):
    ...
recommender.errors.UnknownEmployee: unknown employee 'E2'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from recommender.access import DEPARTMENT_BOUND, OWN_RECORD_ONLY, Action, Principal
from recommender.candidates.records import View, candidate_record, project
from recommender.catalog import Employee
from recommender.corrections import (
    Correction,
    checked_certification,
    checked_skill_correction,
    corrected,
)
from recommender.errors import Forbidden, InvalidInput, UnknownEmployee
from recommender.store.academy import PlanContent, PlanEntry, StoredPlan, create_plan, read_plan
from recommender.store.access import (
    AccessRecord,
    read_access_log,
    record_reads,
    record_reads_async,
    stored_among,
)
from recommender.store.corrections import (
    read_corrections,
    withdraw_correction,
    write_correction,
)
from recommender.store.goals import StoredGoal, clear_goal, read_goal, set_goal
from recommender.store.nominations import (
    StoredNomination,
    add_nomination,
    read_nominations,
    withdraw_nomination,
)
from recommender.store.shortlists import (
    ShortlistContent,
    ShortlistEntry,
    StoredShortlist,
    create_shortlist,
    read_shortlist,
)

if TYPE_CHECKING:
    from recommender.academy import CohortRequest
    from recommender.candidates import RoleDemand, Shortlist, ShortlistFilter
    from recommender.candidates.goals import Goal
    from recommender.candidates.mobility import Opportunities
    from recommender.candidates.people import PeopleSearch
    from recommender.erasure import ErasureReceipt
    from recommender.pathways import Objective
    from recommender.pathways.answer import PathwayAnswer
    from recommender.reports import ImpactQuestion, PublishedImpactReport
    from recommender.service import Recommender

__all__ = [
    "AccessRecord",
    "Caller",
    "CorrectionsView",
    "Gate",
    "GoalIsSet",
    "GoalView",
    "PlanView",
    "ShortlistView",
    "StoredNomination",
]

Answer = TypeVar("Answer")

#: The longest reason a nomination may give, in characters.
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks and through what: the principal, the route (``"GET /v1/..."``, or a CLI
    command's name) and the request id that ties log rows to server logs.

    ``check_key``: the principal's key was not looked up for this request (a cache of
    recently verified keys vouched for it), so every read is logged only while the key is
    still active, checked by the statement that logs it; a key revoked, expired or
    deleted meanwhile fails the read with :class:`~recommender.errors.KeyNoLongerValid`."""

    principal: Principal
    route: str
    request_id: str
    check_key: bool = False


class GoalIsSet(Exception):
    """A read answered from what was prepared without a goal was not logged: the person
    has a goal set (or was erased). The caller answers it the ordinary way instead."""


@dataclass(frozen=True, slots=True)
class GoalView:
    """A person's goals: the one set through the API (when, and by whom), the one their
    profile states; ``effective`` is the one opportunities follow (a set goal wins)."""

    employee_id: str
    set: Goal | None
    set_at: datetime | None
    stated: Goal | None
    #: Who set the goal: ``"self"`` (the person), else the setting key's role
    #: (``"talent"``, ``"admin"``); ``None`` when none is set (or the key is gone).
    set_by: str | None = None

    @property
    def effective(self) -> Goal | None:
        return self.set if self.set is not None else self.stated


@dataclass(frozen=True, slots=True)
class CorrectionsView:
    """A person's record as served with their corrections applied, and the corrections
    stored for them (oldest first). After a write, ``data_version`` is the version the
    correction made (the caller swaps in ``employee``'s record when it serves the one
    before); else ``None``."""

    employee: Employee
    corrections: tuple[Correction, ...]
    data_version: int | None = None


@dataclass(frozen=True, slots=True)
class ShortlistView:
    """A stored shortlist as one caller may see it: its entries projected to ``view``."""

    stored: StoredShortlist
    view: View
    candidates: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class PlanView:
    """A stored academy plan as one caller may see it: its summary (the selection's
    impact-ratio audit only for keys that may read impact reports) and its assignments."""

    stored: StoredPlan
    summary: Mapping[str, Any]
    assignments: tuple[Mapping[str, Any], ...]


class Gate:
    """Personal data for one caller over one :class:`Recommender`; see the module docstring.

    Parameters
    ----------
    service : Recommender
        The catalogue being served and what is computed over it.
    engine : sqlalchemy.Engine
        The database holding the access log, stored shortlists and the stored rows reads
        are logged from.
    caller : Caller
    """

    def __init__(self, service: Recommender, engine: sa.Engine, caller: Caller) -> None:
        self.service = service
        self.engine = engine
        self.caller = caller

    @property
    def principal(self) -> Principal:
        return self.caller.principal

    @property
    def view(self) -> View:
        """How much of a candidate this caller sees."""
        return View.FULL if self.principal.may(Action.CANDIDATES_READ) else View.SHORTLIST

    # -- the steps -------------------------------------------------------------------------

    def _authorise(self, action: Action) -> None:
        if not self.principal.may(action):
            raise Forbidden(self.principal.role, action)

    def check_person(self, action: Action, employee_id: str) -> None:
        """Nothing, if this caller may ``action`` the person; else the error a read would
        raise (:class:`~recommender.errors.AuthError`, ``UnknownEmployee``). For work done
        before a read that only an allowed caller should cause (a page read from the
        database into memory); it reads and logs nothing."""
        self._person(action, employee_id)

    def _person(self, action: Action, employee_id: str) -> Employee:
        """The person, if this caller may ``action`` them; else the same error as nobody."""
        self._authorise(action)
        if not self.principal.may_access_employee(action, employee_id):
            raise UnknownEmployee(employee_id)
        person = self.service.catalog.employee(employee_id)
        if not self.principal.within(person.department):
            raise UnknownEmployee(employee_id)  # a manager acts in their department only
        return person

    def _check_filters(self, filters: ShortlistFilter | None) -> None:
        """A role filters only by fields it may see (a recruiter sees no department)."""
        if self.view == View.FULL or filters is None:
            return
        if filters.department is not None or filters.location is not None:
            raise Forbidden(self.principal.role, "filter by department or location")

    def _log(self, action: Action, employee_ids: Sequence[str]) -> frozenset[str]:
        """Log one ``action`` read per person still stored, committed now; whom it logged."""
        return frozenset(
            record_reads(self.engine, self.principal, employee_ids, **self._as(action))
        )

    def _as(self, action: Action) -> dict[str, Any]:
        """How this caller's reads are logged: the action, route, request id, key check."""
        caller = self.caller
        return {
            "action": str(action),
            "route": caller.route,
            "request_id": caller.request_id,
            "check_key": caller.check_key,
        }

    def read_person(self, action: Action, employee_id: str, answer: Callable[[], Answer]) -> Answer:
        """``answer()`` about one person: authorised, computed, logged, or refused.

        Raises
        ------
        Forbidden
            The caller's role may not ``action`` anyone.
        UnknownEmployee
            No such person, not one the caller may see, or erased since the served data
            was loaded (then nothing is logged).
        """
        self._person(action, employee_id)
        result = answer()
        if not self._log(action, [employee_id]):
            raise UnknownEmployee(employee_id)
        return result

    async def read_person_async(
        self,
        action: Action,
        employee_id: str,
        answer: Callable[[], Answer],
        *,
        unless_goal: bool = False,
    ) -> Answer:
        """:meth:`read_person` on an event loop, for an ``answer`` that is quick to compute
        (a stored record, a page rendered ahead): only the log's commit is awaited, so the
        loop serves others meanwhile and nothing hands the read to a thread. Anything
        slower belongs in :meth:`read_person`, off the loop.

        ``unless_goal``: ``answer`` was prepared for people without a career goal set; the
        statement that logs the read checks that this person has none, and if it logged
        nobody, :class:`GoalIsSet` tells the caller to answer through :meth:`read_person`
        (which reads the goal, or finds the person erased)."""
        self._person(action, employee_id)
        result = answer()
        logged = await record_reads_async(
            self.engine, self.principal, [employee_id], unless_goal=unless_goal, **self._as(action)
        )
        if not logged:
            raise GoalIsSet(employee_id) if unless_goal else UnknownEmployee(employee_id)
        return result

    # -- one person --------------------------------------------------------------------------

    def employee(self, employee_id: str) -> Employee:
        """A person's record (never protected attributes: the catalogue has none)."""
        return self.read_person(
            Action.EMPLOYEES_READ,
            employee_id,
            lambda: self.service.catalog.employee(employee_id),
        )

    def opportunities(
        self,
        employee_id: str,
        limit: int = 10,
        *,
        include_unviable: bool = False,
        include_step_down: bool = False,
        today: date | None = None,
    ) -> Opportunities:
        """The roles a person could move to (:meth:`Recommender.opportunities`), toward
        the goal stored for them (read from the database now), logged."""
        return self.read_person(
            Action.PATHWAYS_READ,
            employee_id,
            lambda: self.service.opportunities(
                employee_id,
                limit,
                include_unviable=include_unviable,
                include_step_down=include_step_down,
                goal=self.stored_goal(employee_id),
                today=today,
            ),
        )

    def stored_goal(self, employee_id: str) -> Goal | None:
        """The goal set for ``employee_id`` through the API, read from the database now
        (for an answer being made within an authorised read of them), or ``None``."""
        return self._as_goal(read_goal(self.engine, employee_id))

    def _as_goal(self, stored: StoredGoal | None) -> Goal | None:
        from recommender.candidates.goals import Goal, GoalSource

        if stored is None:
            return None
        catalog = self.service.catalog
        if stored.role_id is not None:
            role = catalog.roles.get(stored.role_id)
            title = role.title if role is not None else stored.role_id
            return Goal(GoalSource.SET, role_id=stored.role_id, stated=title)
        return Goal(GoalSource.SET, job_family=stored.job_family, stated=str(stored.job_family))

    def goal(self, employee_id: str) -> GoalView:
        """A person's goals (set and stated), logged as a read."""
        return self.read_person(
            Action.PATHWAYS_READ, employee_id, lambda: self._goal_view(employee_id)
        )

    def set_goal(
        self, employee_id: str, *, role_id: str | None = None, job_family: str | None = None
    ) -> GoalView:
        """Set a person's goal (a role id or a job family): an employee for themself,
        talent and admins for anyone. Stored and logged (``goals.write``) in one
        transaction; their next opportunities read follows it, in every worker.

        Raises
        ------
        Forbidden, UnknownEmployee
            As for reads.
        InvalidInput, UnknownRole
            Not exactly one of the two, an unknown role, a family no role has.
        """
        from recommender.candidates.goals import checked_goal

        self._person(Action.GOALS_WRITE, employee_id)
        goal = checked_goal(self.service.catalog, role_id, job_family)
        set_goal(
            self.engine,
            self.principal,
            employee_id,
            role_id=goal.role_id,
            job_family=goal.job_family,
            **self._written(),
        )
        return self._goal_view(employee_id)

    def clear_goal(self, employee_id: str) -> GoalView:
        """Remove the goal set for a person (who may set it may clear it), logged; their
        profile's stated goal, if any, counts again."""
        self._person(Action.GOALS_WRITE, employee_id)
        clear_goal(self.engine, self.principal, employee_id, **self._written())
        return self._goal_view(employee_id)

    def _written(self, action: Action = Action.GOALS_WRITE) -> dict[str, str]:
        """How this caller's write of ``action`` is logged: the action, route, request id."""
        caller = self.caller
        return {
            "action": str(action),
            "route": caller.route,
            "request_id": caller.request_id,
        }

    def _goal_view(self, employee_id: str) -> GoalView:
        from recommender.candidates.goals import profile_goal

        stored = read_goal(self.engine, employee_id)
        return GoalView(
            employee_id,
            self._as_goal(stored),
            stored.set_at if stored is not None else None,
            profile_goal(self.service.catalog, employee_id),
            stored.setter if stored is not None else None,
        )

    # -- corrections a person makes to their own record -----------------------------------

    def corrections(self, employee_id: str) -> CorrectionsView:
        """A person's record as served and the corrections stored for them, logged as a
        read of the record."""
        return self.read_person(
            Action.EMPLOYEES_READ,
            employee_id,
            lambda: CorrectionsView(
                self.service.catalog.employee(employee_id),
                read_corrections(self.engine, employee_id),
            ),
        )

    def correct_skill(
        self, employee_id: str, skill_id: str, *, action: str, level: int | None = None
    ) -> CorrectionsView:
        """Confirm, remove or declare a level of one of a person's skills
        (:mod:`recommender.corrections`): an employee for themself, talent and admins for
        anyone. Stored, logged (``skills.write``) and the data version moved, in one
        transaction.

        Raises
        ------
        Forbidden, UnknownEmployee
            As for reads.
        UnknownSkill, InvalidInput
            See :func:`~recommender.corrections.checked_skill_correction`.
        """
        person = self._person(Action.SKILLS_WRITE, employee_id)
        wanted = checked_skill_correction(self.service.catalog, person, skill_id, action, level)
        return self._correct(person, wanted)

    def add_certification(self, employee_id: str, course_id: str) -> CorrectionsView:
        """Record that a person holds a catalogue course or certification; as
        :meth:`correct_skill`.

        Raises
        ------
        Forbidden, UnknownEmployee, UnknownCourse
        """
        person = self._person(Action.SKILLS_WRITE, employee_id)
        return self._correct(person, checked_certification(self.service.catalog, course_id))

    def withdraw_correction(self, employee_id: str, kind: str, item_id: str) -> CorrectionsView:
        """Withdraw a person's correction of one skill (``kind`` ``"skill"``) or
        certification (``"certification"``): the record is again as imported there, with
        their other corrections. Who may: as :meth:`correct_skill`. Deleted, logged
        (``skills.write``) and the data version moved, in one transaction.

        Raises
        ------
        Forbidden, UnknownEmployee
            As for reads.
        UnknownCorrection
            The person has no such correction stored.
        """
        person = self._person(Action.SKILLS_WRITE, employee_id)
        record, left, version = withdraw_correction(
            self.engine,
            self.principal,
            person.id,
            kind,
            item_id,
            **self._written(Action.SKILLS_WRITE),
        )
        return CorrectionsView(record, left, version)

    def _correct(self, person: Employee, wanted: Correction) -> CorrectionsView:
        stored, version = write_correction(
            self.engine, self.principal, person.id, wanted, **self._written(Action.SKILLS_WRITE)
        )
        return CorrectionsView(
            corrected(person, [stored]), read_corrections(self.engine, person.id), version
        )

    def pathway(
        self,
        employee_id: str,
        target: str,
        *,
        objective: Objective | None = None,
        paths: int | None = None,
        start: date | None = None,
    ) -> PathwayAnswer:
        """A person's gaps and cheapest plan to ``target`` (:meth:`Recommender.pathway`)."""
        return self.read_person(
            Action.PATHWAYS_READ,
            employee_id,
            lambda: self.service.pathway(
                target, employee_id=employee_id, objective=objective, paths=paths, start=start
            ),
        )

    # -- rankings of people --------------------------------------------------------------------

    def candidates(
        self,
        role_id: str,
        limit: int = 10,
        filters: ShortlistFilter | None = None,
        *,
        exact_hours: bool = True,
    ) -> Shortlist:
        """The people closest to ready for ``role_id``; everyone listed is logged, and
        anyone erased since the data was loaded is left out (ranks as they were).

        ``exact_hours=False`` ranks by lower-bound hours only, without exact plans
        (``reskill candidates --estimate``)."""
        self._authorise(Action.CANDIDATES_READ)
        self._check_filters(filters)
        listed = self.service.shortlist(role_id, limit, filters, exact_hours=exact_hours)
        logged = self._log(Action.CANDIDATES_READ, [c.employee_id for c in listed.candidates])
        if len(logged) == len(listed.candidates):
            return listed
        kept = tuple(c for c in listed.candidates if c.employee_id in logged)
        return replace(listed, candidates=kept)

    def search_people(self, text: str, limit: int = 10) -> PeopleSearch:
        """The people whose profiles read most like ``text``; each is logged (the text is
        neither logged nor stored)."""
        self._authorise(Action.CANDIDATES_READ)
        found = self.service.similar_people(text, limit)
        logged = self._log(Action.CANDIDATES_READ, [m.employee_id for m in found.matches])
        return replace(found, matches=tuple(m for m in found.matches if m.employee_id in logged))

    def hard_to_fill(
        self, within_hours: float = 200.0, *, all_roles: bool = False
    ) -> tuple[RoleDemand, ...]:
        """The hard-to-fill view (:func:`~recommender.candidates.hard_to_fill_view`): counts
        of people, never a person, so nothing is logged; anyone erased since the served
        data was loaded is not counted (checked against the stored rows now)."""
        from recommender.candidates.demand import view_of

        self._authorise(Action.CANDIDATES_READ)
        reach = self.service.role_reach(within_hours, all_roles=all_roles)
        return view_of(reach, kept=lambda ids: stored_among(self.engine, ids))

    # -- stored shortlists -----------------------------------------------------------------------

    def create_shortlist(
        self,
        role_id: str,
        limit: int = 10,
        filters: ShortlistFilter | None = None,
        *,
        filters_record: Mapping[str, Any] | None = None,
    ) -> ShortlistView:
        """Rank and store a shortlist (everyone on it logged in the same transaction);
        answered as a later read by this caller shows it.

        ``filters_record`` is how the filters are stored and shown (JSON-ready; default:
        the fields of ``filters``).
        """
        self._authorise(Action.SHORTLISTS_WRITE)
        self._check_filters(filters)
        listed = self.service.shortlist(role_id, limit, filters)
        content = self._content(listed, limit, filters_record or _filters_record(filters))
        stored = create_shortlist(
            self.engine,
            self.principal,
            content,
            route=self.caller.route,
            request_id=self.caller.request_id,
        )
        return self._shown(stored)

    def shortlist(self, shortlist_id: str) -> ShortlistView:
        """A stored shortlist exactly as saved, projected for this caller; everyone shown
        is logged. Someone else's shortlist a recruiter may not see is the same
        ``UnknownShortlist`` as one that does not exist."""
        self._authorise(Action.SHORTLISTS_READ)
        stored = read_shortlist(
            self.engine,
            self.principal,
            shortlist_id,
            route=self.caller.route,
            request_id=self.caller.request_id,
        )
        return self._shown(stored)

    def _content(
        self, listed: Shortlist, limit: int, filters: Mapping[str, Any]
    ) -> ShortlistContent:
        catalog = self.service.catalog
        nominated = read_nominations(self.engine, [c.employee_id for c in listed.candidates])
        entries = tuple(
            ShortlistEntry(
                c.rank,
                c.employee_id,
                {**candidate_record(catalog, c), **_nominated(nominated, c.employee_id)},
            )
            for c in listed.candidates
        )
        return ShortlistContent(
            role_id=listed.role_id,
            role_title=catalog.role(listed.role_id).title,
            limit=limit,
            filters=filters,
            considered=listed.considered,
            certified=listed.certified,
            entries=entries,
        )

    def _shown(self, stored: StoredShortlist) -> ShortlistView:
        view = self.view
        shown = tuple(project(e.payload, view) for e in stored.content.entries)
        return ShortlistView(stored, view, shown)

    # -- academy plans -----------------------------------------------------------------------------

    def create_academy_plan(self, request: CohortRequest) -> PlanView:
        """Plan a cohort (:meth:`Recommender.academy_plan`) among the people still stored,
        audit its selection (:func:`recommender.reports.selection_audit`), and store it,
        everyone in it logged in the same transaction; answered as a later read shows it.

        Raises
        ------
        Forbidden, UnknownRole, InvalidInput
        """
        from recommender.reports import selection_audit

        self._authorise(Action.ACADEMY_WRITE)
        people = stored_among(self.engine, sorted(self.service.catalog.employees))
        stored_nominations = read_nominations(self.engine)
        request = replace(
            request,
            nominations={
                person: {n.role_id for n in made} for person, made in stored_nominations.items()
            },
        )
        plan = self.service.academy_plan(request, people)
        asked = _request_record(request, plan.start)
        summary = {k: v for k, v in plan.to_dict().items() if k != "assignments"}
        summary["audit"] = selection_audit(
            self.service,
            self.engine,
            self.principal,
            plan.employee_ids,
            question={"academy_plan": asked},
            route=self.caller.route,
            request_id=self.caller.request_id,
        )
        entries = tuple(
            PlanEntry(i, a.employee_id, a.to_dict() | _nominated(stored_nominations, a.employee_id))
            for i, a in enumerate(plan.assignments, 1)
        )
        stored = create_plan(
            self.engine,
            self.principal,
            PlanContent(asked, summary, entries),
            route=self.caller.route,
            request_id=self.caller.request_id,
        )
        return self._plan_shown(stored)

    def academy_plan(self, plan_id: str) -> PlanView:
        """A stored academy plan exactly as saved; everyone in it is logged. A caller who
        may not read plans gets the same ``UnknownPlan`` as an id that does not exist."""
        self._authorise(Action.ACADEMY_READ)
        stored = read_plan(
            self.engine,
            self.principal,
            plan_id,
            route=self.caller.route,
            request_id=self.caller.request_id,
        )
        return self._plan_shown(stored)

    def _plan_shown(self, stored: StoredPlan) -> PlanView:
        summary = dict(stored.content.summary)
        if not self.principal.may(Action.IMPACT_READ):
            summary["audit"] = None
        return PlanView(stored, summary, tuple(e.payload for e in stored.content.entries))

    # -- nominations ---------------------------------------------------------------------------

    def nominate(self, employee_id: str, role_id: str | None, reason: str) -> StoredNomination:
        """Nominate a person for a target role (``None``: the academy) with a short reason:
        a manager in their own department, talent and admins anyone. Stored and logged
        (``nominations.write``) in one transaction.

        Raises
        ------
        Forbidden, UnknownEmployee
            As for reads (a manager naming someone outside their department: unknown).
        UnknownRole, InvalidInput
        """
        self._person(Action.NOMINATIONS_WRITE, employee_id)
        if role_id is not None:
            self.service.catalog.role(role_id)
        reason = reason.strip()
        if not 1 <= len(reason) <= MAX_REASON:
            raise InvalidInput(f"a nomination's reason takes 1 to {MAX_REASON} characters")
        return add_nomination(
            self.engine,
            self.principal,
            employee_id,
            role_id=role_id,
            reason=reason,
            **self._written(Action.NOMINATIONS_WRITE),
        )

    def nominations_of(self, employee_id: str) -> tuple[StoredNomination, ...]:
        """A person's nominations (the person themself, their department's manager, talent,
        admins), logged as a read."""
        return self.read_person(
            Action.NOMINATIONS_READ,
            employee_id,
            lambda: read_nominations(self.engine, [employee_id]).get(employee_id, ()),
        )

    def nominations(self) -> tuple[StoredNomination, ...]:
        """Every nomination this caller may see (a manager: their department's), each
        person in it logged; an employee reads only their own (:meth:`nominations_of`)."""
        self._authorise(Action.NOMINATIONS_READ)
        if self.principal.role in OWN_RECORD_ONLY:
            raise Forbidden(self.principal.role, "list everyone's nominations")
        catalog = self.service.catalog
        found = [
            n
            for made in read_nominations(self.engine).values()
            for n in made
            if n.employee_id in catalog.employees
            and self.principal.within(catalog.employees[n.employee_id].department)
        ]
        people = list(dict.fromkeys(n.employee_id for n in found))
        logged = self._log(Action.NOMINATIONS_READ, people)
        return tuple(n for n in found if n.employee_id in logged)

    def withdraw_nomination(self, nomination_id: str) -> StoredNomination:
        """Withdraw a nomination: talent and admin keys any, a manager's key only those it
        made, of people still in its department. Deleted and logged (``nominations.write``
        about the person) in one transaction; returns what was withdrawn.

        Raises
        ------
        Forbidden
            The caller's role may not nominate (recruiter, auditor, employee).
        UnknownNomination
            No such nomination (or withdrawn already), or one this caller may not withdraw:
            the same answer for both.
        """
        self._authorise(Action.NOMINATIONS_WRITE)
        principal, people = self.principal, self.service.catalog.employees

        def may(made: StoredNomination) -> bool:
            if principal.role not in DEPARTMENT_BOUND:
                return True
            person = people.get(made.employee_id)
            return (
                made.nominated_by == principal.key_id
                and person is not None
                and principal.within(person.department)
            )

        return withdraw_nomination(
            self.engine,
            principal,
            nomination_id,
            may=may,
            **self._written(Action.NOMINATIONS_WRITE),
        )

    # -- aggregate reports about people ------------------------------------------------------------

    def impact_report(self, question: ImpactQuestion) -> PublishedImpactReport:
        """The adverse-impact report of ``question``, as it may be given out: small cells
        suppressed, refused when it could be differenced with an earlier one into a
        person's category; stored and logged (see :mod:`recommender.reports`).

        Raises
        ------
        Forbidden
            The caller's role may not run reports (only admin and auditor keys may).
        ReportRefused, InvalidInput, UnknownRole, ModelMissing
        """
        from recommender.reports import impact_report

        self._authorise(Action.IMPACT_READ)
        return impact_report(
            self.service,
            self.engine,
            self.principal,
            question,
            route=self.caller.route,
            request_id=self.caller.request_id,
        )

    # -- erasure ----------------------------------------------------------------------------------

    def erase(self, employee_id: str) -> ErasureReceipt:
        """Erase a person from the database, the access log (tombstoned) and the embedding
        cache (:func:`recommender.erasure.erase_employee`). The caller then serves a
        Recommender without them.

        Raises
        ------
        Forbidden
            The caller's role may not erase anyone.
        UnknownEmployee
            No such person stored; nothing changes.
        """
        from recommender.embeddings import CachedEncoder
        from recommender.erasure import erase_employee

        self._authorise(Action.EMPLOYEES_ERASE)
        encoder = self.service.encoder
        return erase_employee(
            self.engine,
            self.service.catalog,
            employee_id,
            self.principal,
            route=self.caller.route,
            request_id=self.caller.request_id,
            cache=encoder if isinstance(encoder, CachedEncoder) else None,
        )

    # -- the access log --------------------------------------------------------------------------

    def access_log(self, employee_id: str | None = None, limit: int = 50) -> list[AccessRecord]:
        """The newest ``limit`` access-log rows, all or about one person (admins only).

        Reading the log is not itself logged: it would add rows naming the very person
        being audited.
        """
        self._authorise(Action.AUDIT_READ)
        return read_access_log(self.engine, employee_id=employee_id, limit=limit)


def _filters_record(filters: ShortlistFilter | None) -> dict[str, Any]:
    if filters is None:
        return {"department": None, "location": None, "min_readiness": 0.0, "max_hours": None}
    return {
        "department": filters.department,
        "location": filters.location,
        "min_readiness": filters.min_readiness,
        "max_hours": filters.max_hours,
    }


def _request_record(request: CohortRequest, start: date) -> dict[str, Any]:
    """How an academy request is stored and shown (JSON-ready)."""
    return {
        "roles": list(request.roles),
        "needs": dict(request.needs) if request.needs is not None else None,
        "money": request.money,
        "hours": request.hours,
        "weeks": request.weeks,
        "max_per_role": request.max_per_role,
        "max_per_department": request.max_per_department,
        "only_nominated": request.only_nominated,
        "prefer_nominated": request.prefer_nominated,
        "from_hard_to_fill": request.from_hard_to_fill,
        "start": start.isoformat(),
    }


def _nominated(
    stored: Mapping[str, Sequence[StoredNomination]], employee_id: str
) -> dict[str, Any]:
    """Who nominated a person in a plan, and for what (JSON-ready)."""
    return {
        "nominations": [
            {
                "role_id": n.role_id,
                "reason": n.reason,
                "nominated_by": n.nominated_by,
                "nominator_role": str(n.nominator_role),
                "nominated_at": n.nominated_at.isoformat(),
            }
            for n in stored.get(employee_id, ())
        ]
    }
