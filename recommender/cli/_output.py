"""How commands print their answers: tables that fit, plain text in pipes, JSON and CSV.

Tables
------
:class:`Grid` is every command's table. Its columns wrap at word boundaries to fit the
width, never cutting a value short with an ellipsis: each column is given at least its
longest word (a name's word, an id), and the space left goes to the columns whose cells
are longest. When even that does not fit (many columns in a narrow terminal), each row is
printed as a block of ``column  value`` lines instead, so names still stay whole.

The width is ``COLUMNS`` when set, else the terminal's; a pipe or a file has no width
(nothing is wrapped). :func:`stdout` is the console to print on: in a terminal, colour and
a ruled header; anywhere else plain text (no colour, no escape codes; ASCII rules, ``|``
between columns).

JSON and CSV
------------
Commands that print tables also take ``--json`` and ``--csv`` (not both:
:func:`output_format`). ``--csv`` writes one CSV table whose rows and values are those of
``--json`` (:func:`csv_rows`):

* an answer that is a list (``mobility``, ``hard-to-fill``, ``reachable``, ``titles``,
  ``evaluate titles``, ``keys list``) gives one row per item;
* an answer that is an object (``pathway``, ``candidates``, ``people``, ``match``,
  ``init``, ``import org``, ``import onet``, ``evaluate transitions``, ``transitions fit``)
  gives a first column ``section``: one ``summary`` row with the object's own fields, then
  one row per item of each of its lists, ``section`` naming the list by its JSON path
  (``candidates``, ``plan.steps``, ``tables``, ``completed.rankings``, ``cv.rankings``).

Within a row, nested objects become dotted columns (``components.readiness``), lists are
compact JSON (``["a","b"]``), ``null`` is an empty cell and booleans are ``true`` /
``false``; columns are the union of every row's fields, empty where a field does not apply.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

import typer
from rich import box
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = [
    "AsCsv",
    "AsJson",
    "Column",
    "Format",
    "Grid",
    "csv_rows",
    "flatten",
    "output_format",
    "print_answer",
    "stdout",
    "write_csv",
]

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
AsCsv = Annotated[
    bool,
    typer.Option("--csv", help="Print one CSV table instead (the rows and values --json prints)."),
]

#: The width of a console that writes to no terminal and was given no COLUMNS.
UNBOUNDED = 100_000

#: Rules in ASCII for pipes and files: ``|`` between columns, ``-+-`` under the header.
ASCII_RULES = box.Box(
    "+-++\n"  # top
    "| ||\n"  # header row
    "|-+|\n"  # rule under the header
    "| ||\n"  # row
    "|-+|\n"  # rule between rows
    "|-+|\n"  # rule above the footer
    "| ||\n"  # footer
    "+-++\n",  # bottom
    ascii=True,
)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def output_format(as_json: bool, as_csv: bool) -> Format:
    """The format asked for; ``--json`` with ``--csv`` is a usage error (exit status 2)."""
    if as_json and as_csv:
        raise typer.BadParameter("give --json or --csv, not both", param_hint="--json/--csv")
    return Format.JSON if as_json else Format.CSV if as_csv else Format.TABLE


def _columns() -> int | None:
    value = os.environ.get("COLUMNS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def stdout() -> Console:
    """A console on the current standard output (made when printing, so it sees the width
    and the stream of the moment): a terminal's width or ``COLUMNS``, with colour; or, in a
    pipe or a file, plain text as wide as ``COLUMNS`` or unbounded."""
    probe = Console(file=sys.stdout)
    if probe.is_terminal:
        return Console(file=sys.stdout, width=_columns(), highlight=False)
    return Console(
        file=sys.stdout,
        width=_columns() or UNBOUNDED,
        color_system=None,
        no_color=True,
        highlight=False,
        emoji=False,
        force_terminal=False,
    )


def _plain(console: Console) -> bool:
    return console.color_system is None or not console.is_terminal


Justify = Literal["left", "right"]


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    justify: Justify = "left"


class Grid:
    """A table whose columns wrap to fit, never cutting a word (see the module docstring).

    Cells are plain strings (never markup) or styled :class:`rich.text.Text`.
    """

    def __init__(
        self, *columns: str | Column, title: str | None = None, caption: str | None = None
    ) -> None:
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self.title = title
        self.caption = caption
        self.rows: list[list[Text]] = []

    def add_row(self, *cells: str | Text) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append([c if isinstance(c, Text) else Text(c) for c in cells])

    def __len__(self) -> int:
        return len(self.rows)

    def _measure(self, console: Console) -> tuple[list[int], list[int]]:
        """Each column's longest word and longest cell (headers included)."""
        options = console.options
        lows, highs = [], []
        for index, column in enumerate(self.columns):
            cells = [Text(column.header), *(row[index] for row in self.rows)]
            sizes = [Measurement.get(console, options, cell) for cell in cells]
            lows.append(max(1, *(s.minimum for s in sizes)))
            highs.append(max(1, *(s.maximum for s in sizes)))
        return lows, highs

    def layout(self, console: Console) -> tuple[list[int], bool] | None:
        """Each column's width within ``console.width``, and whether the columns are one
        space apart (two when that fits); None when the longest words alone do not fit
        (the rows are then printed as blocks)."""
        lows, highs = self._measure(console)
        for tight in (False, True):
            room = console.width - self._overhead(console, tight)
            if sum(highs) <= room:
                return highs, tight
            spare = room - sum(lows)
            if spare >= 0:
                return _share(lows, highs, spare), tight
        return None

    def _table(self, console: Console, widths: Sequence[int], *, tight: bool = False) -> Table:
        plain = _plain(console)
        table = Table(
            title=self.title,
            caption=self.caption,
            box=ASCII_RULES if plain else box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 0) if tight else (0, 1),
            collapse_padding=not plain,
            header_style="" if plain else "bold",
            title_style="" if plain else "bold",
            caption_style="" if plain else "dim",
        )
        for column, width in zip(self.columns, widths, strict=True):
            table.add_column(column.header, justify=column.justify, width=width, overflow="fold")
        for row in self.rows:
            table.add_row(*row)
        return table

    def _overhead(self, console: Console, tight: bool) -> int:
        """The width the rules and padding take beside the cells."""
        empty = Grid(*self.columns)._table(console, [1] * len(self.columns), tight=tight)
        return Measurement.get(console, console.options, empty).maximum - len(self.columns)

    def renderable(self, console: Console) -> RenderableType:
        layout = self.layout(console)
        if layout is None:
            return self._blocks(console)
        widths, tight = layout
        return self._table(console, widths, tight=tight)

    def _blocks(self, console: Console) -> RenderableType:
        """Each row as ``header  value`` lines, a blank line between rows."""
        plain = _plain(console)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="" if plain else "bold", no_wrap=True)
        grid.add_column(overflow="fold")
        if self.title:
            grid.title = self.title
            grid.title_style = "" if plain else "bold"
        for number, row in enumerate(self.rows):
            if number:
                grid.add_row("", "")
            for column, cell in zip(self.columns, row, strict=True):
                grid.add_row(column.header, cell)
        if self.caption:
            grid.caption = self.caption
        return grid

    def print(self, console: Console | None = None) -> None:
        console = console or stdout()
        console.print(self.renderable(console))


def _share(lows: Sequence[int], highs: Sequence[int], spare: int) -> list[int]:
    """``lows`` plus ``spare`` columns of width, shared in proportion to what each column
    lacks to reach ``highs``.

    Examples
    --------
    >>> _share([5, 3, 4], [5, 13, 24], 10)
    [5, 6, 11]
    """
    wants = [high - low for low, high in zip(lows, highs, strict=True)]
    given = [spare * want // sum(wants) for want in wants]
    left = spare - sum(given)
    for index in sorted(range(len(wants)), key=lambda i: wants[i] - given[i], reverse=True)[:left]:
        given[index] += 1
    return [low + extra for low, extra in zip(lows, given, strict=True)]


# JSON and CSV ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """One CSV row from a JSON object: nested objects as dotted columns, lists as JSON.

    Examples
    --------
    >>> flatten({"id": "E1", "ok": True, "c": {"a": 1, "b": None}, "why": ["x", "y"]})
    {'id': 'E1', 'ok': 'true', 'c.a': '1', 'c.b': '', 'why': '["x","y"]'}
    """
    row: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            row |= flatten(value, f"{name}.")
        else:
            row[name] = _cell(value)
    return row


def _without(data: Mapping[str, Any], path: Sequence[str]) -> dict[str, Any]:
    head, *rest = path
    copy = dict(data)
    if not rest:
        copy.pop(head, None)
    elif isinstance(copy.get(head), Mapping):
        copy[head] = _without(copy[head], rest)
    return copy


def _at(data: Mapping[str, Any], path: Sequence[str]) -> list[Mapping[str, Any]]:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return list(value or [])


def csv_rows(data: Any, sections: Sequence[str] = ()) -> list[dict[str, str]]:
    """The rows ``--csv`` writes for the answer ``--json`` prints (see the module docstring).

    ``sections`` are the JSON paths (``"plan.steps"``) of an object's lists of records.

    Examples
    --------
    >>> csv_rows([{"id": "a", "n": 1}, {"id": "b", "n": 2}])
    [{'id': 'a', 'n': '1'}, {'id': 'b', 'n': '2'}]
    >>> csv_rows({"role": "r", "people": [{"id": "E1"}]}, ["people"])
    [{'section': 'summary', 'role': 'r'}, {'section': 'people', 'id': 'E1'}]
    """
    if not isinstance(data, Mapping):
        return [flatten(item) for item in data]
    summary = dict(data)
    for section in sections:
        summary = _without(summary, section.split("."))
    rows = [{"section": "summary", **flatten(summary)}]
    for section in sections:
        rows += [{"section": section, **flatten(r)} for r in _at(data, section.split("."))]
    return rows


def write_csv(rows: Iterable[Mapping[str, str]], header: Sequence[str] = ()) -> None:
    """Write ``rows`` as CSV on stdout; columns in order of first appearance (``header``
    first, which is all a CSV of no rows holds)."""
    rows = list(rows)
    columns = dict.fromkeys(header)
    for row in rows:
        columns |= dict.fromkeys(row)
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.flush()


def print_answer(
    fmt: Format,
    data: Callable[[], Any],
    render: Callable[[], None],
    *,
    sections: Sequence[str] = (),
    header: Sequence[str] = (),
) -> None:
    """Print an answer as ``fmt`` asks: ``data()`` (JSON-ready) as JSON or CSV, or ``render()``.

    ``header`` names the CSV's columns when a list answer may be empty.
    """
    if fmt is Format.JSON:
        typer.echo(json.dumps(data(), indent=2))
    elif fmt is Format.CSV:
        write_csv(csv_rows(data(), sections), header)
    else:
        render()
