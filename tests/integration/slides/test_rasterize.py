"""rasterize_deck with real LibreOffice and pdftoppm on decks built here with python-pptx.

Each slide has its own solid background colour, so an image proves which slide it shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu

from estudio.errors import RasterizeError, StageTimeout, ToolMissing
from estudio.slides.rasterize import BACKGROUND, rasterize_deck

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftoppm")),
        reason="LibreOffice and poppler-utils are needed",
    ),
]

CORPUS = Path(__file__).parents[3] / ".." / "shared" / "corpus"
COLOURS = [(200, 30, 30), (30, 160, 60), (40, 60, 200), (220, 180, 20), (150, 40, 160)]
HIDDEN = 3


def _deck(path: Path, width_emu: int, height_emu: int, hidden: int | None) -> Path:
    prs = Presentation()
    prs.slide_width = Emu(width_emu)
    prs.slide_height = Emu(height_emu)
    for number, colour in enumerate(COLOURS, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
        fill = slide.background.fill
        fill.solid()
        fill.fore_color.rgb = RGBColor(*colour)
        if number == hidden:
            slide._element.set("show", "0")
    prs.save(str(path))
    return path


@pytest.fixture(scope="module")
def wide_deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _deck(tmp_path_factory.mktemp("wide") / "wide.pptx", 12192000, 6858000, HIDDEN)


@pytest.fixture(scope="module")
def wide_1080p(wide_deck: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    return rasterize_deck(wide_deck, tmp_path_factory.mktemp("wide-out"), 1920, 1080)


def _close(
    pixel: float | tuple[int, ...] | None, colour: tuple[int, int, int], tolerance: int = 6
) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_given_16x9_deck_when_rasterizing_1080p_then_every_slide_is_exactly_1920x1080(
    wide_1080p: dict[int, Path],
) -> None:
    assert sorted(wide_1080p) == [1, 2, 3, 4, 5]
    for path in wide_1080p.values():
        with Image.open(path) as img:
            assert img.size == (1920, 1080)
            assert img.format == "PNG"


def test_given_hidden_slide_when_rasterizing_then_slide_numbers_match_deck_positions(
    wide_1080p: dict[int, Path],
) -> None:
    for number, path in wide_1080p.items():
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            assert _close(rgb.getpixel((960, 540)), COLOURS[number - 1]), number
            # A 16:9 slide fills a 16:9 canvas: no bars.
            assert _close(rgb.getpixel((2, 2)), COLOURS[number - 1]), number


def test_given_4x3_deck_when_rasterizing_1080p_then_side_bars_frame_the_slide(
    tmp_path: Path,
) -> None:
    deck = _deck(tmp_path / "old.pptx", 9144000, 6858000, None)

    images = rasterize_deck(deck, tmp_path / "out", 1920, 1080, slide_numbers=[2])

    with Image.open(images[2]) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1920, 1080)
        # 4:3 fitted to 1080 high is 1440 wide: 240 px bars each side.
        for x in (0, 230, 1689, 1919):
            assert rgb.getpixel((x, 540)) == BACKGROUND, x
        for x in (250, 960, 1670):
            assert _close(rgb.getpixel((x, 540)), COLOURS[1]), x
        assert _close(rgb.getpixel((960, 0)), COLOURS[1])


def test_given_16x9_deck_when_rasterizing_vertical_then_bars_above_and_below(
    wide_deck: Path, tmp_path: Path
) -> None:
    images = rasterize_deck(wide_deck, tmp_path, 1080, 1920, slide_numbers=[HIDDEN, 5])

    assert sorted(images) == [HIDDEN, 5]
    with Image.open(images[HIDDEN]) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1080, 1920)
        assert rgb.getpixel((540, 10)) == BACKGROUND
        assert rgb.getpixel((540, 1910)) == BACKGROUND
        assert _close(rgb.getpixel((540, 960)), COLOURS[HIDDEN - 1])
        assert _close(rgb.getpixel((0, 960)), COLOURS[HIDDEN - 1])


def test_given_square_preset_when_rasterizing_then_image_is_square(
    wide_deck: Path, tmp_path: Path
) -> None:
    images = rasterize_deck(wide_deck, tmp_path, 1080, 1080, slide_numbers=[1])

    with Image.open(images[1]) as img:
        assert img.size == (1080, 1080)


def test_given_slide_beyond_deck_when_rasterizing_then_rasterize_error(
    wide_deck: Path, tmp_path: Path
) -> None:
    with pytest.raises(RasterizeError, match="not in the deck"):
        rasterize_deck(wide_deck, tmp_path, 1280, 720, slide_numbers=[6])


def test_given_deck_over_slide_budget_when_rasterizing_then_rasterize_error(
    wide_deck: Path, tmp_path: Path
) -> None:
    with pytest.raises(RasterizeError, match="over the limit"):
        rasterize_deck(wide_deck, tmp_path, 1280, 720, max_slides=4)


def test_given_garbage_file_when_rasterizing_then_rasterize_error(tmp_path: Path) -> None:
    deck = tmp_path / "broken.pptx"
    deck.write_bytes(b"PK\x03\x04 this is not a presentation")

    with pytest.raises(RasterizeError):
        rasterize_deck(deck, tmp_path / "out", 1280, 720)


def test_given_missing_soffice_when_rasterizing_then_tool_missing_with_hint(
    wide_deck: Path, tmp_path: Path
) -> None:
    with pytest.raises(ToolMissing, match="libreoffice-impress"):
        rasterize_deck(wide_deck, tmp_path, 1280, 720, soffice="no-such-soffice")


def test_given_tiny_budget_when_rasterizing_then_stage_timeout(
    wide_deck: Path, tmp_path: Path
) -> None:
    with pytest.raises(StageTimeout):
        rasterize_deck(wide_deck, tmp_path, 1280, 720, timeout_s=0.05)


def test_given_profile_cache_when_rasterizing_twice_then_template_is_kept_and_reused(
    wide_deck: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "profile"

    first = rasterize_deck(wide_deck, tmp_path / "a", 640, 360, [1], profile_cache=cache)
    assert (cache / "user").is_dir()
    second = rasterize_deck(wide_deck, tmp_path / "b", 640, 360, [1], profile_cache=cache)

    for images in (first, second):
        with Image.open(images[1]) as img:
            assert _close(img.convert("RGB").getpixel((320, 180)), COLOURS[0])


@pytest.mark.corpus
def test_given_corpus_deck_with_hidden_slides_when_rasterizing_then_one_image_per_slide(
    tmp_path: Path,
) -> None:
    deck = CORPUS / "decks" / "poi__60810.pptx"  # PROBE.tsv: 28 slides, 3 hidden
    if not deck.is_file():
        pytest.skip("shared corpus not present")

    images = rasterize_deck(deck, tmp_path, 1280, 720)

    assert sorted(images) == list(range(1, 29))
    for path in images.values():
        with Image.open(path) as img:
            assert img.size == (1280, 720)
