"""`Recommender`: the one facade that the HTTP API and the CLI call.

It loads the catalogue once (from the database or from a Catalog given
directly), keeps it immutable, and answers the questions the API asks. The
expensive parts (the candidate index with its profile vectors, the stepping-stone
graph, the skill extractor, the role and title indexes) are built once, on first
use or by :meth:`Recommender.warm`, under a lock so concurrent requests build
each only once. A change to the data (an import, an erasure) makes a *new*
Recommender (:meth:`Recommender.with_catalog`) that the caller swaps in whole:
requests in flight finish on the old one.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

import networkx as nx

from recommender import ONET_ATTRIBUTION
from recommender.answers import AnswerCache
from recommender.candidates.precompute import PreparedOpportunities, is_prepared_question
from recommender.catalog import Catalog, Course, CourseKind, Role, RoleSource, Skill, SkillCategory
from recommender.errors import InvalidInput, ModelMissing
from recommender.graph import build_graph

if TYPE_CHECKING:
    import sqlalchemy as sa

    from recommender.academy import CohortPlan, CohortRequest
    from recommender.access import Principal
    from recommender.candidates import CandidateIndex, Shortlist, ShortlistFilter
    from recommender.candidates.demand import RoleReach
    from recommender.candidates.goals import Goal
    from recommender.candidates.mobility import Opportunities, Routes
    from recommender.candidates.people import PeopleSearch
    from recommender.embeddings import Encoder
    from recommender.gate import Gate
    from recommender.matching import MatchResult, RoleIndex
    from recommender.pathways import (
        Objective,
        Planner,
        SteppingStones,
        TrainingPlan,
        TransitionJudge,
    )
    from recommender.pathways.answer import PathwayAnswer
    from recommender.skills_extraction import SkillExtractor
    from recommender.titles import TitleMatch, TitleNormaliser
    from recommender.titles.occupations import TitledOccupation
    from recommender.transitions.occupations import OccupationScores
    from recommender.transitions.organisation import OrganisationModel
    from recommender.vector_search import VectorIndex

Built = TypeVar("Built")

#: How many bytes of answers (shortlists, opportunity lists, pages) a Recommender remembers
#: by default, as estimated by :func:`~recommender.answers.estimated_size`.
ANSWER_BYTES = 256 * 2**20

#: The judges a Recommender can use (:attr:`Recommender.judge`).
JUDGES = ("model", "coverage")

__all__ = ["CatalogFilter", "JUDGES", "Recommender"]


@dataclass(frozen=True, slots=True)
class CatalogFilter:
    """Filters for listing roles; ``None`` means "any"."""

    hard_to_fill: bool | None = None
    job_family: str | None = None
    source: RoleSource | None = None
    query: str | None = None

    def accepts(self, role: Role) -> bool:
        family, query = self.job_family, self.query
        return (
            (self.hard_to_fill is None or role.hard_to_fill == self.hard_to_fill)
            and (family is None or role.job_family.casefold() == family.casefold())
            and (self.source is None or role.source == self.source)
            and (not query or query.casefold() in role.title.casefold())
        )


class Recommender:
    """Answers catalogue, pathway and shortlist questions over one immutable catalogue.

    Parameters
    ----------
    catalog : Catalog
        Roles, skills, courses and employees; never modified.
    encoder : Encoder, optional
        Embeds profiles, role texts and titles (wrap it in a
        :class:`~recommender.embeddings.CachedEncoder`). Without one, shortlists,
        free-text matching and title normalisation raise :class:`ModelMissing`;
        pathways and mobility options still work.
    onet_titles : sequence of TitledOccupation
        O*NET occupations known by their titles (from the user's O*NET download), ranked
        by title normalisation beside the catalogue's own O*NET roles.
    engine : sqlalchemy.Engine, optional
        The database the catalogue came from: it holds the access log every read of a
        person is written to (:meth:`for_principal`).
    answer_bytes : int, optional
        The most bytes of remembered answers (default :data:`ANSWER_BYTES`; see
        :meth:`_memo`).
    data_version : int, optional
        The data version (:mod:`recommender.store.versions`) ``catalog`` was loaded at;
        ``None`` for a catalogue that did not come from a database.
    judge : {"model", "coverage"}
        Which moves are viable (:attr:`judge`): the learned organisation judge (default;
        it needs ``encoder`` to be the embedding model it was fitted with, and otherwise
        skill coverage judges), or skill coverage.
    models_dir : Path, optional
        Where the organisation judge's files are (default: the checkout's ``models/``).
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        encoder: Encoder | None = None,
        onet_titles: Sequence[TitledOccupation] = (),
        engine: sa.Engine | None = None,
        answer_bytes: int | None = None,
        data_version: int | None = None,
        judge: str = "model",
        models_dir: Path | None = None,
    ) -> None:
        if judge not in JUDGES:
            raise InvalidInput(f"unknown judge {judge!r}: use one of {', '.join(JUDGES)}")
        self.catalog = catalog
        self.judge_name = judge
        self.models_dir = models_dir
        self.data_version = data_version
        self.encoder = encoder
        self.onet_titles = tuple(onet_titles)
        self.engine = engine
        self._lock = threading.RLock()
        self._built: dict[str, object] = {}
        self._plans_to_adopt: bytes | None = None  # see adopt_shortlist_plans
        self._answers = AnswerCache(ANSWER_BYTES if answer_bytes is None else answer_bytes)
        self.prepared_opportunities = PreparedOpportunities()

    @classmethod
    def from_engine(
        cls,
        engine: sa.Engine,
        *,
        encoder: Encoder | None = None,
        onet_titles: Sequence[TitledOccupation] = (),
        answer_bytes: int | None = None,
        judge: str = "model",
        models_dir: Path | None = None,
    ) -> Recommender:
        """Migrate the database behind ``engine`` to head and load its whole catalogue (and
        the data version it is, read in the same snapshot)."""
        from recommender.store import load_versioned_catalog, upgrade

        upgrade(engine)
        catalog, version = load_versioned_catalog(engine)
        return cls(
            catalog,
            encoder=encoder,
            onet_titles=onet_titles,
            engine=engine,
            answer_bytes=answer_bytes,
            data_version=version,
            judge=judge,
            models_dir=models_dir,
        )

    def with_catalog(self, catalog: Catalog, *, data_version: int | None = None) -> Recommender:
        """A new Recommender over ``catalog`` (at ``data_version``) with the same encoder,
        O*NET titles and answer budget (its memory of answers starts empty).

        Prepared opportunity answers carry over for people whose record did not change,
        when the roles, skills and courses did not either.
        """
        new = Recommender(
            catalog,
            encoder=self.encoder,
            onet_titles=self.onet_titles,
            engine=self.engine,
            answer_bytes=self._answers.max_bytes,
            data_version=data_version,
            judge=self.judge_name,
            models_dir=self.models_dir,
        )
        new.prepared_opportunities = self.prepared_opportunities.carried_to(self.catalog, catalog)
        return new

    def reloaded(self, engine: sa.Engine) -> Recommender:
        """A new Recommender over what the database holds now (after an import or erasure),
        at the data version it was read at."""
        from recommender.store import load_versioned_catalog

        catalog, version = load_versioned_catalog(engine)
        return self.with_catalog(catalog, data_version=version)

    def for_principal(
        self,
        principal: Principal,
        *,
        route: str,
        request_id: str,
        engine: sa.Engine | None = None,
        check_key: bool = False,
    ) -> Gate:
        """The gate through which ``principal`` reads people (see :mod:`recommender.gate`).

        Parameters
        ----------
        principal : Principal
            The caller.
        route : str
            What serves the read, for the access log (``"GET /v1/employees/{employee_id}"``,
            or a command's name).
        request_id : str
            Ties the log rows to this request.
        engine : sqlalchemy.Engine, optional
            The database holding the access log; default the one this catalogue came from.
        check_key : bool
            ``principal`` came from a cache, not a lookup for this request: every read
            is logged only while its key is still active (:class:`recommender.gate.Caller`).

        Raises
        ------
        InvalidInput
            No database to log reads in: personal data is never answered unlogged.
        """
        from recommender.gate import Caller, Gate

        database = engine if engine is not None else self.engine
        if database is None:
            raise InvalidInput("reading people needs the database that logs every read")
        return Gate(self, database, Caller(principal, route, request_id, check_key))

    # -- prepared state, built once ----------------------------------------------------------

    def _once(self, name: str, build: Callable[[], Built]) -> Built:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]  # type: ignore[return-value]

    def _memo(self, key: Hashable, compute: Callable[[], Built]) -> Built:
        """``compute()``, remembered within the answer budget (``answer_bytes``).

        Answers depend only on the immutable catalogue and the key, so a repeated question
        (the same shortlist asked by several recruiters) is answered from memory; a data
        change makes a new Recommender with an empty memory. The least recently used
        answers are dropped to stay within the budget, and one larger than an eighth of
        it is not kept (see :class:`~recommender.answers.AnswerCache`). Two threads asking
        the same new question may both compute it: the answers are equal.
        """
        return self._answers.get_or_compute(key, compute)

    @property
    def answer_cache(self) -> AnswerCache:
        """The remembered answers: their size, hits, misses and evictions."""
        return self._answers

    def remembered(self, key: Hashable, compute: Callable[[], Built]) -> Built:
        """``compute()`` for a question about this catalogue alone, remembered like the
        answers (see :meth:`_memo`): the result must never be modified."""
        return self._memo(key, compute)

    def _need_encoder(self, what: str) -> Encoder:
        if self.encoder is None:
            raise ModelMissing(f"{what} needs the embedding model, and none is configured")
        return self.encoder

    @property
    def judge(self) -> TransitionJudge:
        """Which moves are viable, and how good each is (opportunities, stepping stones,
        reachable roles, the shortlist's transition component).

        By default the organisation judge (:mod:`recommender.transitions.organisation`):
        the shipped O*NET occupation scores of the roles' SOC codes combined with their
        own descriptions, tasks, skills and levels, job zones and families, with the
        job-zone rule. With ``judge="coverage"``, or without an encoder of the embedding
        model it was fitted with (it embeds the roles' texts), skill coverage and the job-zone rule
        (:class:`~recommender.pathways.CoverageJudge`). :attr:`judge_key` says which.
        """
        return self._once("judge", self._make_judge)

    def _make_judge(self) -> TransitionJudge:
        from recommender.pathways import CoverageJudge

        files = self._judge_files()
        if files is None:
            return CoverageJudge(self.catalog)
        from recommender.transitions.organisation import OrganisationJudge

        assert self.encoder is not None
        return OrganisationJudge(self.catalog, self.encoder, *files)

    def _judge_files(self) -> tuple[OccupationScores, OrganisationModel] | None:
        """The organisation judge's files, or ``None`` when coverage judges: asked for, or no
        encoder of the embedding model the judge was fitted with (a fast test encoder, say)."""
        if self.judge_name == "coverage" or self.encoder is None:
            return None
        from recommender.transitions.organisation import load_judge_files

        files = self._once("judge_files", lambda: load_judge_files(self.models_dir))
        fitted = files[1].metadata.get("embedding_model")
        return files if fitted in (None, self.encoder.name) else None

    @property
    def judge_key(self) -> str:
        """Which judge :attr:`judge` is: ``"coverage"``, or ``"model:"`` and a hash of the
        organisation judge's files. Answers prepared and stored ahead are keyed by it, so a
        change of judge is never served from answers of the old one."""
        if self._judge_files() is None:
            return "coverage"
        from recommender.transitions.organisation import judge_files_digest

        return self._once("judge_key", lambda: f"model:{judge_files_digest(self.models_dir)}")

    @property
    def planner(self) -> Planner:
        from recommender.pathways import Planner

        return self._once("planner", lambda: Planner(self.catalog))

    @property
    def stepping_stones(self) -> SteppingStones:
        from recommender.pathways import SteppingStones

        return self._once("stones", lambda: SteppingStones.build(self.catalog, self.judge))

    @property
    def routes(self) -> Routes:
        """Stepping stones between roles, for long-term routes in opportunities."""
        from recommender.candidates.mobility import Routes

        return self._once("routes", lambda: Routes(self.stepping_stones))

    @property
    def candidate_index(self) -> CandidateIndex:
        """Employees' levels, lower-bound tables and (with an encoder) profile vectors."""

        return self._once("index", lambda: self._fit_index(None))

    def _fit_index(self, progress: Callable[[int, int], None] | None) -> CandidateIndex:
        from recommender.candidates import CandidateIndex

        index = CandidateIndex(batch_size=256).fit(
            self.catalog, self.judge, self.encoder, progress=progress
        )
        if self._plans_to_adopt is not None:
            index.plans_.adopt(self._plans_to_adopt)
            self._plans_to_adopt = None
        return index

    def adopt_shortlist_plans(self, exported: bytes) -> None:
        """Take the exact plans a preparation of this data version made
        (:meth:`PlanCache.export <recommender.candidates.plans.PlanCache.export>`) into the
        candidate index's plan cache: now if the index is built, else when it is."""
        with self._lock:
            built = self._built.get("index")
            if built is None:
                self._plans_to_adopt = exported
                return
        cast("CandidateIndex", built).plans_.adopt(exported)

    @property
    def people_index(self) -> VectorIndex:
        """Top-k search over the profile vectors (approximate above a size; see
        :mod:`recommender.vector_search`)."""
        from recommender.candidates.people import people_search_index

        self._need_encoder("searching people by text")
        return self._once("people", lambda: people_search_index(self.candidate_index))

    @property
    def has_people_index(self) -> bool:
        """Whether :attr:`people_index` is built (or adopted) already."""
        with self._lock:
            return "people" in self._built

    def adopt_people_graph(self, graph: bytes) -> VectorIndex:
        """Make :attr:`people_index` from ``graph`` (the approximate index a preparation of
        this data version stored) instead of building it; built as usual should ``graph``
        not fit the profile vectors (or the index be built already)."""
        from recommender.candidates.people import people_search_index

        self._need_encoder("searching people by text")
        return self._once("people", lambda: people_search_index(self.candidate_index, graph))

    @property
    def skill_extractor(self) -> SkillExtractor:
        from recommender.skills_extraction import SkillExtractor

        encoder = self._need_encoder("skill inference")
        return self._once("extractor", lambda: SkillExtractor(encoder).fit(self.catalog))

    @property
    def role_index(self) -> RoleIndex:
        from recommender.matching import RoleIndex

        encoder = self._need_encoder("free-text matching")
        return self._once("role_index", lambda: RoleIndex(encoder).fit(self.catalog))

    @property
    def title_normaliser(self) -> TitleNormaliser:
        from recommender.titles import TitleNormaliser

        encoder = self._need_encoder("title normalisation")
        return self._once(
            "titles",
            lambda: TitleNormaliser(encoder).fit(self.catalog, extra_occupations=self.onet_titles),
        )

    def warm(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Build what the first requests would otherwise wait for (profile vectors first).

        ``progress(done, total)`` is called while profiles are embedded.
        """
        self._once("index", lambda: self._fit_index(progress))
        self.stepping_stones  # noqa: B018
        if self.encoder is not None:
            self.role_index  # noqa: B018
            self.skill_extractor  # noqa: B018
            self.people_index  # noqa: B018

    # -- analysis ---------------------------------------------------------------------------

    def shortlist(
        self,
        role_id: str,
        limit: int = 10,
        filters: ShortlistFilter | None = None,
        *,
        exact_hours: bool = True,
    ) -> Shortlist:
        """The employees closest to ready for ``role_id``, with explanations.

        Raises
        ------
        UnknownRole, InvalidInput, ModelMissing
        """
        from recommender.candidates import shortlist

        self._need_encoder("a candidate shortlist")
        self.catalog.role(role_id)
        return self._memo(
            ("shortlist", role_id, limit, filters, exact_hours),
            lambda: shortlist(
                self.candidate_index, role_id, limit, filters, exact_hours=exact_hours
            ),
        )

    def academy_plan(
        self, request: CohortRequest, people: Iterable[str] | None = None
    ) -> CohortPlan:
        """The optimal cohort for ``request`` among ``people`` (default: everyone), viable
        by this recommender's judge (:func:`~recommender.academy.plan_cohort`).

        Raises
        ------
        UnknownRole, InvalidInput
        """
        from recommender.academy import plan_cohort
        from recommender.pathways import employee_profile

        def plan_of(
            employee_id: str, role_id: str, objective: Objective, start: date
        ) -> TrainingPlan:
            return self._memo(
                ("academy plan", employee_id, role_id, objective, start),
                lambda: self.planner.plan(
                    employee_profile(self.catalog, employee_id), role_id, objective, start=start
                ),
            )

        return plan_cohort(self.catalog, self.judge, self.planner, request, people, plan_of)

    def role_reach(
        self, within_hours: float = 200.0, *, all_roles: bool = False
    ) -> tuple[RoleReach, ...]:
        """Whom the candidates route returns for each hard-to-fill role (every role with
        ``all_roles``) under ``within_hours`` (:func:`~recommender.candidates.demand.role_reach`),
        remembered like shortlists: every exact plan it needs is made once per data version.

        Raises
        ------
        InvalidInput
        """
        from recommender.candidates.demand import role_reach

        return self._memo(
            ("role reach", float(within_hours), all_roles),
            lambda: role_reach(self.candidate_index, within_hours, all_roles=all_roles),
        )

    def opportunities(
        self,
        employee_id: str,
        limit: int = 10,
        *,
        include_unviable: bool = False,
        include_step_down: bool = False,
        goal: Goal | None = None,
        today: date | None = None,
    ) -> Opportunities:
        """The roles ``employee_id`` could move to, best first, each with its plan from
        ``today`` (default: the current date), and the routes toward their goal: ``goal``
        (one set through the API, read by the gate from the database), else the one their
        profile states (see :func:`~recommender.candidates.mobility_options`).

        The first page (``limit`` 10, viable moves, no step downs, no goal set) comes from
        the answers prepared ahead (:meth:`prepare_opportunities`) when there is one; other
        questions (a set goal among them) are remembered like shortlists.

        Raises
        ------
        UnknownEmployee, InvalidInput
        """
        from recommender.candidates import mobility_options

        self.catalog.employee(employee_id)
        today = today or date.today()
        key = _opportunities_key(employee_id, limit, include_unviable, include_step_down, goal)
        first_page = goal is None and is_prepared_question(
            limit, include_unviable, include_step_down
        )
        kept = self.prepared_opportunities.get(employee_id) if first_page else None
        prepared = kept is not None
        if kept is None:
            kept = self._memo(
                key,
                lambda: (
                    mobility_options(
                        self.candidate_index,
                        employee_id,
                        limit,
                        include_unviable=include_unviable,
                        include_step_down=include_step_down,
                        goal=goal,
                        start=today,
                        routes=self.routes,
                    ),
                    today,
                ),
            )
        options, start = kept
        if start != today:  # kept from an earlier day: move the plans, once
            options = self._starting(options, today)
            if prepared:
                self.prepared_opportunities.put(employee_id, options, today)
            else:
                self._answers.put(key, (options, today))
        return options

    def has_opportunities(
        self,
        employee_id: str,
        limit: int = 10,
        *,
        include_unviable: bool = False,
        include_step_down: bool = False,
        goal: Goal | None = None,
    ) -> bool:
        """Whether :meth:`opportunities` would answer from memory (no planning)."""
        if (
            goal is None
            and is_prepared_question(limit, include_unviable, include_step_down)
            and employee_id in self.prepared_opportunities
        ):
            return True
        key = _opportunities_key(employee_id, limit, include_unviable, include_step_down, goal)
        return key in self._answers

    def _starting(self, options: Opportunities, today: date) -> Opportunities:
        """``options`` with every plan moved to begin ``today``."""
        planner = self.candidate_index.planner_
        return options.plans_moved(lambda plan: planner.starting(plan, today))

    def prepare_opportunities(
        self,
        progress: Callable[[int, int], None] | None = None,
        *,
        processes: int | None = None,
        today: date | None = None,
    ) -> int:
        """Answer every rankable employee's first page of opportunities now, in
        ``processes`` worker processes (default one per core); returns how many were
        answered (those carried over from the previous catalogue are not asked again).

        See :mod:`recommender.candidates.precompute`.
        """
        return self.prepared_opportunities.fill(
            self.candidate_index,
            processes=processes,
            start=today,
            progress=progress,
            routes=self.routes,
        )

    def pathway(
        self,
        target: str,
        *,
        employee_id: str | None = None,
        from_role: str | None = None,
        objective: Objective | None = None,
        paths: int | None = None,
        start: date | None = None,
    ) -> PathwayAnswer:
        """The plan from an employee (or a role's typical profile) to ``target``.

        Raises
        ------
        InvalidInput
            Neither or both of ``employee_id`` and ``from_role``.
        UnknownRole, UnknownEmployee
        """
        from recommender.pathways import Objective, employee_profile, role_profile
        from recommender.pathways.answer import answer_pathway

        if (employee_id is None) == (from_role is None):
            raise InvalidInput("give exactly one of an employee or a starting role")
        profile = (
            employee_profile(self.catalog, employee_id)
            if employee_id is not None
            else role_profile(self.catalog, str(from_role))
        )
        self.catalog.role(target)
        return answer_pathway(
            self.planner,
            self.judge,
            lambda: self.stepping_stones,
            profile,
            target,
            objective=objective or Objective.HOURS,
            start=start,
            paths=paths,
        )

    def match(self, text: str, top: int = 5) -> MatchResult:
        """The roles and (inferred) skills a free-text description points to."""
        from recommender.matching import match_text

        encoder = self._need_encoder("free-text matching")
        return match_text(
            text, self.catalog, encoder, self.skill_extractor, top, index=self.role_index
        )

    def similar_people(self, text: str, limit: int = 10) -> PeopleSearch:
        """The employees who do the work ``text`` (a job ad, a description) describes:
        ranked by the skills it evidences that they hold, how well their current role fits
        it, and how close their profile reads (:mod:`recommender.candidates.people`).

        Raises
        ------
        InvalidInput
            For blank text or ``limit`` < 1.
        ModelMissing
            Without an encoder.
        """
        from recommender.candidates.people import similar_people
        from recommender.matching import text_vector

        encoder = self._need_encoder("searching people by text")
        if not text.strip():
            raise InvalidInput("text to search by is empty: give a job description or profile")

        def search() -> PeopleSearch:
            vector = text_vector(encoder, text)
            skills = self.skill_extractor.extract(text)
            roles = self.role_index.score_all(vector, skills)
            return similar_people(
                self.candidate_index, self.people_index, vector, skills, limit, roles=roles
            )

        # Remembered like shortlists (until the data changes), keyed by a hash of the text
        # so the text itself is not kept.
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return self._memo(("people", digest, limit), search)

    def normalise_titles(
        self, titles: Sequence[str], top: int = 5
    ) -> tuple[list[list[TitleMatch]], list[list[TitleMatch]]]:
        """For each title, the ranked O*NET occupations and the organisation's roles."""
        normaliser = self.title_normaliser
        return normaliser.normalise(titles, top), normaliser.match_roles(titles, top)

    @property
    def has_onet_data(self) -> bool:
        return any(r.source == RoleSource.ONET for r in self.catalog.roles.values())

    @property
    def attribution(self) -> str | None:
        """O*NET's CC BY 4.0 attribution when any O*NET data is loaded."""
        return ONET_ATTRIBUTION if self.has_onet_data else None

    @cached_property
    def graph(self) -> nx.DiGraph:
        return build_graph(self.catalog)

    def roles(self, where: CatalogFilter = CatalogFilter()) -> list[Role]:
        return sorted(
            (r for r in self.catalog.roles.values() if where.accepts(r)), key=lambda r: r.id
        )

    def role(self, role_id: str) -> Role:
        return self.catalog.role(role_id)

    def skills(self, category: SkillCategory | None = None) -> list[Skill]:
        found = (s for s in self.catalog.skills.values() if category in (None, s.category))
        return sorted(found, key=lambda s: s.id)

    def courses(self, kind: CourseKind | None = None, teaches: str | None = None) -> list[Course]:
        if teaches is not None:
            self.catalog.skill(teaches)  # unknown skill -> UnknownSkill, not an empty list
        found = (
            c
            for c in self.catalog.courses.values()
            if kind in (None, c.kind)
            and (teaches is None or any(t.skill_id == teaches for t in c.teaches))
        )
        return sorted(found, key=lambda c: c.id)

    def counts(self) -> dict[str, int]:
        c = self.catalog
        return {
            "roles": len(c.roles),
            "skills": len(c.skills),
            "courses": len(c.courses),
            "employees": len(c.employees),
        }


def _opportunities_key(
    employee_id: str,
    limit: int,
    include_unviable: bool,
    include_step_down: bool,
    goal: Goal | None,
) -> Hashable:
    return ("opportunities", employee_id, limit, include_unviable, include_step_down, goal)
