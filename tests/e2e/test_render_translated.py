"""Translated renders end to end with a local OpenAI-compatible server (ADR 0017):
``estudio render --languages pt-BR,en --translate-slides`` draws the English video from a
translated copy of the deck, and ``estudio serve``'s API renders ``languages: ["pt-BR", "en"]``
into outputs that carry their language, with English captions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageChops
from pptx import Presentation

from tests.e2e.serve_process import start_server, wait_for
from tests.e2e.test_render_script_modes import ANSWER, ENGLISH, estudio, notesless_deck
from tests.integration.script.fake_llm import FakeLLM, Reply, serve_fake_llm

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]
SLIDES_EN = {
    '["Bloqueio e etiquetagem"': [
        "Lockout and tagging",
        "Switch off the breaker",
        "Test for the absence of voltage",
    ],
    '["Materiais"': [
        "Materials",
        "Guide: https://example.org/seguranca/loto.pdf",
        "Padlock and tag",
    ],
}


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        fake.default = Reply(ANSWER)
        fake.when = {
            "Translate this narration into English": Reply(ENGLISH),
            **{k: Reply(json.dumps({"translations": v})) for k, v in SLIDES_EN.items()},
        }
        yield fake


def test_given_two_languages_and_translate_slides_then_an_english_video_with_english_slides(
    llm: FakeLLM, tmp_path: Path
) -> None:
    deck = notesless_deck(tmp_path / "loto.pptx")
    out = tmp_path / "out"

    result = estudio(
        "render", str(deck), "--out", str(out), "--preset", "720p", "--languages", "pt-BR,en",
        "--translate-slides", "--keep-intermediates", "--json", data=tmp_path / "data",
        ESTUDIO_LLM_BASE_URL=llm.base_url, ESTUDIO_LLM_MODEL="local-model",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["languages"] == {"pt-BR": str(out), "en": str(out / "en")}
    english = json.loads((out / "en" / "manifest.json").read_text(encoding="utf-8"))
    portuguese = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert portuguese["language"] == "pt-BR" and english["language"] == "en"
    assert {s["voice"] for s in english["scenes"]} == {"espeak:en-us"}
    assert {s["voice"] for s in portuguese["scenes"]} == {"espeak:pt-br"}
    assert [s["script"] for s in english["scenes"]] == [ENGLISH, ENGLISH]
    captions = " ".join((out / "en" / "subtitles.vtt").read_text("utf-8").split())
    assert "switch off the main breaker" in captions and "disjuntor" not in captions
    assert (out / "en" / "video.mp4").stat().st_size > 10_000
    narration = [r for r in llm.requests if "Translate this narration" in str(r)]
    assert len(narration) == 2 and ANSWER in str(narration[0])
    assert [s["title"] for s in english["scenes"]] == ["Lockout and tagging", "Materials"]
    assert [s["title"] for s in portuguese["scenes"]] == ["Bloqueio e etiquetagem", "Materiais"]
    assert not any(w.startswith("slide_text:") for s in english["scenes"] for w in s["warnings"])
    [copy] = (tmp_path / "data" / "blobs" / "jobs").glob("*/input/translated.pptx")  # en only
    slides = Presentation(str(copy)).slides
    assert slides[0].shapes.title.text == "Lockout and tagging"
    body = [p.text for p in slides[0].placeholders[1].text_frame.paragraphs]
    assert body == ["Switch off the breaker", "Test for the absence of voltage"]
    assert slides[1].placeholders[1].text_frame.paragraphs[1].text == "Padlock and tag"
    # The first slide as drawn (the thumbnail) differs between the languages.
    with Image.open(out / "thumbnail.jpg") as pt, Image.open(out / "en" / "thumbnail.jpg") as en:
        assert pt.size == en.size
        diff = ImageChops.difference(pt.convert("L"), en.convert("L"))
        changed = sum(diff.histogram()[65:])  # pixels that changed clearly
    assert changed > 200, changed  # text pixels, not JPEG noise
    slide_requests = [r for r in llm.requests if "Paragraphs (JSON)" in str(r)]
    assert len(slide_requests) == 2  # one request per slide, for the English render only


def test_given_the_api_when_rendering_two_languages_then_english_outputs_with_english_captions(
    llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESTUDIO_LLM_BASE_URL", llm.base_url)
    monkeypatch.setenv("ESTUDIO_LLM_MODEL", "local-model")
    served = start_server(tmp_path / "data")
    try:
        client = served.client()
        deck = notesless_deck(tmp_path / "loto.pptx").read_bytes()
        project = client.post("/v1/projects", json={"name": "LOTO"}).json()
        upload = client.post(
            f"/v1/projects/{project['id']}/deck", files={"file": ("loto.pptx", deck)}
        )
        assert upload.status_code == 200, upload.text

        accepted = client.post(
            f"/v1/projects/{project['id']}/renders",
            json={"languages": ["pt-BR", "en"], "preset": "720p"},
        )
        assert accepted.status_code == 202, accepted.text
        render = wait_for(
            client, accepted.json()["id"], {"succeeded", "failed", "cancelled"}, timeout_s=400
        )
        assert render["status"] == "succeeded", render.get("error")
        seen = render["_progress_seen"]
        assert seen == sorted(seen) and seen[-1] == 100
        outputs = {(o["language"], o["name"]): o["url"] for o in render["outputs"]}
        names = {"video.mp4", "subtitles.vtt", "subtitles.srt", "thumbnail.jpg", "manifest.json"}
        assert set(outputs) == {(lang, name) for lang in ("pt-BR", "en") for name in names}
        manifest = httpx.get(outputs[("en", "manifest.json")], timeout=30).json()
        assert manifest["language"] == "en"
        assert {s["voice"] for s in manifest["scenes"]} == {"espeak:en-us"}
        captions = " ".join(httpx.get(outputs[("en", "subtitles.vtt")], timeout=30).text.split())
        assert "switch off the main breaker" in captions and "disjuntor" not in captions
        portuguese = httpx.get(outputs[("pt-BR", "subtitles.vtt")], timeout=30).text
        assert "disjuntor" in portuguese
    finally:
        served.stop()
