"""Click builds: read from p:timing, timed to the narration, drawn as copies of the slide."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation

from estudio.deck.build_samples import add_click_builds, make_builds_deck
from estudio.deck.builds import (
    paragraph_text,
    proportional_offsets,
    read_clicks,
    step_times,
    strip_markers,
)
from estudio.deck.parse import parse_deck
from estudio.media.steps import step_frames
from estudio.models import BuildStep, Scene, Speech, WordTiming
from estudio.pipeline.deck_stages import without_builds
from estudio.settings import Limits
from estudio.slides.steps import NS, add_step_slides, step_slide

from .builders import build, textbox, titled

LIMITS = Limits()


@pytest.fixture(scope="module")
def builds_deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_builds_deck(tmp_path_factory.mktemp("builds") / "builds.pptx")


def test_given_markers_when_stripped_then_the_script_is_clean_and_offsets_mark_each_step() -> None:
    script, at = strip_markers("Intro. [click] Um.\n[CLIQUE] Dois. [click]")
    assert script == "Intro. Um.\nDois."
    assert [script[i:] for i in at] == ["Um.\nDois.", "Dois.", ""]
    assert strip_markers("Sem marcas.") == ("Sem marcas.", [])


def test_given_notes_without_markers_when_split_then_offsets_fall_on_sentence_starts() -> None:
    script = "Primeira frase aqui. Segunda frase aqui. Terceira frase. Quarta frase final."
    offsets = proportional_offsets(script, 3)
    assert offsets == sorted(set(offsets)) and len(offsets) == 3
    assert all(script[o - 2 : o] == ". " for o in offsets)
    assert proportional_offsets("", 2) == [0, 0]
    assert len(proportional_offsets("Uma só frase sem pontos no meio", 3)) == 3


def test_given_the_builds_deck_when_parsed_then_each_click_is_a_timed_step(
    builds_deck: Path,
) -> None:
    deck = parse_deck(builds_deck, LIMITS)
    title, timed, plain = deck.scenes

    assert title.steps == []
    assert "[click]" not in timed.script and "[clique]" not in timed.script
    assert [s.text for s in timed.steps] == [
        "Desligue o circuito.",
        "Bloqueie a chave.",
        "Teste a ausência de tensão.",
    ]
    starts = [timed.script[s.char_start :] for s in timed.steps]
    assert starts[0].startswith("Primeiro") and starts[2].startswith("Por fim")
    assert all(s.paragraphs and not s.shapes for s in timed.steps)
    # No notes: the slide's own text is read, each step from where its text is read.
    assert plain.script_source == "slide_text" and len(plain.steps) == 1
    assert plain.steps[0].shapes and plain.script[plain.steps[0].char_start :].startswith("Use")
    assert any(w.startswith("animation: 3 click step") for w in timed.warnings)
    off = without_builds(deck)
    assert all(not s.steps for s in off.scenes)


def test_given_after_previous_and_emphasis_when_read_then_only_click_entrances_count(
    tmp_path: Path,
) -> None:
    def slide(prs: Presentation) -> None:
        s = titled(prs, "Efeitos")
        a = textbox(s, "A", 1, 2)
        b = textbox(s, "B", 1, 3)
        add_click_builds(s, [(a.shape_id, None)], node="afterEffect")  # plays on arrival
        timing = s._element.find(f"{{{NS['p']}}}timing")
        assert timing is not None
        s._element.remove(timing)
        add_click_builds(s, [(b.shape_id, None)])
        seq = s._element.find(".//p:cTn[@nodeType='mainSeq']/p:childTnLst", NS)
        first = etree.fromstring(
            etree.tostring(timing.find(".//p:cTn[@nodeType='mainSeq']/p:childTnLst/p:par", NS))
        )
        seq.insert(0, first)
        emphasis = etree.fromstring(etree.tostring(seq[1]))
        for ctn in emphasis.iter(f"{{{NS['p']}}}cTn"):
            if ctn.get("presetClass"):
                ctn.set("presetClass", "emph")
        seq.append(emphasis)

    deck_path = build(tmp_path / "effects.pptx", slide)
    sld = Presentation(str(deck_path)).slides[0]._element
    clicks = read_clicks(sld)
    assert len(clicks) == 2  # B on click, then a click with an emphasis only
    assert clicks[0].shapes and not clicks[1].shapes
    scene = parse_deck(deck_path, LIMITS).scenes[0]
    assert len(scene.steps) == 1  # the emphasis-only click changes nothing on the picture


def _speech(script: str) -> Speech:
    words = []
    t = 0.0
    for m in re.finditer(r"\S+", script):
        words.append(
            WordTiming(
                text=m.group(), start_s=t, end_s=t + 0.3, char_start=m.start(), char_end=m.end()
            )
        )
        t += 0.4
    return Speech(
        voice="x",
        language="pt-BR",
        written=script,
        spoken=script,
        duration_s=t,
        sample_rate=22050,
        words=words,
    )


def test_given_word_timings_when_timed_then_each_step_starts_with_its_first_word() -> None:
    script = "Um dois. Três quatro. Cinco seis."
    scene = Scene(
        index=0,
        slide_number=1,
        script=script,
        script_source="notes",
        steps=[BuildStep(char_start=9), BuildStep(char_start=22)],
    )
    times = step_times(scene, _speech(script), offset_s=0.4, duration_s=4.0, fps=2)
    # Words 2 and 4 start at 0.4 + 0.8 and 0.4 + 1.6 s: on the nearest 0.5 s frame.
    assert times == [1.0, 2.0]
    silent = scene.model_copy(update={"script": ""})
    quiet = Speech(voice="x", language="pt-BR", written="", spoken="", duration_s=0, sample_rate=0)
    assert step_times(silent, quiet, 0.0, 6.0, 2) == [2.0, 4.0]


def test_given_step_times_when_framed_then_every_image_holds_whole_frames() -> None:
    assert step_frames([1.5, 3.0], 4.0, 2) == [3, 3, 2]
    assert sum(step_frames([0.0, 0.0, 9.0], 2.0, 2)) == 4


def test_given_steps_when_slides_are_added_then_copies_hide_later_content(
    builds_deck: Path, tmp_path: Path
) -> None:
    deck = parse_deck(builds_deck, LIMITS)
    builds = {s.slide_number: s.steps for s in deck.scenes if s.steps}
    out = tmp_path / "steps.pptx"
    pages = add_step_slides(builds_deck, out, builds)

    assert pages == {(2, 0): 4, (2, 1): 5, (2, 2): 6, (3, 0): 7}
    prs = Presentation(str(out))
    assert len(prs.slides) == 7
    step0 = prs.slides[3]._element
    body = [p for p in step0.iter(f"{{{NS['a']}}}p") if paragraph_text(p).startswith("Desligue")]
    assert body and body[0].find(".//a:rPr/a:noFill", NS) is not None  # drawn invisible
    step1 = prs.slides[4]._element
    visible = [
        paragraph_text(p)
        for p in step1.iter(f"{{{NS['a']}}}p")
        if p.find(".//a:rPr/a:noFill", NS) is None and paragraph_text(p)
    ]
    assert visible == ["Três etapas", "Desligue o circuito."]
    assert step1.find(f"{{{NS['p']}}}timing") is None
    plain_step0 = prs.slides[6]._element
    assert "Use luvas" not in etree.tostring(plain_step0).decode()  # the whole shape is gone
    with zipfile.ZipFile(out) as z:
        assert not any(
            "notesSlide" in z.read(n).decode() for n in z.namelist() if "slides/_rels/slide7" in n
        )


def test_given_a_slide_number_field_when_copied_then_the_copy_keeps_the_original_number() -> None:
    xml = (
        f'<p:sld xmlns:p="{NS["p"]}" xmlns:a="{NS["a"]}"><p:cSld><p:spTree>'
        '<p:sp><p:nvSpPr><p:cNvPr id="4" name="n"/></p:nvSpPr><p:txBody><a:p>'
        '<a:fld id="{1}" type="slidenum"><a:rPr lang="pt-BR"/><a:t>‹#›</a:t></a:fld></a:p>'
        "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    ).encode()
    out = etree.fromstring(step_slide(xml, [BuildStep(shapes=[99])], 0, 12))
    assert out.find(".//a:fld", NS) is None
    assert out.find(".//a:r/a:t", NS).text == "12"


def test_given_builds_off_or_a_silent_slide_when_planned_then_steps_follow_the_options(
    builds_deck: Path,
) -> None:
    from estudio.models import RenderOptions
    from estudio.plan import make_plan

    deck = parse_deck(builds_deck, LIMITS)
    quiet = [
        Speech(voice="x", language="pt-BR", written="", spoken="", duration_s=0, sample_rate=0)
        for _ in deck.scenes
    ]
    plan = make_plan(deck, quiet, RenderOptions(silent_scene_s=2.0))
    assert plan.scenes[0].duration_s == 2.0  # no steps: the configured minimum
    assert plan.scenes[1].duration_s == 6.0  # 3 steps + the first, 1.5 s each at least
    assert plan.scenes[1].step_times_s == [1.5, 3.0, 4.5]
    off = make_plan(without_builds(deck), quiet, RenderOptions())
    assert all(not s.step_times_s for s in off.scenes)
