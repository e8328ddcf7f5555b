"""Every corpus deck that parses gets a translated copy (ADR 0017) that parses again into the
same scenes and build steps, with every translated paragraph changed and the notes untouched:
the copy's XML stays sound whatever the deck holds (groups, tables, fields, placeholders).

The translator here is a stand-in for the LLM (each paragraph upper-cased and doubled, so text
grows and shrinking runs); what is under test is the file work, not a language."""

from __future__ import annotations

from pathlib import Path

import pytest

from estudio.deck.parse import parse_deck
from estudio.deck.translate import translate_deck_file
from estudio.errors import DeckError
from estudio.settings import Limits

from .corpus import deck_paths

pytestmark = pytest.mark.corpus
MAX_BYTES = 300 * 1024  # the larger decks add load-and-save time (their media), not XML cases
PATHS = [path for path in deck_paths() if path.stat().st_size <= MAX_BYTES]


def _longer(texts: list[str], _: int) -> list[str]:
    return [f"{t.upper()} {t.upper()}" for t in texts]


@pytest.mark.skipif(not PATHS, reason="shared deck corpus not present")
def test_given_every_corpus_deck_when_its_slides_are_translated_then_the_copy_parses_alike(
    tmp_path: Path,
) -> None:
    checked = changed = 0
    for path in PATHS:
        try:
            original = parse_deck(path, Limits())
        except DeckError:
            continue  # refused decks never reach the translation
        copy = tmp_path / path.name
        report = translate_deck_file(
            path, copy, _longer, slide_numbers=[s.slide_number for s in original.scenes]
        )
        translated = parse_deck(copy, Limits())
        assert [s.slide_number for s in translated.scenes] == [
            s.slide_number for s in original.scenes
        ], path.name
        for before, after in zip(original.scenes, translated.scenes, strict=True):
            assert [(b.shapes, b.paragraphs) for b in after.steps] == [
                (b.shapes, b.paragraphs) for b in before.steps
            ], path.name  # click builds still find their shapes and paragraphs
            if before.script_source == "notes":
                assert after.script == before.script, path.name
        assert not report.warnings, path.name
        checked += 1
        changed += report.paragraphs
    assert checked >= 40 and changed >= 400  # the corpus is not quietly empty
