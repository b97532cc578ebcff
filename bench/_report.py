"""The one table of ``python -m bench``: rows, what was skipped, what failed; text, Markdown, JSON.

Every row is a measure with a number and a unit and, where there is one, the bare-tool
baseline measured in the same run (``baseline`` says what it is) and the ratio
``value / baseline_value``: for times above 1 means slower than the bare tool, for rates
below 1 means fewer per second.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

SCHEMA = 1


@dataclass(frozen=True)
class Row:
    section: str  # onet, embeddings, transitions, plans, stepping, shortlists, api
    name: str
    value: float
    unit: str
    baseline: str = ""  # what the bare baseline is; empty when there is none
    baseline_value: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # JSON only: samples, p95, counts

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or not self.baseline_value:
            return None
        return self.value / self.baseline_value


@dataclass
class Report:
    conditions: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def skip(self, section: str, reason: str) -> None:
        self.skipped.append({"section": section, "reason": reason})

    def fail(self, section: str, error: str) -> None:
        self.errors.append({"section": section, "error": error})

    def to_json(self) -> dict[str, Any]:
        rows = [{**asdict(r), "ratio": r.ratio} for r in self.rows]
        return {
            "schema": SCHEMA,
            "conditions": self.conditions,
            "rows": rows,
            "skipped": self.skipped,
            "errors": self.errors,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report a results file holds (``ratio`` is recomputed)."""
        fields = ("section", "name", "value", "unit", "baseline", "baseline_value", "note", "extra")
        rows = [Row(**{k: r[k] for k in fields if k in r}) for r in data["rows"]]
        return cls(data["conditions"], rows, data.get("skipped", []), data.get("errors", []))

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=2, allow_nan=False, default=str)
        path.write_text(text + "\n", encoding="utf-8")


def number(value: float | None) -> str:
    """Three significant figures, thousands separated.

    Examples
    --------
    >>> [number(x) for x in (12345.6, 123.45, 1.2345, 0.012345, None)]
    ['12,346', '123', '1.23', '0.0123', '']
    """
    if value is None or not math.isfinite(value):
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cells(row: Row) -> tuple[str, ...]:
    ratio = row.ratio
    return (
        row.name,
        number(row.value),
        row.unit,
        row.baseline,
        number(row.baseline_value),
        "" if ratio is None else f"{ratio:.2f}",
        row.note,
    )


HEADER = ("measure", "value", "unit", "bare baseline (same run)", "bare", "ratio", "note")
NUMERIC = {"value", "bare", "ratio"}


def conditions_lines(conditions: dict[str, Any]) -> list[str]:
    return [f"{key}: {value}" for key, value in conditions.items()]


def print_text(report: Report, console: Console) -> None:
    for line in conditions_lines(report.conditions):
        console.print(line, highlight=False, markup=False)
    table = Table(title="reskill bench (ratio = value / bare)", title_justify="left")
    for column in HEADER:
        table.add_column(column, justify="right" if column in NUMERIC else "left")
    section = None
    for row in report.rows:
        if section is not None and row.section != section:
            table.add_section()
        section = row.section
        table.add_row(*_cells(row))
    console.print(table)
    _print_notes(report, console)


def print_markdown(report: Report, console: Console) -> None:
    for line in conditions_lines(report.conditions):
        console.print(f"- {line}", highlight=False, markup=False, soft_wrap=True)
    console.print()
    console.print("| " + " | ".join(HEADER) + " |", markup=False, soft_wrap=True)
    console.print("|" + "|".join("---:" if c in NUMERIC else "---" for c in HEADER) + "|")
    for row in report.rows:
        cells = (c.replace("|", "\\|") for c in _cells(row))
        console.print("| " + " | ".join(cells) + " |", markup=False, soft_wrap=True)
    console.print()
    _print_notes(report, console)


def _print_notes(report: Report, console: Console) -> None:
    for skipped in report.skipped:
        line = f"skipped {skipped['section']}: {skipped['reason']}"
        console.print(line, markup=False, soft_wrap=True)
    for error in report.errors:
        line = f"FAILED {error['section']}: {error['error']}"
        console.print(line, markup=False, soft_wrap=True)
