"""`bench/bench_first_pages.py` runs on a small population and reports its rate.

Crash-only, as every benchmark test: the figures are never checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_the_first_pages_benchmark_answers_everyone_and_prints_its_rate(tmp_path: Path) -> None:
    path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    done = subprocess.run(
        [sys.executable, "bench/bench_first_pages.py", "--n", "300", "--cache-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "pages/s" in done.stdout and "100,000 at this rate" in done.stdout, done.stdout
