"""A PDF handout is rasterized page by page with pdftoppm, without LibreOffice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from estudio.slides.rasterize import rasterize_deck

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler is needed")
COLOURS = [(200, 30, 30), (30, 160, 60)]


def test_given_a_pdf_when_rasterized_then_each_page_is_a_slide_and_libreoffice_is_not_run(
    tmp_path: Path,
) -> None:
    pages = [Image.new("RGB", (640, 360), c) for c in COLOURS]
    pdf = tmp_path / "handout.pdf"
    pages[0].save(pdf, format="PDF", save_all=True, append_images=pages[1:])

    images = rasterize_deck(pdf, tmp_path / "out", 320, 180, soffice="no-such-office-suite")

    assert sorted(images) == [1, 2]
    for number, colour in zip(sorted(images), COLOURS, strict=True):
        with Image.open(images[number]) as img:
            assert img.size == (320, 180)
            pixel = img.convert("RGB").getpixel((160, 90))
            assert isinstance(pixel, tuple)
            assert all(abs(a - b) <= 8 for a, b in zip(pixel, colour, strict=True))
