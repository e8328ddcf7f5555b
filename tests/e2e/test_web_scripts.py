"""The studio writes the narration of a deck without notes, shows who wrote each scene's
script, and the author can correct it before rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serve_process import Served
from tests.e2e.web_studio import browser, open_studio, served  # noqa: F401  (fixtures)
from tests.integration.api.test_scripts import notesless_deck

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_given_a_deck_without_notes_when_the_script_is_written_then_it_shows_and_is_editable(
    served: Served,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    deck = tmp_path / "redes.pptx"
    deck.write_bytes(notesless_deck())
    studio = open_studio(browser, served)
    page = studio.page
    studio.sign_in()
    page.fill("#new-project", "Redes")
    page.click("#create-project")
    page.set_input_files("#deck", str(deck))
    cards = page.locator("#scenes li.scene")
    expect(cards).to_have_count(3, timeout=60_000)
    second = cards.nth(1).locator("textarea")
    assert "https://github.com" in second.input_value()

    page.click("#write-scripts")
    expect(page.locator("#scripts-status")).to_contain_text("2 roteiros escritos")
    assert "uma página de github.com" in second.input_value()
    expect(cards.nth(0).locator(".saved")).to_have_text("notas do apresentador")
    expect(cards.nth(1).locator(".saved")).to_have_text("roteiro automático")

    second.fill("Material de apoio: o link está no slide. [pausa] Leia o guia.")
    second.dispatch_event("change")
    expect(cards.nth(1).locator(".saved")).to_have_text("salvo (editado)")
    assert studio.errors == []
