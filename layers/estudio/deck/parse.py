"""The *parse* stage: a ``.pptx`` file in, a ``Deck`` out (one ``Scene`` per visible slide).

``inspect_package`` runs first, so python-pptx only ever sees a sane container. Any failure inside
python-pptx or lxml becomes ``CorruptDeck`` with a one-line reason. Narration is the speaker notes;
a slide without notes is narrated from its own text in reading order (title, then shapes by
position, tables row by row, groups recursively). Picture pixels are never decoded: dimensions come
from the image header.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree
from pptx import Presentation
from pptx.exc import PythonPptxError
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.shapes.base import BaseShape
from pptx.slide import Slide

from estudio.deck.builds import apply_builds
from estudio.deck.language import detect_language
from estudio.deck.ooxml_text import (
    leveled_paragraphs,
    notes_text,
    run_fonts,
    table_cells,
    table_lines,
)
from estudio.deck.pictures import picture_info
from estudio.deck.safety import inspect_package
from estudio.deck.unread import alt_texts, fallback_blocks, shape_hidden, smartart_blocks
from estudio.errors import CorruptDeck, DeckError, DeckTooLarge, EmptyDeck
from estudio.models import Deck, PictureInfo, Scene, SlideContent, TextBlock
from estudio.observability import logger
from estudio.settings import Limits

DEFAULT_SLIDE_SIZE = (9_144_000, 6_858_000)  # 4:3, what PowerPoint assumes without p:sldSz

URI_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
URI_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
URI_OLE = "http://schemas.openxmlformats.org/presentationml/2006/ole"
URI_TABLE = "http://schemas.openxmlformats.org/drawingml/2006/table"
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"

# Shapes wrapped in markup-compatibility blocks, which python-pptx does not list as shapes.
_ALTERNATE_SHAPES = etree.XPath(
    "./p:cSld/p:spTree/mc:AlternateContent | ./p:cSld/p:spTree//p:grpSp/mc:AlternateContent",
    namespaces={"p": NS_P, "mc": NS_MC},
)
TITLE_TYPES = frozenset({"title", "ctrTitle"})
SKIPPED_PLACEHOLDERS = frozenset({"dt", "ftr", "sldNum", "hdr", "sldImg"})
MEDIA_TAGS = frozenset(
    {qn("a:videoFile"), qn("a:audioFile"), qn("a:quickTimeFile"), qn("a:wavAudioFile")}
)
ANIMATION_TAGS = frozenset(
    qn(f"p:{t}")
    for t in ("anim", "animClr", "animEffect", "animMotion", "animRot", "animScale", "set", "bldP")
)
# Families the renderer has (or has a metric-compatible substitute for).
KNOWN_FONTS = frozenset(
    f.lower()
    for f in (
        "Calibri",
        "Calibri Light",
        "Cambria",
        "Cambria Math",
        "Carlito",
        "Caladea",
        "Arial",
        "Arial Narrow",
        "Helvetica",
        "Times New Roman",
        "Times",
        "Courier New",
        "Courier",
        "Liberation Sans",
        "Liberation Serif",
        "Liberation Mono",
        "Liberation Sans Narrow",
        "DejaVu Sans",
        "DejaVu Serif",
        "DejaVu Sans Mono",
        "Noto Sans",
        "Noto Serif",
        "Noto Mono",
        "Symbol",
        "Wingdings",
    )
)
PLACEHOLDER_TITLE = re.compile(
    r"^(powerpoint presentation|apresentação do powerpoint|presentación de powerpoint"
    r"|(slide|diapositivo|diapositiva)\s*\d*)$",
    re.IGNORECASE,
)
TERMINAL_PUNCTUATION = tuple(".!?:;…")

# What python-pptx, lxml, zipfile and Pillow raise on malformed content they were handed.
PARSE_FAILURES: tuple[type[BaseException], ...] = (
    PythonPptxError,
    etree.LxmlError,
    zipfile.BadZipFile,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    NotImplementedError,
    OSError,
    EOFError,
    struct.error,
    RecursionError,
)


@dataclass
class _Block:
    """One piece of slide text with its position, for reading order."""

    top: int | None
    left: int | None
    lines: list[str]
    levels: list[int] = field(default_factory=list)  # outline level per line (text shapes)
    rows: list[list[str]] | None = None  # a table's cells (then ``lines`` are its rows)
    height: int | None = None


@dataclass
class _SlideContent:
    title: str | None = None
    blocks: list[_Block] = field(default_factory=list)
    pictures: list[PictureInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fonts: set[str] = field(default_factory=set)


def parse_deck(path: Path, limits: Limits, source_name: str | None = None) -> Deck:
    """Read ``path`` into a ``Deck``. Raises only ``DeckError`` subclasses for bad input."""
    inspect_package(path, limits)
    name = source_name or path.name
    try:
        prs = Presentation(str(path))
        deck = _build_deck(prs, limits, name)
    except DeckError:
        raise
    except PARSE_FAILURES as e:
        reason = _one_line(f"{type(e).__name__}: {e}")
        logger.warning("deck parse failed", source=name, error=type(e).__name__)
        raise CorruptDeck(f"the deck could not be read ({reason})") from e
    logger.info(
        "deck parsed",
        source=name,
        slides=deck.slide_count,
        scenes=len(deck.scenes),
        hidden=len(deck.hidden_slides),
        language=deck.language,
        warnings=len(deck.warnings) + sum(len(s.warnings) for s in deck.scenes),
    )
    return deck


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _build_deck(prs: PresentationType, limits: Limits, source_name: str) -> Deck:
    slides = prs.slides
    count = len(slides)
    if count > limits.max_slides:
        raise DeckTooLarge(
            f"the deck has {count} slides; the limit is {limits.max_slides}", slides=count
        )
    width = prs.slide_width or DEFAULT_SLIDE_SIZE[0]
    height = prs.slide_height or DEFAULT_SLIDE_SIZE[1]
    theme_fonts = _theme_fonts(prs)
    scenes: list[Scene] = []
    hidden: list[int] = []
    fonts: set[str] = set()
    for number, slide in enumerate(slides, start=1):
        if slide._element.get("show") in ("0", "false"):
            hidden.append(number)
            continue
        scene, used_fonts = _scene(slide, len(scenes), number, height, limits)
        scene = apply_builds(scene, slide._element)
        scenes.append(scene)
        fonts |= used_fonts
    if not scenes:
        detail = f"every slide ({count}) is hidden" if count else "the deck has no slides"
        raise EmptyDeck(f"nothing to narrate: {detail}", slides=count)
    deck_warnings: list[str] = []
    unknown = sorted(f for f in fonts | theme_fonts if f.lower() not in KNOWN_FONTS)
    if unknown:
        listed = ", ".join(repr(f) for f in unknown[:8])
        deck_warnings.append(
            f"fonts: {listed} may be substituted when the slides are drawn; text may re-wrap"
        )
    text = "\n".join(filter(None, [s.title or "" for s in scenes] + [s.script for s in scenes]))
    return Deck(
        source_name=source_name,
        slide_width_emu=width,
        slide_height_emu=height,
        slide_count=count,
        hidden_slides=hidden,
        language=detect_language(text),
        title=_deck_title(prs, scenes),
        scenes=scenes,
        warnings=deck_warnings,
        fonts=sorted(fonts | theme_fonts),
    )


def _deck_title(prs: PresentationType, scenes: list[Scene]) -> str | None:
    core = _one_line(prs.core_properties.title or "")
    if core and not PLACEHOLDER_TITLE.match(core):
        return core
    return next((s.title for s in scenes if s.title), None)


def _theme_fonts(prs: PresentationType) -> set[str]:
    fonts: set[str] = set()
    for master in prs.slide_masters:
        for rel in master.part.rels.values():
            if rel.reltype != RT.THEME or rel.is_external:
                continue
            root = etree.fromstring(
                rel.target_part.blob, parser=etree.XMLParser(resolve_entities=False)
            )
            for latin in root.iter(qn("a:latin")):
                face = latin.get("typeface") or ""
                if face and not face.startswith("+"):
                    fonts.add(face)
            break
    return fonts


# --- one slide -----------------------------------------------------------------------------------
def _scene(
    slide: Slide, index: int, number: int, slide_height: int, limits: Limits
) -> tuple[Scene, set[str]]:
    content = _SlideContent()
    for shape in slide.shapes:
        _visit(shape, slide, content, limits)
    _scan_slide_xml(slide, content)
    _read_unlisted(slide, content)

    notes = notes_text(slide)
    source: Literal["notes", "slide_text", "none"]
    if notes:
        script, source = notes, "notes"
    else:
        script = _slide_text(content, slide_height) or ". ".join(alt_texts(slide))
        source = "slide_text" if script else "none"
    if len(script) > limits.max_script_chars:
        script = _truncate(script, limits.max_script_chars)
        content.warnings.append(
            f"script_truncated: narration cut to {limits.max_script_chars} characters"
        )
    scene = Scene(
        index=index,
        slide_number=number,
        title=content.title,
        script=script,
        script_source=source,
        pictures=content.pictures,
        warnings=_dedupe(content.warnings),
        content=_structured(content, slide_height),
    )
    return scene, content.fonts


def _structured(content: _SlideContent, slide_height: int) -> SlideContent:
    """The slide's text blocks in reading order, with where each sits (for the script writer)."""
    blocks: list[TextBlock] = []
    for block in _ordered(content.blocks, slide_height):
        top = bottom = None
        if block.top is not None and slide_height > 0:
            top = round(block.top / slide_height, 3)
            if block.height is not None:
                bottom = round((block.top + block.height) / slide_height, 3)
        if block.rows is not None:
            blocks.append(TextBlock(kind="table", rows=block.rows, top=top, bottom=bottom))
        else:
            levels = block.levels if len(block.levels) == len(block.lines) else []
            blocks.append(
                TextBlock(
                    paragraphs=block.lines,
                    levels=levels or [0] * len(block.lines),
                    top=top,
                    bottom=bottom,
                )
            )
    return SlideContent(blocks=blocks, pictures=len(content.pictures))


def _read_unlisted(slide: Slide, content: _SlideContent) -> None:
    """SmartArt and markup-compatibility fallback text, which python-pptx does not list."""
    for block in smartart_blocks(slide) + fallback_blocks(slide):
        content.blocks.append(_Block(block.top, block.left, block.lines))
        if block.source == "smartart":
            content.warnings = [
                w
                for w in content.warnings
                if not (w.startswith("smartart:") and "not narrated" in w)
            ]


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _truncate(script: str, limit: int) -> str:
    cut = script[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip()


def _visit(shape: BaseShape, slide: Slide, content: _SlideContent, limits: Limits) -> None:
    elm = shape._element
    tag = elm.tag
    name = shape.name or f"shape {shape.shape_id}"
    if shape_hidden(elm):  # not shown, not read
        return
    if tag == qn("p:grpSp"):
        children = list(shape.shapes)  # type: ignore[attr-defined]
        group = _SlideContent()
        for child in children:
            _visit(child, slide, group, limits)
        if group.title and not content.title:
            content.title = group.title
        ordered = _ordered(group.blocks, None)
        lines = [line for block in ordered for line in block.lines]
        if lines:
            levels = [lvl for b in ordered for lvl in (b.levels or [0] * len(b.lines))]
            content.blocks.append(_Block(shape.top, shape.left, lines, levels, None, shape.height))
        content.pictures.extend(group.pictures)
        content.warnings.extend(group.warnings)
        content.fonts |= group.fonts
        return
    if tag == qn("p:pic"):
        content.pictures.append(picture_info(elm, name, slide, limits, content.warnings))
        if _is_media(elm):
            content.warnings.append(f"media: {name!r} (audio/video) is shown as a still image")
        return
    if tag == qn("p:graphicFrame"):
        _graphic_frame(shape, name, content)
        return
    ph_type = _placeholder_type(elm)
    if ph_type in SKIPPED_PLACEHOLDERS:
        return
    tx_body = elm.find(qn("p:txBody"))
    if tx_body is None:
        return
    leveled = leveled_paragraphs(tx_body)
    lines = [text for text, _ in leveled]
    content.fonts |= run_fonts(tx_body)
    if not lines:
        return
    if ph_type in TITLE_TYPES and content.title is None:
        content.title = " ".join(lines)
        return
    levels = [level for _, level in leveled]
    content.blocks.append(_Block(shape.top, shape.left, lines, levels, None, shape.height))


def _placeholder_type(elm: etree._Element) -> str | None:
    ph = elm.find(f"./*/{qn('p:nvPr')}/{qn('p:ph')}")
    if ph is None:
        return None
    return ph.get("type", "body")


def _graphic_frame(shape: BaseShape, name: str, content: _SlideContent) -> None:
    data = shape._element.find(f"{qn('a:graphic')}/{qn('a:graphicData')}")
    uri = data.get("uri") if data is not None else None
    if uri == URI_TABLE and data is not None:
        table = data.find(qn("a:tbl"))
        cells = table_cells(table) if table is not None else []
        rows = table_lines(cells)
        if rows:
            content.blocks.append(_Block(shape.top, shape.left, rows, [], cells, shape.height))
    elif uri == URI_CHART:
        content.warnings.append(f"chart: {name!r} is drawn by LibreOffice and may look different")
    elif uri == URI_DIAGRAM:
        content.warnings.append(
            f"smartart: {name!r} is drawn from its saved image; its text is not narrated"
        )
    elif uri == URI_OLE:
        content.warnings.append(f"ole_object: {name!r} (embedded object) is shown as its preview")
    else:
        content.warnings.append(f"unsupported: {name!r} has content that may not render")


def _scan_slide_xml(slide: Slide, content: _SlideContent) -> None:
    root = slide._element
    if next(root.iter(*ANIMATION_TAGS), None) is not None:
        content.warnings.append("animation: animations play as the final, fully built slide")
    if _ALTERNATE_SHAPES(root):
        content.warnings.append(
            "unsupported: the slide holds objects (ink, equations, add-ins) drawn as a fallback"
        )


def _is_media(pic: etree._Element) -> bool:
    nv_pr = pic.find(f"{qn('p:nvPicPr')}/{qn('p:nvPr')}")
    if nv_pr is None:
        return False
    return any(child.tag in MEDIA_TAGS for child in nv_pr) or (
        next(nv_pr.iter(f"{{{NS_P14}}}media"), None) is not None
    )


def _ordered(blocks: list[_Block], slide_height: int | None) -> list[_Block]:
    """Top to bottom, then left to right; tops within a small band count as one row."""
    band = max((slide_height or 0) // 40, 1)

    def key(block: _Block) -> tuple[int, int, int]:
        if block.top is None or block.left is None:
            return (1, 0, 0)
        return (0, block.top // band, block.left)

    return sorted(blocks, key=key)


def _slide_text(content: _SlideContent, slide_height: int) -> str:
    lines: list[str] = [content.title] if content.title else []
    for block in _ordered(content.blocks, slide_height):
        lines.extend(block.lines)
    return "\n".join(_sentence(line) for line in lines)


def _sentence(line: str) -> str:
    """Close a bullet with a full stop so the voice pauses between bullets."""
    return line if line.endswith(TERMINAL_PUNCTUATION) else line + "."
