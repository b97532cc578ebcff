"""Read a user's download of the O*NET text database into a :class:`~recommender.catalog.Catalog`.

The files are O*NET's own tab-separated text files (``Skills.txt``,
``Occupation Data.txt``, ...) with O*NET's own column names. Columns are
looked up by name, so a later release that adds or reorders columns loads
unchanged. Files are UTF-8, with or without a byte-order mark.

What becomes what
-----------------
* One :class:`~recommender.catalog.Role` per occupation in ``Job Zones.txt``
  (the occupations that carry data), even when it has no Skills or Knowledge
  ratings. Rows of other files about occupations that are in
  ``Occupation Data.txt`` but not in ``Job Zones.txt`` are ignored.
* One :class:`~recommender.catalog.Skill` per element of ``Skills.txt`` and of
  ``Knowledge.txt``, with id ``onet:<Element ID>``.
* One :class:`~recommender.catalog.Requirement` per occupation and element that
  has both an importance (``IM``) and a level (``LV``) row, also unimportant
  ones, so that every rated occupation has a complete profile:
  ``level = 1 + 4 * LV / 7`` clipped to [1, 5] and
  ``importance = (IM - 1) / 4`` clipped to [0, 1].

Choices
-------
* ``Not Relevant = 'Y'`` (O*NET sets it on the ``LV`` row when the element
  hardly matters to the occupation) does not override the importance: the
  importance always comes from ``IM``. In O*NET 29.3 every such row has
  ``IM`` between 1.0 and 1.5, so these requirements get importance 0 to 0.125
  anyway, and a release whose ``IM`` says otherwise is believed.
* ``Recommend Suppress = 'Y'`` rows (small samples, wide intervals) are kept:
  dropping them would leave holes in the profile vectors, and the estimate is
  still O*NET's best one.
* ``Interests.txt`` contributes its ``OI`` scale; ``Work Styles.txt`` its
  ``IM`` scale, or, in a release without one, the scale of its first row.
* Alternate titles are deduplicated ignoring case; the first spelling wins.
* Only the files this module names are opened; files whose name starts with
  ``Related Occupations`` are never opened: they are evaluation labels. Asking for one
  raises :class:`~recommender.errors.InvalidInput` (an explicit check, not an
  ``assert``: it holds under ``python -O`` too).

Titles of every occupation
--------------------------
:func:`load_onet_titles` reads only ``Occupation Data.txt``, ``Alternate Titles.txt``
and ``Sample of Reported Titles.txt``, and returns the titles of *every* occupation,
also the ~90 that ``Job Zones.txt`` lacks (mostly "All Other" codes such as
``15-1299.00``, which O*NET describes and titles but does not rate). Title
normalisation needs them: people hold those jobs.

Bad input raises :class:`~recommender.errors.InvalidCatalog` listing every
problem found: a missing required file or column, an unparsable number, an
occupation code in a required file that ``Occupation Data.txt`` lacks (with
its line number; the header is line 1).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from recommender.catalog import (
    Catalog,
    Requirement,
    Role,
    RoleSource,
    Skill,
    SkillCategory,
    Technology,
)
from recommender.errors import InvalidCatalog, InvalidInput, Problem

__all__ = [
    "ONET_REQUIRED_FILES",
    "ONET_OPTIONAL_FILES",
    "SOC_MAJOR_GROUPS",
    "OccupationTitles",
    "Progress",
    "load_onet",
    "load_onet_titles",
    "onet_release",
    "soc_major_group",
]

Progress = Callable[[str, int, int], None]
"""``progress(step_name, done, total)``, called once per file."""

OCCUPATION_DATA = "Occupation Data.txt"
JOB_ZONES = "Job Zones.txt"
SKILLS = "Skills.txt"
KNOWLEDGE = "Knowledge.txt"
TASKS = "Task Statements.txt"
TASK_DWAS = "Tasks to DWAs.txt"
TECHNOLOGY = "Technology Skills.txt"
ALTERNATE_TITLES = "Alternate Titles.txt"
REPORTED_TITLES = "Sample of Reported Titles.txt"
INTERESTS = "Interests.txt"
WORK_STYLES = "Work Styles.txt"
CONTENT_MODEL = "Content Model Reference.txt"

ONET_REQUIRED_FILES: tuple[str, ...] = (OCCUPATION_DATA, JOB_ZONES, SKILLS, KNOWLEDGE)
ONET_OPTIONAL_FILES: tuple[str, ...] = (
    TASKS,
    TASK_DWAS,
    TECHNOLOGY,
    ALTERNATE_TITLES,
    REPORTED_TITLES,
    INTERESTS,
    WORK_STYLES,
    CONTENT_MODEL,
)

CODE = "O*NET-SOC Code"
_RATING = (CODE, "Element ID", "Element Name", "Scale ID", "Data Value")
_COLUMNS: Mapping[str, tuple[str, ...]] = {
    OCCUPATION_DATA: (CODE, "Title", "Description"),
    JOB_ZONES: (CODE, "Job Zone"),
    SKILLS: _RATING,
    KNOWLEDGE: _RATING,
    TASKS: (CODE, "Task", "Task Type"),
    TASK_DWAS: (CODE, "DWA Title"),
    TECHNOLOGY: (
        CODE,
        "Example",
        "Commodity Code",
        "Commodity Title",
        "Hot Technology",
        "In Demand",
    ),
    ALTERNATE_TITLES: (CODE, "Alternate Title", "Short Title"),
    REPORTED_TITLES: (CODE, "Reported Job Title"),
    INTERESTS: (CODE, "Element Name", "Scale ID", "Data Value"),
    WORK_STYLES: (CODE, "Element Name", "Scale ID", "Data Value"),
    CONTENT_MODEL: ("Element ID", "Description"),
}

SOC_MAJOR_GROUPS: Mapping[str, str] = {
    "11": "Management",
    "13": "Business and Financial Operations",
    "15": "Computer and Mathematical",
    "17": "Architecture and Engineering",
    "19": "Life, Physical, and Social Science",
    "21": "Community and Social Service",
    "23": "Legal",
    "25": "Educational Instruction and Library",
    "27": "Arts, Design, Entertainment, Sports, and Media",
    "29": "Healthcare Practitioners and Technical",
    "31": "Healthcare Support",
    "33": "Protective Service",
    "35": "Food Preparation and Serving Related",
    "37": "Building and Grounds Cleaning and Maintenance",
    "39": "Personal Care and Service",
    "41": "Sales and Related",
    "43": "Office and Administrative Support",
    "45": "Farming, Fishing, and Forestry",
    "47": "Construction and Extraction",
    "49": "Installation, Maintenance, and Repair",
    "51": "Production",
    "53": "Transportation and Material Moving",
    "55": "Military Specific",
}
"""The 23 SOC 2018 major groups, keyed by the first two digits of a code."""

_FORBIDDEN_PREFIX = "Related Occupations"
_CODE_PATTERN = re.compile(r"\d{2}-\d{4}\.\d{2}")
_TASK_TYPE_ORDER = {"Core": 0, "Supplemental": 1}
_README_NAMES = ("README.md", "README.txt", "Read Me.txt", "readme.txt")
_RELEASE_PATTERN = re.compile(r"O\*NET(?:\(R\))?\s+(\d+\.\d+)")
_DIRECTORY_RELEASE_PATTERN = re.compile(r"db_(\d+)_(\d+)")
_FIRST_DATA_LINE = 2


def soc_major_group(code: str) -> str:
    """Name the SOC 2018 major group of an O*NET-SOC code.

    Parameters
    ----------
    code : str
        An O*NET-SOC code such as ``15-1212.00``.

    Returns
    -------
    str
        The major group name; raises ``KeyError`` for an unknown group.

    Examples
    --------
    >>> soc_major_group("29-1141.00")
    'Healthcare Practitioners and Technical'
    """
    return SOC_MAJOR_GROUPS[code[:2]]


def onet_release(directory: str | os.PathLike[str]) -> str:
    """Return the O*NET release of a download, e.g. ``"29.3"``, or ``"unknown"``.

    Looks for "O*NET <version>" in a read-me file of the directory, then for
    O*NET's archive name (``db_29_3_text``) in the directory's name.

    Examples
    --------
    >>> onet_release("/nowhere/db_30_0_text")
    '30.0'
    """
    path = Path(directory)
    for name in _README_NAMES:
        readme = path / name
        if readme.is_file():
            found = _RELEASE_PATTERN.search(
                readme.read_text(encoding="utf-8-sig", errors="replace")
            )
            if found:
                return found.group(1)
    named = _DIRECTORY_RELEASE_PATTERN.search(path.name)
    return f"{named.group(1)}.{named.group(2)}" if named else "unknown"


def load_onet(directory: str | os.PathLike[str], *, progress: Progress | None = None) -> Catalog:
    """Load an O*NET text database into a catalogue of O*NET roles and skills.

    Parameters
    ----------
    directory : str or path-like
        The folder holding O*NET's tab-separated ``.txt`` files.
    progress : callable, optional
        ``progress(file_name, done, total)``, called after each file is read
        (also for an absent optional file), so a CLI can show a progress bar.

    Returns
    -------
    Catalog
        Roles (one per occupation of ``Job Zones.txt``, ``source=ONET``) and
        skills (``onet:<Element ID>``); no courses, no employees.

    Raises
    ------
    InvalidCatalog
        Listing every problem: missing required file or column, bad number,
        unknown occupation code, bad job zone.
    """
    tables, problems = _read_tables(Path(directory), progress)
    if problems:
        raise InvalidCatalog(problems)
    build = _Build(problems)
    skills = build.skills(tables)
    roles = build.roles(tables)
    if problems:
        raise InvalidCatalog(problems)
    return Catalog.from_items(skills=skills, roles=roles)


@dataclass(frozen=True, slots=True)
class OccupationTitles:
    """An O*NET occupation as its titles and description alone (no ratings).

    Attributes
    ----------
    code : str
        The O*NET-SOC code as written, e.g. ``"15-1299.00"``.
    title : str
        The official title.
    description : str
        O*NET's description of the occupation.
    alternate_titles : tuple of str
        Alternate, short and reported titles, merged as :func:`load_onet` merges them.
    """

    code: str
    title: str
    description: str
    alternate_titles: tuple[str, ...] = ()


def load_onet_titles(directory: str | os.PathLike[str]) -> tuple[OccupationTitles, ...]:
    """The titles of every occupation of ``Occupation Data.txt``, rated or not.

    Parameters
    ----------
    directory : str or path-like
        The folder holding O*NET's tab-separated ``.txt`` files. Only
        ``Occupation Data.txt`` is required; ``Alternate Titles.txt`` and
        ``Sample of Reported Titles.txt`` are read when present.

    Returns
    -------
    tuple of OccupationTitles
        One per row of ``Occupation Data.txt``, in file order. Titles listed for a
        code that ``Occupation Data.txt`` lacks are ignored, as :func:`load_onet`
        ignores them.

    Raises
    ------
    InvalidCatalog
        Listing every problem: a missing file or column, a code that is not an
        O*NET-SOC code, an occupation listed twice, a blank title.
    """
    path = Path(directory)
    problems: list[Problem] = []
    tables = {
        name: frame
        for name in (OCCUPATION_DATA, ALTERNATE_TITLES, REPORTED_TITLES)
        if (frame := _read_table(path, name, problems)) is not None
    }
    if problems:
        raise InvalidCatalog(problems)
    titles = _titles(tables.get(ALTERNATE_TITLES), tables.get(REPORTED_TITLES))
    occupations = _occupation_titles(tables[OCCUPATION_DATA], titles, problems)
    if problems:
        raise InvalidCatalog(problems)
    return occupations


def _occupation_titles(
    frame: pd.DataFrame, titles: Mapping[str, list[str]], problems: list[Problem]
) -> tuple[OccupationTitles, ...]:
    out: dict[str, OccupationTitles] = {}
    rows = zip(
        _strings(frame, CODE), _strings(frame, "Title"), _strings(frame, "Description"), strict=True
    )
    for line, (code, title, description) in enumerate(rows, start=_FIRST_DATA_LINE):
        problem = _title_row_problem(code, title, out)
        if problem is not None:
            problems.append(Problem(OCCUPATION_DATA, line, *problem))
            continue
        alternates = tuple(titles.get(code, ()))
        out[code] = OccupationTitles(code, title.strip(), description.strip(), alternates)
    return tuple(out.values())


def _title_row_problem(
    code: str, title: str, seen: Mapping[str, OccupationTitles]
) -> tuple[str, str] | None:
    """``(field, reason)`` for a bad ``Occupation Data.txt`` row, else None."""
    if not _CODE_PATTERN.fullmatch(code) or code[:2] not in SOC_MAJOR_GROUPS:
        return CODE, f"{code!r} is not an O*NET-SOC code of a SOC 2018 major group"
    if code in seen:
        return CODE, f"occupation {code!r} is listed twice"
    if not title.strip():
        return "Title", f"occupation {code!r} has a blank title"
    return None


# Reading files -------------------------------------------------------------------------------


def _read_tables(
    directory: Path, progress: Progress | None
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    names = ONET_REQUIRED_FILES + ONET_OPTIONAL_FILES
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for done, name in enumerate(names, start=1):
        frame = _read_table(directory, name, problems)
        if frame is not None:
            tables[name] = frame
        if progress is not None:
            progress(name, done, len(names))
    return tables, problems


def _read_table(directory: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    _refuse_evaluation_labels(name)
    path = directory / name
    if not path.is_file():
        if name in ONET_REQUIRED_FILES:
            problems.append(Problem(name, None, None, f"required file is missing from {directory}"))
        return None
    try:
        frame = _parse(path, _COLUMNS[name])
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        problems.append(
            Problem(name, None, None, f"cannot be read as UTF-8 tab-separated text: {exc}")
        )
        return None
    missing = [column for column in _COLUMNS[name] if column not in frame.columns]
    problems.extend(Problem(name, None, column, "required column is missing") for column in missing)
    return None if missing else frame


def _refuse_evaluation_labels(name: str) -> None:
    """Related Occupations are what transitions are judged against: reading them into the
    catalogue would leak the answers into what reskill learns from."""
    if name.startswith(_FORBIDDEN_PREFIX):
        raise InvalidInput(
            f"refusing to read {name!r}: O*NET's Related Occupations are evaluation labels, "
            "never catalogue or training data (only evaluation reads them, "
            "recommender.evaluation.read_related)"
        )


def _parse(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.read_csv(
        path,
        sep="\t",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        quoting=csv.QUOTE_MINIMAL,
        usecols=lambda column: str(column).strip() in columns,
    )
    frame.columns = [str(column).strip() for column in frame.columns]
    if CODE in frame.columns:
        frame[CODE] = frame[CODE].str.strip()
    return frame


def _strings(frame: pd.DataFrame, column: str) -> list[str]:
    values: list[str] = frame[column].tolist()
    return values


def _numbers(frame: pd.DataFrame, name: str, column: str, problems: list[Problem]) -> list[float]:
    """The column as floats; each unparsable cell becomes a Problem (and NaN)."""
    parsed = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    for row in parsed.index[parsed.isna()]:
        raw = frame[column].iloc[row]
        line = int(row) + _FIRST_DATA_LINE
        problems.append(Problem(name, line, column, f"not a number: {raw!r}"))
    values: list[float] = parsed.astype(float).tolist()
    return values


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _level(lv: float) -> float:
    return _clip(1.0 + 4.0 * lv / 7.0, 1.0, 5.0)


def _importance(im: float) -> float:
    return _clip((im - 1.0) / 4.0, 0.0, 1.0)


# Building the catalogue ----------------------------------------------------------------------


@dataclass
class _Ratings:
    """Importance and level per (occupation, element), in file order."""

    im: dict[tuple[str, str], float] = field(default_factory=dict)
    lv: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass
class _Build:
    problems: list[Problem]
    requirements: dict[str, list[Requirement]] = field(default_factory=dict)

    def skills(self, tables: Mapping[str, pd.DataFrame]) -> list[Skill]:
        known = set(_strings(tables[OCCUPATION_DATA], CODE))
        descriptions = _content_model(tables.get(CONTENT_MODEL))
        skills: dict[str, Skill] = {}
        for name, category in (
            (SKILLS, SkillCategory.ONET_SKILL),
            (KNOWLEDGE, SkillCategory.ONET_KNOWLEDGE),
        ):
            frame = tables[name]
            for element, title in _distinct_pairs(frame, "Element ID", "Element Name"):
                skill = Skill(f"onet:{element}", title, category, descriptions.get(element, ""))
                skills.setdefault(skill.id, skill)
            self._add_requirements(self._ratings(frame, name, known))
        return list(skills.values())

    def _ratings(self, frame: pd.DataFrame, name: str, known: set[str]) -> _Ratings:
        ratings = _Ratings()
        values = _numbers(frame, name, "Data Value", self.problems)
        rows = zip(
            _strings(frame, CODE),
            _strings(frame, "Element ID"),
            _strings(frame, "Scale ID"),
            values,
            strict=True,
        )
        for line, (code, element, scale, value) in enumerate(rows, start=_FIRST_DATA_LINE):
            if code not in known:
                self.problems.append(
                    Problem(name, line, CODE, f"occupation {code!r} is not in {OCCUPATION_DATA}")
                )
                continue
            target = {"IM": ratings.im, "LV": ratings.lv}.get(scale.strip())
            if target is None:
                continue
            if (code, element) in target:
                self.problems.append(
                    Problem(
                        name, line, "Scale ID", f"second {scale} rating of {element!r} for {code!r}"
                    )
                )
            target[(code, element)] = value
        return ratings

    def _add_requirements(self, ratings: _Ratings) -> None:
        for (code, element), im in ratings.im.items():
            lv = ratings.lv.get((code, element))
            if lv is None:
                continue
            requirement = Requirement(f"onet:{element}", _level(lv), _importance(im))
            self.requirements.setdefault(code, []).append(requirement)

    def roles(self, tables: Mapping[str, pd.DataFrame]) -> list[Role]:
        occupations = tables[OCCUPATION_DATA]
        texts = dict(
            zip(
                _strings(occupations, CODE),
                zip(
                    _strings(occupations, "Title"),
                    _strings(occupations, "Description"),
                    strict=True,
                ),
                strict=True,
            )
        )
        extras = _Extras.from_tables(tables, self.problems)
        roles: dict[str, Role] = {}
        zones = tables[JOB_ZONES]
        rows = zip(_strings(zones, CODE), _strings(zones, "Job Zone"), strict=True)
        for line, (code, zone) in enumerate(rows, start=_FIRST_DATA_LINE):
            problem = _occupation_problem(code, zone, texts, roles)
            if problem is not None:
                self.problems.append(Problem(JOB_ZONES, line, *problem))
                continue
            title, description = texts[code]
            roles[code] = extras.role(
                code, title, description, int(zone.strip()), self.requirements.get(code, ())
            )
        return list(roles.values())


def _occupation_problem(
    code: str, zone: str, texts: Mapping[str, object], roles: Mapping[str, Role]
) -> tuple[str, str] | None:
    """``(field, reason)`` for a bad ``Job Zones.txt`` row, else None."""
    if not _CODE_PATTERN.fullmatch(code) or code[:2] not in SOC_MAJOR_GROUPS:
        return CODE, f"{code!r} is not an O*NET-SOC code of a SOC 2018 major group"
    if code not in texts:
        return CODE, f"occupation {code!r} is not in {OCCUPATION_DATA}"
    if code in roles:
        return CODE, f"occupation {code!r} is listed twice"
    if zone.strip() not in {"1", "2", "3", "4", "5"}:
        return "Job Zone", f"job zone {zone!r} is not a whole number from 1 to 5"
    return None


@dataclass
class _Extras:
    """The optional, descriptive fields of each role, grouped by occupation code."""

    tasks: dict[str, list[str]]
    activities: dict[str, list[str]]
    technologies: dict[str, list[Technology]]
    titles: dict[str, list[str]]
    interests: dict[str, list[tuple[str, float]]]
    work_styles: dict[str, list[tuple[str, float]]]

    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], problems: list[Problem]) -> _Extras:
        return cls(
            tasks=_tasks(tables.get(TASKS)),
            activities=_activities(tables.get(TASK_DWAS)),
            technologies=_technologies(tables.get(TECHNOLOGY)),
            titles=_titles(tables.get(ALTERNATE_TITLES), tables.get(REPORTED_TITLES)),
            interests=_scores(tables.get(INTERESTS), INTERESTS, "OI", problems),
            work_styles=_scores(tables.get(WORK_STYLES), WORK_STYLES, "IM", problems),
        )

    def role(
        self,
        code: str,
        title: str,
        description: str,
        zone: int,
        requirements: Sequence[Requirement],
    ) -> Role:
        return Role(
            id=code,
            title=title.strip(),
            description=description.strip(),
            soc_code=code,
            job_family=soc_major_group(code),
            job_zone=zone,
            requirements=tuple(requirements),
            source=RoleSource.ONET,
            tasks=tuple(self.tasks.get(code, ())),
            work_activities=tuple(self.activities.get(code, ())),
            technologies=tuple(self.technologies.get(code, ())),
            alternate_titles=tuple(self.titles.get(code, ())),
            interests=tuple(self.interests.get(code, ())),
            work_styles=tuple(self.work_styles.get(code, ())),
        )


def _group(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for code, value in pairs:
        grouped.setdefault(code, []).append(value)
    return grouped


def _distinct(values: Iterable[str]) -> list[str]:
    """Non-blank values, first of each case-insensitive spelling, in order."""
    seen: dict[str, str] = {}
    for value in values:
        text = value.strip()
        if text:
            seen.setdefault(text.casefold(), text)
    return list(seen.values())


def _distinct_pairs(frame: pd.DataFrame, key: str, value: str) -> list[tuple[str, str]]:
    pairs: dict[str, str] = {}
    for k, v in zip(_strings(frame, key), _strings(frame, value), strict=True):
        pairs.setdefault(k.strip(), v.strip())
    return list(pairs.items())


def _content_model(frame: pd.DataFrame | None) -> dict[str, str]:
    if frame is None:
        return {}
    return dict(_distinct_pairs(frame, "Element ID", "Description"))


def _tasks(frame: pd.DataFrame | None) -> dict[str, list[str]]:
    if frame is None:
        return {}
    rows = zip(
        _strings(frame, CODE), _strings(frame, "Task"), _strings(frame, "Task Type"), strict=True
    )
    grouped = _group(
        (code, (kind.strip(), task.strip())) for code, task, kind in rows if task.strip()
    )
    return {
        code: [task for _, task in sorted(items, key=lambda item: _TASK_TYPE_ORDER.get(item[0], 2))]
        for code, items in grouped.items()
    }


def _activities(frame: pd.DataFrame | None) -> dict[str, list[str]]:
    if frame is None:
        return {}
    grouped = _group(zip(_strings(frame, CODE), _strings(frame, "DWA Title"), strict=True))
    return {code: _distinct(titles) for code, titles in grouped.items()}


def _technologies(frame: pd.DataFrame | None) -> dict[str, list[Technology]]:
    if frame is None:
        return {}
    columns = ("Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand")
    rows = zip(_strings(frame, CODE), *(_strings(frame, column) for column in columns), strict=True)
    return _group(
        (
            code,
            Technology(
                name.strip(), number.strip(), title.strip(), hot=_flag(hot), in_demand=_flag(demand)
            ),
        )
        for code, name, number, title, hot, demand in rows
        if name.strip()
    )


def _flag(value: str) -> bool:
    return value.strip().upper() == "Y"


def _titles(alternates: pd.DataFrame | None, reported: pd.DataFrame | None) -> dict[str, list[str]]:
    pairs: list[tuple[str, str]] = []
    if alternates is not None:
        rows = zip(
            _strings(alternates, CODE),
            _strings(alternates, "Alternate Title"),
            _strings(alternates, "Short Title"),
            strict=True,
        )
        for code, title, short in rows:
            pairs.extend(((code, title), (code, short)))
    if reported is not None:
        pairs.extend(
            zip(_strings(reported, CODE), _strings(reported, "Reported Job Title"), strict=True)
        )
    return {code: _distinct(titles) for code, titles in _group(pairs).items()}


def _scores(
    frame: pd.DataFrame | None, name: str, preferred: str, problems: list[Problem]
) -> dict[str, list[tuple[str, float]]]:
    """(element name, value) per occupation on the preferred scale, else the first row's scale."""
    if frame is None or frame.empty:
        return {}
    scales = [scale.strip() for scale in _strings(frame, "Scale ID")]
    scale = preferred if preferred in scales else scales[0]
    values = _numbers(frame, name, "Data Value", problems)
    rows = zip(_strings(frame, CODE), scales, _strings(frame, "Element Name"), values, strict=True)
    return _group(
        (code, (element.strip(), value))
        for code, row_scale, element, value in rows
        if row_scale == scale
    )
