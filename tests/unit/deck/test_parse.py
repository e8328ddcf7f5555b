from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from pptx.chart.data import ChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.util import Inches

from estudio.deck.parse import parse_deck
from estudio.errors import DeckTooLarge, EmptyDeck
from estudio.settings import Limits

from .builders import blank, build, make_placeholder, notes, picture, textbox, titled

LIMITS = Limits()


def test_given_shapes_out_of_order_when_parsed_then_text_reads_title_then_top_left_first(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Título")
        assert s.shapes.title is not None
        s.shapes.title.top = Inches(6)  # the title is read first wherever it sits
        textbox(s, "terceiro", left=1, top=4)
        textbox(s, "segundo", left=5, top=2)
        textbox(s, "primeiro", left=1, top=2)

    deck = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS)

    scene = deck.scenes[0]
    assert scene.script_source == "slide_text"
    assert scene.title == "Título"
    assert scene.script.splitlines() == ["Título.", "primeiro.", "segundo.", "terceiro."]


def test_given_notes_when_parsed_then_notes_are_the_script_and_slide_text_is_ignored(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Título do slide")
        textbox(s, "texto do slide", left=1, top=2)
        notes(s, "Olá,    turma!\n\n   Vamos   começar.  ")

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script_source == "notes"
    # whitespace collapsed; the blank line between the paragraphs stays (it is a short pause)
    assert scene.script == "Olá, turma!\n\nVamos começar."
    assert scene.title == "Título do slide"


def test_given_notes_with_a_slide_number_field_when_parsed_then_the_number_is_dropped(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "T")
        notes(s, "Primeiro ponto.\n12")
        frame = s.notes_slide.notes_text_frame
        assert frame is not None
        para = frame.paragraphs[0]._p
        fld = etree.SubElement(para, qn("a:fld"), type="slidenum", id="{0C5B7E3A-0000-0000}")
        etree.SubElement(fld, qn("a:t")).text = "7"

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script == "Primeiro ponto."


def test_given_blank_notes_when_parsed_then_the_slide_text_is_narrated(tmp_path: Path) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Riscos elétricos")
        textbox(s, "Choque elétrico", left=1, top=2)
        notes(s, "   \n  ")

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script_source == "slide_text"
    assert scene.script == "Riscos elétricos.\nChoque elétrico."


def test_given_bullets_ending_in_punctuation_when_narrated_then_no_full_stop_is_added(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = blank(prs)
        textbox(s, "Pergunta?", left=1, top=1)
        textbox(s, "Lista:", left=1, top=2)

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script == "Pergunta?\nLista:"
    assert scene.title is None


def test_given_a_slide_without_text_when_parsed_then_it_is_a_silent_scene(tmp_path: Path) -> None:
    scene = parse_deck(build(tmp_path / "d.pptx", blank), LIMITS).scenes[0]

    assert (scene.script, scene.script_source) == ("", "none")


def test_given_footer_and_slide_number_placeholders_when_narrated_then_they_are_skipped(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Conteúdo")
        make_placeholder(textbox(s, "Rodapé da empresa", left=1, top=7), "ftr")
        make_placeholder(textbox(s, "4", left=8, top=7), "sldNum")

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script == "Conteúdo."


def test_given_a_hidden_slide_when_parsed_then_it_is_skipped_and_recorded(tmp_path: Path) -> None:
    def hidden(prs: PresentationType) -> None:
        titled(prs, "Oculto")._element.set("show", "0")

    path = build(
        tmp_path / "d.pptx", lambda p: titled(p, "Um"), hidden, lambda p: titled(p, "Três")
    )
    deck = parse_deck(path, LIMITS)

    assert deck.slide_count == 3
    assert deck.hidden_slides == [2]
    assert [(s.index, s.slide_number, s.title) for s in deck.scenes] == [
        (0, 1, "Um"),
        (1, 3, "Três"),
    ]


def test_given_only_hidden_slides_when_parsed_then_empty_deck(tmp_path: Path) -> None:
    def hidden(prs: PresentationType) -> None:
        titled(prs, "Oculto")._element.set("show", "0")

    with pytest.raises(EmptyDeck) as info:
        parse_deck(build(tmp_path / "d.pptx", hidden, hidden), LIMITS)
    assert info.value.code == "empty_deck"


def test_given_a_table_when_narrated_then_it_is_read_row_by_row_skipping_merged_cells(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Tabela")
        shape = s.shapes.add_table(3, 3, Inches(1), Inches(2), Inches(6), Inches(2))
        table = shape.table
        for r, row in enumerate([("Faixa", "Tensão", "Uso"), ("Baixa", "220 V", "casa")]):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        table.cell(2, 0).merge(table.cell(2, 2))
        table.cell(2, 0).text = "Nota geral"

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script.splitlines() == [
        "Tabela.",
        "Faixa, Tensão, Uso.",
        "Baixa, 220 V, casa.",
        "Nota geral.",
    ]


def test_given_nested_groups_when_narrated_then_children_read_in_position_order_in_place(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = blank(prs)
        textbox(s, "depois do grupo", left=1, top=5)
        group = s.shapes.add_group_shape()
        group.shapes.add_textbox(
            Inches(1), Inches(3), Inches(2), Inches(0.5)
        ).text_frame.text = "grupo embaixo"
        inner = group.shapes.add_group_shape()
        inner.shapes.add_textbox(
            Inches(1), Inches(2), Inches(2), Inches(0.5)
        ).text_frame.text = "grupo em cima"
        textbox(s, "antes do grupo", left=1, top=1)

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert scene.script.splitlines() == [
        "antes do grupo.",
        "grupo em cima.",
        "grupo embaixo.",
        "depois do grupo.",
    ]


def test_given_pictures_when_parsed_then_size_type_and_problems_are_recorded(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = blank(prs)
        picture(s)  # fine
        linked = picture(s).find(f"{qn('p:blipFill')}/{qn('a:blip')}")
        assert linked is not None
        linked.set(qn("r:link"), linked.attrib.pop(qn("r:embed")))
        missing = picture(s).find(qn("p:blipFill"))
        assert missing is not None
        missing.remove(missing.find(qn("a:blip")))

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    fine, linked, missing = scene.pictures
    assert (fine.content_type, fine.width_px, fine.height_px, fine.problem) == (
        "image/png",
        8,
        6,
        None,
    )
    assert linked.problem == "linked"
    assert missing.problem == "missing_blip"
    assert any(w.startswith("linked_picture:") for w in scene.warnings)
    assert any(w.startswith("missing_picture:") for w in scene.warnings)


def test_given_a_picture_over_the_pixel_limit_when_parsed_then_it_is_flagged_too_large(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        picture(blank(prs))

    limits = Limits(max_image_pixels=40)  # the picture is 8 x 6 = 48 pixels
    scene = parse_deck(build(tmp_path / "d.pptx", slide), limits).scenes[0]

    assert scene.pictures[0].problem == "too_large"
    assert any(w.startswith("image_too_large:") for w in scene.warnings)


def test_given_a_chart_when_parsed_then_the_scene_warns(tmp_path: Path) -> None:
    def slide(prs: PresentationType) -> None:
        data = ChartData()
        data.categories = ["2023", "2024"]
        data.add_series("Acidentes", (3, 1))
        s = titled(prs, "Indicadores")
        s.shapes.add_chart(
            XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(6), Inches(4), data
        )

    scene = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS).scenes[0]

    assert [w.split(":")[0] for w in scene.warnings] == ["chart"]
    assert scene.script == "Indicadores."


def test_given_long_notes_when_parsed_then_the_script_is_cut_at_a_word_with_a_warning(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        notes(titled(prs, "T"), "palavra " * 40)

    scene = parse_deck(build(tmp_path / "d.pptx", slide), Limits(max_script_chars=50)).scenes[0]

    assert len(scene.script) <= 50
    assert scene.script.split(" ")[-1] == "palavra"
    assert any(w.startswith("script_truncated:") for w in scene.warnings)


def test_given_more_slides_than_the_limit_when_parsed_then_deck_too_large(tmp_path: Path) -> None:
    path = build(tmp_path / "d.pptx", blank, blank, blank)

    with pytest.raises(DeckTooLarge) as info:
        parse_deck(path, Limits(max_slides=2))
    assert info.value.code == "deck_too_large"


def test_given_core_title_and_language_when_parsed_then_deck_metadata_follows_them(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        prs.core_properties.title = "Electrical safety"
        notes(titled(prs, "Welcome"), "Welcome to the course. This is the first of the lessons.")

    deck = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS, source_name="upload.pptx")

    assert deck.title == "Electrical safety"
    assert deck.language == "en"
    assert deck.source_name == "upload.pptx"
    assert (deck.slide_width_emu, deck.slide_height_emu) == (9_144_000, 6_858_000)


def test_given_a_placeholder_core_title_when_parsed_then_the_first_slide_title_is_used(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        prs.core_properties.title = "PowerPoint Presentation"
        titled(prs, "Primeiros socorros")

    deck = parse_deck(build(tmp_path / "d.pptx", blank, slide), LIMITS)

    assert deck.title == "Primeiros socorros"
    assert deck.source_name == "d.pptx"


def test_given_an_uncommon_font_when_parsed_then_the_deck_warns_about_substitution(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        box = textbox(blank(prs), "Texto", left=1, top=1)
        box.text_frame.paragraphs[0].runs[0].font.name = "Fonte Rara Pro"

    deck = parse_deck(build(tmp_path / "d.pptx", slide), LIMITS)

    assert len(deck.warnings) == 1
    assert deck.warnings[0].startswith("fonts:")
    assert "Fonte Rara Pro" in deck.warnings[0]
