"""A table as read from one CSV file or XLSX sheet: text cells keyed by column, with line numbers.

Both readers (:mod:`recommender.ingest.csvfile`, :mod:`recommender.ingest.workbook`)
feed a :class:`TableBuilder`, which owns the checks they share: header matching,
duplicate and missing columns, ragged rows, blank rows, and the row and column limits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from recommender.errors import Problem
from recommender.ingest.columns import TableSpec, normalise_header

__all__ = ["ImportLimits", "RawRow", "RawTable", "Header", "TableBuilder"]


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Size limits; anything larger is rejected with a message naming the limit.

    ``max_rows`` allows a large health system's skills table (100,000 employees hold about
    1.5 million skill rows; 5 million covers about 330,000 people) while still refusing a
    file that would only exhaust memory."""

    max_rows: int = 5_000_000
    max_columns: int = 100
    max_text_chars: int = 10_000
    max_name_chars: int = 200


@dataclass(frozen=True, slots=True)
class RawRow:
    """One record: ``line`` is the physical line (or sheet row) where it starts."""

    line: int
    cells: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RawTable:
    file: str
    spec: TableSpec
    rows: tuple[RawRow, ...]
    blank_lines: int
    header_changes: tuple[tuple[str, str], ...]
    delimiter: str | None
    encoding: str | None
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    converted_ids: int = 0
    complete: bool = True
    partial_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Header:
    """Where each known column sits in the record, and the header's width."""

    positions: Mapping[str, int]
    width: int


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


@dataclass
class TableBuilder:
    """Collects the rows and problems of one table while a reader streams it."""

    file: str
    spec: TableSpec
    limits: ImportLimits
    delimiter: str | None = None
    encoding: str | None = None
    header: Header | None = None
    rows: list[RawRow] = field(default_factory=list)
    blank_lines: int = 0
    header_changes: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    converted_ids: int = 0
    stopped: bool = False
    partial_ids: list[str] = field(default_factory=list)

    def problem(self, row: int | None, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, row, column, reason))

    def warn(self, row: int | None, column: str | None, reason: str) -> None:
        self.warnings.append(Problem(self.file, row, column, reason))

    def set_header(self, line: int, cells: Sequence[str], hint: str = "") -> bool:
        """Match the header cells to the spec; return False (and stop) if it is unusable."""
        if len(cells) > self.limits.max_columns:
            self.problem(
                line,
                None,
                f"{len(cells):,} columns exceed the limit of "
                f"{self.limits.max_columns}: remove unused columns",
            )
            self.stopped = True
            return False
        positions: dict[str, int] = {}
        for index, raw in enumerate(cells):
            self._place_column(line, index, raw, positions)
        missing = [c.name for c in self.spec.columns if c.name not in positions and not c.absent_ok]
        if missing:
            self.problem(line, None, f"{hint}missing columns {', '.join(missing)}")
            self.stopped = True
            return False
        self.header = Header(MappingProxyType(positions), len(cells))
        return True

    def _place_column(self, line: int, index: int, raw: str, positions: dict[str, int]) -> None:
        name = normalise_header(raw)
        if name != raw:
            self.header_changes.append((raw, name))
        if name in positions:
            self.problem(
                line,
                name,
                f"duplicate column {name!r} (columns {positions[name] + 1} "
                f"and {index + 1}): keep one",
            )
        elif name in self.spec.column_names:
            positions[name] = index
        elif name:
            self.warn(
                line,
                name,
                f"unknown column {raw!r} ignored (expected {', '.join(self.spec.column_names)})",
            )

    def add_record(self, line: int, cells: Sequence[str]) -> None:
        """Add a data record that starts at ``line``; blank records are only counted."""
        if self.stopped or self.header is None:
            return
        if all(not c.strip() for c in cells):
            self.blank_lines += 1
            return
        if len(self.rows) >= self.limits.max_rows:
            self.problem(line, None, f"more than {self.limits.max_rows:,} rows: split the file")
            self.stopped = True
            return
        if len(cells) != self.header.width:
            self._ragged(line, len(cells))
            key = self.header.positions[self.spec.key[0]]
            if key < len(cells):  # so references to this row's id are not reported too
                self.partial_ids.append(cells[key])
            return
        values = {name: cells[i] for name, i in self.header.positions.items()}
        self.rows.append(RawRow(line, MappingProxyType(values)))

    def _ragged(self, line: int, count: int) -> None:
        assert self.header is not None
        width = self.header.width
        how = "extra values" if count > width else "missing values"
        self.problem(
            line,
            None,
            f"{_plural(count, 'field')} where the header has {width} "
            f"({how}; check for an unquoted delimiter or a lost quote)",
        )

    def finish(self) -> RawTable:
        if self.header is None and not self.problems:
            self.problem(
                None,
                None,
                "file is empty: expected a header row "
                f"({', '.join(self.spec.column_names)}) and data rows",
            )
        elif self.header is not None and not self.rows and not self.problems:
            self.problem(None, None, "no rows: the file has a header but no data")
        return RawTable(
            self.file,
            self.spec,
            tuple(self.rows),
            self.blank_lines,
            tuple(self.header_changes),
            self.delimiter,
            self.encoding,
            tuple(self.problems),
            tuple(self.warnings),
            self.converted_ids,
            complete=self.header is not None and not self.stopped,
            partial_ids=tuple(self.partial_ids),
        )
