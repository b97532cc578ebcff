"""A few occupations of an O*NET text database, in O*NET's own layout, for quick runs."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

CODE = "O*NET-SOC Code"
RATED = "Skills.txt"


def occupations(onet: Path, n: int) -> list[str]:
    """The first ``n`` occupation codes with skill ratings, in file order."""
    codes: dict[str, None] = {}
    with (onet / RATED).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            codes.setdefault(row[CODE], None)
            if len(codes) == n:
                break
    return list(codes)


def write_subset(onet: Path, out: Path, n: int) -> list[str]:
    """Copy ``onet`` into ``out`` keeping only the rows of ``n`` rated occupations; files
    without an occupation column are copied whole, ``Related Occupations`` files not at
    all (the product never reads them). Returns the codes kept."""
    keep = set(occupations(onet, n))
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(onet.iterdir()):
        if path.name.startswith("Related Occupations") or not path.is_file():
            continue
        if path.suffix != ".txt":
            shutil.copyfile(path, out / path.name)
            continue
        _filter(path, out / path.name, keep)
    return sorted(keep)


def _filter(source: Path, target: Path, keep: set[str]) -> None:
    with source.open(encoding="utf-8", newline="") as inp:
        header = inp.readline()
        if CODE not in header.rstrip("\r\n").split("\t"):
            target.write_text(header + inp.read(), encoding="utf-8", newline="")
            return
        column = header.rstrip("\r\n").split("\t").index(CODE)
        with target.open("w", encoding="utf-8", newline="") as out:
            out.write(header)
            for line in inp:
                if line.split("\t", column + 1)[column] in keep:
                    out.write(line)
