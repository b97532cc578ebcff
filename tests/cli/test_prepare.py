"""`reskill prepare`, the real command with the real embedding model: killed (SIGKILL) in the
middle of its vectors and again in the middle of its pages, then run again, it ends with
byte for byte the rows of a run that was never interrupted; and `reskill serve` started on
the prepared version encodes no profile and prepares no answer. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from recommender.store import make_engine
from recommender.store.versions import current
from tests.conftest import REPO
from tests.small_org import forget_preparations, load, prepared_rows, small_org
from tests.workers.servers import ENV, Server

pytestmark = pytest.mark.slow

BATCH = 10
PEOPLE = 120
#: A worker as `reskill serve` starts one: the model, warm-up and prepared opportunities on.
WORKER = {
    "RESKILL_EMBEDDINGS": "true",
    "RESKILL_WARM_UP": "true",
    "RESKILL_PREPARE_OPPORTUNITIES": "1",
}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_org(tmp_path_factory.mktemp("org"), n=PEOPLE)


def prepare_command(url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "recommender.cli", "prepare", "--database-url", url, *extra]


def run_to_the_end(url: str) -> str:
    done = subprocess.run(
        prepare_command(url, "--batch-size", str(BATCH)),
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def killed_after(url: str, line: str) -> list[str]:
    """Run ``reskill prepare`` and SIGKILL it as soon as it prints ``line`` (a batch of it
    just committed, the next one is under way); the lines it printed."""
    process = subprocess.Popen(
        prepare_command(url, "--batch-size", str(BATCH)),
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    said = []
    try:
        for said_line in process.stderr:
            said.append(said_line)
            if said_line.startswith(line):
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=60)
    assert said and said[-1].startswith(line), "".join(said)
    return said


def unfinished(url: str) -> bool:
    from recommender.preparation import is_prepared

    engine = make_engine(url)
    try:
        return not is_prepared(engine, current(engine))
    finally:
        engine.dispose()


def test_reskill_prepare_killed_twice_ends_as_a_run_never_interrupted(
    database_url: str, org: Path, tmp_path: Path
) -> None:
    url = database_url
    load(url, org)
    said = run_to_the_end(url)
    assert "prepared:" in said, said
    uninterrupted = prepared_rows(url)
    assert len(uninterrupted["prepared_answers"]) > PEOPLE * 0.9
    forget_preparations(url)

    killed_after(url, f"profile vectors: {2 * BATCH} of")
    vectors = len(prepared_rows(url)["text_vectors"])
    assert 2 * BATCH <= vectors < len(uninterrupted["text_vectors"]) and unfinished(url)
    killed_after(url, f"opportunity pages: {BATCH} of")
    pages = len(prepared_rows(url)["prepared_answers"])
    assert BATCH <= pages < len(uninterrupted["prepared_answers"]) and unfinished(url)

    said = run_to_the_end(url)
    assert f"{len(uninterrupted['prepared_answers']) - pages} pages rendered" in said, said
    assert "and 0 profiles encoded" in said, said  # none encoded twice
    assert prepared_rows(url) == uninterrupted  # byte for byte

    # A worker on the prepared version (the real `reskill serve`, model and all).
    server = Server(url, tmp_path / "serve.log")
    command = [sys.executable, "-m", "recommender.cli", "serve", "--database-url", url]
    with server.log_path.open("ab") as log:
        server.process = subprocess.Popen(
            [*command, "--port", str(server.port)],
            env={**ENV, **WORKER},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        server.ready()
    finally:
        server.stop()
    log_text = server.log()
    people = len(uninterrupted["prepared_answers"])
    assert f"opportunity pages loaded for {people} people" in log_text, log_text
    assert "texts encoded here: 0" in log_text, log_text
    assert "opportunities ready for" not in log_text, log_text
    assert "preparing:" not in log_text, log_text
