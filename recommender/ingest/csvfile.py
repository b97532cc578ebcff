"""Stream one org CSV file into a :class:`~recommender.ingest.rawtable.RawTable`.

Encodings: UTF-8 with or without BOM, and UTF-16 LE/BE with a BOM (Excel's "Unicode
text"). Anything else fails on the first byte that is not UTF-8, naming its line.
Delimiters: comma per the format; a header that matches more columns when split on
``;``, tab or ``|`` switches to that delimiter, with a warning. Newlines: LF, CRLF and
CR, mixed freely. A record may span lines only inside a quoted free-text field; any
other multi-line record is reported as an unbalanced quote at the line it starts.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

from recommender.ingest.columns import Kind, TableSpec, normalise_header
from recommender.ingest.rawtable import ImportLimits, RawTable, TableBuilder

__all__ = ["read_csv_table", "detect_encoding", "DELIMITER_NAMES"]

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_UNDECODED = re.compile("[\udc80-\udcff]")


def detect_encoding(head: bytes) -> str:
    """Pick the codec from the first bytes: a UTF-16 BOM means UTF-16, otherwise UTF-8.

    Examples
    --------
    >>> detect_encoding(codecs.BOM_UTF16_LE + b"a\\x00")
    'utf-16'
    >>> detect_encoding(b"\\xef\\xbb\\xbfskill_id")
    'utf-8-sig'
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def read_csv_table(path: Path, spec: TableSpec, limits: ImportLimits) -> RawTable:
    """Read ``path`` as the table ``spec``; every problem found is in the result."""
    builder = TableBuilder(path.name, spec, limits)
    with path.open("rb") as raw:
        head = raw.read(4)
        builder.encoding = detect_encoding(head)
        if builder.encoding != "utf-16" and b"\x00" in head:
            builder.problem(
                1,
                None,
                "file looks like UTF-16 without a byte-order mark: save it "
                "as UTF-8 (in Excel: CSV UTF-8)",
            )
            return builder.finish()
        raw.seek(0)
        text = io.TextIOWrapper(
            raw, encoding=builder.encoding, errors="surrogateescape", newline=""
        )
        _parse(_decoded_lines(text, builder), builder)
    return builder.finish()


def _decoded_lines(text: io.TextIOWrapper, builder: TableBuilder) -> Iterator[str]:
    """Yield physical lines; stop at the first undecodable byte and report it."""
    name = "UTF-16" if builder.encoding == "utf-16" else "UTF-8"
    number = 0
    try:
        for number, line in enumerate(text, start=1):
            bad = _UNDECODED.search(line)
            if bad is not None:
                byte = ord(bad.group()) - 0xDC00
                builder.problem(
                    number,
                    None,
                    f"file is not {name} (byte 0x{byte:02x} at line "
                    f"{number}): save it as UTF-8 (in Excel: CSV UTF-8)",
                )
                builder.stopped = True
                return
            yield line
    except UnicodeDecodeError as exc:
        builder.problem(
            number + 1,
            None,
            f"file is not valid {name} ({exc.reason} near line "
            f"{number + 1}): save it as UTF-8 (in Excel: CSV UTF-8)",
        )
        builder.stopped = True


def _parse(lines: Iterator[str], builder: TableBuilder) -> None:
    first = next(lines, None)
    while first is not None and not first.strip():
        builder.blank_lines += 1
        first = next(lines, None)
    if first is None:
        return
    skipped = builder.blank_lines
    delimiter = _sniff(first, builder.spec)
    builder.delimiter = delimiter
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    _read_records(reader, builder, offset=skipped)


def _read_records(reader: csv.Reader, builder: TableBuilder, offset: int) -> None:  # type: ignore[name-defined]
    end = offset
    while not builder.stopped:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = offset + reader.line_num
            _quote_error(builder, start, str(exc))
            continue
        end = offset + reader.line_num
        if builder.header is None:
            _header(builder, start, cells)
        else:
            if _spans_cleanly(builder, start, end, cells):
                builder.add_record(start, cells)


def _header(builder: TableBuilder, line: int, cells: list[str]) -> None:
    delimiter = builder.delimiter or ","
    hint = ""
    if delimiter != ",":
        name = DELIMITER_NAMES[delimiter]
        hint = f"looks {name}-delimited: "
        builder.warn(
            line, None, f"{name}-delimited file read as such (the format is comma-delimited)"
        )
    elif len(cells) == 1 and any(d in cells[0] for d in ";\t|"):
        hint = "one column found with a comma delimiter (save the file as comma-separated): "
    builder.set_header(line, cells, hint)


def _quote_error(builder: TableBuilder, line: int, message: str) -> None:
    if "field larger than field limit" in message:
        reason = (
            f"a field longer than {csv.field_size_limit():,} characters: probably an "
            f"unbalanced quote starting at line {line}"
        )
        builder.stopped = True
    elif "unexpected end of data" in message:
        reason = f"unbalanced quote: the quoted field starting at line {line} is never closed"
    else:
        reason = (
            f"malformed quoting ({message}): a field containing quotes must be quoted "
            'and its quotes doubled ("")'
        )
    builder.problem(line, None, reason)


def _spans_cleanly(builder: TableBuilder, start: int, end: int, cells: list[str]) -> bool:
    """A record over several lines is fine only where the line breaks sit in free text."""
    if end == start or builder.header is None:
        return True
    for name, index in builder.header.positions.items():
        if index >= len(cells) or builder.spec.column(name).kind is Kind.TEXT:
            continue
        if "\n" in cells[index] or "\r" in cells[index]:
            builder.problem(
                start,
                name,
                f"line break inside {'an' if name[:1] in 'aeiou' else 'a'} {name} value "
                f"(the record runs "
                f"from line {start} to {end}): probably an unbalanced quote "
                f"starting at line {start}",
            )
            return False
    return True


def _sniff(first_line: str, spec: TableSpec) -> str:
    """The delimiter under which the header line matches the most known columns."""

    def matches(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(normalise_header(c) in spec.column_names for c in cells)

    best = max(DELIMITER_NAMES, key=lambda d: (matches(d), d == ","))
    return best if matches(best) > matches(",") else ","
