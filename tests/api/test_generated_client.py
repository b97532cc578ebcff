"""A client generated from ``/openapi.json`` reads well and works, as a recruiter's system
would use it: openapi-python-client against a real ``reskill serve``.

The generator lives in a virtual environment of its own (``make install`` puts it in
``.venv/tools``: it pins older typer and httpx than reskill uses); ``RESKILL_OPENAPI_CLIENT``
may name another copy. Missing, the test skips locally and fails in CI.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from api.operations import OPERATIONS, TAGS
from tests.conftest import REPO, missing_service
from tests.workers.servers import ENV, Server, new_key, reskill

GENERATOR = Path(
    os.environ.get(
        "RESKILL_OPENAPI_CLIENT", REPO / ".venv" / "tools" / "bin" / "openapi-python-client"
    )
)
PACKAGE = "reskill_client"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("generated-client")
    url = f"sqlite:///{folder / 'reskill.db'}"
    reskill("init", "--database-url", url)
    # Shortlists rank with the embedding model: this server loads it (the others here don't).
    # A first start on a cold embedding cache (CI) encodes every profile: allow minutes.
    served = Server(url, folder / "serve.log", env={"RESKILL_EMBEDDINGS": "true"}).start(900)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def generated(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the running server's schema, imported."""
    if not GENERATOR.exists():
        missing_service(f"openapi-python-client at {GENERATOR} (make install puts it there)")
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_bytes(server.client.get("/openapi.json").content)
    tools = str(GENERATOR.parent)  # its post-generation hooks run the ruff beside it
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(spec), "--meta", "none"]
        + ["--output-path", str(folder / PACKAGE), "--fail-on-warning"],
        env={**ENV, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        cwd=folder,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generated_client_has_one_module_per_area_and_short_function_names(
    generated: ModuleType,
) -> None:
    api_folder = Path(generated.__file__).parent / "api"
    areas = {p.name for p in api_folder.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert areas == set(TAGS)
    modules = {p.stem for p in api_folder.glob("*/*.py") if p.stem != "__init__"}
    assert modules == {operation for operation, _ in OPERATIONS.values()}
    assert (api_folder / "shortlists" / "shortlists_create.py").exists()
    assert not [m for m in modules if "_v1_" in m or m.endswith(("_get_", "_post"))]


def test_a_recruiter_creates_and_reads_back_a_shortlist_with_the_generated_client(
    server: Server, generated: ModuleType
) -> None:
    shortlists_create = importlib.import_module(f"{PACKAGE}.api.shortlists.shortlists_create")
    shortlists_get = importlib.import_module(f"{PACKAGE}.api.shortlists.shortlists_get")
    models = importlib.import_module(f"{PACKAGE}.models")
    client = generated.AuthenticatedClient(
        base_url=server.base, token=new_key(server.url, "recruiter")
    )

    body = models.ShortlistIn(role_id="soc-analyst-1", limit=5)
    created = shortlists_create.sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    shortlist = created.parsed
    assert isinstance(shortlist, models.RecruiterShortlistOut)
    assert shortlist.role_id == "soc-analyst-1" and 0 < len(shortlist.candidates) <= 5
    first = shortlist.candidates[0]
    assert first.rank == 1 and first.name and first.reasons
    assert not hasattr(first, "department")  # a recruiter's view, typed as such

    read = shortlists_get.sync_detailed(shortlist.id, client=client)
    assert read.status_code == 200
    assert isinstance(read.parsed, models.RecruiterShortlistOut)
    assert [c.to_dict() for c in read.parsed.candidates] == [
        c.to_dict() for c in shortlist.candidates
    ]

    unknown = shortlists_create.sync_detailed(
        client=client, body=models.ShortlistIn(role_id="no-such-role")
    )
    assert unknown.status_code == 404
