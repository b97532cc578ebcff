"""Every command in README.md's ```bash blocks still works (issue 19).

The commands are read from the README, not copied here: each runs through bash, as a
reader would paste it, against a real ``reskill serve`` (with the embedding model) on a
fresh SQLite database that ``reskill init`` filled with the bundled data, and its output is
checked for what the README says it shows.

- ``.venv/bin/reskill`` and ``reskill`` resolve to this checkout's code run by this
  interpreter: the commands run in a scratch folder holding a ``.venv/bin/reskill`` shim
  (also first on PATH), so they run verbatim whether or not the repository has a ``.venv``
  (a worktree has none; CI's may hold another install), and nothing touches ``var/``.
- ``RESKILL_DATABASE_URL`` names the test database, so keys land where the server reads.
- Only these are rewritten in a command: the port in ``B=http://127.0.0.1:8000``,
  and the placeholders a reader fills in (:data:`PLACEHOLDERS`), from earlier answers.
- Each curl gets ``-w`` with the status code, which must be 2xx.

:data:`CHECKS` holds what each command must show, :data:`NOT_RUN` the commands that cannot
run in a test and why; :func:`test_every_readme_command_is_run_or_listed_as_not_run` (fast,
no model) fails for a README command in neither, so a new command comes with its check.
Commands the prose names inline (`reskill init`, `reskill import org DIR|FILE.xlsx`, ...) are
held to the same rule by :data:`INLINE_RUN` and :data:`INLINE_NOT_RUN`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA_DIR, ONET_DIR, REPO, missing_service
from tests.workers.servers import ENV, Server, reskill

README = REPO / "README.md"
README_PORT = "http://127.0.0.1:8000"
START_SECONDS = 900.0  # the first start embeds every profile; 2 loaded cores are slow


# --- reading the README ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    section: str  # the ## heading above it
    block: int  # which ```bash block of that section: 0, 1, ...
    text: str  # continuation lines joined, comments removed


def readme_commands(text: str | None = None) -> list[Command]:
    """The commands of every ```bash block, in order, under their section's heading."""
    text = README.read_text(encoding="utf-8") if text is None else text
    commands: list[Command] = []
    section, number, block, indent = "", 0, None, ""
    for line in text.splitlines():
        if block is None:
            if line.startswith("## "):
                section, number = line[3:].strip(), 0
            opening = re.fullmatch(r"( *)```bash\s*", line)
            if opening:
                block, indent = [], opening.group(1)
        elif line.strip() == "```":
            commands += [Command(section, number, c) for c in _split_commands(block)]
            block, number = None, number + 1
        else:
            assert line.startswith(indent) or not line.strip(), f"ragged block line: {line!r}"
            block.append(line[len(indent) :])
    assert block is None, "an unclosed ```bash block"
    return commands


def _split_commands(lines: list[str]) -> list[str]:
    commands, pending = [], ""
    for line in lines:
        line = _without_comment(line).rstrip()
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = (pending + line.strip()).strip()
        pending = ""
        if line:
            commands.append(line)
    assert not pending, "a block ends with a continuation line"
    return commands


def _without_comment(line: str) -> str:
    """The line up to a ``#`` that starts a shell comment (outside quotes, after a space)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def inline_commands(text: str | None = None) -> list[str]:
    """Commands written in the prose (`reskill ...`, `sqlite3 ...`), outside the blocks."""
    text = README.read_text(encoding="utf-8") if text is None else text
    prose = re.sub(r"^ *```.*?^ *```", "", text, flags=re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", prose)
    return sorted({s for s in spans if re.match(r"(\.venv/bin/)?(reskill|sqlite3) ", s + " ")})


# --- what is not run, and what the others must show -----------------------------------

#: Commands in the README that no test runs, and why. Everything else runs.
NOT_RUN: dict[str, str] = {
    # Creates .venv with pip (downloads torch) and then serves until stopped. Its two steps,
    # `reskill init` and `reskill serve`, are what the tour below runs against.
    "make serve": "installs the venv and serves forever; this test runs init + serve itself",
    # Would run this very suite (and every core); CI runs it anyway.
    "make test": "runs the whole suite, this test included",
    # `make serve` again; what RESKILL_ONET_DIR does for title normalisation is tested in
    # tests/api/test_text_routes.py (serve(..., onet_dir=...)).
    "RESKILL_ONET_DIR=DIR make serve": "make serve (see above); tests/api/test_text_routes.py",
}

Checker = Callable[["Ran", "Session"], None]


@dataclass
class Ran:
    command: str  # as run, after substitutions
    returncode: int
    stdout: str
    stderr: str
    status: int | None = None  # curl: the HTTP status

    def _head_and_body(self) -> tuple[str, str]:
        """curl -i prints the status line and headers first (CRLF, read as LF here)."""
        if not self.stdout.startswith("HTTP/"):
            return "", self.stdout
        head, _, body = self.stdout.partition("\n\n")
        return head, body

    def json(self) -> Any:
        return json.loads(self._head_and_body()[1])

    def header(self, name: str) -> str | None:
        for line in self._head_and_body()[0].splitlines()[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None

    def __str__(self) -> str:
        return f"$ {self.command}\n[rc {self.returncode}, HTTP {self.status}]\n{self.stdout[:3000]}\n{self.stderr[-3000:]}"


@dataclass
class Session:
    """A reader's shell: variables set by earlier lines, and what they learnt from answers."""

    env: dict[str, str]
    cwd: Path
    base: str = README_PORT
    noted: dict[str, str] = field(default_factory=dict)

    def run(self, command: Command) -> Ran:
        text = command.text.replace(README_PORT, self.base)
        for placeholder, note in PLACEHOLDERS.items():
            if re.search(placeholder, text):
                assert note in self.noted, f"{placeholder}: nothing earlier gave {note}"
                text = re.sub(placeholder, self.noted[note].replace("\\", "\\\\"), text)
        assignment = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(\$\(.*\)|\S+)", text)
        script = text
        if assignment:  # NAME=value or NAME=$(command): keep the value for later lines
            script = f'{text} && printf %s "${assignment.group(1)}"'
        elif text.startswith("curl "):
            script = text + " -w '\\n%{http_code}'"
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", script],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=600,
        )
        ran = Ran(text, done.returncode, done.stdout, done.stderr)
        assert done.returncode == 0, str(ran)
        if assignment:
            self.env[assignment.group(1)] = done.stdout
        if text.startswith("curl "):
            body, _, code = done.stdout.rpartition("\n")
            ran.stdout, ran.status = body, int(code)
            assert 200 <= ran.status < 300, str(ran)
        return ran


#: Placeholders a reader replaces (patterns), and the note (from an earlier answer, or set by
#: the test) that fills each.
PLACEHOLDERS = {
    r"<id from the Location header>": "shortlist id",
    r"<key id>": "talent key id",
    r"\bDIR\b": "O*NET folder",
}

TOKEN = re.compile(r"rk_[a-z0-9]+_[A-Za-z0-9_-]+")


def _is_base(ran: Ran, session: Session) -> None:
    assert ran.stdout == session.base, str(ran)


def _health(ran: Ran, session: Session) -> None:
    assert ran.json()["status"] == "ok", str(ran)


def _key(ran: Ran, session: Session) -> None:
    """Printed once: the token alone on standard output (so ``$(...)`` captures it)."""
    assert TOKEN.fullmatch(ran.stdout.strip()), str(ran)
    assert "shown only once" in ran.stderr, str(ran)


def _hard_to_fill(ran: Ran, session: Session) -> None:
    answer = ran.json()
    roles = answer["roles"]
    assert answer["within_hours"] == 200 and roles, str(ran)
    assert all(r["hard_to_fill"] for r in roles), str(ran)
    assert "soc-analyst-1" in {r["role_id"] for r in roles}, str(ran)
    assert all(0 <= r["ready_now"] <= r["within_reach"] for r in roles), str(ran)


def _one_role(ran: Ran, session: Session) -> None:
    role = ran.json()
    assert role["id"] == "soc-analyst-1" and role["requirements"] and role["tasks"], str(ran)


def _candidates(ran: Ran, session: Session) -> None:
    answer = ran.json()
    people = answer["candidates"]
    assert answer["role_id"] == "soc-analyst-1" and 1 <= len(people) <= 5, str(ran)
    assert [c["rank"] for c in people] == list(range(1, len(people) + 1)), str(ran)
    assert all(c["employee_id"] and c["reasons"] and c["score"] > 0 for c in people), str(ran)


def _shortlist_stored(ran: Ran, session: Session) -> None:
    assert ran.status == 201, str(ran)
    location = ran.header("Location") or ""
    stored = ran.json()
    assert location == f"/v1/shortlists/{stored['id']}", str(ran)
    people = stored["candidates"]
    assert stored["role_id"] == "soc-analyst-1" and 1 <= len(people) <= 10, str(ran)
    assert all(c["readiness"] >= 0.3 for c in people), str(ran)  # the filter held
    assert stored["view"] == "recruiter" and "department" not in people[0], str(ran)
    session.noted["shortlist id"] = location.rsplit("/", 1)[1]
    session.noted["shortlist"] = json.dumps(stored, sort_keys=True)


def _shortlist_read(ran: Ran, session: Session) -> None:
    assert json.dumps(ran.json(), sort_keys=True) == session.noted["shortlist"], str(ran)


def _opportunities(ran: Ran, session: Session) -> None:
    answer = ran.json()
    roles = answer["items"]
    assert answer["employee_id"] == "E000176" and 1 <= len(roles) <= 5, str(ran)
    assert all(r["role_id"] and r["plan"]["steps"] for r in roles), str(ran)


def _pathway(ran: Ran, session: Session) -> None:
    answer = ran.json()
    plan = answer["plan"]
    assert (answer["employee_id"], answer["target"]) == ("E000176", "soc-analyst-1"), str(ran)
    assert plan["objective"] == "cost" and plan["steps"] and plan["gaps"], str(ran)


SECURITY_ROLES = {"soc-analyst-1", "soc-analyst-2", "incident-responder"}


def _match(ran: Ran, session: Session) -> None:
    answer = ran.json()
    assert len(answer["roles"]) == 3, str(ran)
    assert SECURITY_ROLES & {r["id"] for r in answer["roles"]}, str(ran)
    assert "siem" in {s["id"] for s in answer["skills"]}, str(ran)  # "Splunk" reads as SIEM


def _titles(ran: Ran, session: Session) -> None:
    cyber, nurse = ran.json()["results"]
    assert 1 <= len(cyber["roles"]) <= 5 and 1 <= len(nurse["roles"]) <= 5, str(ran)
    assert any("security" in r["role_id"] for r in cyber["roles"][:2]), str(ran)
    assert nurse["roles"][0]["role_id"] == "registered-nurse", str(ran)


def _search(ran: Ran, session: Session) -> None:
    people = ran.json()["matches"]
    assert 1 <= len(people) <= 5, str(ran)
    assert all(p["employee_id"] and p["similarity"] > 0 and p["reasons"] for p in people), str(ran)


def _impact_ratio(ran: Ran, session: Session) -> None:
    report = ran.json()
    assert report["selected"] == 25 and report["assessed"] >= 50, str(ran)
    assert {"sex", "race_ethnicity"} <= set(report["dimensions"]), str(ran)
    assert "employee_id" not in ran.stdout and "E000" not in ran.stdout, "a person in a report"


def _cli_candidates(ran: Ran, session: Session) -> None:
    assert "Candidates for SOC analyst (tier 1) (3 of" in ran.stdout, str(ran)
    assert re.search(r"^3\. ", ran.stdout, re.M) and not re.search(r"^4\. ", ran.stdout, re.M)


def _cli_pathway(ran: Ran, session: Session) -> None:
    assert "Registered nurse -> Nurse informaticist" in ran.stdout, str(ran)
    assert "Skill gaps" in ran.stdout and "Plan: " in ran.stdout, str(ran)


def _cli_mobility(ran: Ran, session: Session) -> None:
    assert "Where Thomas Kowalski (E000176" in ran.stdout, str(ran)
    assert re.search(r"^1\. ", ran.stdout, re.M), str(ran)


def _onet_imported(ran: Ran, session: Session) -> None:
    assert "imported" in ran.stdout, str(ran)
    roles = re.search(r"^roles\s*\|\s*(\d+)", ran.stdout, re.M)
    assert roles and int(roles.group(1)) > 500, str(ran)  # 29.3: 923 occupations with data
    assert re.search(r"^skills\s*\|\s*[1-9]", ran.stdout, re.M), str(ran)
    assert "O*NET 29" in ran.stdout and "CC BY 4.0" in ran.stdout, str(ran)  # the attribution


def _key_with_expiry(ran: Ran, session: Session) -> None:
    _key(ran, session)
    session.noted["talent key"] = token = ran.stdout.strip()
    session.noted["talent key id"] = token.split("_")[1]
    ends = re.search(r"expires (\d{4}-\d{2}-\d{2})", ran.stderr)
    assert ends, str(ran)
    days = (date.fromisoformat(ends.group(1)) - datetime.now(UTC).date()).days
    assert 89 <= days <= 91, str(ran)


def _keys_listed(ran: Ran, session: Session) -> None:
    row = next(
        (line for line in ran.stdout.splitlines() if session.noted["talent key id"] in line), ""
    )
    assert "talent team" in row and "active" in row, str(ran)
    assert "rk_" not in ran.stdout, "keys list shows a secret"


def _key_revoked(ran: Ran, session: Session) -> None:
    assert f"Revoked key {session.noted['talent key id']}" in ran.stdout, str(ran)


#: What each README command must show, by a pattern (re.search) over the command; each
#: command not in NOT_RUN must match exactly one.
CHECKS: dict[str, Checker] = {
    # A five-minute tour
    r"^B=": _is_base,
    r"^curl -s \$B/v1/health$": _health,
    r"^[A-Z]+=\$\(\.venv/bin/reskill keys create --role [a-z]+( --(label|employee) \w+)?\)$": _key,
    r"/v1/hard-to-fill\"$": _hard_to_fill,
    r"/v1/roles/soc-analyst-1$": _one_role,
    r"/v1/roles/soc-analyst-1/candidates\?limit=5": _candidates,
    r"^curl -s -i .* -d .*\$B/v1/shortlists\"$": _shortlist_stored,
    r"/v1/shortlists/<id from the Location header>\"$": _shortlist_read,
    r"/v1/employees/E000176/opportunities\?limit=5": _opportunities,
    r"/v1/employees/E000176/pathways\?target_role=soc-analyst-1&objective=cost": _pathway,
    r"\$B/v1/match\"$": _match,
    r"\$B/v1/titles/normalize\"$": _titles,
    r"\$B/v1/candidates/search\"$": _search,
    r"/v1/audit/impact-ratio\?role_id=soc-analyst-1&limit=25": _impact_ratio,
    r"^\.venv/bin/reskill candidates --role soc-analyst-1 --limit 3$": _cli_candidates,
    r"^\.venv/bin/reskill pathway --from-role registered-nurse --target nurse-informaticist$": _cli_pathway,
    r"^\.venv/bin/reskill mobility --employee E000176$": _cli_mobility,
    # O*NET
    r"^\.venv/bin/reskill import onet DIR$": _onet_imported,
    # Running in production
    r"^reskill keys create --role talent --label \"talent team\" --expires-in 90d$": _key_with_expiry,
    r"^reskill keys list$": _keys_listed,
    r"^reskill keys revoke <key id>$": _key_revoked,
}

#: The blocks the tests below run, as (section, block number in the section); every block
#: with a command not in NOT_RUN must be one of them.
RUN_BLOCKS = {
    ("A five-minute tour", 0),
    ("A five-minute tour", 1),
    ("O*NET", 0),
    ("Running in production", 0),
}


#: Commands the prose names inline, as syntax more than as lines to paste: each runs below
#: in the concrete form given (``{data}``: the bundled data folder, ``{backup}``: a file),
#: or is in INLINE_NOT_RUN.
INLINE_RUN = {
    "reskill init": "reskill init",
    "reskill import org DIR|FILE.xlsx": "reskill import org {data}",
    "reskill import org": "reskill import org {data}",
    "reskill init --load-data [--data DIR]": "reskill init --load-data --data {data}",
    'sqlite3 var/reskill.db ".backup FILE"': 'sqlite3 var/reskill.db ".backup {backup}"',
    "reskill import template FILE.xlsx": "reskill import template {backup}",
}
INLINE_NOT_RUN = {
    # The server fixture above runs `reskill serve --database-url ... --port ...`
    # (tests/workers/servers.py); tests/cli/test_serve.py runs it on the bundled data.
    "reskill serve": "the server fixture runs it",
    # The README quotes the plan's figures; tests/cli/test_academy.py runs the command.
    "reskill serve --host ... --port ...": "the server fixture runs it with --port",
    "reskill serve --workers 4": "tests/workers/test_two_workers.py runs several workers",
    # Needs someone erased first; tests/cli/test_snapshot_imports.py and
    # tests/store/test_erasures.py erase and re-hire.
    "reskill employees rehire ID": "needs an erased person: tests/cli/test_snapshot_imports.py",
    # Embeds every profile and prepares everyone's first page (minutes on a fresh cache).
    "reskill prepare": "minutes of embedding: tests/cli/test_prepare.py",
}


def check_for(command: Command) -> Checker:
    found = [check for pattern, check in CHECKS.items() if re.search(pattern, command.text)]
    assert len(found) == 1, f"{len(found)} checks match {command.text!r}: CHECKS needs one"
    return found[0]


def run_block(session: Session, section: str, block: int) -> None:
    """Run every command of a README block but those in NOT_RUN, in order, each checked."""
    assert (section, block) in RUN_BLOCKS
    commands = [
        c
        for c in readme_commands()
        if (c.section, c.block) == (section, block) and c.text not in NOT_RUN
    ]
    assert commands, f"no commands in block {block} under ## {section}"
    for command in commands:
        check_for(command)(session.run(command), session)


# --- the tests --------------------------------------------------------------------------


def test_every_readme_command_is_run_or_listed_as_not_run() -> None:
    commands = readme_commands()
    texts = [c.text for c in commands]
    assert set(NOT_RUN) <= set(texts), (
        f"NOT_RUN lists what the README lost: {set(NOT_RUN) - set(texts)}"
    )
    run = [c for c in commands if c.text not in NOT_RUN]
    for command in run:
        check_for(command)
    assert {(c.section, c.block) for c in run} == RUN_BLOCKS
    unused = [p for p in CHECKS if not any(re.search(p, t) for t in texts)]
    assert not unused, f"checks for commands the README no longer has: {unused}"
    placeholders = {p for p in PLACEHOLDERS if any(re.search(p, c.text) for c in run)}
    assert placeholders == set(PLACEHOLDERS)


def test_every_inline_readme_command_is_run_or_listed_as_not_run() -> None:
    inline = inline_commands()
    assert set(inline) == set(INLINE_RUN) | set(INLINE_NOT_RUN), (
        f"new: {set(inline) - set(INLINE_RUN) - set(INLINE_NOT_RUN)}; "
        f"gone: {(set(INLINE_RUN) | set(INLINE_NOT_RUN)) - set(inline)}"
    )
    assert not set(INLINE_RUN) & set(INLINE_NOT_RUN)


def test_the_command_reader_joins_continuations_and_drops_comments() -> None:
    text = "## S\n\n  ```bash\n  a 'x # y' # note\n  b \\\n    c   # more\n  # alone\n  ```\n"
    text += "```bash\nd\n```\n## T\n```python\ne\n```\n"
    commands = [(c.section, c.block, c.text) for c in readme_commands(text)]
    assert commands == [("S", 0, "a 'x # y'"), ("S", 0, "b c"), ("S", 1, "d")]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where ``.venv/bin/reskill`` (and ``reskill`` on PATH) is this checkout's CLI."""
    folder = tmp_path_factory.mktemp("checkout")
    shim = folder / ".venv" / "bin" / "reskill"
    shim.parent.mkdir(parents=True)
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    shim.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(pythonpath)} exec {shlex.quote(sys.executable)}"
        ' -m recommender.cli "$@"\n'
    )
    shim.chmod(0o755)
    return folder


def _env(checkout: Path, url: str) -> dict[str, str]:
    """A reader's environment: the model on (as by default), the database named, the shim
    first on PATH, a wide terminal so that tables do not wrap."""
    return {
        **ENV,
        "RESKILL_EMBEDDINGS": "true",
        "RESKILL_DATABASE_URL": url,
        "PATH": f"{checkout / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "200",
    }


@pytest.fixture(scope="module")
def server(checkout: Path) -> Iterator[Server]:
    """``reskill serve`` with the embedding model on a fresh database that ``reskill init``
    filled with the bundled data (as ``make serve`` runs them), on a free port."""
    url = f"sqlite:///{checkout / 'var' / 'reskill.db'}"
    reskill("init", "--database-url", url)
    served = Server(url, checkout / "serve.log", env={"RESKILL_EMBEDDINGS": "true"})
    try:
        # A first start in CI embeds every profile: minutes, not the usual 120 s.
        yield served.start(START_SECONDS)
    finally:
        served.stop()


@pytest.fixture(scope="module")
def session(checkout: Path, server: Server) -> Session:
    """One shell for the tour and the key commands: its variables carry over, as in a
    reader's terminal."""
    return Session(_env(checkout, server.url), checkout, server.base)


@pytest.mark.slow
def test_the_five_minute_tour_answers_what_it_promises(session: Session) -> None:
    run_block(session, "A five-minute tour", 0)


@pytest.mark.slow
def test_the_same_questions_from_the_command_line(session: Session) -> None:
    run_block(session, "A five-minute tour", 1)


@pytest.mark.slow
def test_production_keys_are_created_listed_and_revoked(session: Session, server: Server) -> None:
    run_block(session, "Running in production", 0)
    key, key_id = session.noted["talent key"], session.noted["talent key id"]
    assert server.get("/v1/roles", key=key).status_code == 401  # revoked from the next request
    listed = session.run(Command("Running in production", 0, "reskill keys list --json"))
    mine = [k for k in json.loads(listed.stdout) if k["key_id"] == key_id]
    assert mine and mine[0]["status"] == "revoked", str(listed)


@pytest.mark.slow
def test_onet_import_loads_the_occupations(checkout: Path, tmp_path: Path) -> None:
    if not (ONET_DIR / "Occupation Data.txt").exists():
        missing_service(f"the O*NET database at {ONET_DIR}")
    url = f"sqlite:///{tmp_path / 'onet.db'}"
    reskill("init", "--database-url", url)
    session = Session(_env(checkout, url), checkout, noted={"O*NET folder": str(ONET_DIR)})
    run_block(session, "O*NET", 0)


@pytest.mark.slow
def test_init_and_imports_in_the_prose_do_what_they_say(checkout: Path, tmp_path: Path) -> None:
    """``reskill init`` / ``import org`` / ``init --load-data`` as the prose describes them,
    on the default database ``var/reskill.db`` (no RESKILL_DATABASE_URL), in a fresh folder."""
    env = _env(checkout, "")
    del env["RESKILL_DATABASE_URL"]
    session = Session(env, tmp_path)

    def run(readme: str) -> str:
        command = INLINE_RUN[readme].format(data=shlex.quote(str(DATA_DIR)), backup="b.db")
        return session.run(Command("inline", 0, command)).stdout

    first = run("reskill init")  # an empty database: the bundled data is loaded
    assert re.search(r"^employees\s*\|\s*500\s*\|", first, re.M), first
    assert (tmp_path / "var" / "reskill.db").exists()
    again = run("reskill init")  # otherwise it loads nothing and says so
    assert "already holds data" in again and "nothing was loaded" in again, again
    for readme in ("reskill import org DIR|FILE.xlsx", "reskill import org"):
        same = run(readme)  # the same files again: a snapshot that changes nothing
        assert not re.search(r"^\w+\s*\|\s*[1-9]", same, re.M), same  # nothing inserted
        assert "snapshot: 0 people" in same and "removed" in same, same
    partial = run("reskill init --load-data [--data DIR]")
    assert "partial import: nobody was removed" in partial, partial
    command = INLINE_RUN["reskill import template FILE.xlsx"].format(backup="template.xlsx")
    written = session.run(Command("inline", 0, command)).stdout
    assert "11 sheets" in written and (tmp_path / "template.xlsx").stat().st_size > 0, written


def test_the_sqlite_backup_command_makes_a_consistent_copy(tmp_path: Path) -> None:
    if shutil.which("sqlite3") is None:
        missing_service("the sqlite3 command (Debian: apt-get install sqlite3)")
    (tmp_path / "var").mkdir()
    with sqlite3.connect(tmp_path / "var" / "reskill.db") as db:
        db.execute("create table t (x)")
        db.execute("insert into t values (42)")
    session = Session(dict(ENV), tmp_path)
    command = INLINE_RUN['sqlite3 var/reskill.db ".backup FILE"'].format(backup="copy.db")
    session.run(Command("inline", 0, command))
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("select x from t").fetchall() == [(42,)]
