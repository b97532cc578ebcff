"""A real ``reskill serve`` on the bundled data and one real browser, for the page tests.

The browser is Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``), driven
by Playwright for Python; Playwright's own browser downloads are never used. Where either
is missing the tests skip locally and fail in CI (``RESKILL_REQUIRE_SERVICES=1``).

Every page is opened in a context that lets requests reach 127.0.0.1 only (anything else
is aborted and recorded, and the test fails) and records each document's headers, so
tests can check the Content Security Policy on every page. Screenshots go to
``test-artifacts/screenshots`` (``RESKILL_SCREENSHOTS`` may name another folder).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO, missing_service
from tests.workers.servers import Server, reskill

CHROMIUM = Path(os.environ.get("RESKILL_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("RESKILL_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
AXE = REPO / "tests" / "web" / "vendor" / "axe-core" / "axe.min.js"
EMPLOYEE = "E000001"  # a registered nurse: the employee key's own record
SOMEONE_ELSE = "E000002"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    """The server, one key per role, and what the browser saw leave or arrive."""

    server: Server
    keys: dict[str, str]
    browser: Any
    foreign: list[str] = field(default_factory=list)
    documents: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.server.base

    def api(self, method: str, path: str, role: str, **kwargs: Any) -> Any:
        headers = {"X-API-Key": self.keys[role]}
        return self.server.client.request(method, path, headers=headers, **kwargs)

    def context(self, viewport: dict[str, int] = LAPTOP) -> Any:
        """A fresh browser context that reaches 127.0.0.1 only and records documents."""
        context = self.browser.new_context(viewport=viewport, accept_downloads=True)
        context.route("**/*", self._guard)
        context.on("response", self._record)
        return context

    def _guard(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host != "127.0.0.1":
            self.foreign.append(route.request.url)
            route.abort()
            return
        route.continue_()

    def _record(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.documents.append((response.url, response.all_headers()))

    def signed_in(self, role: str, viewport: dict[str, int] = LAPTOP) -> Any:
        """A page signed in with ``role``'s key through the sign-in form."""
        page = self.context(viewport).new_page()
        page.goto(f"{self.base}/app/sign-in")
        page.get_by_label("API key").fill(self.keys[role])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/app/(people|talent|)"))
        return page


def _chromium() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service(
            "Playwright for Python (pip install playwright; never `playwright install`)"
        )
    if not CHROMIUM.exists():
        missing_service(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


@dataclass
class Served:
    """The running server and one key per role."""

    server: Server
    keys: dict[str, str]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``reskill serve`` on the bundled data for the whole session."""
    _chromium()  # no server to start where there is no browser to drive it
    from recommender.access import Role
    from recommender.store import make_engine
    from recommender.store.access import create_key

    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'reskill.db'}"
    reskill("init", "--database-url", url)
    engine = make_engine(url)
    try:
        keys = {
            str(r): create_key(
                engine,
                r,
                employee_id=EMPLOYEE if r == Role.EMPLOYEE else None,
                department="Nursing Services" if r == Role.MANAGER else None,
            ).token
            for r in Role
        }
    finally:
        engine.dispose()
    # The model ranks shortlists, people searches and free text; a first start on a cold
    # embedding cache (CI) encodes every profile: allow minutes.
    server = Server(url, folder / "serve.log", env={"RESKILL_EMBEDDINGS": "true"}).start(900)
    try:
        yield Served(server, keys)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def site(served: Served) -> Iterator[Site]:
    """One browser per test module. Module scope, not session: Playwright's sync API keeps
    an event loop running on this thread while it is open, and other modules' tests on the
    same worker call ``asyncio.run``; pytest closes it before the next module's tests."""
    sync_playwright = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield Site(served.server, served.keys, browser)
        finally:
            browser.close()


@pytest.fixture
def web(site: Site) -> Iterator[Site]:
    """The site, failing the test if any request left 127.0.0.1 during it."""
    site.foreign.clear()
    yield site
    assert not site.foreign, f"requests to hosts other than 127.0.0.1: {site.foreign}"


def screenshot(page: Any, name: str) -> None:
    """Save the page at its current width under :data:`SCREENSHOTS`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-top.png"))  # what shows first


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now.

    axe is evaluated through the DevTools protocol, not added as a script element, so the
    page's own CSP (no inline script) stays in force."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def keyboard_walk(page: Any, limit: int = 400) -> tuple[set[str], set[str]]:
    """Tab through the page from the top: (controls reached, controls on the page), each
    named by a stable key (tag, id or name or href or text)."""
    describe = """el => {
        const tag = el.tagName.toLowerCase();
        return tag + ':' + (el.id || el.getAttribute('name') || el.getAttribute('href')
            || (el.textContent || '').trim().slice(0, 40));
    }"""
    controls = set(
        page.eval_on_selector_all(
            "a[href], button, input:not([type=hidden]), select, textarea, [tabindex='0']",
            f"els => els.filter(e => e.offsetParent !== null || e === document.body).map({describe})",
        )
    )
    reached: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate(
            f"(() => {{ const el = document.activeElement; "
            f"return el && el !== document.body ? ({describe})(el) : null; }})()"
        )
        if reached and (name is None or name == reached[0]):
            break
        if name is not None:
            reached.append(name)
    return set(reached), controls
