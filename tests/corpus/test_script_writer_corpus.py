"""The rules writer on real decks, checked the way a listener would: no URL or command spelled
out, a table summarised rather than read cell by cell, no "Welcome to the." fragments, a
title-only slide introduced in a sentence, a repeated footer said once."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from estudio.deck.parse import parse_deck
from estudio.errors import DeckError
from estudio.models import Deck
from estudio.script.brief import slide_briefs
from estudio.script.factory import Writers
from estudio.script.phrases import PT
from estudio.script.rules import RulesWriter
from estudio.script.service import write_scripts
from estudio.settings import Limits
from estudio.speech.text import to_spoken

from .corpus import DECKS, deck_paths

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not deck_paths(), reason="shared deck corpus not present"),
]
WRITERS = Writers(rules=RulesWriter())


@cache
def written(name: str) -> tuple[Deck, Deck]:
    """(the deck as parsed, the deck with its scripts written in auto mode)."""
    path = DECKS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus")
    deck = parse_deck(path, Limits())
    return deck, write_scripts(deck, "auto", WRITERS, deck.language)


def script(name: str, slide: int) -> str:
    _, after = written(name)
    return next(s.script for s in after.scenes if s.slide_number == slide)


def spoken(name: str, slide: int) -> str:
    _, after = written(name)
    return to_spoken(script(name, slide), after.language).spoken


@pytest.mark.parametrize(
    ("name", "slide"),
    [
        ("ganesh__Bash_Linux.pptx", 9),
        ("ganesh__Bash_Linux.pptx", 10),
        ("ganesh__Bash_Linux.pptx", 11),
        ("ganesh__Aula04_Python.pptx", 20),
        ("poi__customGeo.pptx", 38),
        ("poi__customGeo.pptx", 44),
        ("poi__customGeo.pptx", 48),
        ("oxsdk__Bug571679_Brownbag.pptx", 7),
        (
            "poi__au.asn.aes.www_conferences_2011_presentations_Fri_20Room4Level4_20930_20Maloney.pptx",
            27,
        ),
    ],
)
def test_given_a_url_heavy_slide_when_written_then_no_address_is_spelled_out(
    name: str, slide: int
) -> None:
    before, _ = written(name)
    verbatim = next(s.script for s in before.scenes if s.slide_number == slide)
    assert re.search(r"https?://|www\.|@", verbatim)  # the slide really is full of addresses

    text, said = script(name, slide), spoken(name, slide)

    assert not re.search(r"https?://|www\.|@|\.aspx|/\w", text), text
    # no path read out ("barra", "slash") and no e-mail ("arroba", "x at y dot com"); a bare
    # domain ("cast dot org") is what a presenter would say
    assert not re.search(r"\b(arroba|barra|slash)\b|\bat \w+ (dot|ponto)\b", said), said
    assert len(said) < len(to_spoken(verbatim, before.language).spoken) + 80


def test_given_a_checkmark_table_when_written_then_it_is_summarised_not_read_cell_by_cell() -> None:
    name = "ganesh__BCs_e_Bit_Flipping.pptx"
    text = script(name, 8)

    assert "✔" not in text
    assert "Velocidade, ✔" not in text
    assert "A tabela compara Block e Stream em 6 critérios." in text
    # what each column is marked for, in one sentence each, instead of six rows of cells
    assert "Stream aparece marcado em: Velocidade, Memória utilizada" in text


@pytest.mark.parametrize("slide", [13, 14, 15, 16])
def test_given_a_wordy_table_when_written_then_its_rows_are_not_read(slide: int) -> None:
    name = "poi__aascu.org_hbcu_leadershipsummit_cooper_.pptx"
    before, _ = written(name)
    verbatim = next(s.script for s in before.scenes if s.slide_number == slide)
    table = next(
        b
        for s in before.scenes
        if s.slide_number == slide
        for b in s.content.blocks
        if b.kind == "table"
    )
    text = script(name, slide)

    assert "with the columns Strategy, How, and Result" in text
    assert len(text) < len(verbatim) / 2
    example = set(table.rows[2])  # the first row under the caption and header may be quoted
    later_cells = [
        cell
        for row in table.rows[3:]
        for cell in row
        if len(cell.split()) > 3 and cell not in example
    ]
    assert later_cells and not any(cell in text for cell in later_cells)


def test_given_a_repeated_footer_when_written_then_it_is_said_once() -> None:
    name = "poi__aascu.org_hbcu_leadershipsummit_cooper_.pptx"
    _, after = written(name)
    footer = "Through Classroom-Based Practices (graphic modified)"

    slides = [s.slide_number for s in after.scenes if footer in s.script]

    assert slides == [13]  # on slides 13 to 16 at the bottom; read on the first only


@pytest.mark.parametrize(
    ("name", "slide", "expected"),
    [
        ("ganesh__BCs_e_Bit_Flipping.pptx", 20, "A seguir: Ataque na prática."),
        ("ganesh__Aula04_Python.pptx", 1, "Boas-vindas a esta apresentação: Python."),
        ("ganesh__Comandos.pptx", 1, "Boas-vindas a esta apresentação: Comandos."),
    ],
)
def test_given_a_title_only_slide_when_written_then_it_is_a_whole_sentence(
    name: str, slide: int, expected: str
) -> None:
    assert script(name, slide) == expected


def test_given_a_subtitle_fragment_when_written_then_no_dangling_word_is_read() -> None:
    text = script("ganesh__BCs_e_Bit_Flipping.pptx", 1)

    assert "Block Ciphers e." not in text
    assert text.endswith("Block Ciphers.")


def test_given_command_slides_when_written_then_commands_are_pointed_at_not_read() -> None:
    name = "ganesh__Comandos.pptx"
    _, after = written(name)
    for scene in after.scenes:
        assert not re.search(r"\bsudo\b|--\w|\[[A-Z ]{4,}\]", scene.script), scene.script
    assert script(name, 2) == (
        "Instalações.\n\nWireshark: o comando está no slide. Aircrack-ng: o comando está no slide."
    )


def _latin_decks() -> list[Path]:
    return [
        p for p in deck_paths() if p.name.startswith(("ganesh", "poi", "oxsdk", "shcr", "unst"))
    ]


@pytest.mark.parametrize("path", _latin_decks(), ids=lambda p: p.name[:50])
def test_given_any_corpus_deck_when_written_then_no_sentence_ends_on_a_dangling_word(
    path: Path,
) -> None:
    try:
        deck = parse_deck(path, Limits())
    except DeckError:
        pytest.skip("the deck is refused at parse")
    if deck.language.split("-")[0] not in ("pt", "en", "es"):
        pytest.skip("the rules writer does not speak this language")
    writer = RulesWriter()
    for brief in slide_briefs(deck, deck.language):
        text = writer.write(brief)
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if not sentence.endswith("."):
                continue  # a question may well end on "for?" or "que?"
            words = sentence.rstrip(".").split()
            assert not words or words[-1].casefold() not in PT.dangling, (brief.index, sentence)
        assert not re.search(r"https?://", text)
