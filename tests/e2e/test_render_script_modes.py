"""``estudio render --script …`` end to end on a deck without notes: the scripts come from a local
OpenAI-compatible server and fall back cleanly when it fails; ``text`` reads the slides as
written; ``rewrite`` without an LLM is refused with ``writer_unavailable``. (Two languages with
an LLM: ``test_render_translated.py``.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pptx import Presentation

from tests.integration.script.fake_llm import FakeLLM, Reply, serve_fake_llm

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]
ANSWER = (
    "Antes de qualquer intervenção, desligue o disjuntor geral e confirme a ausência de tensão. "
    "Depois, instale o cadeado e a etiqueta, para que ninguém religue o circuito por engano."
)


def notesless_deck(path: Path) -> Path:
    prs = Presentation()
    for title, lines in [
        ("Bloqueio e etiquetagem", ["Desligar o disjuntor", "Testar a ausência de tensão"]),
        ("Materiais", ["Guia: https://example.org/seguranca/loto.pdf", "Cadeado e etiqueta"]),
    ]:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = lines[0]
        for line in lines[1:]:
            body.add_paragraph().text = line
    prs.save(str(path))
    return path


def estudio(*args: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ESTUDIO_LLM")}
    return subprocess.run(
        [sys.executable, "-m", "estudio.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, "ESTUDIO_DATA": str(data), **env},
        timeout=600,
    )


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


def test_given_an_llm_when_rendering_auto_then_scripts_come_from_it_and_fall_back_on_failure(
    llm: FakeLLM, tmp_path: Path
) -> None:
    deck = notesless_deck(tmp_path / "loto.pptx")
    llm.default = Reply(ANSWER)
    llm.by_title = {"Materiais": [Reply(status=500), Reply(status=500)]}

    result = estudio(
        "render", str(deck), "--out", str(tmp_path / "out"), "--preset", "720p", "--json",
        data=tmp_path / "data",
        ESTUDIO_LLM_BASE_URL=llm.base_url,
        ESTUDIO_LLM_MODEL="local-model",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    first, second = manifest["scenes"]
    assert first["script_source"] == "writer:openai" and first["script"] == ANSWER
    assert second["script_source"] == "writer:rules"
    assert second["script"] == (
        "Materiais.\n\nGuia: uma página de example.org. Cadeado e etiqueta."
    )
    assert any(w.startswith("script_writer: writer:openai failed") for w in second["warnings"])
    captions = " ".join((tmp_path / "out" / "subtitles.vtt").read_text(encoding="utf-8").split())
    assert "desligue o disjuntor geral" in captions and "https" not in captions
    assert "uma página de example.org." in captions  # the domain stays one word on screen


def test_given_text_and_rewrite_modes_when_rendering_then_verbatim_or_refused(
    tmp_path: Path,
) -> None:
    deck = notesless_deck(tmp_path / "loto.pptx")

    text = estudio(
        "render", str(deck), "--out", str(tmp_path / "out"), "--preset", "720p",
        "--script", "text", data=tmp_path / "data",
    )  # fmt: skip
    refused = estudio(
        "render", str(deck), "--out", str(tmp_path / "again"), "--script", "rewrite", "--json",
        data=tmp_path / "data",
    )  # fmt: skip

    assert text.returncode == 0, text.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [s["script_source"] for s in manifest["scenes"]] == ["text", "text"]
    assert "https://example.org/seguranca/loto.pdf" in manifest["scenes"][1]["script"]
    assert refused.returncode == 2
    assert json.loads(refused.stdout)["error"]["code"] == "writer_unavailable"
    assert not (tmp_path / "again" / "video.mp4").exists()


ENGLISH = (
    "Before any work, switch off the main breaker and confirm that there is no voltage. "
    "Then put on the lock and the tag, so that nobody switches the circuit back on by mistake."
)


def test_given_two_languages_without_an_llm_when_rendering_then_refused_before_any_work(
    tmp_path: Path,
) -> None:
    deck = notesless_deck(tmp_path / "loto.pptx")

    refused = estudio(
        "render", str(deck), "--out", str(tmp_path / "out"), "--languages", "pt-BR,en",
        "--json", data=tmp_path / "data",
    )  # fmt: skip

    assert refused.returncode == 2
    assert json.loads(refused.stdout)["error"]["code"] == "writer_unavailable"
    assert not (tmp_path / "out").exists()
