"""Shared by the studio app's browser tests: a real ``estudio serve``, headless Chromium, a page
that records every console error, and axe-core run inside the page (never shipped to users)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serve_process import Served, start_server

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"
EXAMPLE_DECK = ROOT / "examples" / "nr10-seguranca-eletrica.pptx"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SERIOUS = ("serious", "critical")


def need_browser() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed")
    pytest.importorskip("playwright.sync_api")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    need_browser()
    server = start_server(tmp_path / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for a module's small tests (each makes its own projects)."""
    need_browser()
    server = start_server(tmp_path_factory.mktemp("studio") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Studio:
    """A page of the app with the console errors it printed."""

    page: Any
    served: Served
    errors: list[str] = field(default_factory=list)

    def sign_in(self) -> None:
        from playwright.sync_api import expect

        self.page.goto(self.served.login_url())  # the one-time link `estudio serve` prints
        expect(self.page.locator("#new-project")).to_be_visible(timeout=20_000)
        assert "#login=" not in self.page.url

    def sign_in_with_key(self) -> None:
        """Paste the API key, as a partner would (the login link works once per server)."""
        from playwright.sync_api import expect

        self.page.goto(self.served.url + "/")
        self.page.fill("#key", self.served.key)
        self.page.keyboard.press("Enter")
        expect(self.page.locator("#new-project")).to_be_visible(timeout=20_000)

    def serious_violations(self) -> list[tuple[str, str, int]]:
        """axe-core's serious and critical findings (WCAG 2.1 A/AA and best practices) now.

        Evaluated through the DevTools protocol, which the page's CSP does not govern, so the
        app keeps its strict policy while it is checked."""
        if not AXE.exists():
            pytest.skip("axe-core is not installed (make browser-deps)")
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        found: list[tuple[str, str, int]] = self.page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
            ".map(v => [v.id, v.impact, v.nodes.length]))"
        )
        return [tuple(v) for v in found if v[1] in SERIOUS]  # type: ignore[misc]


def open_studio(browser: Any, served: Served, width: int = 1280, height: int = 900) -> Studio:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    studio = Studio(page, served)
    page.on(
        "console",
        lambda m: studio.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: studio.errors.append(f"pageerror: {error}"))
    return studio


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
