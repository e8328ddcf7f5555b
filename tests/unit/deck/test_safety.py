from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from estudio.deck.parse import parse_deck
from estudio.deck.safety import inspect_package
from estudio.deck.samples import make_benchmark_deck, make_hostile_decks
from estudio.errors import (
    CorruptDeck,
    DeckError,
    DeckTooLarge,
    EmptyDeck,
    EncryptedDeck,
    NotAPptx,
    UnsupportedDeck,
)
from estudio.settings import Limits

LIMITS = Limits()

# What each hostile file must be refused as, and by which layer.
REFUSED_BEFORE_PYTHON_PPTX: dict[str, type[DeckError]] = {
    "empty_file": NotAPptx,
    "renamed_text": NotAPptx,
    "truncated_zip": CorruptDeck,
    "zip_bomb": DeckTooLarge,
    "huge_declared": DeckTooLarge,
    "understated_size": CorruptDeck,
    "encrypted": EncryptedDeck,
    "legacy_ppt": NotAPptx,
    "docx_like": NotAPptx,
    "path_traversal": CorruptDeck,
    "strict_ooxml": UnsupportedDeck,
    "xml_entities": CorruptDeck,
}
REFUSED_BY_PARSE: dict[str, type[DeckError]] = {
    "broken_slide_xml": CorruptDeck,
    "only_hidden": EmptyDeck,
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_hostile_decks(tmp_path_factory.mktemp("hostile"))


def test_given_the_hostile_set_when_generated_then_every_case_has_an_expectation(
    hostile: dict[str, Path],
) -> None:
    assert set(hostile) == set(REFUSED_BEFORE_PYTHON_PPTX) | set(REFUSED_BY_PARSE) | {
        "huge_picture"
    }


@pytest.mark.parametrize(("case", "expected"), sorted(REFUSED_BEFORE_PYTHON_PPTX.items()))
def test_given_a_hostile_file_when_inspected_then_the_exact_error_is_raised(
    hostile: dict[str, Path], case: str, expected: type[DeckError]
) -> None:
    with pytest.raises(DeckError) as info:
        inspect_package(hostile[case], LIMITS)

    assert type(info.value) is expected
    assert info.value.code == expected.code
    assert info.value.user_error
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    ("case", "expected"), sorted({**REFUSED_BEFORE_PYTHON_PPTX, **REFUSED_BY_PARSE}.items())
)
def test_given_a_hostile_file_when_parsed_then_only_that_deck_error_escapes(
    hostile: dict[str, Path], case: str, expected: type[DeckError]
) -> None:
    with pytest.raises(DeckError) as info:
        parse_deck(hostile[case], LIMITS)

    assert type(info.value) is expected
    assert "Traceback" not in info.value.message


def test_given_a_legacy_ppt_when_inspected_then_the_message_says_save_as_pptx(
    hostile: dict[str, Path],
) -> None:
    with pytest.raises(NotAPptx, match=r"legacy \.ppt, save as \.pptx"):
        inspect_package(hostile["legacy_ppt"], LIMITS)


def test_given_a_picture_claiming_900_megapixels_when_parsed_then_it_is_flagged_not_decoded(
    hostile: dict[str, Path],
) -> None:
    deck = parse_deck(hostile["huge_picture"], LIMITS)

    (info,) = deck.scenes[0].pictures
    assert (info.width_px, info.height_px, info.problem) == (30_000, 30_000, "too_large")


def test_given_the_bomb_when_generated_then_it_is_small_on_disk_but_huge_expanded(
    hostile: dict[str, Path],
) -> None:
    path = hostile["zip_bomb"]
    with zipfile.ZipFile(path) as zf:
        expanded = sum(i.file_size for i in zf.infolist())

    assert path.stat().st_size < 200_000
    assert expanded > 30_000_000


@pytest.fixture(scope="module")
def good_deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_benchmark_deck(tmp_path_factory.mktemp("good") / "good.pptx", slides=2)


def test_given_a_sound_deck_when_inspected_then_nothing_is_raised(good_deck: Path) -> None:
    inspect_package(good_deck, LIMITS)


@pytest.mark.parametrize(
    "limits",
    [
        Limits(max_deck_bytes=1024),
        Limits(max_zip_entries=5),
        Limits(max_uncompressed_bytes=10_000),
    ],
    ids=["file-bytes", "zip-entries", "expanded-bytes"],
)
def test_given_tight_limits_when_a_sound_deck_is_inspected_then_deck_too_large(
    good_deck: Path, limits: Limits
) -> None:
    with pytest.raises(DeckTooLarge):
        inspect_package(good_deck, limits)


def test_given_a_lower_ratio_limit_when_the_bomb_is_inspected_then_the_ratio_names_the_entry(
    hostile: dict[str, Path],
) -> None:
    with pytest.raises(DeckTooLarge, match=r"padding\.bin"):
        inspect_package(hostile["zip_bomb"], Limits(max_compression_ratio=500))


def test_given_a_missing_file_when_inspected_then_not_a_pptx(tmp_path: Path) -> None:
    with pytest.raises(NotAPptx):
        inspect_package(tmp_path / "absent.pptx", LIMITS)
