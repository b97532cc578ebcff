"""One exception tree for the whole domain. Messages name the bad value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ReskillError",
    "NotFound",
    "UnknownSkill",
    "UnknownRole",
    "UnknownCourse",
    "UnknownEmployee",
    "Problem",
    "InvalidCatalog",
    "InvalidInput",
    "NoPathway",
    "ModelMissing",
    "Forbidden",
    "KeyNoLongerValid",
    "ReportRefused",
]


class ReskillError(Exception):
    """Base class of every error reskill raises on purpose."""


class NotFound(ReskillError):
    kind = "object"

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"unknown {self.kind} {key!r}")


class UnknownSkill(NotFound):
    kind = "skill"


class UnknownRole(NotFound):
    kind = "role"


class UnknownCourse(NotFound):
    kind = "course"


class UnknownEmployee(NotFound):
    kind = "employee"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where (file, row, field) and why.

    ``row`` is the 1-based line number in the file (the header is line 1), or
    ``None`` for a problem with the file as a whole.
    """

    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.reason}"


class InvalidCatalog(ReskillError):
    """A dataset failed validation; nothing was loaded. Carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the dataset:\n{shown}{tail}")


class InvalidInput(ReskillError):
    """An argument the caller gave is out of its allowed range or form."""


class NoPathway(ReskillError):
    """No training plan or role path reaches the target; the message says why."""


class ModelMissing(ReskillError):
    """A fitted artefact in models/ is missing or does not match; the message says how to fix it."""


class Forbidden(ReskillError):
    """The caller's role may not do this; the message names the role and the action only.

    Examples
    --------
    >>> str(Forbidden("recruiter", "candidates.read"))
    'A recruiter key may not perform candidates.read.'
    >>> str(Forbidden("employee", "audit.read"))
    'An employee key may not perform audit.read.'
    """

    def __init__(self, role: str, action: str) -> None:
        self.role, self.action = str(role), str(action)
        article = "An" if self.role[:1] in "aeiou" else "A"
        super().__init__(f"{article} {self.role} key may not perform {self.action}.")


class KeyNoLongerValid(ReskillError):
    """A key that was valid when a caller's request began was revoked, expired or deleted
    before its read was logged: nothing was answered. The message names no person.

    Examples
    --------
    >>> str(KeyNoLongerValid("k1"))
    'The API key is invalid, expired or revoked.'
    """

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__("The API key is invalid, expired or revoked.")


class ReportRefused(ReskillError):
    """An aggregate report about people that may not be given out: its scope is not one a
    report may cover, or its answer could be differenced with an earlier one into a
    person's protected attributes. The message names only what the caller asked, never
    a person, a count or a value the caller did not give."""
