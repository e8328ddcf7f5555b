"""Small python-pptx helpers that build decks for the parse tests."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.shapes.autoshape import Shape
from pptx.slide import Slide
from pptx.util import Inches

from estudio.deck.samples import png_header

BLANK, TITLE_ONLY = 6, 5


def build(path: Path, *slides: Callable[[PresentationType], object]) -> Path:
    """Save a deck whose slides are made, in order, by ``slides``."""
    prs = Presentation()
    for make in slides:
        make(prs)
    prs.save(str(path))
    return path


def titled(prs: PresentationType, title: str) -> Slide:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    assert slide.shapes.title is not None
    slide.shapes.title.text = title
    return slide


def blank(prs: PresentationType) -> Slide:
    return prs.slides.add_slide(prs.slide_layouts[BLANK])


def textbox(slide: Slide, text: str, left: float, top: float) -> Shape:
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(2), Inches(0.5))
    box.text_frame.text = text
    return box


def notes(slide: Slide, text: str) -> None:
    frame = slide.notes_slide.notes_text_frame
    assert frame is not None
    frame.text = text


def picture(slide: Slide) -> etree._Element:
    pic = slide.shapes.add_picture(io.BytesIO(png_header(8, 6)), Inches(1), Inches(1))
    return pic._element


def make_placeholder(shape: Shape, ph_type: str) -> None:
    """Turn a text box into a placeholder of ``ph_type`` (``sldNum``, ``ftr``, ``dt``…)."""
    nv_pr = shape._element.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}")
    ph = etree.SubElement(nv_pr, qn("p:ph"))
    ph.set("type", ph_type)
