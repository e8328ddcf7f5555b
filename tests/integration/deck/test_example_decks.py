from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from estudio.deck.parse import parse_deck
from estudio.deck.samples import CHARS_PER_SECOND, make_benchmark_deck
from estudio.models import Deck
from estudio.settings import Limits

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "nr10-seguranca-eletrica.pptx"
LIMITS = Limits()


@pytest.fixture(scope="module")
def example() -> Deck:
    if not EXAMPLE.exists():
        pytest.fail("run `python examples/make_decks.py` to generate the bundled example")
    return parse_deck(EXAMPLE, LIMITS)


def test_given_the_bundled_example_when_parsed_then_it_is_a_small_wide_pt_br_deck(
    example: Deck,
) -> None:
    assert EXAMPLE.stat().st_size < 200_000
    assert example.language == "pt-BR"
    assert example.aspect == pytest.approx(16 / 9)
    assert example.slide_count == 7
    assert len(example.hidden_slides) == 1
    assert len(example.scenes) == 6
    assert example.title and "NR-10" in example.title
    assert example.warnings == []


def test_given_the_bundled_example_when_parsed_then_it_exercises_every_parse_path(
    example: Deck,
) -> None:
    sources = [s.script_source for s in example.scenes]
    assert sources.count("slide_text") == 1
    assert sources.count("notes") == 5
    pictures = [p for s in example.scenes for p in s.pictures]
    assert [(p.content_type, p.problem) for p in pictures] == [("image/png", None)]
    assert all(s.title for s in example.scenes)
    assert all(not s.warnings for s in example.scenes)


def test_given_the_bundled_example_when_read_then_notes_hold_the_normaliser_cases(
    example: Deck,
) -> None:
    narration = " ".join(s.script for s in example.scenes)
    for token in ("NR-10", "13,8 kV", "220 V", "75%", "R$ 1.500,00", "1º", "14h30", "NBR 5410"):
        assert token in narration, token
    assert "EPI" in narration and "EPC" in narration


def test_given_the_bundled_example_when_timed_at_the_voice_rate_then_it_lasts_60_to_90_s(
    example: Deck,
) -> None:
    seconds = sum(len(s.script) for s in example.scenes) / CHARS_PER_SECOND

    assert 60 <= seconds <= 90


def test_given_the_generator_script_when_run_then_it_rewrites_the_same_example_and_benchmarks(
    tmp_path: Path, example: Deck
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "make_decks.py"),
            "--out",
            str(tmp_path),
            "--benchmark",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    fresh = parse_deck(tmp_path / EXAMPLE.name, LIMITS)
    assert [s.script for s in fresh.scenes] == [s.script for s in example.scenes]
    assert len(parse_deck(tmp_path / "bench-3.pptx", LIMITS).scenes) == 3


@pytest.mark.parametrize("seconds", [3.0, 6.0, 20.0])
def test_given_a_benchmark_size_when_generated_then_each_note_is_sized_to_that_speech_time(
    tmp_path: Path, seconds: float
) -> None:
    deck = parse_deck(make_benchmark_deck(tmp_path / "b.pptx", 12, seconds), LIMITS)

    assert len(deck.scenes) == 12
    assert {s.script_source for s in deck.scenes} == {"notes"}
    target = seconds * CHARS_PER_SECOND
    for scene in deck.scenes:
        assert 0.8 * target <= len(scene.script) <= target
    assert len({s.script for s in deck.scenes}) > 1


def test_given_zero_slides_when_a_benchmark_is_requested_then_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_benchmark_deck(tmp_path / "b.pptx", 0)
