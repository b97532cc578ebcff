"""Turn each raw row of an org table into a typed value plus the references it makes.

One function per table reads the row's cells through a :class:`RowReader`, which
records a :class:`~recommender.errors.Problem` for every bad cell, so one row can
report several problems. Cross-row checks (duplicates, references, cycles) happen
in :mod:`recommender.ingest.tables`, which sees all files at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from recommender.catalog import (
    Course,
    CourseKind,
    CoursePricing,
    Employee,
    EmployeeSkill,
    Evidence,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    SkillLevel,
)
from recommender.errors import Problem
from recommender.ingest import validation as v
from recommender.ingest.rawtable import ImportLimits, RawRow, RawTable

__all__ = ["Ref", "Parsed", "Prerequisite", "RowReader", "parse_table", "CATEGORIES"]

T = TypeVar("T")

CATEGORIES = (
    "clinical",
    "it_operations",
    "security",
    "data_ai",
    "health_information",
    "business",
    "interpersonal",
)
KINDS = tuple(k.value for k in CourseKind)
DELIVERIES = ("online", "in_person", "blended", "self_paced", "on_the_job")
PRICINGS = tuple(p.value for p in CoursePricing)
EVIDENCE = ("declared", "certified", "manager_verified", "inferred")
PREREQUISITE_TYPES = ("course", "skill")
MAX_HOURS = 5000.0
MAX_COST = 100_000.0
MAX_TENURE = 80.0
MAX_WEEKLY_HOURS = 40.0
MAX_COUNT = 1_000_000


@dataclass(frozen=True, slots=True)
class Ref:
    """A row's reference to an entity; ``owner`` marks the entity the row belongs to."""

    column: str
    table: str
    id: str
    owner: bool = False


@dataclass(frozen=True, slots=True)
class Parsed:
    """A valid row: its line, its key (for duplicates), its value and its references."""

    line: int
    key: tuple[str, ...]
    value: Any
    refs: tuple[Ref, ...]


@dataclass(frozen=True, slots=True)
class Prerequisite:
    course_id: str
    kind: str
    target: str
    level: int | None


@dataclass
class RowReader:
    """Reads the cells of one row; each bad cell adds a problem and marks the row failed."""

    table: RawTable
    row: RawRow
    limits: ImportLimits
    today: date
    problems: list[Problem]
    warnings: list[Problem]
    required: frozenset[str]
    failed: bool = False
    values: dict[str, object] = field(default_factory=dict)
    refs: list[Ref] = field(default_factory=list)

    def _read(self, column: str, parse: Callable[[str], T], fallback: T) -> T:
        try:
            value = parse(self.row.cells.get(column, ""))
        except v.BadValue as exc:
            self.problems.append(Problem(self.table.file, self.row.line, column, str(exc)))
            self.failed = True
            return fallback
        self.values[column] = value
        return value

    def id(self, column: str, refers_to: str | None = None, owner: bool = False) -> str:
        value = self._read(
            column, lambda s: v.parse_id(s, max_chars=self.limits.max_name_chars), ""
        )
        scripts = v.mixed_scripts(value)
        if scripts:
            self.warnings.append(
                Problem(
                    self.table.file,
                    self.row.line,
                    column,
                    f"id {value!r} mixes {' and '.join(scripts).lower()} "
                    "letters: check for look-alike characters",
                )
            )
        if value and refers_to is not None:
            self.refs.append(Ref(column, refers_to, value, owner))
        return value

    def name(self, column: str) -> str:
        required = column in self.required
        return self._read(
            column,
            lambda s: v.parse_text(
                s, max_chars=self.limits.max_name_chars, multiline=False, required=required
            ),
            "",
        )

    def text(self, column: str) -> str:
        required = column in self.required
        return self._read(
            column,
            lambda s: v.parse_text(
                s, max_chars=self.limits.max_text_chars, multiline=True, required=required
            ),
            "",
        )

    def names(self, column: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.text(column).split("|") if p.strip())

    def ids(self, column: str, refers_to: str) -> tuple[str, ...]:
        """The ids of a ``|``-separated list cell, each checked as an id and recorded as a
        reference to ``refers_to``; a repeated id is kept once."""
        out: list[str] = []
        for part in self.row.cells.get(column, "").split("|"):
            if not part.strip():
                continue
            try:
                value = v.parse_id(part, max_chars=self.limits.max_name_chars)
            except v.BadValue as exc:
                self.fail(column, str(exc))
                continue
            if value not in out:
                out.append(value)
                self.refs.append(Ref(column, refers_to, value))
        self.values[column] = "|".join(out)
        return tuple(out)

    def enum(self, column: str, allowed: tuple[str, ...]) -> str:
        return self._read(column, lambda s: v.parse_enum(s, allowed), allowed[0])

    def whole(self, column: str, low: int, high: int) -> int:
        return self._read(column, lambda s: v.parse_int(s, low=low, high=high, what=column), 0)

    def optional_whole(self, column: str, low: int, high: int) -> int | None:
        if not self.row.cells[column].strip():
            return None
        return self.whole(column, low, high)

    def level(self, column: str = "level") -> int:
        return self._read(column, v.parse_level, 1)

    def decimal(self, column: str, high: float, low: float = 0.0, low_open: bool = False) -> float:
        return self._read(
            column,
            lambda s: v.parse_decimal(s, low=low, high=high, what=column, low_open=low_open),
            0.0,
        )

    def flag(self, column: str) -> bool:
        return self._read(column, v.parse_bool, False)

    def day(self, column: str) -> date | None:
        return self._read(column, lambda s: v.parse_date(s, today=self.today), None)

    def url(self, column: str) -> str:
        return self._read(
            column, lambda s: v.parse_url(s, max_chars=self.limits.max_text_chars), ""
        )

    def fail(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.table.file, self.row.line, column, reason))
        self.failed = True

    def key(self) -> tuple[str, ...]:
        return tuple(str(self.values.get(c, "")) for c in self.table.spec.key)


def _skill(r: RowReader) -> Skill:
    return Skill(
        r.id("skill_id"),
        r.name("name"),
        SkillCategory(r.enum("category", CATEGORIES)),
        r.text("description"),
        r.names("aliases"),
    )


def _soc_code(r: RowReader) -> str:
    code = r.name("soc_code")
    if code and not v.SOC_CODE.fullmatch(code):
        r.fail(
            "soc_code",
            f"{code!r} is not an O*NET-SOC code of the form NN-NNNN.NN (e.g. 15-1212.00)",
        )
    return code


def _role(r: RowReader) -> Role:
    role_id = r.id("role_id")
    feeders = r.ids("feeder_roles", "roles")
    if role_id and role_id in feeders:
        r.fail("feeder_roles", f"role {role_id!r} cannot be a feeder role of itself")
    return Role(
        id=role_id,
        title=r.name("title"),
        description=r.text("description"),
        soc_code=_soc_code(r),
        job_family=r.name("job_family"),
        job_zone=r.whole("job_zone", 1, 5),
        open_positions=r.whole("open_positions", 0, MAX_COUNT),
        median_days_to_fill=r.optional_whole("median_days_to_fill", 0, 3650),
        hard_to_fill=r.flag("hard_to_fill"),
        pay_band=r.name("pay_band") or None,
        source=RoleSource.ORG,
        feeder_roles=feeders,
    )


def _role_skill(r: RowReader) -> tuple[str, Requirement]:
    role = r.id("role_id", "roles", owner=True)
    skill = r.id("skill_id", "skills")
    return role, Requirement(skill, float(r.level()), r.decimal("importance", 1.0, low_open=True))


def _role_task(r: RowReader) -> tuple[str, str]:
    return r.id("role_id", "roles", owner=True), r.text("task")


def _course(r: RowReader) -> Course:
    return Course(
        id=r.id("course_id"),
        title=r.name("title"),
        provider=r.name("provider"),
        kind=CourseKind(r.enum("kind", KINDS)),
        hours=r.decimal("hours", MAX_HOURS),
        cost=r.decimal("cost_usd", MAX_COST),
        delivery=r.enum("delivery", DELIVERIES),
        teaches=(),
        url=r.url("url"),
        hours_estimated=r.flag("hours_estimated"),
        cost_estimated=r.flag("cost_estimated"),
        description=r.text("description"),
        pricing=_pricing(r),
    )


def _pricing(r: RowReader) -> CoursePricing:
    """How the course is charged to a cohort; blank or absent: per seat."""
    if not r.row.cells.get("pricing", "").strip():
        return CoursePricing.PER_SEAT
    return CoursePricing(r.enum("pricing", PRICINGS))


def _course_skill(r: RowReader) -> tuple[str, SkillLevel]:
    course = r.id("course_id", "courses", owner=True)
    return course, SkillLevel(r.id("skill_id", "skills"), float(r.level()))


def _prerequisite(r: RowReader) -> Prerequisite:
    course = r.id("course_id", "courses", owner=True)
    kind = r.enum("prerequisite_type", PREREQUISITE_TYPES)
    target = r.id("prerequisite_id", "skills" if kind == "skill" else "courses")
    level = r.optional_whole("level", 1, 5)
    if kind == "skill" and level is None and not r.failed:
        r.fail("level", "is required for a skill prerequisite (a whole number 1-5)")
    if kind == "course" and level is not None:
        r.fail("level", "must be blank for a course prerequisite")
    return Prerequisite(course, kind, target, level)


def _employee(r: RowReader) -> Employee:
    return Employee(
        id=r.id("employee_id"),
        name=r.name("name"),
        role_id=r.id("role_id", "roles"),
        department=r.name("department"),
        location=r.name("location"),
        tenure_years=r.decimal("tenure_years", MAX_TENURE),
        weekly_learning_hours=r.decimal("weekly_learning_hours", MAX_WEEKLY_HOURS, low_open=True),
        opted_out=r.flag("opted_out"),
        profile=r.text("profile"),
    )


def _employee_skill(r: RowReader) -> tuple[str, EmployeeSkill]:
    employee = r.id("employee_id", "employees", owner=True)
    skill = r.id("skill_id", "skills")
    return employee, EmployeeSkill(skill, r.level(), Evidence(r.enum("evidence", EVIDENCE)))


def _certification(r: RowReader) -> tuple[str, str, date | None]:
    employee = r.id("employee_id", "employees", owner=True)
    return employee, r.id("course_id", "courses"), r.day("earned_on")


def _protected(r: RowReader) -> tuple[str, str, str, str]:
    return (
        r.id("employee_id", "employees"),
        r.name("sex"),
        r.name("race_ethnicity"),
        r.name("age_band"),
    )


_PARSERS: dict[str, Callable[[RowReader], object]] = {
    "skills": _skill,
    "roles": _role,
    "role_skills": _role_skill,
    "role_tasks": _role_task,
    "courses": _course,
    "course_skills": _course_skill,
    "course_prerequisites": _prerequisite,
    "employees": _employee,
    "employee_skills": _employee_skill,
    "employee_certifications": _certification,
    "protected_attributes": _protected,
}


@dataclass
class ParsedTable:
    """The valid rows of a table; the references and ids of every row, valid or not."""

    rows: list[Parsed] = field(default_factory=list)
    refs: list[tuple[int, Ref]] = field(default_factory=list)
    attempted_ids: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def parse_table(table: RawTable, limits: ImportLimits, today: date) -> ParsedTable:
    """Parse every row of ``table``; rows with a bad cell are reported and left out."""
    out = ParsedTable()
    parse = _PARSERS[table.spec.name]
    first = table.spec.key[0]
    required = frozenset(c.name for c in table.spec.columns if not c.blank_ok)
    for row in table.rows:
        reader = RowReader(table, row, limits, today, out.problems, out.warnings, required)
        value = parse(reader)
        if reader.values.get(first):
            out.attempted_ids.add(str(reader.values[first]))
        out.refs += [(row.line, ref) for ref in reader.refs]
        if not reader.failed:
            out.rows.append(Parsed(row.line, reader.key(), value, tuple(reader.refs)))
    for raw in table.partial_ids:
        try:
            out.attempted_ids.add(v.parse_id(raw, max_chars=limits.max_name_chars))
        except v.BadValue:
            pass  # the row is reported already
    return out
