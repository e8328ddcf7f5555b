"""The studio app as a person uses it, in headless Chromium against a real ``estudio serve``:
sign in with the one-time link, create a project, upload the example deck, see its six slides,
edit a script, hear a scene, preview it, render with a presenter while the progress climbs in
words, play the video with its captions, download it, delete the project. Screenshots at 1280 and
375 px go to test-artifacts/; axe-core finds nothing serious; no console error is printed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.serve_process import Served
from tests.e2e.web_studio import (  # noqa: F401  (fixtures)
    EXAMPLE_DECK,
    browser,
    open_studio,
    served,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("render")]
EDITED = "Na NR-10, a regra é simples: desligue, bloqueie e teste antes de tocar. [pausa] Sempre."


def _progress_until_done(page: Any, timeout_s: float) -> tuple[list[int], list[str]]:
    values: list[int] = []
    words: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = int(page.locator("#progress").get_attribute("value") or 0)
        text = page.locator("#render-status").inner_text()
        if not values or values[-1] != value:
            values.append(value)
        if text and (not words or words[-1] != text):
            words.append(text)
        if page.locator("#result").is_visible():
            return values, words
        time.sleep(0.25)
    raise AssertionError(f"no video after {timeout_s}s: {values} {words}")


def test_given_the_example_deck_when_a_person_works_in_the_studio_then_every_step_works(
    served: Served,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    studio = open_studio(browser, served, 1280, 900)
    page = studio.page
    assert served.key not in page.request.get(served.url + "/").text()
    studio.sign_in()

    # Create a project and upload the deck: six scene cards, each with its slide's picture.
    page.fill("#new-project", "NR-10 na prática")
    page.click("#create-project")
    expect(page.locator("#project-title")).to_have_text("NR-10 na prática", timeout=20_000)
    page.set_input_files("#deck", str(EXAMPLE_DECK))
    expect(page.locator("#scenes li.scene")).to_have_count(6, timeout=90_000)
    expect(page.locator("#upload-status")).to_contain_text("6 cenas")
    for image in page.locator("#scenes img.slide").all():  # lazy: each loads when seen
        image.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#scenes img.slide')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length === 6",
        timeout=30_000,
    )

    # Edit the second scene's script: length and spoken duration follow the typing; it is saved.
    second = page.locator("#scenes li.scene").nth(1)
    second.locator("textarea").fill(EDITED)
    expect(second.locator(".count")).to_contain_text(f"{len(EDITED)} caracteres")
    second.locator("textarea").blur()
    expect(second.locator(".saved")).to_have_text("salvo (editado)")
    index = int(second.get_attribute("data-index") or 0)
    with served.client() as client:
        scenes = client.get(f"/v1/projects/{_project_id(page)}/scenes").json()
    assert next(s for s in scenes if s["index"] == index)["script"] == EDITED

    # ▶ Ouvir: the narration of that scene plays in the card.
    second.locator("button.hear").click()
    audio = second.locator(".scene-player audio")
    expect(audio).to_have_count(1, timeout=30_000)
    page.wait_for_function(
        "a => a.readyState >= 1 && a.duration > 1", arg=audio.element_handle(), timeout=15_000
    )

    # ▶ Prévia: the scene as video, in a dialog.
    second.locator("button.preview").click()
    dialog = page.locator("dialog.preview-dialog")
    expect(dialog).to_be_visible(timeout=60_000)
    page.wait_for_function(
        "() => { const v = document.querySelector('dialog video');"
        " return v && v.readyState >= 1 && v.duration > 1 && v.videoWidth > 0; }",
        timeout=20_000,
    )
    assert studio.serious_violations() == []
    page.click("#close-preview")
    expect(dialog).to_have_count(0)

    # Render with a presenter: the layout preview shows it; the progress climbs, said in words.
    page.get_by_label("Ana").check()
    expect(page.locator(".layout-preview")).to_be_visible()
    page.select_option("#render-preset", "720p")
    shot(page, "studio-editor-1280.png")
    assert studio.serious_violations() == []
    page.click("#render")
    values, words = _progress_until_done(page, 420)
    assert values == sorted(values) and values[-1] == 100 and len(set(values)) >= 3, values
    assert any(w.startswith(("Gerando narração", "Renderizando cenas")) for w in words), words
    assert words[-1].startswith("Pronto"), words

    # The video plays, with its captions as a track and chapters from the deck.
    video = page.locator("#video")
    page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle(), timeout=30_000)
    assert page.evaluate("document.getElementById('video').duration") > 10
    assert page.locator("#video track[kind=captions]").count() == 1
    page.wait_for_function(
        "() => { const t = document.getElementById('video').textTracks[0];"
        " return t.mode === 'showing' && t.cues && t.cues.length > 3; }",
        timeout=15_000,
    )
    page.evaluate("document.getElementById('video').play()")
    page.wait_for_function(
        "() => document.getElementById('video').currentTime > 0.5", timeout=20_000
    )
    expect(page.locator(".chapters li")).to_have_count(6)
    assert "null" not in page.locator("#result").inner_text().split()  # no stray value printed
    shot(page, "studio-render-1280.png")

    # Download the MP4.
    with page.expect_download() as download:
        page.locator("#downloads a", has_text="video.mp4").click()
    saved = download.value.path()
    assert saved is not None and saved.stat().st_size > 100_000
    assert download.value.suggested_filename.endswith(".mp4")

    # 375 px: the editor and the project list still work, without serious axe findings.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "studio-editor-375.png")
    assert studio.serious_violations() == []
    page.click("text=← Projetos")
    item = page.locator("li.project", has_text="NR-10 na prática")
    expect(item.locator(".badge")).to_contain_text("Pronto")
    expect(item.locator("img.thumb")).to_have_count(1)
    shot(page, "studio-projects-375.png")
    assert studio.serious_violations() == []

    # Delete the project (confirmed in a dialog): gone from the list and from the API.
    item.get_by_role("button", name="Excluir NR-10 na prática").click()
    page.locator("dialog.confirm button.danger").click()
    expect(page.locator("li.project")).to_have_count(0)
    with served.client() as client:
        assert client.get("/v1/projects").json()["items"] == []
    assert studio.errors == []


def _project_id(page: Any) -> str:
    return str(page.evaluate("location.hash").split("/")[-1])
