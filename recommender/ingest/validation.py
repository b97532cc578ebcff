"""Cell-level validation of org data: ids, text, numbers, levels, booleans, enums, dates, URLs.

Every parser takes the raw text of one cell and returns the typed value, or raises
:class:`BadValue` whose message says what is wrong and how to fix it. The
cross-row checks that need no file context (nearest-match suggestions, look-alike
letters, cycle finding) live here too.

Identifiers are Unicode NFKC-normalised, stripped of format characters (zero-width
spaces, bidi controls) and trimmed; they are never coerced to numbers. Two ids that
differ only in letter case collide (see :func:`id_key`). Text is normalised to NFC.

Examples
--------
>>> parse_id("\\uff25\\uff10\\uff10\\uff11\\u200b ")
'E001'
>>> parse_level("6")
Traceback (most recent call last):
...
recommender.ingest.validation.BadValue: level 6 is outside 1-5
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz, process

from recommender.catalog import MAX_LEVEL, MIN_LEVEL
from recommender.ingest.columns import strip_format_chars

__all__ = [
    "BadValue",
    "SOC_CODE",
    "EXCEL_ERRORS",
    "parse_id",
    "id_key",
    "parse_text",
    "parse_int",
    "parse_level",
    "parse_decimal",
    "parse_bool",
    "parse_enum",
    "parse_date",
    "parse_url",
    "suggest",
    "mixed_scripts",
    "find_cycles",
]

EXCEL_ERRORS = frozenset(
    {
        "#N/A",
        "#REF!",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
        "#CONNECT!",
        "#BUSY!",
    }
)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}([,\u00a0\u202f' ]\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EARLIEST_DATE = date(1950, 1, 1)
SOC_CODE = re.compile(r"\d{2}-\d{4}\.\d{2}")


class BadValue(ValueError):
    """A cell's value is wrong; the message is the reason shown to the user."""


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # exactly Unicode category Cc
_CONTROL_EXCEPT_SPACING = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_chars(text: str, *, multiline: bool) -> str | None:
    found = (_CONTROL_EXCEPT_SPACING if multiline else _CONTROL).search(text)
    if found is None:
        return None
    ch = found.group()
    return "NUL byte" if ch == "\0" else f"control character U+{ord(ch):04X}"


def _reject_excel_error(text: str) -> None:
    if "#" in text and text.strip().upper() in EXCEL_ERRORS:
        raise BadValue(
            f"{text.strip()!r} is an Excel error value: fix the formula or type the value"
        )


def parse_id(raw: str, *, max_chars: int = 200) -> str:
    """Normalise an identifier (NFKC, no format characters, trimmed) and check it.

    Examples
    --------
    >>> parse_id(" soc-analyst-1 ")
    'soc-analyst-1'
    """
    _reject_excel_error(raw)
    value = raw if raw.isascii() else strip_format_chars(unicodedata.normalize("NFKC", raw))
    value = value.strip()
    if not value:
        raise BadValue("is required (empty id)")
    bad = _control_chars(value, multiline=False)
    if bad:
        raise BadValue(f"id contains a {bad}: remove it")
    if len(value) > max_chars:
        raise BadValue(f"id is {len(value):,} characters long; the limit is {max_chars}")
    return value


def id_key(value: str) -> str:
    """The key under which ids collide: ids differing only in letter case are the same.

    Examples
    --------
    >>> id_key("E001") == id_key("e001")
    True
    """
    return value.casefold()


def parse_text(raw: str, *, max_chars: int, multiline: bool, required: bool) -> str:
    """Free text or a name: NFC, no control characters (tabs and line breaks in free text)."""
    _reject_excel_error(raw)
    value = unicodedata.normalize("NFC", raw).strip()
    if required and not value:
        raise BadValue("is required (empty)")
    bad = _control_chars(value, multiline=multiline)
    if bad:
        raise BadValue(f"contains a {bad}: remove it")
    if len(value) > max_chars:
        raise BadValue(f"is {len(value):,} characters long; the limit is {max_chars:,}")
    return value


def _number_hint(text: str) -> str:
    if text.casefold() in {"nan", "inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"}:
        return f"{text!r} is not a finite number"
    if _THOUSANDS.fullmatch(text):
        return f"{text!r} has a thousands separator: write {re.sub(r'[^0-9.+-]', '', text)}"
    if _DECIMAL_COMMA.fullmatch(text):
        return f"{text!r} uses a decimal comma: write {text.replace(',', '.')}"
    if re.fullmatch(r"[+-]?\d+(\.\d*)?[eE][+-]?\d+", text):
        return f"{text!r} is in scientific notation (an Excel artefact?): write the plain number"
    return f"{text!r} is not a number (write digits only, e.g. 12.5)"


def _number(raw: str) -> Decimal:
    _reject_excel_error(raw)
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise BadValue("is required (empty)")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise BadValue(_number_hint(text))
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise BadValue(_number_hint(text)) from None


def parse_int(raw: str, *, low: int, high: int, what: str) -> int:
    """A whole number in ``[low, high]``; ``3.0`` is accepted, ``3.5`` is not.

    Examples
    --------
    >>> parse_int("1,000", low=0, high=10**6, what="open_positions")
    Traceback (most recent call last):
    ...
    recommender.ingest.validation.BadValue: '1,000' has a thousands separator: write 1000
    """
    number = _number(raw)
    if number != number.to_integral_value():
        raise BadValue(f"{what} {raw.strip()!r} is not a whole number")
    value = int(number)
    if not low <= value <= high:
        raise BadValue(f"{what} {value} is outside {low}-{high:,}")
    return value


def parse_level(raw: str) -> int:
    """A proficiency level, a whole number 1-5."""
    return parse_int(raw, low=MIN_LEVEL, high=MAX_LEVEL, what="level")


def parse_decimal(raw: str, *, low: float, high: float, what: str, low_open: bool = False) -> float:
    """A finite decimal in ``[low, high]`` (``(low, high]`` with ``low_open``).

    Examples
    --------
    >>> parse_decimal("12h", low=0, high=5000, what="hours")
    Traceback (most recent call last):
    ...
    recommender.ingest.validation.BadValue: '12h' is not a number (write digits only, e.g. 12.5)
    """
    value = float(_number(raw))
    if math.isinf(value) or (value <= low if low_open else value < low) or value > high:
        bracket = "(" if low_open else "["
        raise BadValue(f"{what} {raw.strip()} is outside {bracket}{low:g}, {high:g}]")
    return value


def parse_bool(raw: str) -> bool:
    """``true``/``false``, ``yes``/``no``, ``1``/``0``, any case."""
    text = raw.strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    _reject_excel_error(raw)
    shown = raw.strip()
    raise BadValue(
        f"{shown!r} is not a boolean: use true/false, yes/no or 1/0"
        if shown
        else "is required (empty): use true/false, yes/no or 1/0"
    )


def parse_enum(raw: str, allowed: Sequence[str]) -> str:
    """One of ``allowed`` (compared case-insensitively after trimming)."""
    text = unicodedata.normalize("NFKC", raw).strip().casefold()
    if text in allowed:
        return text
    _reject_excel_error(raw)
    shown = f"{raw.strip()!r}" if raw.strip() else "empty value"
    raise BadValue(f"{shown} is not one of: {', '.join(allowed)}")


def parse_date(raw: str, *, today: date) -> date | None:
    """A calendar date ``YYYY-MM-DD`` between 1950-01-01 and ``today``; blank gives None."""
    _reject_excel_error(raw)
    text = raw.strip()
    if not text:
        return None
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        hint = " (an Excel date serial?)" if text.isdigit() else ""
        raise BadValue(f"{text!r} is not a date in the form YYYY-MM-DD{hint}")
    try:
        value = date(*(int(g) for g in match.groups()))
    except ValueError:
        raise BadValue(f"{text} is not a real calendar date") from None
    if value > today:
        raise BadValue(f"{text} is in the future")
    if value < _EARLIEST_DATE:
        raise BadValue(f"{text} is before 1950-01-01")
    return value


def parse_url(raw: str, *, max_chars: int) -> str:
    """A blank value or an ``https://`` URL with a host."""
    text = parse_text(raw, max_chars=max_chars, multiline=False, required=False)
    if text and not re.fullmatch(r"https://[^\s/?#]+[^\s]*", text, flags=re.IGNORECASE):
        raise BadValue(f"{text[:80]!r} is not an https:// URL")
    return text


def suggest(query: str, choices: Mapping[str, str] | Collection[str]) -> str | None:
    """The choice closest to ``query``, or None when nothing is close.

    ``choices`` maps each candidate text (an id, a name, an alias) to the id to
    suggest; a plain collection suggests the candidates themselves. Look-alike
    letters (Cyrillic ``Р`` for Latin ``P``) are folded before matching.

    Examples
    --------
    >>> suggest("sequel", ["sql", "python"])
    'sql'
    """
    targets = choices if isinstance(choices, Mapping) else {c: c for c in choices}
    if not targets:
        return None
    folded = {_skeleton(text): text for text in sorted(targets)}
    found = process.extractOne(_skeleton(query), list(folded), scorer=fuzz.ratio, score_cutoff=60)
    return None if found is None else targets[folded[found[0]]]


# Letters of other scripts that render like Latin ones (a small subset of Unicode's
# confusables list: the Cyrillic and Greek capitals and lower-case letters seen in
# copy-pasted skill names).
_CONFUSABLES = str.maketrans(
    "АВЕКМНОРСТУХаеорсухіјѕԁɡΑΒΕΖΗΙΚΜΝΟΡΤΥΧοα",
    "ABEKMHOPCTYXaeopcyxijsdgABEZHIKMNOPTYXoa",
)


def _skeleton(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_CONFUSABLES).casefold()


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


def mixed_scripts(text: str) -> tuple[str, ...]:
    """The scripts of the letters in ``text`` when there is more than one, else ``()``.

    Examples
    --------
    >>> mixed_scripts("\\u0420\\u0443thon")
    ('CYRILLIC', 'LATIN')
    >>> mixed_scripts("python")
    ()
    """
    if text.isascii():
        return ()
    scripts = sorted({s for s in map(_script, text) if s is not None})
    return tuple(scripts) if len(scripts) > 1 else ()


def find_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every elementary cycle found by one iterative depth-first pass, as paths.

    Each returned path starts and ends on the same node (``[a, b, a]``); a self-loop
    gives ``[a, a]``. Iterative, so a 10,000-node chain does not hit the recursion
    limit. Nodes are visited in sorted order, so the result is deterministic.

    Examples
    --------
    >>> find_cycles({"a": ["b"], "b": ["a"], "c": ["c"]})
    [['a', 'b', 'a'], ['c', 'c']]
    """
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    cycles: list[list[str]] = []
    for root in sorted(edges):
        if root not in state:
            _walk(root, edges, state, cycles)
    return cycles


def _walk(
    root: str, edges: Mapping[str, Iterable[str]], state: dict[str, int], cycles: list[list[str]]
) -> None:
    path = [root]
    stack = [iter(sorted(edges.get(root, ())))]
    state[root] = 1
    while stack:
        nxt = next(stack[-1], None)
        if nxt is None:
            state[path.pop()] = 2
            stack.pop()
        elif state.get(nxt) == 1:
            cycles.append(path[path.index(nxt) :] + [nxt])
        elif nxt not in state:
            state[nxt] = 1
            path.append(nxt)
            stack.append(iter(sorted(edges.get(nxt, ()))))
