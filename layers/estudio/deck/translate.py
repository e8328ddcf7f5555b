"""The on-slide text of a deck, translated into a copy (``--translate-slides``, docs/adr/0017).

Every text frame of each slide is read: text shapes, placeholders, shapes inside groups (any
depth) and table cells; the speaker notes are left alone (the scripts are translated on their
own) and so are charts and SmartArt (separate parts). A paragraph is the unit of translation:
its text goes out with its manual line breaks as ``\\n``; the translation goes back into the
paragraph's *dominant run* (the one carrying most of its characters, so the paragraph keeps the
look most of its text had: font, size, bold, colour), the other runs are emptied, fields (slide
numbers, dates) stay. When the translation has as many lines as the original, each line goes
back into its own segment between the breaks; otherwise the breaks are dropped.

Text that would overflow its box shrinks: the frame's height is estimated before and after
(average glyph width and line height for its font size and box width) and the font scale is
lowered in 5 % steps, never below ``MIN_SCALE``, until the translation needs no more room than
the box (or than the original needed). Runs with explicit sizes get smaller sizes; a text box
whose sizes are inherited gets ``normAutofit fontScale``. A table shrinks as one (its smallest
cell scale, for every cell with explicit sizes, so the cells stay alike); cells with inherited
sizes are left to grow their rows, as table cells have no autofit. Pure file work: the
translating itself is the ``translate`` callable passed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

from estudio.errors import WriterFailed

MIN_SCALE = 0.6  # text never shrinks below 60 % of its size
STEP = 0.05
DEFAULT_PT = 18.0  # what PowerPoint uses when nothing says otherwise (tables too)
MIN_PT = 6.0
GLYPH_WIDTH = 0.5  # average glyph width, as a share of the font size
LINE_HEIGHT = 1.2
EMU_PER_PT = 12_700
INSETS_EMU = (91_440, 91_440, 45_720, 45_720)  # left, right, top, bottom (the defaults)
PARALLEL_CALLS = 4
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_AUTOFIT = (qn("a:noAutofit"), qn("a:normAutofit"), qn("a:spAutoFit"))

# texts of one slide -> their translations (same count); raises WriterFailed
Translate = Callable[[list[str], int], list[str]]


@dataclass
class _Paragraph:
    element: etree._Element
    segments: list[list[etree._Element]]  # a:r runs between the a:br line breaks

    @property
    def text(self) -> str:
        return "\n".join("".join(_run_text(r) for r in runs) for runs in self.segments)


@dataclass
class _Frame:
    body: etree._Element  # p:txBody or a:txBody (a table cell)
    width_emu: int | None
    height_emu: int | None
    table: int | None  # which table of the slide a cell belongs to; None: a text shape
    paragraphs: list[_Paragraph] = field(default_factory=list)


@dataclass
class SlideText:
    """What happened to each slide's text in the translated copy."""

    translated: dict[int, dict[str, str]] = field(default_factory=dict)  # slide -> old -> new
    warnings: dict[int, list[str]] = field(default_factory=dict)  # slide -> warnings
    shrunk: int = 0  # frames whose text was made smaller to fit

    @property
    def paragraphs(self) -> int:
        return sum(len(v) for v in self.translated.values())


def translate_deck_file(
    source: Path,
    dest: Path,
    translate: Translate,
    slide_numbers: Iterable[int] | None = None,
    parallel: int = PARALLEL_CALLS,
) -> SlideText:
    """Write to ``dest`` a copy of ``source`` whose slides (``slide_numbers``, 1-based; all when
    None) carry their text translated. A slide whose translation fails keeps its text and gets a
    warning; the copy is written even then (atomically: aside, then renamed)."""
    prs = Presentation(str(source))
    wanted = set(slide_numbers) if slide_numbers is not None else None
    slides: list[tuple[int, list[_Frame], list[str]]] = []  # read here: threads only ask
    for number, slide in enumerate(prs.slides, start=1):
        if wanted is not None and number not in wanted:
            continue
        frames = _frames(slide)
        texts = [p.text for f in frames for p in f.paragraphs if _translatable(p.text)]
        if texts:
            slides.append((number, frames, texts))

    def ask(item: tuple[int, list[_Frame], list[str]]) -> list[str] | WriterFailed:
        number, _, texts = item
        try:
            answer = translate(texts, number)
        except WriterFailed as error:
            return error
        if len(answer) != len(texts):
            return WriterFailed(f"{len(answer)} translations for {len(texts)} paragraphs")
        return answer

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="slides") as pool:
        answers = list(pool.map(ask, slides))
    report = SlideText()
    for (number, frames, _), answer in zip(slides, answers, strict=True):
        if isinstance(answer, WriterFailed):
            report.warnings.setdefault(number, []).append(
                f"slide_text: the slide's text could not be translated ({answer.message}); "
                "it is shown as written"
            )
            continue
        report.translated[number] = {}
        pending = iter(answer)
        scales: list[float] = []
        for frame in frames:
            before = [p.text for p in frame.paragraphs]
            for paragraph in frame.paragraphs:
                if _translatable(paragraph.text):
                    new = next(pending)
                    report.translated[number][paragraph.text] = new
                    _set_text(paragraph, new)
            scales.append(_needed_scale(frame, before, [p.text for p in frame.paragraphs]))
        tables: dict[int, float] = {}  # one scale per table: its cells stay alike
        for frame, scale in zip(frames, scales, strict=True):
            if frame.table is not None:
                tables[frame.table] = min(scale, tables.get(frame.table, 1.0))
        for frame, scale in zip(frames, scales, strict=True):
            final = tables[frame.table] if frame.table is not None else scale
            if final < 1.0 and _apply_scale(frame, final):
                report.shrunk += 1
    tmp = dest.with_name(f".{dest.name}.tmp")
    prs.save(str(tmp))
    tmp.replace(dest)
    return report


def _translatable(text: str) -> bool:
    return bool(_LETTER.search(text))


def _run_text(run: etree._Element) -> str:
    t = run.find(qn("a:t"))
    return (t.text or "") if t is not None else ""


# --- reading the frames -------------------------------------------------------------------------
def _frames(slide: Slide) -> list[_Frame]:
    frames: list[_Frame] = []
    for shape in slide.shapes:
        _visit(shape, frames)
    return frames


def _visit(shape: BaseShape, frames: list[_Frame]) -> None:
    if isinstance(shape, GroupShape):
        for child in shape.shapes:
            _visit(child, frames)
        return
    if getattr(shape, "has_table", False):
        table = shape.table  # type: ignore[attr-defined]
        widths = [column.width for column in table.columns]
        table_id = len(frames)  # unique on the slide: where its first cell will sit
        for row in table.rows:
            for c, cell in enumerate(row.cells):
                if cell.is_spanned:
                    continue
                width = sum(widths[c : c + max(1, cell.span_width)])
                body = cell._tc.find(qn("a:txBody"))
                if body is not None:
                    frames.append(_frame(body, width, row.height, table=table_id))
        return
    if shape.has_text_frame:
        body = shape.text_frame._txBody  # type: ignore[attr-defined]
        frames.append(_frame(body, _emu(shape, "width"), _emu(shape, "height"), table=None))


def _emu(shape: BaseShape, name: str) -> int | None:
    try:
        value = getattr(shape, name)
    except (AttributeError, KeyError, ValueError):
        return None
    return int(value) if value else None


def _frame(
    body: etree._Element, width: int | None, height: int | None, table: int | None
) -> _Frame:
    frame = _Frame(body, width, height, table)
    for p in body.iterchildren(qn("a:p")):
        segments: list[list[etree._Element]] = [[]]
        for child in p:
            if child.tag == qn("a:r"):
                segments[-1].append(child)
            elif child.tag == qn("a:br"):
                segments.append([])
        frame.paragraphs.append(_Paragraph(p, segments))
    return frame


# --- writing the translation --------------------------------------------------------------------
def _dominant(runs: Sequence[etree._Element]) -> etree._Element:
    return max(runs, key=lambda r: len(_run_text(r)))  # the first of the longest


def _put(run: etree._Element, text: str) -> None:
    t = run.find(qn("a:t"))
    if t is None:
        t = etree.SubElement(run, qn("a:t"))
    t.text = text


def _set_text(paragraph: _Paragraph, text: str) -> None:
    lines = text.split("\n")
    segments = paragraph.segments
    if len(lines) == len(segments) and all(runs for runs in segments):
        for runs, line in zip(segments, lines, strict=True):
            keep = _dominant(runs)
            for run in runs:
                _put(run, line.strip() if run is keep else "")
        return
    runs = [run for segment in segments for run in segment]
    if not runs:
        return
    keep = _dominant(runs)
    for run in runs:
        _put(run, " ".join(part.strip() for part in lines if part.strip()) if run is keep else "")
    for br in paragraph.element.findall(qn("a:br")):
        paragraph.element.remove(br)
    paragraph.segments = [runs]


# --- making it fit ------------------------------------------------------------------------------
def _sizes(frame: _Frame) -> list[etree._Element]:
    """The ``a:rPr`` of the frame's runs that have one."""
    props = []
    for paragraph in frame.paragraphs:
        for run in (r for segment in paragraph.segments for r in segment):
            rpr = run.find(qn("a:rPr"))
            if rpr is not None:
                props.append(rpr)
    return props


def _runs(frame: _Frame) -> int:
    return sum(len(segment) for p in frame.paragraphs for segment in p.segments)


def _font_scale(frame: _Frame) -> float:
    body_pr = frame.body.find(qn("a:bodyPr"))
    fit = body_pr.find(qn("a:normAutofit")) if body_pr is not None else None
    if fit is not None and fit.get("fontScale"):
        return int(fit.get("fontScale", "100000")) / 100_000
    return 1.0


def _nominal_pt(frame: _Frame) -> float:
    sizes = [int(rpr.get("sz")) / 100 for rpr in _sizes(frame) if rpr.get("sz")]
    return (max(sizes) if sizes else DEFAULT_PT) * _font_scale(frame)


def _insets(frame: _Frame) -> tuple[int, int, int, int]:
    body_pr = frame.body.find(qn("a:bodyPr"))
    if body_pr is None:
        return INSETS_EMU
    names = ("lIns", "rIns", "tIns", "bIns")
    return tuple(  # type: ignore[return-value]
        int(body_pr.get(name, default)) for name, default in zip(names, INSETS_EMU, strict=True)
    )


def estimated_height_pt(texts: Sequence[str], size_pt: float, width_pt: float) -> float:
    """How tall ``texts`` (paragraphs; ``\\n`` a line break) set at ``size_pt`` in a box
    ``width_pt`` wide would be, by average glyph width and line height."""
    per_line = max(1.0, width_pt / (GLYPH_WIDTH * size_pt))
    lines = sum(max(1, math.ceil(len(line) / per_line)) for t in texts for line in t.split("\n"))
    return lines * size_pt * LINE_HEIGHT


def shrink_scale(
    before: Sequence[str], after: Sequence[str], size_pt: float, box: tuple[float, float] | None
) -> float:
    """The font scale (``MIN_SCALE``–1) ``after`` needs so it takes no more room than the box
    (``width_pt``, ``height_pt``) or than ``before`` took, whichever is larger."""
    if box is None or box[0] <= 0:  # no box to measure: by how much the text grew
        grown = sum(map(len, after)) / max(1, sum(map(len, before)))
        return 1.0 if grown <= 1.15 else max(MIN_SCALE, round(1 / math.sqrt(grown), 2))
    width, height = box
    room = max(height, estimated_height_pt(before, size_pt, width))
    scale = 1.0
    while scale > MIN_SCALE + 1e-9 and estimated_height_pt(after, size_pt * scale, width) > room:
        scale = round(scale - STEP, 2)
    return max(scale, MIN_SCALE)


def _needed_scale(frame: _Frame, before: Sequence[str], after: Sequence[str]) -> float:
    """The font scale the frame's translated text needs not to overflow (1.0: none)."""
    size = _nominal_pt(frame)
    box = None
    if frame.width_emu:
        left, right, top, bottom = _insets(frame)
        width = (frame.width_emu - left - right) / EMU_PER_PT
        height = ((frame.height_emu or 0) - top - bottom) / EMU_PER_PT
        box = (width, height) if frame.height_emu else None
    return shrink_scale(before, after, size, box)


def _scale_size(element: etree._Element, scale: float) -> None:
    size = int(element.get("sz", "0")) / 100
    element.set("sz", str(round(max(MIN_PT, size * scale) * 100)))


def _apply_scale(frame: _Frame, scale: float) -> bool:
    """Make the frame's text ``scale`` times its size; True when anything changed. Explicit
    sizes are scaled; a text box with inherited sizes gets ``normAutofit fontScale``; a table
    cell with inherited sizes is left to grow its row (cells have no autofit)."""
    explicit = [rpr for rpr in _sizes(frame) if rpr.get("sz")]
    if frame.table is not None or len(explicit) == _runs(frame):
        for rpr in explicit:
            _scale_size(rpr, scale)
        for end in frame.body.iter(qn("a:endParaRPr")):
            if end.get("sz"):
                _scale_size(end, scale)
        return bool(explicit)
    body_pr = frame.body.find(qn("a:bodyPr"))
    if body_pr is None:
        body_pr = etree.Element(qn("a:bodyPr"))
        frame.body.insert(0, body_pr)
    previous = _font_scale(frame)
    for tag in _AUTOFIT:
        for old in body_pr.findall(tag):
            body_pr.remove(old)
    fit = etree.Element(qn("a:normAutofit"))
    fit.set("fontScale", str(round(previous * scale * 100_000)))
    warp = body_pr.find(qn("a:prstTxWarp"))
    body_pr.insert(0 if warp is None else body_pr.index(warp) + 1, fit)
    return True
