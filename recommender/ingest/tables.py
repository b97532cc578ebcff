"""Read and validate an organisation's own data (CSV directory or XLSX workbook).

:func:`read_org_tables` reads the files described in ``data/COLUMNS.md``, checks every
cell, every row against the others and every reference across files, and either
returns an :class:`OrgDataset` or raises :class:`~recommender.errors.InvalidCatalog`
carrying every problem found (file, row, field, reason). Nothing is half-loaded.

References resolve within the files or in ``base`` (the catalogue already stored), so
an upload may hold only ``employees.csv`` and ``employee_skills.csv``. An entity in
the files replaces the base one wholesale, so rows of a child table (``role_skills``,
``course_skills``, ``employee_skills`` ...) must come with their parent entity in the
same upload. Without ``base`` every required file must be present.

Examples
--------
>>> escape_formula("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from recommender.catalog import (
    Catalog,
    Course,
    Employee,
    ProtectedAttributes,
    Role,
    SkillLevel,
)
from recommender.errors import InvalidCatalog, Problem
from recommender.ingest.columns import TABLE_ORDER, TABLES, Kind
from recommender.ingest.csvfile import read_csv_table
from recommender.ingest.demographics import UNMAPPED, map_race_ethnicity, map_sex
from recommender.ingest.orgrows import Parsed, ParsedTable, Prerequisite, parse_table
from recommender.ingest.rawtable import ImportLimits, RawTable
from recommender.ingest.validation import find_cycles, id_key, mixed_scripts, suggest
from recommender.ingest.workbook import read_workbook

__all__ = [
    "FileReport",
    "DemographicMapping",
    "ImportReport",
    "OrgDataset",
    "ImportLimits",
    "read_org_tables",
    "escape_formula",
]

_ENTITY_NOUN = {"skills": "skill", "roles": "role", "courses": "course", "employees": "employee"}
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass(frozen=True, slots=True)
class FileReport:
    """What was read from one file or sheet."""

    file: str
    table: str
    rows_read: int
    rows_loaded: int
    blank_lines: int
    duplicates_dropped: int
    encoding: str | None
    delimiter: str | None
    header_changes: tuple[tuple[str, str], ...]
    ids_converted: int


@dataclass(frozen=True, slots=True)
class DemographicMapping:
    """``count`` cells of ``field`` holding ``raw`` were mapped to ``category`` (None = unknown)."""

    field: str
    raw: str
    category: str | None
    how: str
    count: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    files: tuple[FileReport, ...]
    demographics: tuple[DemographicMapping, ...]
    warnings: tuple[Problem, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Rows loaded per table, e.g. ``{"skills": 12, ...}``."""
        return {f.table: f.rows_loaded for f in self.files}


@dataclass(frozen=True)
class OrgDataset:
    """A validated upload: the entities it defines, its protected attributes, its report."""

    catalog: Catalog
    protected: tuple[ProtectedAttributes, ...]
    report: ImportReport


def escape_formula(value: str) -> str:
    """Make a text cell inert for spreadsheet export: prefix formula triggers with ``'``.

    Apply it when writing CSV or XLSX for people to open; stored data stays as entered.

    Examples
    --------
    >>> escape_formula("@SUM(A1)"), escape_formula("Nurse")
    ("'@SUM(A1)", 'Nurse')
    """
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value


def read_org_tables(
    source: str | os.PathLike[str],
    *,
    base: Catalog | None = None,
    limits: ImportLimits | None = None,
    today: date | None = None,
) -> OrgDataset:
    """Read and validate the org tables in ``source`` (a directory of CSVs or an .xlsx).

    Parameters
    ----------
    source
        Directory holding ``skills.csv`` etc., or an XLSX workbook with one sheet per table.
    base
        The catalogue already stored; references may resolve to it.
    limits
        Size limits (rows, columns, text lengths); defaults to :class:`ImportLimits`.
    today
        The date after which dates are "in the future"; defaults to today.

    Raises
    ------
    InvalidCatalog
        With every problem found in any file; nothing is returned then.
    """
    return _Import(
        Path(source),
        base or Catalog(),
        base is not None,
        limits or ImportLimits(),
        today or date.today(),
    ).run()


class _Import:
    """One import run: holds the files read so far and the problems found."""

    def __init__(
        self, source: Path, base: Catalog, has_base: bool, limits: ImportLimits, today: date
    ) -> None:
        self.source, self.base, self.has_base = source, base, has_base
        self.limits, self.today = limits, today
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.raw: dict[str, RawTable] = {}
        self.parsed: dict[str, ParsedTable] = {}
        self.kept: dict[str, list[Parsed]] = {}
        self.dropped: dict[str, int] = {}

    def run(self) -> OrgDataset:
        self._read()
        for name, table in self.raw.items():
            self.parsed[name] = parse_table(table, self.limits, self.today)
            self.problems += self.parsed[name].problems
            self.warnings += self.parsed[name].warnings
            self.kept[name] = self._dedupe(table, self.parsed[name].rows)
        self._check_base_collisions()
        self._check_references()
        self._check_cycles()
        protected, mappings = self._protected()
        if self.problems:
            raise InvalidCatalog(_sorted(self.problems, self.raw))
        report = ImportReport(
            self._file_reports(), mappings, tuple(_sorted(self.warnings, self.raw))
        )
        return OrgDataset(_build_catalog(self.kept), protected, report)

    # -- files -------------------------------------------------------------------------

    def _read(self) -> None:
        if self.source.is_dir():
            self._read_directory()
        elif self.source.suffix.lower() == ".xlsx" and self.source.is_file():
            tables, problems, warnings = read_workbook(self.source, self.limits)
            self.raw = {n: tables[n] for n in TABLE_ORDER if n in tables}
            self.problems += problems
            self.warnings += warnings
        else:
            self.problems.append(
                Problem(
                    self.source.name,
                    None,
                    None,
                    "not a directory of CSV files or an .xlsx workbook",
                )
            )
        for table in self.raw.values():
            self.problems += table.problems
            self.warnings += table.warnings
        self._check_file_set()

    def _read_directory(self) -> None:
        for name in TABLE_ORDER:
            path = self.source / TABLES[name].filename
            if path.is_file():
                self.raw[name] = read_csv_table(path, TABLES[name], self.limits)
        known = [TABLES[n].filename for n in TABLE_ORDER]
        for path in sorted(self.source.iterdir()):
            if path.name not in known and path.suffix.lower() in {".csv", ".tsv", ".txt"}:
                hint = suggest(path.name, known)
                tip = f" (did you mean {hint!r}?)" if hint else ""
                self.warnings.append(
                    Problem(path.name, None, None, f"not an org table; ignored{tip}")
                )

    def _check_file_set(self) -> None:
        label = self.source.name
        if not self.raw and not self.problems:
            self.problems.append(
                Problem(
                    label,
                    None,
                    None,
                    "no org tables found: expected "
                    + ", ".join(TABLES[n].filename for n in TABLE_ORDER),
                )
            )
        for name in TABLE_ORDER:
            spec = TABLES[name]
            if name in self.raw:
                if spec.parent and spec.parent not in self.raw:
                    self.problems.append(
                        Problem(
                            self.raw[name].file,
                            None,
                            None,
                            f"needs "
                            f"{TABLES[spec.parent].filename} in the same "
                            "upload (its rows belong to those entities)",
                        )
                    )
            elif not spec.optional and self._required(name):
                self.problems.append(Problem(self._label(name), None, None, self._missing(name)))

    def _label(self, name: str) -> str:
        """How a table is named in problems: its file, or its sheet in a workbook."""
        if self.source.suffix.lower() == ".xlsx":
            return f"{self.source.name}[{name}]"
        return TABLES[name].filename

    def _required(self, name: str) -> bool:
        if not self.has_base:
            return bool(self.raw) or bool(self.problems)
        children = [n for n in TABLE_ORDER if TABLES[n].parent == name and n in self.raw]
        parent = TABLES[name].parent
        return bool(children) or (parent is not None and parent in self.raw)

    def _missing(self, name: str) -> str:
        if self.has_base:
            parent = TABLES[name].parent
            return (
                f"required file is missing (it must come with {TABLES[parent].filename})"
                if parent
                else "required file is missing (needed by its child tables)"
            )
        return (
            "required file is missing (an upload into an empty catalogue needs every file "
            "not marked optional in COLUMNS.md)"
        )

    # -- rows against rows -------------------------------------------------------------

    def _dedupe(self, table: RawTable, rows: list[Parsed]) -> list[Parsed]:
        spec = table.spec
        seen: dict[tuple[str, ...], Parsed] = {}
        folded: dict[tuple[str, ...], Parsed] = {}
        kept: list[Parsed] = []
        column = spec.key[-1]
        is_id = [spec.column(c).kind is Kind.ID for c in spec.key]
        for row in rows:
            first = seen.get(row.key)
            fold = tuple(id_key(k) if i else k for i, k in zip(is_id, row.key, strict=True))
            twin = folded.get(fold)
            if first is not None and first.value == row.value:
                self.dropped[spec.name] = self.dropped.get(spec.name, 0) + 1
            elif first is not None:
                self._problem(
                    table,
                    row.line,
                    column,
                    f"duplicate {_describe(spec.key, row.key)} conflicts with line {first.line}",
                )
            elif twin is not None:
                self._problem(
                    table,
                    row.line,
                    column,
                    f"{_describe(spec.key, row.key)} differs "
                    f"only in letter case from {twin.key[-1]!r} at line {twin.line}",
                )
            else:
                seen[row.key], folded[fold] = row, row
                kept.append(row)
        return kept

    def _check_base_collisions(self) -> None:
        for name in _ENTITY_NOUN:
            base_ids = {id_key(i): i for i in getattr(self.base, name)}
            for row in self.kept.get(name, []):
                other = base_ids.get(id_key(row.key[0]))
                if other is not None and other != row.key[0]:
                    self._problem(
                        self.raw[name],
                        row.line,
                        TABLES[name].key[0],
                        f"{_ENTITY_NOUN[name]} id {row.key[0]!r} differs only in letter "
                        f"case from {other!r} in the existing catalogue",
                    )

    # -- references --------------------------------------------------------------------

    def _check_references(self) -> None:
        known = {name: self._known(name) for name in _ENTITY_NOUN}
        choices = {name: self._choices(name) for name in _ENTITY_NOUN}
        for name, parsed in self.parsed.items():
            for line, ref in parsed.refs:
                self._check_reference(
                    self.raw[name],
                    line,
                    ref.column,
                    ref.table,
                    ref.id,
                    ref.owner,
                    known[ref.table],
                    choices[ref.table],
                )

    def _known(self, name: str) -> set[str] | None:
        """Ids a reference may name, or None when the table could not be read to check."""
        table = self.raw.get(name)
        if table is not None and not table.complete:
            return None
        ids = set(getattr(self.base, name))
        return ids | self.parsed[name].attempted_ids if name in self.parsed else ids

    def _check_reference(
        self,
        table: RawTable,
        line: int,
        column: str,
        target: str,
        ref: str,
        owner: bool,
        known: set[str] | None,
        choices: Mapping[str, str],
    ) -> None:
        noun = _ENTITY_NOUN[target]
        if known is None or (owner and target not in self.raw):
            return
        if owner and ref in known and ref not in self.parsed[target].attempted_ids:
            self._problem(
                table,
                line,
                column,
                f"{noun} {ref!r} is only in the existing catalogue: add it to "
                f"{TABLES[target].filename} (an uploaded {noun} replaces the stored one "
                "with all its rows)",
            )
        elif ref not in known:
            self._problem(table, line, column, f"unknown {noun} {ref!r}{_hint(ref, choices)}")

    def _choices(self, name: str) -> dict[str, str]:
        """Texts a user may have meant (ids, names, titles, aliases) -> the id to suggest."""
        out: dict[str, str] = {}
        entities = list(getattr(self.base, name).values())
        entities += [r.value for r in self.kept.get(name, [])]
        for entity in entities:
            out[entity.id] = entity.id
            for text in _names_of(entity):
                out.setdefault(text, entity.id)
        return out

    # -- prerequisite cycles -----------------------------------------------------------

    def _check_cycles(self) -> None:
        edges: dict[str, list[str]] = defaultdict(list)
        lines: dict[tuple[str, str], int] = {}
        replaced = {r.key[0] for r in self.kept.get("courses", [])}
        for course in self.base.courses.values():
            if course.id not in replaced:
                edges[course.id] += course.prerequisite_courses
        for row in self.kept.get("course_prerequisites", []):
            pre: Prerequisite = row.value
            if pre.kind == "course":
                edges[pre.course_id].append(pre.target)
                lines.setdefault((pre.course_id, pre.target), row.line)
        for cycle in find_cycles(edges):
            found = [lines[e] for e in zip(cycle, cycle[1:], strict=False) if e in lines]
            if found:
                self._problem(
                    self.raw["course_prerequisites"],
                    min(found),
                    "prerequisite_id",
                    "prerequisite cycle: " + " -> ".join(cycle),
                )

    # -- protected attributes ----------------------------------------------------------

    def _protected(self) -> tuple[tuple[ProtectedAttributes, ...], tuple[DemographicMapping, ...]]:
        counts: Counter[tuple[str, str, str | None, str]] = Counter()
        out: list[ProtectedAttributes] = []
        for row in self.kept.get("protected_attributes", []):
            employee, sex, race, age = row.value
            sex_cat = self._map(counts, row.line, "sex", sex, map_sex)
            race_cat = self._map(counts, row.line, "race_ethnicity", race, map_race_ethnicity)
            out.append(ProtectedAttributes(employee, sex_cat, race_cat, age or None))
        mappings = tuple(
            DemographicMapping(f, raw, cat, how, n)
            for (f, raw, cat, how), n in sorted(counts.items(), key=_mapping_order)
        )
        return tuple(out), mappings

    def _map(
        self,
        counts: Counter[tuple[str, str, str | None, str]],
        line: int,
        column: str,
        raw: str,
        mapper: Any,
    ) -> str | None:
        category, how = mapper(raw)
        counts[(column, raw, category, how)] += 1
        if how == UNMAPPED:
            self.warnings.append(
                Problem(
                    self.raw["protected_attributes"].file,
                    line,
                    column,
                    f"{raw!r} is not an EEO-1 category: counted as unknown",
                )
            )
        return category  # type: ignore[no-any-return]

    # -- report ------------------------------------------------------------------------

    def _file_reports(self) -> tuple[FileReport, ...]:
        return tuple(
            FileReport(
                t.file,
                n,
                len(t.rows),
                len(self.kept[n]),
                t.blank_lines,
                self.dropped.get(n, 0),
                t.encoding,
                t.delimiter,
                t.header_changes,
                t.converted_ids,
            )
            for n, t in self.raw.items()
        )

    def _problem(self, table: RawTable, line: int | None, column: str | None, why: str) -> None:
        self.problems.append(Problem(table.file, line, column, why))


def _describe(columns: tuple[str, ...], values: tuple[str, ...]) -> str:
    if len(columns) == 1:
        return f"{columns[0]} {values[0]!r}"
    return f"({', '.join(columns)}) ({', '.join(repr(v) for v in values)})"


def _names_of(entity: object) -> Iterable[str]:
    for attr in ("name", "title"):
        text = getattr(entity, attr, "")
        if text and not isinstance(entity, Employee):  # personal names are not suggested
            yield text
    yield from getattr(entity, "aliases", ())


def _hint(ref: str, choices: Mapping[str, str]) -> str:
    guess = suggest(ref, choices)
    scripts = mixed_scripts(ref)
    mixed = f"; it mixes {' and '.join(scripts).lower()} letters" if scripts else ""
    return f" (did you mean {guess!r}?{mixed})" if guess else (f" ({mixed[2:]})" if mixed else "")


def _mapping_order(item: tuple[tuple[str, str, str | None, str], int]) -> tuple[str, str]:
    (column, raw, _, _), _n = item
    return column, raw


def _sorted(problems: list[Problem], raw: Mapping[str, RawTable]) -> list[Problem]:
    order = {t.file: TABLE_ORDER.index(n) for n, t in raw.items()}
    for n in TABLE_ORDER:
        order.setdefault(TABLES[n].filename, TABLE_ORDER.index(n))
    return sorted(
        problems, key=lambda p: (order.get(p.file, -1), p.file, p.row or 0, p.field or "", p.reason)
    )


def _grouped(rows: Iterable[Parsed]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        out[row.value[0]].append(row.value[1])
    return out


def _build_catalog(kept: Mapping[str, list[Parsed]]) -> Catalog:
    return Catalog.from_items(
        skills=[r.value for r in kept.get("skills", [])],
        roles=_roles(kept),
        courses=_courses(kept),
        employees=_employees(kept),
    )


def _roles(kept: Mapping[str, list[Parsed]]) -> list[Role]:
    requirements = _grouped(kept.get("role_skills", []))
    tasks = _grouped(kept.get("role_tasks", []))
    return [
        replace(
            r.value,
            requirements=tuple(requirements.get(r.value.id, ())),
            tasks=tuple(tasks.get(r.value.id, ())),
        )
        for r in kept.get("roles", [])
    ]


def _courses(kept: Mapping[str, list[Parsed]]) -> list[Course]:
    teaches = _grouped(kept.get("course_skills", []))
    prerequisites: dict[str, list[Prerequisite]] = defaultdict(list)
    for row in kept.get("course_prerequisites", []):
        prerequisites[row.value.course_id].append(row.value)
    out = []
    for row in kept.get("courses", []):
        course: Course = row.value
        pre = prerequisites.get(course.id, [])
        out.append(
            replace(
                course,
                teaches=tuple(teaches.get(course.id, ())),
                prerequisite_skills=tuple(_skill_level(p) for p in pre if p.kind == "skill"),
                prerequisite_courses=tuple(p.target for p in pre if p.kind == "course"),
            )
        )
    return out


def _skill_level(pre: Prerequisite) -> SkillLevel:
    return SkillLevel(pre.target, float(pre.level or 1))


def _employees(kept: Mapping[str, list[Parsed]]) -> list[Employee]:
    skills = _grouped(kept.get("employee_skills", []))
    certifications = _grouped(kept.get("employee_certifications", []))
    return [
        replace(
            r.value,
            skills=tuple(skills.get(r.value.id, ())),
            certifications=tuple(dict.fromkeys(certifications.get(r.value.id, ()))),
        )
        for r in kept.get("employees", [])
    ]
