"""The web page writes the narration of a deck without notes, shows who wrote each scene's
script, and the author can correct it before rendering."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serve_process import Served, start_server
from tests.integration.api.test_scripts import notesless_deck

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    server = start_server(tmp_path / "data")
    yield server
    server.stop()


def test_given_a_deck_without_notes_when_the_script_is_written_then_it_shows_and_is_editable(
    served: Served, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    deck = tmp_path / "redes.pptx"
    deck.write_bytes(notesless_deck())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(served.login_url())  # the one-time link `estudio serve` prints
            expect(page.locator("#auth-status")).to_have_text("Conectado.", timeout=15_000)
            page.set_input_files("#deck", str(deck))
            page.click("#send")
            expect(page.locator("#scenes li")).to_have_count(3, timeout=30_000)
            second = page.locator("#scenes textarea").nth(1)
            assert "https://github.com" in second.input_value()

            page.click("#write-scripts")
            expect(page.locator("#scripts-status")).to_contain_text("2 roteiros escritos")
            assert "uma página de github.com" in second.input_value()
            expect(page.locator("#scenes .saved").nth(0)).to_have_text("notas do apresentador")
            expect(page.locator("#scenes .saved").nth(1)).to_have_text("roteiro automático")

            second.fill("Material de apoio: o link está no slide. [pausa] Leia o guia.")
            second.dispatch_event("change")
            expect(page.locator("#scenes .saved").nth(1)).to_have_text("salvo (editado)")
            assert errors == []
        finally:
            browser.close()
