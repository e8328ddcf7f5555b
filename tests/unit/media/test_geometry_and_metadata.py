"""Pure helpers: slide fitting, page ranges, ffmetadata, concat lists, MP4 box walking."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from estudio.errors import RenderError
from estudio.media.assemble import _concat_list, ffmetadata
from estudio.media.probe import mp4_duration_s, mp4_top_level_boxes
from estudio.models import Chapter
from estudio.slides.rasterize import deck_slide_count, fit_size, split_ranges


@pytest.mark.parametrize(
    ("page", "canvas", "fitted"),
    [
        ((960.009, 540.0), (1920, 1080), (1920, 1080)),  # 16:9 as LibreOffice exports it
        ((720.0, 540.0), (1920, 1080), (1440, 1080)),  # 4:3: pillarbox
        ((960.0, 540.0), (1080, 1920), (1080, 608)),  # 16:9 in vertical: letterbox
        ((720.0, 540.0), (1080, 1080), (1080, 810)),  # 4:3 in square
        ((540.0, 960.0), (1920, 1080), (608, 1080)),  # portrait slide
    ],
)
def test_given_page_when_fitting_then_aspect_is_kept_inside_canvas(
    page: tuple[float, float], canvas: tuple[int, int], fitted: tuple[int, int]
) -> None:
    assert fit_size(*page, *canvas) == fitted


def test_given_pages_when_splitting_then_groups_are_balanced_contiguous_and_bounded() -> None:
    groups = split_ranges(list(range(1, 21)), 2, max_len=8)

    assert groups == [[(1, 8), (9, 10)], [(11, 18), (19, 20)]]


def test_given_sparse_pages_when_splitting_then_every_page_appears_once() -> None:
    pages = [9, 2, 3, 4, 7, 3]

    groups = split_ranges(pages, 4)

    covered = [p for g in groups for a, b in g for p in range(a, b + 1)]
    assert sorted(covered) == [2, 3, 4, 7, 9]
    assert len(groups) == 4
    assert split_ranges([], 2) == []


def test_given_chapters_when_writing_ffmetadata_then_each_ends_at_the_next() -> None:
    text = ffmetadata(
        [Chapter(title="Dois; = #", start_s=2.5), Chapter(title="Um", start_s=0.0)],
        6.0,
        title="Curso\nnovo",
    )

    assert text.startswith(";FFMETADATA1\ntitle=Curso\\\nnovo\n")
    assert "START=0\nEND=2500\ntitle=Um" in text
    assert "START=2500\nEND=6000\ntitle=Dois\\; \\= \\#" in text


def test_given_quote_in_path_when_listing_segments_then_it_is_escaped(tmp_path: Path) -> None:
    seg = tmp_path / "it's.mp4"

    listing = _concat_list([seg])

    assert listing.splitlines()[1] == f"file '{tmp_path}/it'\\''s.mp4'"


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def test_given_mp4_boxes_when_reading_then_order_and_duration_are_found(tmp_path: Path) -> None:
    mvhd = _box(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 90000, 450000) + bytes(80))
    path = tmp_path / "x.mp4"
    path.write_bytes(_box(b"ftyp", b"isom") + _box(b"moov", mvhd) + _box(b"mdat", bytes(16)))

    assert mp4_top_level_boxes(path) == ["ftyp", "moov", "mdat"]
    assert mp4_duration_s(path) == 5.0


def test_given_mp4_without_moov_when_reading_duration_then_render_error(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(_box(b"ftyp", b"isom") + _box(b"mdat", bytes(16)))

    with pytest.raises(RenderError):
        mp4_duration_s(path)


def test_given_not_a_zip_when_counting_slides_then_none(tmp_path: Path) -> None:
    path = tmp_path / "deck.pptx"
    path.write_bytes(b"plain text")

    assert deck_slide_count(path) is None
