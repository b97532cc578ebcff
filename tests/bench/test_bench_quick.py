"""`python -m bench --quick` runs every section on tiny sizes and writes its JSON.

Only the structure is checked, never a timing: the benchmark fails only on a crash.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ONET_DIR, REPO

SECTIONS = {"onet", "embeddings", "transitions", "plans", "stepping", "shortlists", "api"}
CONDITIONS = {"date", "host", "cpu", "memory_gib", "python", "torch", "database", "git_commit"}


def _bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": path, **(env or {})},
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_structure(results: dict[str, Any]) -> None:
    assert CONDITIONS <= set(results["conditions"])
    assert results["rows"], "no rows"
    for row in results["rows"]:
        assert isinstance(row["name"], str) and row["name"]
        assert _is_number(row["value"]), row
        assert isinstance(row["unit"], str) and row["unit"], row
        for key in ("baseline_value", "ratio"):
            assert row[key] is None or _is_number(row[key]), row


@pytest.mark.slow
def test_quick_benchmark_runs_every_section_and_writes_its_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    onet = ["--onet", str(ONET_DIR)] if (ONET_DIR / "Skills.txt").is_file() else []
    done = _bench("--quick", "--json", str(out), *onet)
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out.read_text())
    _check_structure(results)
    assert results["errors"] == []
    ran = {row["section"] for row in results["rows"]}
    skipped = {s["section"] for s in results["skipped"]}
    assert ran | skipped == SECTIONS
    assert "measure" in done.stdout and results["conditions"]["mode"] == "quick"


def test_without_wrk_the_api_section_is_skipped_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    empty = tmp_path / "bin"
    empty.mkdir()
    done = _bench("--quick", "--only", "api", "--json", str(out), env={"PATH": str(empty)})
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out.read_text())
    assert results["rows"] == [] and results["errors"] == []
    assert [s["section"] for s in results["skipped"]] == ["api"]
    assert "wrk" in results["skipped"][0]["reason"]
    assert "skipped api" in done.stdout
