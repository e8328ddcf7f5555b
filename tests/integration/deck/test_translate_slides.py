"""The on-slide text translated into a copy of a real .pptx through the ``openai`` writer against
a local OpenAI-compatible server: text shapes, groups and table cells change, their formatting
stays, text that would overflow shrinks, notes stay; a slide the LLM answers badly keeps its
text with a warning."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Inches, Pt

from estudio.deck.translate import MIN_SCALE, translate_deck_file
from estudio.script.openai_compat import OpenAIWriter
from estudio.script.slide_text import SlideTextTranslator
from estudio.speech.cloud import RetryPolicy
from tests.integration.script.fake_llm import FakeLLM, Reply, serve_fake_llm

FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)
RED = RGBColor(0xC0, 0x10, 0x10)
LONG_EN = "Switch off the main circuit breaker of the electrical panel before any maintenance work"
SLIDE_ONE_EN = [
    "Lockout and tagging",
    LONG_EN,
    "Warning: always test for voltage",
    "Padlock and tag",
    "Step",
    "Who does it",
    "Switch off",
    "The electrician",
]


def make_deck(path: Path) -> Path:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    slide.shapes.title.text = "Bloqueio e etiquetagem"
    box = slide.shapes.add_textbox(Inches(1), Inches(1.6), Inches(3), Inches(0.5))
    box.text_frame.word_wrap = True
    run = box.text_frame.paragraphs[0].add_run()
    run.text = "Desligue o disjuntor"
    run.font.size, run.font.bold, run.font.color.rgb = Pt(24), True, RED
    mixed = box.text_frame.add_paragraph()
    first, second = mixed.add_run(), mixed.add_run()
    first.text, first.font.bold, first.font.size = "Atenção: ", True, Pt(14)
    second.text, second.font.italic, second.font.size = "teste sempre a tensão", True, Pt(14)
    group = slide.shapes.add_group_shape()
    inner = group.shapes.add_textbox(Inches(5), Inches(1.6), Inches(3), Inches(0.6))
    inner.text_frame.text = "Cadeado e etiqueta"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(3), Inches(6), Inches(1.2)).table
    cells = ["Etapa", "Quem faz", "Desligar", "O eletricista"]
    for i, text in enumerate(cells):
        table.cell(i // 2, i % 2).text = text
    slide.notes_slide.notes_text_frame.text = "Notas do apresentador em português."
    other = prs.slides.add_slide(prs.slide_layouts[5])
    other.shapes.title.text = "Revisão final"
    prs.save(str(path))
    return path


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


def translator(llm: FakeLLM) -> SlideTextTranslator:
    writer = OpenAIWriter(llm.base_url, "local-model", timeout_s=5.0, retry=FAST)
    return SlideTextTranslator(writer, glossary=["LOTO"])


def test_given_a_deck_when_its_slides_are_translated_then_the_copy_reads_in_english_keeping_format(
    llm: FakeLLM, tmp_path: Path
) -> None:
    source = make_deck(tmp_path / "loto.pptx")
    llm.when = {'["Bloqueio e etiquetagem"': Reply(json.dumps({"translations": SLIDE_ONE_EN}))}
    ask = translator(llm)

    report = translate_deck_file(
        source,
        tmp_path / "en.pptx",
        lambda texts, number: ask.translate(texts, "pt-BR", "en", number),
    )

    copy = Presentation(str(tmp_path / "en.pptx"))
    slide = copy.slides[0]
    assert slide.shapes.title.text == "Lockout and tagging"
    box = slide.shapes[1].text_frame
    assert box.text == f"{LONG_EN}\nWarning: always test for voltage"
    long_run = next(r for r in box.paragraphs[0].runs if r.text)
    assert long_run.font.bold and long_run.font.color.rgb == RED  # formatting kept
    assert Pt(24 * MIN_SCALE) <= long_run.font.size < Pt(24)  # it would overflow: shrunk
    mixed = [r for r in box.paragraphs[1].runs if r.text]
    assert len(mixed) == 1 and mixed[0].font.italic  # the dominant run's look
    group = slide.shapes[2]
    assert group.shapes[0].text_frame.text == "Padlock and tag"
    cells = [c.text for row in slide.shapes[3].table.rows for c in row.cells]
    assert cells == ["Step", "Who does it", "Switch off", "The electrician"]
    assert slide.notes_slide.notes_text_frame.text == "Notas do apresentador em português."
    # The second slide's answer was not the JSON asked for: its text stays, with a warning.
    assert copy.slides[1].shapes.title.text == "Revisão final"
    assert list(report.warnings) == [2] and "not JSON" in report.warnings[2][0]
    assert report.translated[1]["Bloqueio e etiquetagem"] == "Lockout and tagging"
    assert report.shrunk >= 1
    request = next(r for r in llm.requests if "Bloqueio e etiquetagem" in str(r))
    prompt = request["messages"][1]["content"]
    assert "into English (en)" in prompt and "LOTO" in prompt
    assert "Notas do apresentador" not in prompt
    original = Presentation(str(source))  # the upload itself is untouched
    assert original.slides[0].shapes.title.text == "Bloqueio e etiquetagem"


def test_given_an_answer_with_too_few_translations_or_untranslated_then_rejected(
    llm: FakeLLM, tmp_path: Path
) -> None:
    source = make_deck(tmp_path / "loto.pptx")
    echoed = [  # the paragraphs sent back untranslated
        "Bloqueio e etiquetagem",
        "Desligue o disjuntor",
        "Atenção: teste sempre a tensão",
        "Cadeado e etiqueta",
        "Etapa",
        "Quem faz",
        "Desligar",
        "O eletricista",
    ]
    ask = translator(llm)
    outcomes = {}
    for name, answer in {
        "count": {"translations": SLIDE_ONE_EN[:3]},
        "echo": {"translations": echoed},
    }.items():
        llm.when = {'["Bloqueio e etiquetagem"': Reply(json.dumps(answer))}
        report = translate_deck_file(
            source,
            tmp_path / f"{name}.pptx",
            lambda texts, number: ask.translate(texts, "pt-BR", "en", number),
            slide_numbers=[1],
        )
        outcomes[name] = report.warnings[1][0]
        kept = Presentation(str(tmp_path / f"{name}.pptx"))
        assert kept.slides[0].shapes.title.text == "Bloqueio e etiquetagem"

    assert "3 translations for 8 paragraphs" in outcomes["count"]
    assert "not translated" in outcomes["echo"]
