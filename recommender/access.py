"""Who may do what: roles, principals, the permission table and API key material.

Access is denied by default: an action is allowed only for the roles listed
for it in :data:`PERMISSIONS`. An ``employee`` principal reads employee data
only about itself (:meth:`Principal.may_read_employee`).

API keys look like ``rk_<key id>_<secret>``: the key id is public (it names the
key in listings and in the access log), the secret is 256 random bits and is
stored only as its SHA-256 digest. A plain digest is enough because the secret
is high-entropy: there is nothing to brute-force.

Examples
--------
>>> allows(Role.RECRUITER, Action.CATALOG_READ), allows(Role.RECRUITER, Action.EMPLOYEES_READ)
(True, False)
>>> key = new_key()
>>> parse_key(key.token) == (key.key_id, key.secret)
True
>>> parse_key("rk_short_x") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from recommender.errors import InvalidInput

__all__ = [
    "Role",
    "Action",
    "PERMISSIONS",
    "OWN_RECORD_ONLY",
    "DEPARTMENT_BOUND",
    "Principal",
    "IssuedKey",
    "allows",
    "check_key_owner",
    "new_key",
    "parse_key",
    "hash_secret",
    "secret_matches",
]

KEY_PREFIX = "rk"
KEY_ID_LENGTH = 8
_KEY_ID_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_BYTES = 32  # 256 bits
_KEY = re.compile(rf"^{KEY_PREFIX}_([a-z0-9]{{{KEY_ID_LENGTH}}})_([A-Za-z0-9_-]{{43}})$")


class Role(StrEnum):
    """What a key holder is: it decides every permission."""

    ADMIN = "admin"
    TALENT = "talent"
    RECRUITER = "recruiter"
    EMPLOYEE = "employee"
    AUDITOR = "auditor"
    MANAGER = "manager"


class Action(StrEnum):
    """Something a caller may be allowed to do; routes declare the one they need."""

    CATALOG_READ = "catalog.read"
    EMPLOYEES_READ = "employees.read"
    EMPLOYEES_ERASE = "employees.erase"
    PATHWAYS_READ = "pathways.read"
    GOALS_WRITE = "goals.write"
    SKILLS_WRITE = "skills.write"
    CANDIDATES_READ = "candidates.read"
    SHORTLISTS_READ = "shortlists.read"
    SHORTLISTS_WRITE = "shortlists.write"
    MATCH_USE = "match.use"
    IMPACT_READ = "impact.read"
    AUDIT_READ = "audit.read"
    IMPORTS_WRITE = "imports.write"
    KEYS_MANAGE = "keys.manage"
    ACADEMY_READ = "academy.read"
    ACADEMY_WRITE = "academy.write"
    NOMINATIONS_READ = "nominations.read"
    NOMINATIONS_WRITE = "nominations.write"


_A, _T, _R, _E, _AU = Role.ADMIN, Role.TALENT, Role.RECRUITER, Role.EMPLOYEE, Role.AUDITOR
_M = Role.MANAGER

#: The permission table: each action and the roles allowed to perform it.
#: Anything not listed here is denied. Impact-ratio reports (aggregates about people's
#: protected attributes) are for admin and auditor keys only; an auditor may also read
#: the catalogue, to know the role ids to ask about, and nothing else.
PERMISSIONS: Mapping[Action, frozenset[Role]] = MappingProxyType(
    {
        Action.CATALOG_READ: frozenset({_A, _T, _R, _AU}),
        Action.EMPLOYEES_READ: frozenset({_A, _T, _E}),
        Action.EMPLOYEES_ERASE: frozenset({_A}),
        Action.PATHWAYS_READ: frozenset({_A, _T, _E}),
        Action.GOALS_WRITE: frozenset({_A, _T, _E}),
        # As goals: an employee corrects their own record (OWN_RECORD_ONLY), talent and
        # admins anyone's (they also read it); recruiters, managers, auditors nobody's.
        Action.SKILLS_WRITE: frozenset({_A, _T, _E}),
        Action.CANDIDATES_READ: frozenset({_A, _T}),
        Action.SHORTLISTS_READ: frozenset({_A, _T, _R}),
        Action.SHORTLISTS_WRITE: frozenset({_A, _T, _R}),
        # Free text in, catalogue roles and skills out: no one's record is read, so an
        # employee may describe the work they would like to do (the explorer's box).
        Action.MATCH_USE: frozenset({_A, _T, _E}),
        Action.IMPACT_READ: frozenset({_A, _AU}),
        Action.AUDIT_READ: frozenset({_A}),
        Action.IMPORTS_WRITE: frozenset({_A}),
        Action.KEYS_MANAGE: frozenset({_A}),
        Action.ACADEMY_READ: frozenset({_A, _T}),
        Action.ACADEMY_WRITE: frozenset({_A, _T}),
        Action.NOMINATIONS_READ: frozenset({_A, _T, _M, _E}),
        Action.NOMINATIONS_WRITE: frozenset({_A, _T, _M}),
    }
)

#: Roles that may read employee data only about the employee their key belongs to.
OWN_RECORD_ONLY: frozenset[Role] = frozenset({Role.EMPLOYEE})

#: Roles bound to one department: they act only on the people of that department.
DEPARTMENT_BOUND: frozenset[Role] = frozenset({Role.MANAGER})


def allows(role: Role, action: Action) -> bool:
    """Whether ``role`` may perform ``action`` (deny when the action is not in the table)."""
    return role in PERMISSIONS.get(action, frozenset())


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: which key, which role, and for employees whose key it is."""

    key_id: str
    role: Role
    employee_id: str | None = None
    department: str | None = None

    def may(self, action: Action) -> bool:
        return allows(self.role, action)

    def may_read_employee(self, employee_id: str) -> bool:
        """Whether this caller may read ``employee_id``'s data (employees: only their own).

        Examples
        --------
        >>> Principal("k", Role.EMPLOYEE, "E1").may_read_employee("E2")
        False
        >>> Principal("k", Role.TALENT).may_read_employee("E2")
        True
        """
        return self.may_access_employee(Action.EMPLOYEES_READ, employee_id)

    def within(self, department: str) -> bool:
        """Whether a person of ``department`` is within this caller's reach: everyone for
        most roles, the key's own department for a manager (compared case-insensitively).

        Examples
        --------
        >>> boss = Principal("k", Role.MANAGER, department="Emergency")
        >>> boss.within("emergency"), boss.within("Pharmacy")
        (True, False)
        """
        if self.role not in DEPARTMENT_BOUND:
            return True
        return (self.department or "").casefold() == department.casefold()

    def may_access_employee(self, action: Action, employee_id: str) -> bool:
        """Whether this caller may perform ``action`` on ``employee_id``'s data.

        Employees act only on themselves; every other role by the permission table.

        Examples
        --------
        >>> me = Principal("k", Role.EMPLOYEE, "E1")
        >>> me.may_access_employee(Action.PATHWAYS_READ, "E1")
        True
        >>> me.may_access_employee(Action.PATHWAYS_READ, "E2")
        False
        >>> Principal("k", Role.RECRUITER).may_access_employee(Action.PATHWAYS_READ, "E1")
        False
        """
        if not self.may(action):
            return False
        return self.role not in OWN_RECORD_ONLY or self.employee_id == employee_id


def check_key_owner(role: Role, employee_id: str | None, department: str | None = None) -> None:
    """Refuse an employee key without an employee, or an employee id on any other key; a
    manager key without a department, or a department on any other key.

    Raises
    ------
    InvalidInput
        Naming the role and what is missing or extra.
    """
    if role == Role.EMPLOYEE and not employee_id:
        raise InvalidInput("an employee key needs the employee it belongs to (--employee ID)")
    if role != Role.EMPLOYEE and employee_id is not None:
        article = "an" if str(role)[:1] in "aeiou" else "a"
        raise InvalidInput(f"{article} {role} key belongs to no employee; drop the employee id")
    if role in DEPARTMENT_BOUND and not (department or "").strip():
        raise InvalidInput("a manager key needs the department it manages (--department NAME)")
    if role not in DEPARTMENT_BOUND and department is not None:
        article = "an" if str(role)[:1] in "aeiou" else "a"
        raise InvalidInput(f"{article} {role} key is bound to no department; drop the department")


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: ``token`` is shown to its holder once and never stored."""

    key_id: str
    secret: str

    @property
    def token(self) -> str:
        return f"{KEY_PREFIX}_{self.key_id}_{self.secret}"

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"IssuedKey(key_id={self.key_id!r}, secret=<hidden>)"


def new_key() -> IssuedKey:
    """A fresh key: a random public id and a 256-bit secret."""
    key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(KEY_ID_LENGTH))
    return IssuedKey(key_id, secrets.token_urlsafe(_SECRET_BYTES))


def parse_key(token: str) -> tuple[str, str] | None:
    """Split a presented key into ``(key_id, secret)``, or ``None`` if it is not a reskill key."""
    match = _KEY.fullmatch(token)
    return None if match is None else (match.group(1), match.group(2))


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret: its SHA-256, hex-encoded."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Compare a presented secret with a stored digest in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)
