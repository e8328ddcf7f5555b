"""Every real deck in the shared corpus either parses into scenes or is refused with a
``DeckError`` — never another exception — and quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from estudio.deck.parse import parse_deck
from estudio.errors import DeckError, EmptyDeck
from estudio.settings import Limits

from .corpus import deck_paths, probe_rows

pytestmark = pytest.mark.corpus

MAX_SECONDS_PER_DECK = 10.0  # generous: the slowest corpus deck parses in about 0.2 s
REFUSAL_CODES = {
    "not_a_pptx",
    "encrypted_deck",
    "corrupt_deck",
    "empty_deck",
    "deck_too_large",
    "unsupported_deck",
}
PATHS = deck_paths()
PROBE = probe_rows()


@pytest.mark.skipif(not PATHS, reason="shared deck corpus not present")
@pytest.mark.parametrize("path", PATHS, ids=[p.name[:60] for p in PATHS])
def test_given_a_corpus_deck_when_parsed_then_scenes_or_a_deck_error_in_bounded_time(
    path: Path,
) -> None:
    started = time.perf_counter()
    try:
        deck = parse_deck(path, Limits())
    except DeckError as e:
        error: DeckError | None = e
    else:
        error = None
        assert len(deck.scenes) >= 1
    elapsed = time.perf_counter() - started

    assert elapsed < MAX_SECONDS_PER_DECK
    if error is not None:
        assert error.code in REFUSAL_CODES
    probe = PROBE.get(path.name)
    if probe is None:
        return
    if probe["open_ok"] != "True":
        # python-pptx alone fails on it: we must refuse it, cleanly.
        assert error is not None, "a deck python-pptx cannot open was accepted"
        return
    slides, hidden = int(probe["slides"] or 0), int(probe["hidden"] or 0)
    if slides == hidden:
        assert isinstance(error, EmptyDeck)
        return
    assert error is None, f"{error.code}: {error.message}" if error else ""
    assert deck.slide_count == slides
    assert len(deck.hidden_slides) == hidden
    assert len(deck.scenes) == slides - hidden
    if int(probe["notes_chars"] or 0) > 0:
        assert any(s.script_source == "notes" for s in deck.scenes)
