"""The web page in headless Chromium against a real ``estudio serve``: the one-time login link
signs it in (no key in the HTML), a deck is uploaded, scenes show, a render runs and the video
plays."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serve_process import Served, start_server
from tests.integration.api.conftest import SMALL_DECK, make_deck

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    server = start_server(tmp_path / "data")
    yield server
    server.stop()


def test_given_the_page_when_a_deck_is_uploaded_and_rendered_then_the_video_plays(
    served: Served, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    deck = tmp_path / "treino.pptx"
    deck.write_bytes(make_deck(SMALL_DECK))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            assert served.key not in page.request.get(served.url + "/").text()
            page.goto(served.login_url())
            expect(page.locator("#auth-status")).to_have_text("Conectado.", timeout=15_000)
            assert "#login=" not in page.url
            page.set_input_files("#deck", str(deck))
            page.click("#send")
            expect(page.locator("#scenes li")).to_have_count(2, timeout=30_000)
            assert "segurança" in page.locator("#scenes textarea").first.input_value()
            page.select_option("#preset", "720p")
            page.click("#render")
            expect(page.locator("#result")).to_be_visible(timeout=240_000)
            page.wait_for_function(
                "document.getElementById('video').readyState >= 1", timeout=30_000
            )
            duration = page.evaluate("document.getElementById('video').duration")
            assert duration > 3
            assert page.locator("#progress").get_attribute("value") == "100"
            links = page.locator("#downloads a").all_inner_texts()
            assert "video.mp4" in links and "subtitles.vtt" in links
            page.screenshot(path=str(ARTIFACTS / "web-page.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
